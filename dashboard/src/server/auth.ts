// Stateless auth: the API token itself (Bearer) or a cookie derived from it. The cookie holds
// HMAC-SHA256(token, 'aima-session'), so it proves knowledge of the token without containing it,
// needs no session table, and stops working the moment the token changes.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { DashboardError } from '../errors.ts';
import type { AuthMode } from './route.ts';

export const SESSION_COOKIE = 'aima_session';
/** A week; the cookie is re-issued on every login. */
export const SESSION_MAX_AGE_S = 7 * 24 * 3600;

/** The session cookie value for `token`. */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('aima-session').digest('hex');
}

// timingSafeEqual needs equal lengths; hashing both sides first also keeps the expected length secret.
function safeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export interface Authenticator {
  /** True when `candidate` is the API token. */
  isToken(candidate: string): boolean;
  readonly cookieValue: string;
  /** Throws AUTH_REQUIRED (nothing presented) or AUTH_INVALID (wrong) unless `req` satisfies `mode`. */
  verify(req: FastifyRequest, mode: Exclude<AuthMode, 'public'>): void;
}

export function createAuthenticator(token: string): Authenticator {
  if (token.length === 0) throw new TypeError('the API token must not be empty');
  const cookieValue = sessionValue(token);
  const isToken = (candidate: string): boolean => safeEqual(candidate, token);

  return {
    isToken,
    cookieValue,
    verify(req, mode) {
      const header = req.headers.authorization;
      const bearer = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
      const cookie = mode === 'session' ? req.cookies[SESSION_COOKIE] : undefined;
      if (bearer !== undefined && isToken(bearer)) return;
      if (cookie !== undefined && safeEqual(cookie, cookieValue)) {
        if (req.ws) checkSameOrigin(req);
        return;
      }
      if (header === undefined && cookie === undefined) {
        throw new DashboardError(
          'AUTH_REQUIRED',
          mode === 'bearer' ? 'Bearer token required' : 'Bearer token or session cookie required',
        );
      }
      throw new DashboardError('AUTH_INVALID', 'invalid credentials');
    },
  };
}

// Browsers attach cookies to cross-site WebSocket handshakes unless SameSite stops them, and not all
// do for WebSockets; a cookie-authenticated upgrade must come from a page of this very host.
function checkSameOrigin(req: FastifyRequest): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    host = '';
  }
  if (host !== req.headers.host) {
    throw new DashboardError('AUTH_INVALID', 'cross-origin WebSocket with a session cookie refused');
  }
}
