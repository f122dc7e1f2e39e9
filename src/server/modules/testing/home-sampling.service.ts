import { msg } from '../../../common/message-text.js';
import type { JurisdictionDto } from '../../../common/geo.js';
import { inTx, type Db, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, type Actor } from '../../platform/actor.js';
import { HOUR, type Clock } from '../../platform/clock.js';
import type { CreateTaskInput } from '../../platform/tasks/tasks.service.js';
import type { Services } from '../../services.types.js';
import type { CampaignService } from './campaigns.service.js';
import { TestingErrors } from './testing.errors.js';
import * as repo from './testing.repository.js';
import { maskName } from './testing.rules.js';
import { TESTING_SYSTEM, requireCap, type unitFinder } from './testing.shared.js';

/** A person who needs sampling at home, and the group one task covers (the person, or their household). */
interface HomeSamplingCandidate {
  id: string;
  name: string;
  path: string;
  group: string;
}

/** How one channel of home sampling finds its persons and words its tasks. */
interface HomeSamplingChannel {
  /** The persons under the jurisdiction this channel samples at home (any order, no duplicates). */
  find(tx: Tx, actor: Actor, j: JurisdictionDto): Promise<HomeSamplingCandidate[]>;
  /** The task for one group (its members in the order found). */
  task(
    c: repo.CampaignRow,
    group: string,
    members: readonly HomeSamplingCandidate[],
  ): Pick<CreateTaskInput, 'title' | 'description' | 'sourceEntityType' | 'sourceEntityId' | 'subject'>;
  /** What the journal entry adds to `{ tasks, withoutUnit }`. */
  summary(groups: number): Record<string, unknown>;
}

const PAGE = 200;
const DEFAULT_FLAGS = ['bedridden', 'elderly_alone', 'dialysis'];

/**
 * Home sampling (上门采样), assigned to each group's community unit, never twice per campaign: the
 * `vulnerable` channel (one task per person by population flags) and the `sealed` channel (one task
 * per household of a sealed area, 1户1管), both through `createHomeSamplingTasks`.
 */
