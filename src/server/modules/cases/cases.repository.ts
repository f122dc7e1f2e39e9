import type { ExpressionBuilder } from 'kysely';
import type { DbOrTx } from '../../db/dialect.js';
import type { Database } from '../../db/schema.js';
import type { CaseAssistRequestsTable, CaseClustersTable, CaseContactsTable, CasePlacesTable, CasesTable } from './cases.table.js';
import type { AssistStatus, CaseKind, ClusterStatus, ContactCategory, DetectionChannel } from '../../../common/cases.js';

export type CaseRow = CasesTable;
export type ContactRow = CaseContactsTable;
export type PlaceRow = CasePlacesTable;
export type ClusterRow = CaseClustersTable;
export type AssistRow = CaseAssistRequestsTable;

/**
 * Scope filter for a path prefix (`/420500/420502/`): the LIKE keeps it exact under any collation; the
 * range lets SQLite (whose LIKE never uses an index) and PostgreSQL walk the path index. Paths are
 * ASCII digits and `/`, and `/` + 1 is `0`, so [prefix, prefix-with-last-`/`-as-`0`) is exactly the subtree
 * under byte/code-point order (SQLite BINARY, PostgreSQL C or C.UTF-8).
 */
function underPrefix(prefix: string) {
  const upper = `${prefix.slice(0, -1)}0`;
  // A city or district scope holds a large share of the rows: its first page is found fastest by
  // walking the (date, id) index in order and filtering, so offer no path range (SQLite would pick it
  // and sort the whole district). Street and finer scopes are small: range on the path, then sort.
  const broad = prefix.split('/').filter(Boolean).length <= 2;
  return (eb: ExpressionBuilder<Database, 'cases' | 'case_contacts'>) =>
    broad
      ? eb('jurisdiction_path', 'like', `${prefix}%`)
      : eb.and([eb('jurisdiction_path', '>=', prefix), eb('jurisdiction_path', '<', upper), eb('jurisdiction_path', 'like', `${prefix}%`)]);
}

// ---- cases
export const insertCase = (db: DbOrTx, r: CaseRow) => db.insertInto('cases').values(r).execute();
export const findCase = (db: DbOrTx, id: string) => db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
export const updateCase = (db: DbOrTx, id: string, set: Partial<CaseRow>) => db.updateTable('cases').set(set).where('id', '=', id).execute();
export const caseByRecheck = (db: DbOrTx, recheckId: string) => db.selectFrom('cases').selectAll().where('recheck_id', '=', recheckId).executeTakeFirst();
export const caseOfPersonInCluster = (db: DbOrTx, personId: string, clusterId: string) =>
  db.selectFrom('cases').select('id').where('person_id', '=', personId).where('cluster_id', '=', clusterId).executeTakeFirst();
export const casesOfCluster = (db: DbOrTx, clusterId: string) =>
  db.selectFrom('cases').selectAll().where('cluster_id', '=', clusterId).orderBy('confirmed_at').execute();
export const casePath = async (db: DbOrTx, id: string) =>
  (await db.selectFrom('cases').select('jurisdiction_path').where('id', '=', id).executeTakeFirst())?.jurisdiction_path;
export const sourceOf = async (db: DbOrTx, id: string) =>
  (await db.selectFrom('cases').select('source_case_id').where('id', '=', id).executeTakeFirst())?.source_case_id;

/**
 * A scoped page of cases, newest report first, by keyset (report_date, id) so each page is one
 * index range scan on (jurisdiction_path, report_date, id) whatever the depth.
 */
export async function listCases(
  db: DbOrTx,
  f: { prefix: string | null; kind?: CaseKind; channel?: DetectionChannel; clusterId?: string; after?: { reportDate: string; id: string }; limit: number },
): Promise<CaseRow[]> {
  let q = db.selectFrom('cases').selectAll();
  if (f.prefix) q = q.where(underPrefix(f.prefix));
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.channel) q = q.where('detection_channel', '=', f.channel);
  if (f.clusterId) q = q.where('cluster_id', '=', f.clusterId);
  if (f.after) {
    const a = f.after;
    q = q.where((eb) => eb.or([eb('report_date', '<', a.reportDate), eb.and([eb('report_date', '=', a.reportDate), eb('id', '<', a.id)])]));
  }
  return q.orderBy('report_date', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}

