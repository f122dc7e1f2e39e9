import type { Deps } from '../../deps.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, type Actor } from '../actor.js';
import { defineErrors } from '../errors.js';
import { isInternalLink } from '../../../common/roles.js';
import { newId } from '../ids.js';
import * as repo from './notifications.repository.js';
import { readParams, storeText } from './stored-text.js';
import { findUnit, findUserDisplayName } from './tasks.repository.js';
import type { NotificationsTable } from './tasks.table.js';
import type { AckGroupDto, NotificationDto, NotificationFeedDto as NotificationFeed } from './tasks.schemas.js';
import type { Severity } from '../../../common/tasks.js';
import type { NotifyInput } from './tasks.types.js';

export const NotificationErrors = defineErrors({
  NOTIFICATION_NOT_FOUND: [404, 'Notification not found'],
  NOTIFICATION_NOT_ALERT: [422, 'Only alerts are acknowledged; this is a plain notification'],
  ALERT_ALREADY_ACKNOWLEDGED: [409, 'This alert has already been acknowledged'],
  ALERT_TARGET_NOT_FOUND: [404, 'The unit or jurisdiction to alert does not exist'],
  NOTIFICATION_INVALID: [422, 'The notification is missing a title or body'],
  NOTIFICATION_LINK_NOT_INTERNAL: [422, 'link: must be an internal path such as /tasks/<id> (no scheme, host or //)'],
  ALERT_NOT_YOURS_TO_ACK: [403, 'Only someone the alert is addressed to, or whose scope contains the place it is addressed to, may acknowledge it'],
});

export { type Severity } from '../../../common/tasks.js';

/** The response shapes are the schemas' (tasks.schemas.ts); toDto() builds them with `satisfies`. */
export type { NotificationDto, NotificationFeed };

type Group = NonNullable<NotificationDto['group']>;

