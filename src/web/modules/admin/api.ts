import { http } from '../../app/http.js';
import type {
  CreateUnitBody,
  CreateUserBody,
  ImportError,
  ImportResult as ImportResultDto,
  Page as PageDto,
  Unit as UnitDto,
  UnitListQuery,
  UpdateUnitBody,
  UpdateUserBody,
  User as UserDto,
  UserListQuery,
} from '../../../server/platform/auth/auth.schemas.js';

// The shapes are the server's schemas (type-only imports: no server code reaches the bundle).
/** A staff account (GET /api/users). */
export type User = UserDto;
/** An organisation or task force, 单位 / 专班 (GET /api/units). */
export type Unit = UnitDto;
export type Page<T> = PageDto<T>;
/** One bad row of a staff import (400 IMPORT_INVALID details, or `failed` in partial mode). */
export type ImportRowError = ImportError;
export type ImportResult = ImportResultDto;
export type UserQuery = UserListQuery;
export type UnitQuery = UnitListQuery;
export type CreateUserInput = CreateUserBody;
export type UpdateUserInput = UpdateUserBody;
export type CreateUnitInput = CreateUnitBody;
export type UpdateUnitInput = UpdateUnitBody;

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
