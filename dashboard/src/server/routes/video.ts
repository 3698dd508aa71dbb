// The live video WebSocket route. It is not a defineRoute (no request/response bodies), so it is
// registered on Fastify directly and described in the OpenAPI document by hand, like /api/v1/live.
import type { FastifyInstance } from 'fastify';
import type { SourceManager } from '../../sources/types.ts';
import { parseInput } from '../route.ts';
import { SourceParams } from '../schemas.ts';
import type { VideoSockets } from '../video-socket.ts';
import type { JsonSchema } from '../zod-json.ts';
import { requireSource } from './guards.ts';

export const VIDEO_URL = '/api/v1/sources/:id/video';

export function registerVideoSocket(
  app: FastifyInstance,
  deps: { manager: SourceManager; sockets: VideoSockets },
): void {
  app.get(
    VIDEO_URL,
    {
      websocket: true,
      config: { auth: 'session' },
      // Before the upgrade (auth ran onRequest): an unknown source is a plain 404.
      preValidation: async (req) => {
        await requireSource(deps.manager, parseInput(SourceParams, req.params, 'params').id);
      },
    },
    (socket, req) => deps.sockets.accept(socket, (req.params as { id: string }).id),
  );
}

/** Adds the video WebSocket to an OpenAPI document built by buildOpenApi. */
export function documentVideoSocket(document: JsonSchema): void {
  const paths = document.paths as Record<string, unknown>;
  paths['/api/v1/sources/{id}/video'] = {
    get: {
      operationId: 'liveVideo',
      summary: 'Live video WebSocket (fragmented MP4 for Media Source Extensions)',
      description:
        'Upgrade to a WebSocket. The server sends one JSON text message ' +
        '`{type:"video-init", sourceId, mime, epochMs}` (see VideoInitMessage), then binary messages: ' +
        'the fMP4 init segment (ftyp+moov), the fragments of the current GOP, then live fragments ' +
        '(moof+mdat), ready to append to a SourceBuffer of type `mime`. A frame at media time t s ' +
        'shows wall-clock epochMs + 1000 t. A client whose send buffer exceeds 2 MiB is closed with ' +
        '1013 and should reconnect; 4404 = the source has no live video (do not retry); 1000 = the ' +
        'source ended.',
      tags: ['live'],
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      security: [{ bearer: [] }, { session: [] }],
      responses: {
        '101': { description: 'Switching protocols' },
        '401': { description: 'Missing or invalid credentials' },
        '404': { description: 'Unknown source (SOURCE_NOT_FOUND)' },
      },
    },
  };
}
