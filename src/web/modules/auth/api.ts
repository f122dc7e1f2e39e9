import { http, request } from '../../app/http.js';
import type { LoginBody, Me as MeDto } from '../../../server/platform/auth/auth.schemas.js';

/** The signed-in user (GET /api/auth/me); the shape is the server's schema. */
export type Me = MeDto;
export type LoginInput = LoginBody;

export const authApi = {
  /** Signs in. 401 INVALID_CREDENTIALS · ACCOUNT_LOCKED {until} · TOTP_REQUIRED · TOTP_INVALID; 429 RATE_LIMITED {retryAfter}. */
  login: (input: LoginInput) => request<{ user: Me }>('POST', '/api/auth/login', { body: input, quietAuth: true }),
  logout: () => request<{ ok: true }>('POST', '/api/auth/logout', { body: {}, quietAuth: true }),
  /** The current user; `quiet` when a 401 only means "not signed in yet". */
  me: (quiet = false) => request<Me>('GET', '/api/auth/me', { quietAuth: quiet }),
  changePassword: (currentPassword: string, newPassword: string) => http.post<{ ok: true }>('/api/auth/password', { currentPassword, newPassword }),
  /** Starts authenticator enrolment; asks for the current password again. 422 CURRENT_PASSWORD_WRONG · 409 TOTP_ALREADY_ENABLED. */
  enrolTotp: (currentPassword: string) => http.post<{ secret: string; otpauthUrl: string }>('/api/auth/totp/enrol', { currentPassword }),
  /** Turns the second factor on with a current code. 422 TOTP_CONFIRM_FAILED. */
  confirmTotp: (code: string) => http.post<{ user: Me }>('/api/auth/totp/confirm', { code }),
};