function toDto(r: NotificationsTable & { read_at?: number | null }, group: Group | null = null): NotificationDto {
  return {
    id: r.id,
    title: r.title,
    body: r.body,
    titleKey: r.title_key,
    titleParams: readParams(r.title_params),
    bodyKey: r.body_key,
    bodyParams: readParams(r.body_params),
    link: r.link,
    severity: r.severity,
    isAlert: r.severity !== null,
    createdAt: Number(r.created_at),
    readAt: r.read_at == null ? null : Number(r.read_at),
    acknowledgedAt: r.acknowledged_at === null ? null : Number(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by_name,
    ackNote: r.ack_note,
    sourceModule: r.source_module,
    sourceEntityType: r.source_entity_type,
    sourceEntityId: r.source_entity_id,
    group,
  } satisfies NotificationDto;
}

/**
 * Whether the actor may close an alert for everyone it reaches: it needs `alert.acknowledge` (so
 * the read-only auditor, who reads every feed, cannot), and the alert must be theirs to act on —
 * addressed to them, to their unit or a unit inside their scope, or to a jurisdiction inside their
 * scope. A street worker who merely sees a district-wide alert cannot close it for the district;
 * an alert addressed to nobody in particular is closed only from the whole city's scope.
 */
export function mayAcknowledge(actor: Actor, row: Pick<NotificationsTable, 'user_id' | 'unit_id' | 'jurisdiction_path'>, unitPath: string | null): boolean {
  if (actor.kind === 'system') return true;
  if (!actor.capabilities.has('alert.acknowledge')) return false;
  if (row.user_id && row.user_id === actor.userId) return true;
  if (row.unit_id && (row.unit_id === actor.unitId || (unitPath !== null && inScope(actor, unitPath)))) return true;
  if (row.jurisdiction_path && inScope(actor, row.jurisdiction_path)) return true;
  return !row.user_id && !row.unit_id && !row.jurisdiction_path && actor.scopePath === '/';
}

/** Notifications and alerts (通知 / 预警). Exposed as `deps.services.tasks.notify` and `.notifications`. */
export function createNotificationService(deps: Deps) {
  const reader = (a: Actor): repo.Reader => ({ userId: a.userId, unitId: a.unitId, scopePath: a.scopePath, all: a.kind === 'system' });

  async function displayName(db: DbOrTx, actor: Actor): Promise<string> {
    return (actor.userId && (await findUserDisplayName(db, actor.userId))) || actor.name;
  }

  async function notify(trx: DbOrTx | undefined | null, actor: Actor, n: NotifyInput): Promise<NotificationDto> {
    const title = storeText(n.title ?? '', deps.config.tz);
    const body = storeText(n.body ?? '', deps.config.tz);
    if (!title.text || !body.text) throw NotificationErrors.NOTIFICATION_INVALID();
    // The web follows the link on a click or a toast: an outside address would be a phishing hop.
    if (n.link != null && !isInternalLink(n.link)) throw NotificationErrors.NOTIFICATION_LINK_NOT_INTERNAL({ field: 'link' });
    return inTx(trx ?? deps.db, async (t) => {
      const row: NotificationsTable = {
        id: newId(),
        title: title.text,
        body: body.text,
        title_key: title.key,
        title_params: title.params,
        body_key: body.key,
        body_params: body.params,
        link: n.link ?? null,
        severity: n.severity ?? null,
        user_id: n.userId ?? null,
        unit_id: n.unitId ?? null,
        jurisdiction_path: n.jurisdictionPath ?? null,
        source_module: n.sourceModule,
        source_entity_type: n.sourceEntityType ?? null,
        source_entity_id: n.sourceEntityId ?? null,
        created_by: actor.userId,
        created_at: deps.clock.now(),
        acknowledged_at: null,
        acknowledged_by: null,
        acknowledged_by_name: null,
        ack_note: null,
        group_key: n.groupKey ?? null,
      };
      await repo.insertNotification(t, row);
      if (row.severity) {
        let path = row.jurisdiction_path;
        if (!path && row.unit_id) path = (await findUnit(t, row.unit_id))?.jurisdiction_path ?? null;
        await deps.services.journal.append(t, actor, {
          action: 'notification.alert.raise',
          entityType: 'notification',
          entityId: row.id,
          jurisdictionPath: path,
          // The text as the record shows it (a key's Chinese rendering), whatever language readers see.
          payload: {
            title: row.title,
            severity: row.severity,
            userId: row.user_id,
            unitId: row.unit_id,
            jurisdictionPath: row.jurisdiction_path,
            sourceModule: row.source_module,
            sourceEntityType: row.source_entity_type,
            sourceEntityId: row.source_entity_id,
          },
        });
      }
      const dto = toDto(row);
      await deps.services.outbox.publish(t, {
        topic: row.severity ? 'alert.raised' : 'notification.created',
        capability: 'notification.read',
        reach: 'overlap',
        userId: row.user_id,
        unitId: row.unit_id,
        jurisdictionPath: row.jurisdiction_path,
        payload: {
          id: dto.id,
          title: dto.title,
          titleKey: dto.titleKey,
          titleParams: dto.titleParams,
          severity: dto.severity,
          isAlert: dto.isAlert,
          link: dto.link,
          sourceModule: dto.sourceModule,
          sourceEntityType: dto.sourceEntityType,
          sourceEntityId: dto.sourceEntityId,
          createdAt: dto.createdAt,
        },
      });
      return dto;
    });
  }

  /** The groups of these rows, as the reader sees them: recipients by display name, with their acknowledgement. */
  async function groupsOf(db: DbOrTx, actor: Actor, rows: NotificationsTable[]): Promise<Map<string, Group>> {
    const keys = [...new Set(rows.map((r) => r.group_key).filter((k): k is string => !!k))];
    const members = await repo.findGroupMembers(db, reader(actor), keys);
    const names = await repo.recipientNames(
      db,
      [...new Set(members.map((m) => m.unit_id).filter((x): x is string => !!x))],
      [...new Set(members.map((m) => m.jurisdiction_path).filter((x): x is string => !!x))],
    );
    const out = new Map<string, Group>();
    for (const m of members) {
      const g = out.get(m.group_key!) ?? { recipients: [], open: 0 };
      const name = (m.unit_id && names.units.get(m.unit_id)) || (m.jurisdiction_path && names.paths.get(m.jurisdiction_path)) || '';
      g.recipients.push({
        id: m.id,
        name,
        acknowledgedAt: m.acknowledged_at === null ? null : Number(m.acknowledged_at),
        acknowledgedBy: m.acknowledged_by_name,
      });
      if (m.severity !== null && m.acknowledged_at === null) g.open++;
      out.set(m.group_key!, g);
    }
    return out;
  }

  async function dtoOf(db: DbOrTx, actor: Actor, row: repo.NotificationRow): Promise<NotificationDto> {
    return toDto(row, row.group_key ? ((await groupsOf(db, actor, [row])).get(row.group_key) ?? null) : null);
  }

  /**
   * Acknowledges one alert the actor may act on, journaled `notification.alert.ack` with whom it was
   * acknowledged for. Returns false when someone acknowledged it first.
   */
  async function ackOne(t: Tx, actor: Actor, row: repo.NotificationRow, name: string, note: string | null, now: number): Promise<boolean> {
    const ok = await repo.acknowledge(t, row.id, { userId: actor.userId, name, note, at: now });
    if (!ok) return false;
    if (actor.userId) await repo.markRead(t, row.id, actor.userId, now);
    let path = row.jurisdiction_path;
    if (!path && row.unit_id) path = (await findUnit(t, row.unit_id))?.jurisdiction_path ?? null;
    await deps.services.journal.append(t, actor, {
      action: 'notification.alert.ack',
      entityType: 'notification',
      entityId: row.id,
      jurisdictionPath: path,
      // Who acknowledged (the entry's actor) for whom: the alert's addressee, and the unit acted from.
      payload: {
        severity: row.severity,
        for: { userId: row.user_id, unitId: row.unit_id, jurisdictionPath: row.jurisdiction_path },
        byUnitId: actor.unitId,
        byScope: actor.scopePath,
        ...(row.group_key ? { groupKey: row.group_key } : {}),
      },
      reason: note,
    });
    await deps.services.outbox.publish(t, {
      topic: 'alert.acknowledged',
      capability: 'notification.read',
      reach: 'overlap',
      userId: row.user_id,
      unitId: row.unit_id,
      jurisdictionPath: row.jurisdiction_path,
      payload: { id: row.id, acknowledgedAt: now, acknowledgedBy: name, acknowledgedByUnitId: actor.unitId },
    });
    return true;
  }

  return {
    notify,

    /**
     * Raises an alert from a person (POST /api/alerts): to a unit, to a jurisdiction, or — with
     * neither — to the caller's whole jurisdiction. Targets outside the caller's scope look missing.
     */
    async raiseAlert(
      trx: DbOrTx | undefined | null,
      actor: Actor,
      a: { title: string; body: string; severity: Severity; unitId?: string; jurisdictionId?: string; link?: string | null },
    ): Promise<NotificationDto> {
      const db = trx ?? deps.db;
      let to: Pick<NotifyInput, 'unitId' | 'jurisdictionPath'>;
      if (a.unitId) {
        const unit = await findUnit(db, a.unitId);
        if (!unit || !inScope(actor, unit.jurisdiction_path)) throw NotificationErrors.ALERT_TARGET_NOT_FOUND({ unitId: a.unitId });
        to = { unitId: unit.id };
      } else if (a.jurisdictionId) {
        const path = await repo.findJurisdictionPath(db, a.jurisdictionId);
        if (!path || !inScope(actor, path)) throw NotificationErrors.ALERT_TARGET_NOT_FOUND({ jurisdictionId: a.jurisdictionId });
        to = { jurisdictionPath: path };
      } else {
        to = { jurisdictionPath: actor.scopePath === '/' ? null : actor.scopePath };
      }
      return notify(trx, actor, { ...to, title: a.title, body: a.body, severity: a.severity, link: a.link ?? null, sourceModule: 'platform' });
    },

    /** The reader's feed, newest first. */
    async list(
      actor: Actor,
      f: { unread?: boolean; alertsOnly?: boolean; page?: number; pageSize?: number } = {},
      db: DbOrTx = deps.db,
    ): Promise<NotificationFeed> {
      const pageSize = f.pageSize ?? 50;
      const r = await repo.listFeed(db, reader(actor), { unread: f.unread, alertsOnly: f.alertsOnly, offset: ((f.page ?? 1) - 1) * pageSize, limit: pageSize });
      const groups = await groupsOf(db, actor, r.rows);
      return {
        items: r.rows.map((row) => toDto(row, row.group_key ? (groups.get(row.group_key) ?? null) : null)),
        total: r.total,
        unacknowledgedAlerts: r.unacknowledgedAlerts,
      };
    },

    /** One notification of the reader's feed (404 when it is not addressed to them). */
    async get(actor: Actor, id: string, db: DbOrTx = deps.db): Promise<NotificationDto> {
      const row = await repo.findForReader(db, reader(actor), id);
      if (!row) throw NotificationErrors.NOTIFICATION_NOT_FOUND({ id });
      return dtoOf(db, actor, row);
    },

    /** Marks a notification read for the caller. Reading again changes nothing. */
    async markRead(trx: DbOrTx | undefined | null, actor: Actor, id: string): Promise<NotificationDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const row = await repo.findForReader(t, reader(actor), id);
        if (!row) throw NotificationErrors.NOTIFICATION_NOT_FOUND({ id });
        if (actor.userId) {
          // Reading a group's entry reads the whole group (the feed shows it once).
          const ids = row.group_key ? (await repo.findGroupMembers(t, reader(actor), [row.group_key])).map((m) => m.id) : [id];
          for (const n of ids) await repo.markRead(t, n, actor.userId, deps.clock.now());
        }
        return dtoOf(t, actor, (await repo.findForReader(t, reader(actor), id))!);
      });
    },

    /**
     * Acknowledges an alert: records who and when (one acknowledgement closes it for everyone it
     * was addressed to), journaled as `notification.alert.ack`. A second acknowledgement is a 409.
     */
    async acknowledge(trx: DbOrTx | undefined | null, actor: Actor, id: string, note?: string | null): Promise<NotificationDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const row = await repo.findForReader(t, reader(actor), id);
        if (!row) throw NotificationErrors.NOTIFICATION_NOT_FOUND({ id });
        if (row.severity === null) throw NotificationErrors.NOTIFICATION_NOT_ALERT({ id });
        const unitPath = row.unit_id ? ((await findUnit(t, row.unit_id))?.jurisdiction_path ?? null) : null;
        if (!mayAcknowledge(actor, row, unitPath)) throw NotificationErrors.ALERT_NOT_YOURS_TO_ACK({ id });
        const name = await displayName(t, actor);
        if (!(await ackOne(t, actor, row, name, note?.trim() || null, deps.clock.now()))) {
          const cur = await repo.findForReader(t, reader(actor), id);
          throw NotificationErrors.ALERT_ALREADY_ACKNOWLEDGED({
            acknowledgedAt: cur?.acknowledged_at ?? null,
            acknowledgedBy: cur?.acknowledged_by_name ?? null,
          });
        }
        return dtoOf(t, actor, (await repo.findForReader(t, reader(actor), id))!);
      });
    },

    /**
     * Acknowledges together every open alert of the group `id` belongs to that the actor may act on
     * (the same rule as one acknowledgement: alert.acknowledge, and addressed to them, their unit, or a
     * unit or jurisdiction inside their scope); each is journaled with whom it was acknowledged for.
     * The others stay open and are counted. Nothing left to acknowledge is a 409.
     */
    async acknowledgeGroup(trx: DbOrTx | undefined | null, actor: Actor, id: string, note?: string | null): Promise<AckGroupDto> {
      return inTx(trx ?? deps.db, async (t) => {
        const row = await repo.findForReader(t, reader(actor), id);
        if (!row) throw NotificationErrors.NOTIFICATION_NOT_FOUND({ id });
        if (row.severity === null) throw NotificationErrors.NOTIFICATION_NOT_ALERT({ id });
        const members = row.group_key ? await repo.findGroupMembers(t, reader(actor), [row.group_key]) : [row];
        const open = members.filter((m) => m.severity !== null && m.acknowledged_at === null);
        if (!open.length)
          throw NotificationErrors.ALERT_ALREADY_ACKNOWLEDGED({ acknowledgedAt: row.acknowledged_at, acknowledgedBy: row.acknowledged_by_name });
        const name = await displayName(t, actor);
        const now = deps.clock.now();
        let acknowledged = 0;
        let notYours = 0;
        for (const m of open) {
          const unitPath = m.unit_id ? ((await findUnit(t, m.unit_id))?.jurisdiction_path ?? null) : null;
          if (!mayAcknowledge(actor, m, unitPath)) notYours++;
          else if (await ackOne(t, actor, m, name, note?.trim() || null, now)) acknowledged++;
        }
        if (!acknowledged) throw NotificationErrors.ALERT_NOT_YOURS_TO_ACK({ id });
        return { acknowledged, notYours, notification: await dtoOf(t, actor, (await repo.findForReader(t, reader(actor), id))!) };
      });
    },
  };
}

export type NotificationService = ReturnType<typeof createNotificationService>;
