import type { FastifyReply, FastifyRequest } from 'fastify';

/** The session cookie: a random token; the server stores only its SHA-256. */
export const SESSION_COOKIE = 'bulwark_sid';

/** The session token the request carries, if any (bounded length: a cookie is not a place for payloads). */
export function readSessionToken(req: FastifyRequest): string | undefined {
  const fromPlugin = (req as unknown as { cookies?: Record<string, string | undefined> }).cookies?.[SESSION_COOKIE];
  const token = fromPlugin ?? parseCookieHeader(req.headers.cookie)[SESSION_COOKIE];
  return token && token.length <= 128 ? token : undefined;
}

function parseCookieHeader(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/**
 * httpOnly (no script reads it), SameSite=Strict (never sent on cross-site requests), Path=/, and
 * Secure when the request came over https. No Max-Age: the browser forgets it when closed, and the
 * server enforces idle and absolute expiry anyway.
 */
function cookieOptions(req: FastifyRequest) {
  return { httpOnly: true, sameSite: 'strict' as const, path: '/', secure: req.protocol === 'https' };
}

export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, cookieOptions(req));
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(req));
}
