import type { Role, UnitKind } from '../../../common/roles.js';
import { http } from '../../app/http.js';

interface JurisdictionBrief {
  id: string;
  code: string;
  name: string;
  level: string;
  path: string;
}

/** A staff account (GET /api/users). */
export interface User {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
  active: boolean;
  unit: { id: string; name: string; kind: string };
  jurisdiction: JurisdictionBrief;
  totpEnabled: boolean;
  lockedUntil: number | null;
  lastLoginAt: number | null;
  passwordChangedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** An organisation or task force, 单位 / 专班 (GET /api/units). */
export interface Unit {
  id: string;
  name: string;
  kind: UnitKind;
  jurisdiction: JurisdictionBrief;
  parentUnit: { id: string; name: string } | null;
  active: boolean;
  activeUsers: number;
  createdAt: number;
  updatedAt: number;
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** One bad row of a staff import (400 IMPORT_INVALID details, or `failed` in partial mode). */
export interface ImportRowError {
  row: number;
  field: string;
  /** The server says `reason`; `message` is accepted too. */
  reason?: string;
  message?: string;
}

export interface ImportResult {
  mode: 'all' | 'partial';
  rows: number;
  created: number;
  users: { row: number; id: string; username: string }[];
  failed: ImportRowError[];
}

export interface UserQuery {
  q?: string;
  unitId?: string;
  active?: boolean;
  limit?: number;
  offset?: number;
}

export interface UnitQuery {
  q?: string;
  kind?: UnitKind;
  jurisdictionId?: string;
  active?: boolean;
  limit?: number;
  offset?: number;
}

export interface CreateUserInput {
  username: string;
  displayName: string;
  password: string;
  unitId: string;
  roles: Role[];
}

export interface UpdateUserInput {
  displayName?: string;
  unitId?: string;
  roles?: Role[];
  reason?: string;
}

export interface CreateUnitInput {
  name: string;
  kind: UnitKind;
  jurisdictionId: string;
  parentUnitId?: string | null;
}

export interface UpdateUnitInput extends Partial<CreateUnitInput> {
  reason?: string;
}

const u = (id: string) => `/api/users/${encodeURIComponent(id)}`;
const un = (id: string) => `/api/units/${encodeURIComponent(id)}`;

export const usersApi = {
  list: (q: UserQuery, signal?: AbortSignal) => http.get<Page<User>>('/api/users', { ...q }, signal),
  create: (input: CreateUserInput) => http.post<User>('/api/users', input),
  update: (id: string, input: UpdateUserInput) => http.patch<User>(u(id), input),
  disable: (id: string, reason: string) => http.post<User>(`${u(id)}/disable`, { reason }),
  enable: (id: string, reason: string) => http.post<User>(`${u(id)}/enable`, { reason }),
  resetPassword: (id: string, password: string, reason: string) => http.post<User>(`${u(id)}/reset-password`, { password, reason }),
  /** Uploads an .xlsx (multipart field `file`); `partial` writes the good rows and reports the rest. */
  importFile: (file: File, partial: boolean) => {
    const form = new FormData();
    form.append('file', file);
    return http.upload<ImportResult>('/api/users/import', form, { mode: partial ? 'partial' : 'all' });
  },
  templateUrl: '/api/users/import/template',
};

export const unitsApi = {
  list: (q: UnitQuery, signal?: AbortSignal) => http.get<Page<Unit>>('/api/units', { ...q }, signal),
  create: (input: CreateUnitInput) => http.post<Unit>('/api/units', input),
  update: (id: string, input: UpdateUnitInput) => http.patch<Unit>(un(id), input),
  disable: (id: string, reason: string) => http.post<Unit>(`${un(id)}/disable`, { reason }),
  enable: (id: string, reason: string) => http.post<Unit>(`${un(id)}/enable`, { reason }),
};
