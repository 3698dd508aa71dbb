// The single-page app: built files from uiDir at `/`, index.html for every other non-API GET (the
// SPA routes on the client), or a short note when the UI has not been built.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const NOT_BUILT =
  'AIMA: the web UI is not built. Run `npm run build:ui`, then restart `aima serve`.\n' +
  'The API is at /api/v1 (interactive docs: /api/docs).\n';

/** Serves the SPA; returns the fallback for unmatched GETs (null when there is no UI). */
export function registerSpa(
  app: FastifyInstance,
  uiDir: string | null,
): ((req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) | null {
  const indexFile = uiDir === null ? null : path.join(uiDir, 'index.html');
  if (uiDir === null || indexFile === null || !existsSync(indexFile)) {
    app.get('/', { config: { auth: 'public' } }, async (_req, reply) =>
      reply.type('text/plain; charset=utf-8').send(NOT_BUILT),
    );
    return null;
  }
  void app.register(fastifyStatic, {
    root: uiDir,
    prefix: '/',
    wildcard: true,
    // swagger-ui registers its own @fastify/static; only one may decorate the reply.
    decorateReply: false,
    // Our setHeaders decides caching; @fastify/static's own header would override it.
    cacheControl: false,
    setHeaders(res, file) {
      // Vite puts a content hash in every asset name; index.html must be revalidated to pick them up.
      const hashed = file.includes(`${path.sep}assets${path.sep}`);
      res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  // Read per request: a rebuilt UI is picked up without a restart, and the file is small.
  return async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(await readFile(indexFile));
}
