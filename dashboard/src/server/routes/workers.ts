// Inference workers: join tokens, the worker list, the files and models workers fetch, and the
// workers' WebSocket (protocol v1, inference/src/service).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DashboardError } from '../../errors.ts';
import type { WorkerHubInternal } from '../../workers/hub.ts';
import type { WorkerHub } from '../../workers/types.ts';
import type { ServerDeps } from '../deps.ts';
import { defineRoute, type ApiRoute } from '../route.ts';

const TokenBody = z
  .object({
    ttlSeconds: z
      .number()
      .int()
      .positive()
      .max(7 * 24 * 3600)
      .optional(),
    instanceId: z.string().min(1).max(200).optional(),
    rented: z.boolean().optional(),
  })
  .strict()
  .default({});
const TokenView = z.object({
  token: z.string().describe('one-time join token for `aima worker --token` (shown once)'),
  expiresAt: z.number().describe('epoch ms'),
});
const WorkerViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  instanceId: z.string().nullable(),
  rented: z.boolean(),
  state: z.enum(['online', 'offline']),
  capabilities: z.record(z.unknown()),
  stats: z.record(z.unknown()).nullable(),
  lastSeen: z.number(),
  assignments: z.number(),
});
const SigParams = z.object({ sig: z.string().min(10).max(4096) }).strict();
const ModelParams = z.object({ id: z.string().min(1).max(200) }).strict();

/** The hub's server-facing side, when the deps carry the real hub (it is always createWorkerHub's). */
function internal(hub: WorkerHub | undefined): WorkerHubInternal {
  if (!hub || !('accept' in hub)) {
    throw new DashboardError('WORKER_UNAVAILABLE', 'this server has no worker hub');
  }
  return hub as WorkerHubInternal;
}

export function workerRoutes(deps: ServerDeps): ApiRoute[] {
  return [
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/workers/tokens',
        operationId: 'createWorkerToken',
        summary: 'Create a one-time join token for a worker (`aima worker token`)',
        tag: 'workers',
        auth: 'bearer',
        body: TokenBody,
        responses: { 201: { description: 'The token (only its hash is stored)', schema: TokenView } },
      },
      async ({ body }, _req, reply) => {
        const t = await internal(deps.workers).createJoinToken({
          ttlMs: body.ttlSeconds === undefined ? undefined : body.ttlSeconds * 1000,
          instanceId: body.instanceId,
          rented: body.rented,
        });
        return reply.status(201).send(t);
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/workers',
        operationId: 'listWorkers',
        summary: 'Workers known to this control plane, with state, capabilities and stats',
        tag: 'workers',
        auth: 'session',
        responses: { 200: { description: 'Workers', schema: z.array(WorkerViewSchema) } },
      },
      async () => (deps.workers ? deps.workers.workers() : []),
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/workers/files/:sig',
        operationId: 'workerFile',
        summary: 'The media file of a running assignment (signed, short-lived URL given to its worker)',
        tag: 'workers',
        auth: 'public',
        params: SigParams,
        responses: {
          200: { description: 'The file', contentType: 'application/octet-stream' },
          403: { description: 'Bad, expired or revoked signature' },
        },
      },
      async ({ params }, _req, reply) => {
        const file = internal(deps.workers).fileFor(params.sig);
        if (!file) throw new DashboardError('WORKER_FILE_DENIED', 'the file URL is invalid or expired');
        const st = await stat(file).catch(() => null);
        if (!st?.isFile()) throw new DashboardError('WORKER_FILE_DENIED', 'the file is gone');
        reply.header('content-type', 'application/octet-stream').header('content-length', String(st.size));
        return reply.send(createReadStream(file));
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/workers/models/:id',
        operationId: 'workerModel',
        summary: 'A model file for a worker (header x-aima-worker-key), as the registry resolved it',
        tag: 'workers',
        auth: 'public',
        params: ModelParams,
        responses: {
          200: { description: 'The model file', contentType: 'application/octet-stream' },
          401: { description: 'Not a known worker' },
        },
      },
      async ({ params, signal }, req, reply) => {
        const hub = internal(deps.workers);
        const key = req.headers['x-aima-worker-key'];
        if (typeof key !== 'string' || !hub.workerByKey(key)) {
          throw new DashboardError('WORKER_TOKEN_INVALID', 'a worker key is required');
        }
        const m = await hub.models.resolve(params.id, { signal });
        reply.header('content-type', 'application/octet-stream');
        reply.header('content-length', String((await stat(m.path)).size));
        reply.header('x-aima-sha256', m.spec.sha256);
        return reply.send(createReadStream(m.path));
      },
    ),
  ];
}

/** The workers' WebSocket (registered outside the ApiRoute list, like the live socket). */
export function registerWorkerSocket(app: FastifyInstance, deps: ServerDeps): void {
  const hub = deps.workers && 'accept' in deps.workers ? (deps.workers as WorkerHubInternal) : null;
  // Authenticated by the hello (join token or worker key), not by the API token.
  app.get('/api/v1/workers/connect', { websocket: true, config: { auth: 'public' } }, (socket) => {
    if (hub) hub.accept(socket);
    else socket.close(4403, 'this server takes no workers');
  });
}