// ---- places
export const insertPlace = (db: DbOrTx, r: PlaceRow) => db.insertInto('case_places').values(r).execute();
export const placesOfCase = (db: DbOrTx, caseId: string) => db.selectFrom('case_places').selectAll().where('case_id', '=', caseId).orderBy('from_at').execute();
/** Places with a jurisdiction node, with their case's cluster (for zoning proposals). */
export async function placesWithCluster(db: DbOrTx, f: { clusterStatuses?: ClusterStatus[] }) {
  let q = db
    .selectFrom('case_places as p')
    .innerJoin('cases as c', 'c.id', 'p.case_id')
    .leftJoin('case_clusters as k', 'k.id', 'c.cluster_id')
    .select([
      'p.id',
      'p.case_id',
      'p.jurisdiction_id',
      'p.place_path',
      'p.place_level',
      'p.lng',
      'p.lat',
      'p.description',
      'p.from_at',
      'p.to_at',
      'c.cluster_id',
      'c.confirmed_at',
      'k.status as cluster_status',
    ])
    .where('p.place_path', 'is not', null);
  if (f.clusterStatuses) q = q.where('k.status', 'in', f.clusterStatuses);
  return q.orderBy('p.from_at').execute();
}

/** For zoning: cases by id and/or confirmed since a time (id, residence path, confirmation, clinical status). */
export async function casesForZoning(db: DbOrTx, f: { ids?: readonly string[]; since?: number }) {
  let q = db.selectFrom('cases').select(['id', 'jurisdiction_path', 'confirmed_at', 'clinical_status']);
  if (f.ids) {
    if (!f.ids.length) return [];
    q = q.where('id', 'in', f.ids);
  }
  if (f.since !== undefined) q = q.where('confirmed_at', '>=', f.since);
  return q.execute();
}

/** For zoning: contacts by id and/or of cases (id, case, category, the person's residence path). */
export async function contactsForZoning(db: DbOrTx, f: { ids?: readonly string[]; caseIds?: readonly string[] }) {
  if ((f.ids && !f.ids.length) || (f.caseIds && !f.caseIds.length)) return [];
  let q = db.selectFrom('case_contacts').select(['id', 'case_id', 'category', 'person_path']);
  if (f.ids) q = q.where('id', 'in', f.ids);
  if (f.caseIds) q = q.where('case_id', 'in', f.caseIds);
  return q.execute();
}

// ---- contacts
export const insertContact = (db: DbOrTx, r: ContactRow) => db.insertInto('case_contacts').values(r).execute();
export const findContact = (db: DbOrTx, id: string) => db.selectFrom('case_contacts').selectAll().where('id', '=', id).executeTakeFirst();
export const updateContact = (db: DbOrTx, id: string, set: Partial<ContactRow>) => db.updateTable('case_contacts').set(set).where('id', '=', id).execute();
/** Secondary contacts linked to a close contact (9th edition: upgraded when it turns positive). */
export const secondariesVia = (db: DbOrTx, closeContactId: string) =>
  db.selectFrom('case_contacts').selectAll().where('via_contact_id', '=', closeContactId).where('category', '=', 'secondary').execute();
export const contactsOfCase = (db: DbOrTx, caseId: string) =>
  db.selectFrom('case_contacts').selectAll().where('case_id', '=', caseId).orderBy('identified_at').execute();
export const contactsOfCluster = (db: DbOrTx, clusterId: string) =>
  db.selectFrom('case_contacts').selectAll().where('cluster_id', '=', clusterId).orderBy('identified_at').execute();
export const contactOfPerson = (db: DbOrTx, caseId: string, personId: string) =>
  db.selectFrom('case_contacts').select('id').where('case_id', '=', caseId).where('person_id', '=', personId).executeTakeFirst();
export const contactPath = async (db: DbOrTx, id: string) =>
  (await db.selectFrom('case_contacts').select('jurisdiction_path').where('id', '=', id).executeTakeFirst())?.jurisdiction_path;

