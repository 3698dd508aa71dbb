// WHIP (RFC 9725): POST an SDP offer, get the answer and a session URL; DELETE that URL to stop.
// Registered on Fastify directly (SDP bodies, OPTIONS, Location headers) in a scope whose only body
// parser reads text up to 64 KiB, and described in the OpenAPI document by hand.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { DashboardError } from '../../errors.ts';
import type { WhipService } from '../../rtc/whip/service.ts';
import { parseInput } from '../route.ts';
import type { JsonSchema } from '../zod-json.ts';

export const WHIP_URL = '/api/v1/whip/:sourceId';
export const WHIP_SESSION_URL = '/api/v1/whip/:sourceId/sessions/:sessionId';
/** An offer of a few tracks is ~5 KiB; anything past this is not one. */
export const WHIP_BODY_LIMIT = 64 * 1024;

const SourceIdParams = z.object({ sourceId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/) }).strict();
const SessionParams = SourceIdParams.extend({ sessionId: z.string().uuid() }).strict();
const PublishQuery = z
  .object({
    fps: z.coerce.number().positive().max(30).optional(),
    analyzers: z
      .string()
      .max(1024)
      .transform((s) => s.split(',').filter((a) => a.length > 0))
      .optional(),
  })
  .strict();

export interface WhipRouteDeps {
  /** null: WebRTC is off or unavailable here; POST answers 503 with `unavailable`'s code. */
  readonly whip: WhipService | null;
  readonly unavailable?: {
    readonly code: 'RTC_DISABLED' | 'RTC_WORKER_MISSING' | 'RTC_UNAVAILABLE';
    readonly reason: string;
  };
}

export async function registerWhipRoutes(app: FastifyInstance, deps: WhipRouteDeps): Promise<void> {
  const service = (): WhipService => {
    if (deps.whip) return deps.whip;
    const u = deps.unavailable ?? { code: 'RTC_DISABLED' as const, reason: 'WebRTC is turned off' };
    throw new DashboardError(u.code, u.reason);
  };
  const acceptPost = (reply: FastifyReply): FastifyReply =>
    reply.header('accept-post', 'application/sdp').header('allow', 'OPTIONS, POST').code(204);

  await app.register(async (scope) => {
    // Every body is read as text (bounded); the handler refuses what is not application/sdp with
    // WHIP_UNSUPPORTED_MEDIA rather than the generic 415 of an unknown content type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: WHIP_BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );

    scope.options(WHIP_URL, { config: { auth: 'public' } }, async (_req, reply) => acceptPost(reply).send());
    scope.post(WHIP_URL, { bodyLimit: WHIP_BODY_LIMIT }, async (req, reply) => {
      const { sourceId } = parseInput(SourceIdParams, req.params, 'params');
      const query = parseInput(PublishQuery, req.query ?? {}, 'query');
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/sdp') {
        throw new DashboardError(
          'WHIP_UNSUPPORTED_MEDIA',
          'the offer must be sent as Content-Type application/sdp',
        );
      }
      const offer = typeof req.body === 'string' ? req.body : '';
      if (offer.length === 0) throw new DashboardError('WHIP_BAD_OFFER', 'the request has no SDP offer');
      const { sessionId, answer } = await service().publish(sourceId, offer, {
        ...(query.fps !== undefined ? { fps: query.fps } : {}),
        ...(query.analyzers ? { analyzers: query.analyzers } : {}),
      });
      return reply
        .code(201)
        .header('location', `/api/v1/whip/${encodeURIComponent(sourceId)}/sessions/${sessionId}`)
        .type('application/sdp')
        .send(answer);
    });
    scope.delete(WHIP_SESSION_URL, async (req, reply) => {
      const { sourceId, sessionId } = parseInput(SessionParams, req.params, 'params');
      await service().end(sourceId, sessionId);
      return reply.code(200).send();
    });
    // No trickle ICE or ICE restarts: clients send complete offers (RFC 9725 allows refusing PATCH).
    scope.patch(WHIP_SESSION_URL, async (_req, reply) =>
      reply.code(405).header('allow', 'DELETE').type('application/json; charset=utf-8').send({
        code: 'API_BAD_REQUEST',
        message: 'trickle ICE and ICE restarts are not supported: send a complete offer',
      }),
    );
    scope.options(WHIP_SESSION_URL, { config: { auth: 'public' } }, async (_req, reply) =>
      reply.header('allow', 'DELETE').code(204).send(),
    );
  });
}

/** Adds the WHIP endpoint to an OpenAPI document built by buildOpenApi. */
export function documentWhip(document: JsonSchema): void {
  const paths = document.paths as Record<string, unknown>;
  const error = {
    description: 'error',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
  };
  const sourceId = {
    name: 'sourceId',
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
  };
  paths['/api/v1/whip/{sourceId}'] = {
    post: {
      operationId: 'whipPublish',
      summary: 'Publish a camera or browser into AIMA (WHIP, RFC 9725)',
      description:
        'The body is a complete SDP offer (no trickle ICE), at most 64 KiB. The answer (201) is ' +
        'ICE-lite SDP; its Location is the session URL to DELETE when done. The stream becomes the ' +
        'live source `sourceId` (kind whip): analysed, recorded and shown live. Video: H.264 ' +
        '(Constrained Baseline or Main, preferred) or VP8; audio: Opus. Errors: 415 ' +
        'WHIP_UNSUPPORTED_MEDIA, 400 WHIP_BAD_OFFER, 406 WHIP_NO_CODEC, 409 WHIP_BUSY or ' +
        'SOURCE_EXISTS, 503 RTC_* when WebRTC is unavailable.',
      tags: ['sources'],
      parameters: [
        sourceId,
        { name: 'fps', in: 'query', schema: { type: 'number', maximum: 30 } },
        { name: 'analyzers', in: 'query', schema: { type: 'string' }, description: 'comma-separated ids' },
      ],
      requestBody: { required: true, content: { 'application/sdp': { schema: { type: 'string' } } } },
      responses: {
        201: {
          description: 'SDP answer; Location: the session URL',
          content: { 'application/sdp': { schema: { type: 'string' } } },
        },
        400: error,
        406: error,
        409: error,
        415: error,
        503: error,
      },
    },
    options: {
      operationId: 'whipOptions',
      summary: 'Accept-Post: application/sdp',
      tags: ['sources'],
      parameters: [sourceId],
      responses: { 204: { description: 'no content' } },
    },
  };
  paths['/api/v1/whip/{sourceId}/sessions/{sessionId}'] = {
    delete: {
      operationId: 'whipStop',
      summary: 'End a WHIP session: the source stops, its recording and results stay',
      tags: ['sources'],
      parameters: [
        sourceId,
        { name: 'sessionId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
      ],
      responses: { 200: { description: 'stopped' }, 404: error },
    },
  };
}
