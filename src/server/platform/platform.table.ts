import type { ColumnsOf } from '../db/columns.js';

/** Hash-chained, append-only record of every change a person can be held to. */
export interface JournalTable {
  /** Gap-free sequence, allocated under the journal_head row lock. */
  seq: number;
  /** Epoch ms. */
  at: number;
  actor_id: string | null;
  /** Display name of the actor at the time (users may be renamed later). */
  actor_name: string;
  /** Dotted action name, e.g. `control.status.change`. */
  action: string;
  entity_type: string;
  entity_id: string | null;
  /** Jurisdiction path of the record, for scoped reading (`/420500/420502/`). */
  jurisdiction_path: string | null;
  /** JSON of what changed. Never holds plaintext ID or phone numbers. */
  payload: string;
  reason: string | null;
  /** For batch entries: how many rows the batch wrote; null for single changes. */
  batch_count: number | null;
  /** For batch entries: SHA-256 over the batch rows' canonical JSON. */
  batch_digest: string | null;
  prev_hash: string;
  /** SHA-256 of prev_hash + this entry's canonical content. */
  hash: string;
  /** Real (wall-clock) epoch ms when written; `at` is domain time, which a demo or drill may move. Null before issue 14. */
  wall_at: number | null;
}

/** A journal head signed with the Ed25519 key held outside the database (also appended to the heads file). */
export interface JournalHeadsTable {
  seq: number;
  hash: string;
  /** Wall-clock epoch ms of the signature. */
  signed_at: number;
  /** First 16 hex characters of SHA-256 over the raw public key. */
  key_id: string;
  /** Base64 Ed25519 signature over the JCS (RFC 8785) JSON of { hash, keyId, seq, signedAt }. */
  signature: string;
}

/** Single row (id = 1): the last sequence and hash, locked by every append. */
export interface JournalHeadTable {
  id: number;
  seq: number;
  hash: string;
}

/** Database-backed jobs with leases, so each runs once across all server processes. */
export interface JobsTable {
  id: string;
  kind: string;
  payload: string;
  run_at: number;
  /** pending · running · done · failed */
  status: string;
  /** Set for jobs that must be scheduled only once (e.g. `lift-check:<area>:<day>`). */
  unique_key: string | null;
  attempts: number;
  max_attempts: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  finished_at: number | null;
}

/** Live updates written in the change's transaction and fanned out after commit. */
export interface OutboxTable {
  /** Commit-ordered sequence from the counters table. */
  seq: number;
  at: number;
  /** Event topic, e.g. `alert.raised`, `task.changed`. */
  topic: string;
  /** Who may receive it: a user id, a unit id, or a jurisdiction path (any may be null). */
  user_id: string | null;
  unit_id: string | null;
  jurisdiction_path: string | null;
  payload: string;
  /** Capability a recipient needs (the one that reads the same data through REST); null = any signed-in user. */
  capability: string | null;
  /** `within`: the path must lie inside the recipient's scope (data); `overlap`: above or inside (notifications). */
  reach: string | null;
}

/** Stored first responses of write requests carrying an Idempotency-Key. */
export interface IdempotencyKeysTable {
  /** The user id, or `-` for unauthenticated requests. */
  actor: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  status_code: number;
  response_body: string;
  created_at: number;
}

/** Client-generated ids of batch items already applied (scans, pings…), so a resend never counts twice. */
export interface AppliedOpsTable {
  scope: string;
  client_id: string;
  applied_at: number;
  result: string | null;
}

/** Named monotonically increasing counters (outbox sequence…), incremented under a row lock. */
export interface CountersTable {
  name: string;
  value: number;
}

/** Key/value settings that must be shared by every process (the demo clock offset…). */
export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

/** Explicit corrections of records: original and new values, the reason, who and when. */
export interface CorrectionsTable {
  id: string;
  entity_type: string;
  entity_id: string;
  field_changes: string;
  reason: string;
  actor_id: string | null;
  at: number;
  journal_seq: number;
}

export interface PlatformTables {
  journal: JournalTable;
  journal_head: JournalHeadTable;
  journal_heads: JournalHeadsTable;
  jobs: JobsTable;
  outbox: OutboxTable;
  idempotency_keys: IdempotencyKeysTable;
  applied_ops: AppliedOpsTable;
  counters: CountersTable;
  settings: SettingsTable;
  corrections: CorrectionsTable;
}

export const platformColumns: ColumnsOf<PlatformTables> = {
  journal: {
    seq: 1,
    at: 1,
    actor_id: 1,
    actor_name: 1,
    action: 1,
    entity_type: 1,
    entity_id: 1,
    jurisdiction_path: 1,
    payload: 1,
    reason: 1,
    batch_count: 1,
    batch_digest: 1,
    prev_hash: 1,
    hash: 1,
    wall_at: 1,
  },
  journal_heads: { seq: 1, hash: 1, signed_at: 1, key_id: 1, signature: 1 },
  journal_head: { id: 1, seq: 1, hash: 1 },
  jobs: {
    id: 1,
    kind: 1,
    payload: 1,
    run_at: 1,
    status: 1,
    unique_key: 1,
    attempts: 1,
    max_attempts: 1,
    lease_owner: 1,
    lease_until: 1,
    last_error: 1,
    created_at: 1,
    finished_at: 1,
  },
  outbox: { seq: 1, at: 1, topic: 1, user_id: 1, unit_id: 1, jurisdiction_path: 1, payload: 1, capability: 1, reach: 1 },
  idempotency_keys: { actor: 1, key: 1, method: 1, path: 1, request_hash: 1, status_code: 1, response_body: 1, created_at: 1 },
  applied_ops: { scope: 1, client_id: 1, applied_at: 1, result: 1 },
  counters: { name: 1, value: 1 },
  settings: { key: 1, value: 1, updated_at: 1 },
  corrections: { id: 1, entity_type: 1, entity_id: 1, field_changes: 1, reason: 1, actor_id: 1, at: 1, journal_seq: 1 },
};