export async function listContacts(
  db: DbOrTx,
  f: { prefix: string | null; category?: ContactCategory; caseId?: string; personId?: string; after?: { exposureDate: string; id: string }; limit: number },
): Promise<ContactRow[]> {
  let q = db.selectFrom('case_contacts').selectAll();
  if (f.prefix) q = q.where(underPrefix(f.prefix));
  if (f.category) q = q.where('category', '=', f.category);
  if (f.caseId) q = q.where('case_id', '=', f.caseId);
  if (f.personId) q = q.where('person_id', '=', f.personId);
  if (f.after) {
    const a = f.after;
    q = q.where((eb) => eb.or([eb('exposure_date', '<', a.exposureDate), eb.and([eb('exposure_date', '=', a.exposureDate), eb('id', '<', a.id)])]));
  }
  return q.orderBy('exposure_date', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}

// ---- clusters
export const insertCluster = (db: DbOrTx, r: ClusterRow) => db.insertInto('case_clusters').values(r).execute();
export const findCluster = (db: DbOrTx, id: string) => db.selectFrom('case_clusters').selectAll().where('id', '=', id).executeTakeFirst();
export const updateCluster = (db: DbOrTx, id: string, set: Partial<ClusterRow>) => db.updateTable('case_clusters').set(set).where('id', '=', id).execute();
export const clusterPath = async (db: DbOrTx, id: string) =>
  (await db.selectFrom('case_clusters').select('jurisdiction_path').where('id', '=', id).executeTakeFirst())?.jurisdiction_path;
export async function clustersByStatus(db: DbOrTx, statuses: ClusterStatus[], prefix: string | null): Promise<ClusterRow[]> {
  let q = db.selectFrom('case_clusters').selectAll().where('status', 'in', statuses);
  if (prefix) q = q.where('jurisdiction_path', 'like', `${prefix}%`);
  return q.orderBy('created_at').execute();
}

// ---- 协查
export const insertAssist = (db: DbOrTx, r: AssistRow) => db.insertInto('case_assist_requests').values(r).execute();
export const findAssist = (db: DbOrTx, id: string) => db.selectFrom('case_assist_requests').selectAll().where('id', '=', id).executeTakeFirst();
export const updateAssist = (db: DbOrTx, id: string, set: Partial<AssistRow>) => db.updateTable('case_assist_requests').set(set).where('id', '=', id).execute();
export const assistPath = async (db: DbOrTx, id: string) =>
  (await db.selectFrom('case_assist_requests').select('jurisdiction_path').where('id', '=', id).executeTakeFirst())?.jurisdiction_path;
export async function listAssists(
  db: DbOrTx,
  f: { prefix: string | null; direction?: AssistRow['direction']; status?: AssistStatus; limit: number; offset: number },
): Promise<AssistRow[]> {
  let q = db.selectFrom('case_assist_requests').selectAll();
  if (f.prefix) q = q.where('jurisdiction_path', 'like', `${f.prefix}%`);
  if (f.direction) q = q.where('direction', '=', f.direction);
  if (f.status) q = q.where('status', '=', f.status);
  return q.orderBy('created_at', 'desc').limit(f.limit).offset(f.offset).execute();
}

/** After a person merge: the kept person takes over the merged one's cases and contact links. */
export async function repointPerson(db: DbOrTx, fromId: string, intoId: string): Promise<void> {
  await db.updateTable('cases').set({ person_id: intoId }).where('person_id', '=', fromId).execute();
  await db.updateTable('case_contacts').set({ person_id: intoId }).where('person_id', '=', fromId).execute();
}

// ---- the tracer's worklist (issue 16)
/** Cases whose core investigation or close-contact identification is not yet recorded, oldest confirmation first. */
export async function openInvestigations(db: DbOrTx, f: { prefix: string | null; limit: number }): Promise<CaseRow[]> {
  let q = db
    .selectFrom('cases')
    .selectAll()
    .where((eb) => eb.or([eb('core_investigation_at', 'is', null), eb('close_contacts_at', 'is', null)]));
  if (f.prefix) q = q.where(underPrefix(f.prefix));
  return q.orderBy('confirmed_at').orderBy('id').limit(f.limit).execute();
}

/** Open contacts handled in this city and not yet placed in a stay, oldest identification first. */
export async function contactsAwaitingPlacement(db: DbOrTx, f: { prefix: string | null; limit: number }): Promise<ContactRow[]> {
  let q = db.selectFrom('case_contacts').selectAll().where('status', '=', 'open').where('routing', '=', 'local').where('quarantined_at', 'is', null);
  if (f.prefix) q = q.where(underPrefix(f.prefix));
  return q.orderBy('identified_at').orderBy('id').limit(f.limit).execute();
}