export function createHomeSamplingService({
  db,
  clock,
  population,
  control,
  geo,
  tasks,
  journal,
  campaigns,
  units,
}: {
  db: Db;
  clock: Clock;
  population: Pick<Services['population'], 'list'>;
  control: Pick<Services['control'], 'statusesOf'>;
  geo: Pick<Services['geo'], 'getById'>;
  tasks: Pick<Services['tasks'], 'create'>;
  journal: Pick<Services['journal'], 'appendBatch'>;
  campaigns: Pick<CampaignService, 'visible'>;
  /** The unit that takes a path's tasks (testing.shared.ts `unitFinder`). */
  units: (db: DbOrTx) => ReturnType<typeof unitFinder>;
}) {
  const vulnerable = (flags: readonly string[]): HomeSamplingChannel => ({
    async find(tx, actor, j) {
      const found = new Map<string, HomeSamplingCandidate>();
      for (const flag of flags) {
        for (let page = 1; ; page++) {
          const { items, total } = await population.list(actor, { jurisdictionId: j.id, vulnerable: flag as never, page, pageSize: PAGE }, tx);
          for (const p of items) found.set(p.id, { id: p.id, name: p.name, path: p.location.path, group: p.id });
          if (page * PAGE >= total || !items.length) break;
        }
      }
      return [...found.values()];
    },
    task: (c, _group, [p]) => ({
      title: msg('testing.auto.homeSampling.title', { name: maskName(p!.name) }),
      subject: { kind: 'person', text: maskName(p!.name) },
      description: msg('testing.auto.homeSampling.body', { campaign: c.name }),
      sourceEntityType: 'person',
      sourceEntityId: p!.id,
    }),
    summary: () => ({ flags }),
  });

  const sealed: HomeSamplingChannel = {
    async find(tx, actor, j) {
      const found: HomeSamplingCandidate[] = [];
      for (let page = 1; ; page++) {
        const { items, total } = await population.list(actor, { jurisdictionId: j.id, page, pageSize: PAGE }, tx);
        const statuses = await control.statusesOf(
          items.map((p) => p.id),
          tx,
        );
        for (const p of items)
          if (statuses.get(p.id)?.status === 'sealed') found.push({ id: p.id, name: p.name, path: p.location.path, group: p.householdId ?? `person:${p.id}` });
        if (page * PAGE >= total || !items.length) break;
      }
      return found;
    },
    task: (c, household, members) => ({
      // The household's members by (masked) name, so two households' tasks read apart.
      title: msg('task.auto.about', {
        what: msg('testing.auto.doorSampling.title', { n: members.length }),
        name: members.map((m) => maskName(m.name)).join('、'),
      }),
      subject: { kind: 'person', text: members.map((m) => maskName(m.name)).join('、') },
      description: msg('testing.auto.doorSampling.body', { campaign: c.name }),
      sourceEntityType: household.startsWith('person:') ? 'person' : 'household',
      sourceEntityId: household.startsWith('person:') ? members[0]!.id : household,
    }),
    summary: (households) => ({ channel: 'sealed', households }),
  };

  /**
   * The one path of both channels: the campaign (active) and jurisdiction (in scope and campaign)
   * checked, the channel's persons not yet sampled claimed (never twice per campaign), one high-priority
   * task per group to the unit of its first member's path, due at `dueHours` or the campaign deadline,
   * and one journal entry for the batch.
   */
  async function createHomeSamplingTasks(
    trx: Tx | undefined,
    actor: Actor,
    campaignId: string,
    input: { jurisdictionId: string; dueHours?: number },
    channel: HomeSamplingChannel,
  ) {
    requireCap(actor, 'testing.manage');
    return inTx(trx ?? db, async (tx) => {
      const c = await campaigns.visible(tx, actor, campaignId);
      if (c.status !== 'active') throw TestingErrors.CAMPAIGN_NOT_ACTIVE({ id: c.id, status: c.status });
      const j = await geo.getById(input.jurisdictionId, tx);
      if (!j || !inScope(actor, j.path) || !JSON.parse(c.scope_paths).some((p: string) => j.path.startsWith(p)))
        throw TestingErrors.JURISDICTION_NOT_FOUND({ jurisdictionId: input.jurisdictionId });
      const found = await channel.find(tx, actor, j);
      const sampled = await repo.sampledAmong(
        tx,
        c.id,
        found.map((p) => p.id),
      );
      const todo = found.filter((p) => !sampled.has(p.id));
      const now = clock.now();
      const fresh = await repo.claimHomeSampling(
        tx,
        todo.map((p) => ({ campaign_id: c.id, person_id: p.id, task_id: null, jurisdiction_path: p.path, created_at: now })),
      );
      const groups = new Map<string, HomeSamplingCandidate[]>();
      for (const p of todo) if (fresh.has(p.id)) groups.set(p.group, [...(groups.get(p.group) ?? []), p]);
      const unitOf = units(tx);
      const dueAt = input.dueHours ? now + input.dueHours * HOUR : Number(c.deadline_at);
      let created = 0;
      let withoutUnit = 0;
      for (const [group, members] of groups) {
        const unit = await unitOf.forPath(members[0]!.path);
        if (!unit) {
          withoutUnit += members.length;
          continue;
        }
        const task = await tasks.create(tx, TESTING_SYSTEM, {
          ...channel.task(c, group, members),
          sourceModule: 'testing',
          assigneeUnitId: unit.id,
          jurisdictionPath: members[0]!.path,
          priority: 'high',
          dueAt,
        });
        for (const m of members) await repo.setHomeSamplingTask(tx, c.id, m.id, task.id);
        created++;
      }
      if (created || withoutUnit) {
        await journal.appendBatch(tx, actor, {
          action: 'testing.home-sampling.create',
          entityType: 'testing_campaign',
          entityId: c.id,
          jurisdictionPath: j.path,
          rows: todo.filter((p) => fresh.has(p.id)).map((p) => p.id),
          summary: { tasks: created, withoutUnit, ...channel.summary(groups.size) },
        });
      }
      return { tasks: created, alreadyTasked: todo.length - fresh.size, alreadySampled: sampled.size, withoutUnit };
    });
  }

  return {
    /**
     * Home sampling (上门采样), assigned to each person's community unit, never twice per campaign:
     * - channel `vulnerable` (default): one task per vulnerable person (by population flags) not yet sampled;
     * - channel `sealed`: residents of sealed areas (封控, stay at home) not yet sampled, one task per
     *   household (1户1管: one tube takes the household at its door).
     */
    async homeSampling(
      trx: Tx | undefined,
      actor: Actor,
      campaignId: string,
      input: { jurisdictionId: string; channel?: 'vulnerable' | 'sealed'; flags?: readonly string[]; dueHours?: number },
    ) {
      const channel = input.channel === 'sealed' ? sealed : vulnerable(input.flags?.length ? input.flags : DEFAULT_FLAGS);
      return createHomeSamplingTasks(trx, actor, campaignId, input, channel);
    },
  };
}
