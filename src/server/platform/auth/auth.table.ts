import type { ColumnsOf } from '../../db/columns.js';

/** An organisation or task force (单位 / 专班) that users belong to and tasks are assigned to. */
export interface UnitsTable {
  id: string;
  name: string;
  /** hq · district_hq · street_office · community · task_force · lab · facility · other */
  kind: string;
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

export interface AuthTables {
  units: UnitsTable;
  users: UsersTable;
  sessions: SessionsTable;
}

export const authColumns: ColumnsOf<AuthTables> = {
  units: { id: 1, name: 1, kind: 1, jurisdiction_id: 1, jurisdiction_path: 1, parent_unit_id: 1, active: 1, created_at: 1, updated_at: 1 },
  users: { id: 1, username: 1, display_name: 1, password_hash: 1, unit_id: 1, roles: 1, active: 1, totp_secret: 1, totp_enabled: 1, failed_logins: 1, locked_until: 1, last_login_at: 1, totp_last_step: 1, password_changed_at: 1, created_at: 1, updated_at: 1 },
  sessions: { id: 1, user_id: 1, created_at: 1, last_seen_at: 1, expires_at: 1, revoked_at: 1 },
};
