import { msg, type MessageRef } from '../../../common/message-text.js';
import type { TestingInputs } from './testing.inputs.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { claimClientIds } from '../../platform/applied-ops.js';
import { inScope, scopePrefix, type Actor } from '../../platform/actor.js';
import { HOUR } from '../../platform/clock.js';
import type { JobContext } from '../../platform/jobs/jobs.types.js';
import { newId } from '../../platform/ids.js';
import { TestingErrors } from './testing.errors.js';
import * as repo from './testing.repository.js';
import { RESULT_LABELS, isReactive, normalizeBarcode, pathAtDepth, type TestResult } from './testing.rules.js';
import type { RecheckDto } from './testing.schemas.js';
import type { CodeVerifier } from './code-verifier.js';
import {
  CoverageDeltas,
  TESTING_SYSTEM,
  flagRow,
  recheckDto,
  requireCap,
  resolvePerson,
  tubeBriefOf,
  unitFinder,
  type PersonIdentifier,
} from './testing.shared.js';
import type { RecheckListItem } from './testing.schemas.js';
import { firstItem, itemAt } from '../../platform/items.js';

/** Job kind that escalates rechecks not done by their deadline. */
export const RECHECK_OVERDUE_JOB = 'testing.recheck-overdue';

function newRecheckTube(campaignId: string, parentId: string, path: string, now: number): repo.TubeRow {
  return {
    id: newId(now),
    campaign_id: campaignId,
    barcode: null,
    kind: 'recheck',
    pool_size: 1,
    status: 'awaiting_sample',
    site_id: null,
    jurisdiction_path: path,
    parent_tube_id: parentId,
    scan_count: 0,
    open_client_id: null,
    opened_by: null,
    opened_by_name: null,
    opened_at: null,
    closed_at: null,
    closed_reason: null,
    close_client_id: null,
    box_code: null,
    received_at: null,
    received_by: null,
    result: null,
    ct_orf1ab: null,
    ct_n: null,
    result_at: null,
    lab: null,
    created_at: now,
    updated_at: now,
  };
}

/**
 * Single-tube rechecks (单管复核): started in the same transaction as a positive or suspicious
 * pool result, sampled one person per tube, resolved by their own result — a negative releases
 * the person through the control service, a positive is handed over to the cases module — and
 * escalated when not done by their deadline.
 */
