// Sources: list, add (file path or stream URL), inspect, stop, delete.
import type { SourceGuard } from '@aima/ingest';
import { z } from 'zod';
import { AddSourceBody, SourceView } from '../../protocol.ts';
import type { SourceManager } from '../../sources/types.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { SourceParams } from '../schemas.ts';
import { requireSource } from './guards.ts';

const notFound = { description: 'Unknown source (SOURCE_NOT_FOUND)' };

/** `guard` (ServerDeps.sourceGuard) vets each added source before the manager sees it. */
export function sourceRoutes(manager: SourceManager, guard?: SourceGuard): ApiRoute[] {
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources',
        operationId: 'listSources',
        summary: 'List sources',
        tag: 'sources',
        auth: 'session',
        responses: { 200: { description: 'All sources, newest first', schema: z.array(SourceView) } },
      },
      () => manager.list(),
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/sources',
        operationId: 'addSource',
        summary: 'Add a source (server file path or stream URL) and start analysing it',
        tag: 'sources',
        auth: 'session',
        body: AddSourceBody,
        responses: {
          201: { description: 'Added; analysis runs in the background', schema: SourceView },
          400: { description: 'Invalid body or unsupported URL' },
          403: {
            description:
              'Refused by the source guard: a blocked address (INGEST_SOURCE_BLOCKED) or a path outside the media roots (INGEST_PATH_OUTSIDE_ROOTS)',
          },
          404: { description: 'File not found (INGEST_FILE_NOT_FOUND)' },
          409: { description: 'A source with this id exists (SOURCE_EXISTS)' },
        },
      },
      async ({ body }, _req, reply) => {
        // Before the manager: a refused source is never stored, opened or connected to.
        await guard?.check(body.input);
        const view = await manager.add(body);
        reply.status(201);
        return view;
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id',
        operationId: 'getSource',
        summary: 'One source',
        tag: 'sources',
        auth: 'session',
        params: SourceParams,
        responses: { 200: { description: 'The source', schema: SourceView }, 404: notFound },
      },
      ({ params }) => requireSource(manager, params.id),
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/sources/:id/stop',
        operationId: 'stopSource',
        summary: 'Stop analysing a source (results so far are kept)',
        tag: 'sources',
        auth: 'session',
        params: SourceParams,
        responses: { 200: { description: 'The stopped source', schema: SourceView }, 404: notFound },
      },
      ({ params }) => manager.stop(params.id),
    ),
    defineRoute(
      {
        method: 'DELETE',
        url: '/api/v1/sources/:id',
        operationId: 'deleteSource',
        summary: 'Stop a source and delete it with all its results',
        tag: 'sources',
        auth: 'session',
        params: SourceParams,
        responses: { 204: { description: 'Deleted' }, 404: notFound },
      },
      async ({ params }, _req, reply) => {
        await manager.remove(params.id);
        return reply.status(204).send();
      },
    ),
  ];
}
