import type { ColumnsOf } from '../../db/columns.js';
import type { UnitKind } from '../../../common/roles.js';

/** An organisation or task force (单位 / 专班) that users belong to and tasks are assigned to. */
export interface UnitsTable {
  id: string;
  name: string;
  /** hq · district_hq · street_office · community · task_force · lab · facility · other */
  kind: UnitKind;
  /** The jurisdiction the unit sits in; its users see that subtree. */
  jurisdiction_id: string;
  /** Copy of the jurisdiction's path, for scoped queries without a join. */
  jurisdiction_path: string;
  parent_unit_id: string | null;
  /** 1 active, 0 deactivated. */
  active: number;
  created_at: number;
  updated_at: number;
}

/** A staff account. Residents do not sign in. */
export interface UsersTable {
  id: string;
  /** Login name, lower-case, unique. */
  username: string;
  display_name: string;
  /** argon2id PHC string. */
  password_hash: string;
  unit_id: string;
  /** JSON array of role names (see src/common/roles.ts). */
  roles: string;
  /** 1 active, 0 deactivated (live sessions end). */
  active: number;
  /** TOTP secret, AES-256-GCM encrypted; null until enrolment starts. */
  totp_secret: string | null;
  /** 1 once the user confirmed a code; then every login needs one. */
  totp_enabled: number;
  /** Consecutive failed logins since the last success. */
  failed_logins: number;
  /** Epoch ms until which logins are refused after repeated failures. */
  locked_until: number | null;
  last_login_at: number | null;
  /** The last TOTP time step accepted; codes of that step or earlier are refused (no replay). */
  totp_last_step: number | null;
  /** Epoch ms of the last password change or reset; null for the initial password. */
  password_changed_at: number | null;
  created_at: number;
  updated_at: number;
}

/** Server-side sessions. The cookie holds a random token; only its SHA-256 is stored. */
export interface SessionsTable {
  /** Hex SHA-256 of the cookie token. */
  id: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  /** Absolute expiry (epoch ms); idle expiry is last_seen_at + the configured idle time. */
  expires_at: number;
  /** Set on logout, deactivation or password reset. */
  revoked_at: number | null;
}

/**
 * Rate-limit counters shared by every process on the database (issue 14): a fixed window
 * (`hits` since `window_start`) or progressive delays (`hits` failures, next attempt heard at
 * `until`). Keys are `<limiter>:<HMAC of the subject>`, so no username or address is stored.
 */
export interface RateLimitsTable {
  key: string;
  hits: number;
  /** Epoch ms the current window began. */
  window_start: number;
  /** Epoch ms before which the subject is not heard (progressive delays); 0 otherwise. */
  until: number;
  /** Epoch ms after which the row means nothing and may be deleted. */
  expires_at: number;
}

/** Open live streams (SSE) of every process, for the per-user and per-session caps. */
export interface LiveStreamsTable {
  id: string;
  user_id: string;
  session_id: string;
  opened_at: number;
  /** Renewed by the process holding the stream; a killed process's streams lapse. */
  lease_until: number;
}

export interface AuthTables {
  units: UnitsTable;
  users: UsersTable;
  sessions: SessionsTable;
  rate_limits: RateLimitsTable;
  live_streams: LiveStreamsTable;
}

export const authColumns: ColumnsOf<AuthTables> = {
  units: { id: 1, name: 1, kind: 1, jurisdiction_id: 1, jurisdiction_path: 1, parent_unit_id: 1, active: 1, created_at: 1, updated_at: 1 },
  users: {
    id: 1,
    username: 1,
    display_name: 1,
    password_hash: 1,
    unit_id: 1,
    roles: 1,
    active: 1,
    totp_secret: 1,
    totp_enabled: 1,
    failed_logins: 1,
    locked_until: 1,
    last_login_at: 1,
    totp_last_step: 1,
    password_changed_at: 1,
    created_at: 1,
    updated_at: 1,
  },
  sessions: { id: 1, user_id: 1, created_at: 1, last_seen_at: 1, expires_at: 1, revoked_at: 1 },
  rate_limits: { key: 1, hits: 1, window_start: 1, until: 1, expires_at: 1 },
  live_streams: { id: 1, user_id: 1, session_id: 1, opened_at: 1, lease_until: 1 },
};