export function createRecheckService(
  deps: TestingInputs<'db' | 'clock', 'control' | 'tasks' | 'journal' | 'outbox' | 'jobs' | 'geo' | 'population' | 'auth'>,
  verifier: CodeVerifier,
) {
  const { control, tasks, journal, outbox, jobs } = deps.services;

  /** Alerts a set of jurisdictions (communities, districts) and HQ about one matter. */
  async function alert(
    tx: Tx,
    paths: { communities: string[]; districts: string[]; city: string | null },
    a: { title: MessageRef; body: MessageRef; severity: 'warning' | 'critical'; tubeId: string; link: string; group: string },
  ): Promise<number> {
    let n = 0;
    const send = async (to: { jurisdictionPath?: string; unitId?: string }) => {
      await tasks.notify(tx, TESTING_SYSTEM, {
        ...to,
        title: a.title,
        body: a.body,
        severity: a.severity,
        link: a.link,
        sourceModule: 'testing',
        sourceEntityType: 'testing_tube',
        sourceEntityId: a.tubeId,
        // One event, one entry in the feed: its community, district and HQ alerts are shown (and acknowledged) together.
        groupKey: `testing_tube:${a.tubeId}:${a.group}`,
      });
      n++;
    };
    for (const p of new Set(paths.communities)) await send({ jurisdictionPath: p });
    for (const p of new Set(paths.districts)) await send({ jurisdictionPath: p });
    if (paths.city) {
      const hq = await unitFinder(deps, tx).hq(paths.city);
      await send(hq ? { unitId: hq.id } : { jurisdictionPath: paths.city });
    }
    return n;
  }

  const placesOf = (personPaths: string[]) => ({
    communities: personPaths.map((p) => pathAtDepth(p, 4) ?? p),
    districts: personPaths.map((p) => pathAtDepth(p, 2) ?? p),
    city: personPaths.length ? pathAtDepth(firstItem(personPaths, 'a person path'), 1) : null,
  });

  async function handover(tx: Tx, actor: Actor, r: repo.RecheckRow, tube: repo.TubeRow): Promise<void> {
    const payload = {
      recheckId: r.id,
      personId: r.person_id,
      campaignId: r.campaign_id,
      tubeId: tube.id,
      barcode: tube.barcode,
      parentTubeId: r.parent_tube_id,
      result: tube.result,
      resultAt: tube.result_at,
      jurisdictionPath: r.jurisdiction_path,
    };
    // The hand-over record is the recheck row itself (status positive, handover_at set) until the
    // cases module acknowledges it with its case id.
    await journal.append(tx, actor, {
      action: 'testing.recheck.handover',
      entityType: 'testing_recheck',
      entityId: r.id,
      jurisdictionPath: r.jurisdiction_path,
      payload: { ...payload, to: 'cases' },
    });
    await outbox.publish(tx, { topic: 'testing.recheck.positive', capability: 'person.read', jurisdictionPath: r.jurisdiction_path, payload });
    await alert(
      tx,
      { ...placesOf([r.jurisdiction_path]), communities: [] },
      {
        title: msg('testing.auto.recheckPositive.title', { name: r.name_masked }),
        body: msg('testing.auto.recheckPositive.body', {
          barcode: tube.barcode ?? '',
          result: msg(`testing.result.${(tube.result as TestResult | null) ?? 'positive'}`),
        }),
        severity: 'critical',
        tubeId: tube.id,
        // Straight to the confirmation of this recheck on the cases page.
        link: `/cases?recheck=${r.id}`,
        group: `recheck-positive:${r.id}`,
      },
    );
  }

  async function release(tx: Tx, actor: Actor, r: repo.RecheckRow, tube: repo.TubeRow): Promise<void> {
    if (Number(r.control_applied) !== 1) return;
    await control.applyAutomatic(tx, actor, {
      personIds: [r.person_id],
      to: 'none',
      basis: { type: 'recheck', id: tube.id },
      reason: `单管复核阴性，解除待复核（${tube.barcode ?? tube.id}） · Negative single-tube recheck (${tube.barcode ?? tube.id})`,
      ifNotAllowed: 'skip',
    });
  }

  /** A note in the recheck task's history, `中文 · English` (the web shows the reader's half). */
  async function comment(tx: Tx, r: repo.RecheckRow, note: string): Promise<void> {
    if (r.task_id) await tasks.comment(tx, TESTING_SYSTEM, r.task_id, note);
  }

  /** The recheck task of one person: sample them in a single tube by the deadline (closes itself when sampled). */
  async function recheckTask(
    tx: Tx,
    p: { recheckId: string; unitId: string; path: string; nameMasked: string; barcode: string | null; result: string; dueAt: number },
  ) {
    return tasks.create(tx, TESTING_SYSTEM, {
      title: msg('testing.auto.recheckTask.title', { name: p.nameMasked }),
      description: msg('testing.auto.recheckTask.body', {
        barcode: p.barcode ?? '',
        result: msg(`testing.result.${p.result as TestResult}`),
        due: { at: p.dueAt },
      }),
      subject: { kind: 'person', text: p.nameMasked },
      sourceModule: 'testing',
      sourceEntityType: 'testing_recheck',
      sourceEntityId: p.recheckId,
      assigneeUnitId: p.unitId,
      jurisdictionPath: p.path,
      priority: 'urgent',
      dueAt: p.dueAt,
    });
  }

  return {
    /**
     * A positive or suspicious pool: in the caller's transaction, a recheck tube (pool of one,
     * linked to the pool) and a recheck task per person, assigned to the unit of their community;
     * the persons set to pending recheck through the status guard with the tube as the basis; an
     * alert to their communities, districts and HQ; and the escalation scheduled at the deadline.
     * Returns how many rechecks started (0 when this pool already had them).
     */
    async startForTube(tx: Tx, actor: Actor, tube: repo.TubeRow, scans: readonly repo.ScanRow[], result: string): Promise<number> {
      if ((await repo.rechecksOfParent(tx, tube.id)).length) return 0;
      const persons = [...new Map(scans.map((s) => [s.person_id, s])).values()];
      if (!persons.length) return 0;
      const c = (await repo.findCampaign(tx, tube.campaign_id))!;
      const now = deps.clock.now();
      const dueAt = now + Number(c.recheck_hours) * HOUR;
      const label = RESULT_LABELS[result as TestResult];
      const tubes = persons.map((s) => newRecheckTube(c.id, tube.id, s.jurisdiction_path, now));
      await repo.insertTubes(tx, tubes);

      const changed = await control.applyAutomatic(tx, actor, {
        personIds: persons.map((s) => s.person_id),
        to: 'pending_recheck',
        basis: { type: 'tube', id: tube.id },
        reason: `混管${label.zh}，单管复核 · Pool ${tube.barcode} ${label.en.toLowerCase()}: single-tube recheck`,
        ifNotAllowed: 'skip',
      });
      const appliedTo = new Set(changed.changes.map((x) => x.personId));

      const units = unitFinder(deps, tx);
      const rows: repo.RecheckRow[] = [];
      for (const [i, s] of persons.entries()) {
        const id = newId(now);
        const unit = await units.forPath(s.jurisdiction_path);
        const task = unit
          ? await recheckTask(tx, {
              recheckId: id,
              unitId: unit.id,
              path: s.jurisdiction_path,
              nameMasked: s.name_masked,
              barcode: tube.barcode,
              result,
              dueAt,
            })
          : null;
        rows.push({
          id,
          campaign_id: c.id,
          parent_tube_id: tube.id,
          tube_id: itemAt(tubes, i, 'the recheck tube').id,
          person_id: s.person_id,
          jurisdiction_path: s.jurisdiction_path,
          name_masked: s.name_masked,
          status: 'awaiting_sample',
          control_applied: appliedTo.has(s.person_id) ? 1 : 0,
          task_id: task?.id ?? null,
          unit_id: unit?.id ?? null,
          due_at: dueAt,
          escalated_at: null,
          created_at: now,
          resolved_at: null,
          handover_at: null,
          handover_ack_at: null,
          handover_ref: null,
        });
      }
      await repo.insertRechecks(tx, rows);

      const deltas = new CoverageDeltas();
      for (const r of rows) deltas.add(r.jurisdiction_path, 'pending_recheck', 1);
      await repo.applyCoverageDeltas(tx, c.id, deltas.byPath, now);

      const alerts = await alert(tx, placesOf(rows.map((r) => r.jurisdiction_path)), {
        title: msg('testing.auto.pool.title', { result: msg(`testing.result.${result as TestResult}`), barcode: tube.barcode ?? '' }),
        body: msg('testing.auto.pool.body', { barcode: tube.barcode ?? '', n: persons.length, result: msg(`testing.result.${result as TestResult}`) }),
        severity: result === 'positive' ? 'critical' : 'warning',
        tubeId: tube.id,
        link: `/testing/tubes/${tube.id}`,
        group: 'pool',
      });
      await journal.append(tx, actor, {
        action: 'testing.tube.reactive',
        entityType: 'testing_tube',
        entityId: tube.id,
        jurisdictionPath: tube.jurisdiction_path,
        payload: {
          barcode: tube.barcode,
          result,
          persons: rows.length,
          rechecks: rows.map((r) => r.id),
          pendingRecheck: appliedTo.size,
          tasks: rows.filter((r) => r.task_id).length,
          alerts,
          dueAt,
        },
      });
      // Where the tube is (as REST scopes a tube), not the campaign's scope: a city-wide campaign's tube
      // reaches its own district live, and no other (issue 14).
      await outbox.publish(tx, {
        topic: 'testing.tube.reactive',
        capability: 'testing.read',
        jurisdictionPath: tube.jurisdiction_path,
        payload: { campaignId: c.id, tubeId: tube.id, barcode: tube.barcode, result, persons: rows.length },
      });
      await jobs.schedule(tx, { kind: RECHECK_OVERDUE_JOB, payload: { parentTubeId: tube.id }, runAt: dueAt, uniqueKey: `${RECHECK_OVERDUE_JOB}:${tube.id}` });
      return rows.length;
    },

    /**
     * What a recheck tube's result (or its correction) means for the recheck: negative releases the
     * person's pending status (basis: the recheck tube), positive hands over to the cases module,
     * invalid asks for a new single tube. Counters move in the same transaction.
     */
    async onResult(tx: Tx, actor: Actor, tube: repo.TubeRow, before: string | null, after: string): Promise<void> {
      const r = await repo.findRecheckByTube(tx, tube.id);
      if (!r) return;
      const now = deps.clock.now();
      const deltas = new CoverageDeltas();
      if (before === null) {
        if (after === 'invalid') {
          const next = newRecheckTube(r.campaign_id, r.parent_tube_id, r.jurisdiction_path, now);
          await repo.insertTubes(tx, [next]);
          // The first recheck task closed itself at sampling: sampling again is new work, with a task of its own.
          await tasks.closeForWork(tx, actor, { taskIds: [r.task_id] }, { kind: 'recheck_result', id: r.id });
          const again = r.unit_id
            ? await recheckTask(tx, {
                recheckId: r.id,
                unitId: r.unit_id,
                path: r.jurisdiction_path,
                nameMasked: r.name_masked,
                barcode: tube.barcode,
                result: 'invalid',
                dueAt: Math.max(Number(r.due_at), now),
              })
            : null;
          await repo.updateRecheck(tx, r.id, { status: 'awaiting_sample', tube_id: next.id, ...(again ? { task_id: again.id } : {}) });
          await comment(tx, r, `复核管 ${tube.barcode} 无效，请重新单管采样 · Recheck tube ${tube.barcode} invalid: sample again`);
        } else {
          deltas.add(r.jurisdiction_path, 'pending_recheck', -1);
          // A task still open when the result arrives (sampled outside the recheck call) is done now.
          await tasks.closeForWork(tx, actor, { taskIds: [r.task_id] }, { kind: 'recheck_result', id: r.id });
          if (after === 'negative') {
            await repo.updateRecheck(tx, r.id, { status: 'negative', resolved_at: now });
            await release(tx, actor, r, tube);
            await comment(tx, r, `复核结果阴性，已解除待复核 · Recheck negative: pending status released`);
          } else {
            deltas.add(r.jurisdiction_path, 'recheck_positive', 1);
            await repo.updateRecheck(tx, r.id, { status: 'positive', resolved_at: now, handover_at: now });
            await handover(tx, actor, r, tube);
            await comment(tx, r, `复核结果${RESULT_LABELS[after as TestResult].zh}，已移交病例确认 · Recheck ${after}: handed over to case confirmation`);
          }
        }
      } else if (isReactive(before) !== isReactive(after)) {
        if (isReactive(after)) {
          deltas.add(r.jurisdiction_path, 'recheck_positive', 1);
          const back = await control.applyAutomatic(tx, actor, {
            personIds: [r.person_id],
            to: 'pending_recheck',
            basis: { type: 'recheck', id: tube.id },
            reason: `复核结果更正为${after} · Recheck result corrected to ${after}`,
            ifNotAllowed: 'skip',
          });
          await repo.updateRecheck(tx, r.id, {
            status: 'positive',
            handover_at: now,
            handover_ack_at: null,
            handover_ref: null,
            control_applied: back.applied ? 1 : r.control_applied,
          });
          await handover(tx, actor, { ...r, control_applied: back.applied ? 1 : r.control_applied }, tube);
        } else {
          deltas.add(r.jurisdiction_path, 'recheck_positive', -1);
          await repo.updateRecheck(tx, r.id, { status: 'negative' });
          await release(tx, actor, r, tube);
          await outbox.publish(tx, {
            topic: 'testing.recheck.retracted',
            capability: 'person.read',
            jurisdictionPath: r.jurisdiction_path,
            payload: { recheckId: r.id, personId: r.person_id, tubeId: tube.id },
          });
        }
      }
      await repo.applyCoverageDeltas(tx, r.campaign_id, deltas.byPath, now);
    },

    /**
     * Samples a recheck: the single tube gets its barcode and the person's swab (optionally
     * confirmed by scanning their resident code or ID) and goes to the lab closed. A resent clientId
     * answers `duplicate`.
     */
    async sample(trx: Tx | undefined, actor: Actor, recheckId: string, input: PersonIdentifier & { clientId: string; barcode: string; at?: number }) {
      requireCap(actor, 'testing.sample');
      return inTx(trx ?? deps.db, async (tx) => {
        const r = await repo.findRecheck(tx, recheckId);
        if (!r || !inScope(actor, r.jurisdiction_path)) throw TestingErrors.RECHECK_NOT_FOUND({ id: recheckId });
        const prior = (await repo.findScansByClientIds(tx, [input.clientId]))[0];
        if (prior) {
          const t = (await repo.findTube(tx, prior.tube_id))!;
          return { status: 'duplicate' as const, recheck: recheckDto((await repo.findRecheck(tx, r.id))!, deps.clock.now()), tube: tubeBriefOf(t) };
        }
        if (r.status !== 'awaiting_sample') throw TestingErrors.RECHECK_NOT_AWAITING({ id: r.id, status: r.status });
        const b = normalizeBarcode(input.barcode);
        if (!b) throw TestingErrors.BARCODE_MALFORMED({ barcode: input.barcode });
        if (input.residentCode || input.idNumber) {
          const p = await resolvePerson(deps, verifier, input, tx);
          if (p.personId !== r.person_id) throw TestingErrors.RECHECK_PERSON_MISMATCH({ recheckId: r.id });
        }
        const same = await repo.findTubesByBarcodes(tx, [b]);
        const inUse = same.find((t) => t.campaign_id === r.campaign_id);
        if (inUse) throw TestingErrors.TUBE_BARCODE_IN_USE({ barcode: b, tubeId: inUse.id });
        const now = deps.clock.now();
        const at = input.at ?? now;
        await claimClientIds(tx, 'testing', [input.clientId], now);
        const others = [...new Set(same.map((t) => t.campaign_id))];
        if (others.length)
          await repo.upsertFlag(
            tx,
            flagRow({
              id: newId(now),
              campaignId: r.campaign_id,
              kind: 'tube_reused',
              subjectKey: b,
              tubeId: r.tube_id,
              path: r.jurisdiction_path,
              detail: { barcode: b, otherCampaignIds: others },
              now,
            }),
          );
        await repo.updateTube(tx, r.tube_id, {
          barcode: b,
          status: 'closed',
          scan_count: 1,
          open_client_id: input.clientId,
          opened_by: actor.userId,
          opened_by_name: actor.name,
          opened_at: at,
          closed_at: at,
          closed_reason: 'full',
          updated_at: now,
        });
        await repo.insertScans(tx, [
          {
            id: newId(now),
            campaign_id: r.campaign_id,
            tube_id: r.tube_id,
            person_id: r.person_id,
            jurisdiction_path: r.jurisdiction_path,
            name_masked: r.name_masked,
            method: 'recheck',
            client_id: input.clientId,
            counted: 0,
            recheck: 1,
            sampler_id: actor.userId,
            sampler_name: actor.name,
            scanned_at: at,
            recorded_at: now,
          },
        ]);
        await repo.updateRecheck(tx, r.id, { status: 'sampled' });
        await journal.append(tx, actor, {
          action: 'testing.recheck.sample',
          entityType: 'testing_recheck',
          entityId: r.id,
          jurisdictionPath: r.jurisdiction_path,
          payload: { tubeId: r.tube_id, barcode: b, parentTubeId: r.parent_tube_id },
        });
        await comment(tx, r, `已单管采样，管号 ${b} · Sampled in single tube ${b}`);
        // The recheck task's work is done: it closes itself, naming this recheck as what closed it.
        await tasks.closeForWork(tx, actor, { taskIds: [r.task_id] }, { kind: 'recheck_sampled', id: r.id });
        const t = (await repo.findTube(tx, r.tube_id))!;
        return { status: 'applied' as const, recheck: recheckDto((await repo.findRecheck(tx, r.id))!, now), tube: tubeBriefOf(t) };
      });
    },

    async get(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<RecheckDto> {
      const r = await repo.findRecheck(db, id);
      if (!r || !inScope(actor, r.jurisdiction_path)) throw TestingErrors.RECHECK_NOT_FOUND({ id });
      return recheckDto(r, deps.clock.now());
    },

    /** Rechecks in the actor's scope, newest first (`handover=pending`: positives waiting for the cases module). */
    async list(
      actor: Actor,
      f: { campaignId?: string; status?: string; handover?: 'pending' | 'acknowledged'; limit?: number; offset?: number },
      db: DbOrTx = deps.db,
    ) {
      const { rows, total } = await repo.listRechecks(db, {
        campaignId: f.campaignId,
        status: f.status ? [f.status] : undefined,
        handover: f.handover,
        prefix: scopePrefix(actor),
        limit: f.limit ?? 50,
        offset: f.offset ?? 0,
      });
      const now = deps.clock.now();
      const names = await deps.services.geo.namesByPath(
        rows.map((r) => r.jurisdiction_path),
        db,
      );
      return { items: rows.map((r) => ({ ...recheckDto(r, now), jurisdictionName: names.get(r.jurisdiction_path) ?? null }) satisfies RecheckListItem), total };
    },

    /**
     * For the cases module: acknowledges a positive recheck it has taken over, with its case id.
     * Journaled. A recheck not handed over (or already acknowledged) is HANDOVER_NOT_PENDING.
     */
    async acknowledgeHandover(trx: Tx | undefined, actor: Actor, recheckId: string, caseRef: string): Promise<RecheckDto> {
      return inTx(trx ?? deps.db, async (tx) => {
        const r = await repo.findRecheck(tx, recheckId);
        if (!r || !inScope(actor, r.jurisdiction_path)) throw TestingErrors.RECHECK_NOT_FOUND({ id: recheckId });
        if (r.status !== 'positive' || r.handover_at === null || r.handover_ack_at !== null) throw TestingErrors.HANDOVER_NOT_PENDING({ id: r.id });
        const now = deps.clock.now();
        await repo.updateRecheck(tx, r.id, { handover_ack_at: now, handover_ref: caseRef });
        await journal.append(tx, actor, {
          action: 'testing.recheck.handover-ack',
          entityType: 'testing_recheck',
          entityId: r.id,
          jurisdictionPath: r.jurisdiction_path,
          payload: { caseRef },
        });
        return recheckDto((await repo.findRecheck(tx, r.id))!, now);
      });
    },

    /** The escalation job: rechecks of a pool still open past their deadline → one critical alert to their districts and HQ. */
    async escalateOverdue(tx: Tx, payload: { parentTubeId: string }, ctx: Pick<JobContext, 'now' | 'actor'>): Promise<number> {
      const overdue = (await repo.rechecksOfParent(tx, payload.parentTubeId)).filter(
        (r) => (r.status === 'awaiting_sample' || r.status === 'sampled') && r.escalated_at === null && Number(r.due_at) <= ctx.now,
      );
      if (!overdue.length) return 0;
      const tube = (await repo.findTube(tx, payload.parentTubeId))!;
      for (const r of overdue) await repo.updateRecheck(tx, r.id, { escalated_at: ctx.now });
      await alert(
        tx,
        { ...placesOf(overdue.map((r) => r.jurisdiction_path)), communities: [] },
        {
          title: msg('testing.auto.recheckOverdue.title', { n: overdue.length }),
          body: msg('testing.auto.recheckOverdue.body', { barcode: tube.barcode ?? '', n: overdue.length }),
          severity: 'critical',
          tubeId: tube.id,
          link: `/testing/tubes/${tube.id}`,
          group: `overdue:${ctx.now}`,
        },
      );
      await journal.append(tx, ctx.actor, {
        action: 'testing.recheck.escalate',
        entityType: 'testing_tube',
        entityId: tube.id,
        jurisdictionPath: tube.jurisdiction_path,
        payload: { rechecks: overdue.map((r) => r.id) },
      });
      return overdue.length;
    },
  };
}

export type RecheckService = ReturnType<typeof createRecheckService>;
