// Browser login: trade the API token for a session cookie once, so the SPA and its WebSocket never
// hold the token in script-readable storage or in a URL.
import { DashboardError } from '../../errors.ts';
import { SESSION_COOKIE, SESSION_MAX_AGE_S, type Authenticator } from '../auth.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { LoginBody, SessionView } from '../schemas.ts';

export function authRoutes(auth: Authenticator): ApiRoute[] {
  return [
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/auth/login',
        operationId: 'login',
        summary: 'Exchange the API token for a session cookie (aima_session)',
        tag: 'auth',
        auth: 'public',
        body: LoginBody,
        responses: {
          204: { description: 'Logged in; Set-Cookie carries the session' },
          401: { description: 'Wrong token (AUTH_INVALID)' },
        },
      },
      async ({ body }, req, reply) => {
        if (!auth.isToken(body.token)) throw new DashboardError('AUTH_INVALID', 'invalid token');
        return reply
          .setCookie(SESSION_COOKIE, auth.cookieValue, {
            httpOnly: true,
            sameSite: 'strict',
            path: '/',
            maxAge: SESSION_MAX_AGE_S,
            // Plain http on localhost is the default deployment; Secure only where it can work.
            secure: req.protocol === 'https',
          })
          .status(204)
          .send();
      },
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/auth/logout',
        operationId: 'logout',
        summary: 'Clear the session cookie',
        tag: 'auth',
        auth: 'public',
        responses: { 204: { description: 'Logged out' } },
      },
      async (_input, _req, reply) =>
        reply
          .clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict' })
          .status(204)
          .send(),
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/auth/session',
        operationId: 'getSession',
        summary: 'Whether the request is authenticated',
        tag: 'auth',
        auth: 'session',
        responses: { 200: { description: 'Authenticated', schema: SessionView } },
      },
      async () => ({ authenticated: true as const }),
    ),
  ];
}
