// The one error boundary of the HTTP server: every failure leaves as `{ code, message }` JSON with
// the status its code maps to. Stack traces and unknown errors' messages never reach the client.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from '../protocol.ts';
import { toErrorBody } from '../errors.ts';

/** Maps any thrown value to a status and a safe body. */
export function toHttpError(err: unknown): { status: number; body: ErrorBody } {
  const coded = toErrorBody(err);
  if (coded.status !== 500 || coded.body.code !== 'INTERNAL') return coded;
  // Fastify's own client errors (bad JSON, unsupported media type, body too large, ...) carry a
  // statusCode and a message fit for the client; they become our API_* codes.
  const fe = err as Partial<FastifyError>;
  if (
    err instanceof Error &&
    typeof fe.statusCode === 'number' &&
    fe.statusCode >= 400 &&
    fe.statusCode < 500
  ) {
    const code =
      fe.statusCode === 404
        ? 'API_NOT_FOUND'
        : fe.statusCode === 413
          ? 'API_BODY_TOO_LARGE'
          : 'API_BAD_REQUEST';
    return { status: fe.statusCode, body: { code, message: err.message } };
  }
  return coded;
}

function onError(this: FastifyInstance, err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toHttpError(err);
  if (status >= 500) req.log.error({ err }, 'request failed');
  // A rejected upload leaves its body unread; close the connection rather than drain gigabytes.
  if (status === 413) reply.header('connection', 'close');
  void reply.status(status).type('application/json; charset=utf-8').send(body);
}

/** Installs the error handler on `app` (children inherit it). */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(onError);
}
