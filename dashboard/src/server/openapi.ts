// The OpenAPI 3.1 document, built from the same route definitions and Zod schemas that route and
// validate requests, so the document cannot drift from what the server does.
import type { z } from 'zod';
import {
  AddSourceBody,
  ClientMessage,
  DetectionView,
  ErrorBody,
  SegmentView,
  ServerMessage,
  SourceView,
  TimelineView,
  TrackView,
  AudioEventView,
  SpeakerPatchBody,
  SpeakerView,
  TranscriptHitView,
  TranscriptLineView,
} from '../protocol.ts';
import type { ApiRoute, AuthMode } from './route.ts';
import { LoginBody } from './schemas.ts';
import { SESSION_COOKIE } from './auth.ts';
import { toJsonSchema, toParameters, type JsonSchema } from './zod-json.ts';

// Schemas worth a name in components/schemas; operations refer to them with $ref.
const NAMED: ReadonlyArray<readonly [string, z.ZodTypeAny, 'input' | 'output']> = [
  ['SourceView', SourceView, 'output'],
  ['AddSourceBody', AddSourceBody, 'input'],
  ['DetectionView', DetectionView, 'output'],
  ['TrackView', TrackView, 'output'],
  ['SegmentView', SegmentView, 'output'],
  ['TimelineView', TimelineView, 'output'],
  ['ErrorBody', ErrorBody, 'output'],
  ['LoginBody', LoginBody, 'input'],
  ['ClientMessage', ClientMessage, 'input'],
  ['ServerMessage', ServerMessage, 'output'],
  ['TranscriptLineView', TranscriptLineView, 'output'],
  ['TranscriptHitView', TranscriptHitView, 'output'],
  ['AudioEventView', AudioEventView, 'output'],
  ['SpeakerView', SpeakerView, 'output'],
  ['SpeakerPatchBody', SpeakerPatchBody, 'input'],
];
const nameOf = new Map<z.ZodTypeAny, string>(NAMED.map(([name, schema]) => [schema, name]));
const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

function schemaFor(schema: z.ZodTypeAny, io: 'input' | 'output'): JsonSchema {
  const name = nameOf.get(schema);
  if (name !== undefined) return ref(name);
  // Arrays of a named view (the list endpoints) refer to it as well.
  const element = (schema as { element?: z.ZodTypeAny }).element;
  const elementName = element === undefined ? undefined : nameOf.get(element);
  if (elementName !== undefined) return { type: 'array', items: ref(elementName) };
  return toJsonSchema(schema, io);
}

function security(auth: AuthMode): Array<Record<string, string[]>> {
  if (auth === 'public') return [];
  if (auth === 'bearer') return [{ bearer: [] }];
  return [{ bearer: [] }, { session: [] }];
}

const errorResponse = (description: string): JsonSchema => ({
  description,
  content: { 'application/json': { schema: ref('ErrorBody') } },
});

function operation(route: ApiRoute): JsonSchema {
  const s = route.spec;
  const parameters = [
    ...(s.params ? toParameters(s.params, 'path') : []),
    ...(s.query ? toParameters(s.query, 'query') : []),
  ];
  const responses: JsonSchema = {};
  for (const [status, r] of Object.entries(s.responses)) {
    const content = r.schema
      ? {
          'application/json': {
            schema: schemaFor(r.schema, 'output'),
            ...(r.example === undefined ? {} : { example: r.example }),
          },
        }
      : r.contentType
        ? { [r.contentType]: { schema: { type: 'string', format: 'binary' } } }
        : undefined;
    responses[status] =
      Number(status) >= 400
        ? errorResponse(r.description)
        : { description: r.description, ...(content ? { content } : {}) };
  }
  // Every validated input can be refused, every protected route can ask for credentials.
  if ((parameters.length > 0 || s.body) && !responses['400'])
    responses['400'] = errorResponse('Invalid request');
  if (s.auth !== 'public' && !responses['401'])
    responses['401'] = errorResponse('Missing or invalid credentials');
  responses['500'] ??= errorResponse('Internal error');

  let requestBody: JsonSchema | undefined;
  if (s.bodyKind === 'binary') {
    requestBody = {
      required: true,
      content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
    };
  } else if (s.body) {
    const examples = s.bodyExamples ? { examples: s.bodyExamples } : {};
    requestBody = {
      required: true,
      content: { 'application/json': { schema: schemaFor(s.body, 'input'), ...examples } },
    };
  }
  return {
    operationId: s.operationId,
    summary: s.summary,
    ...(s.description ? { description: s.description } : {}),
    tags: [s.tag],
    security: security(s.auth),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of `routes`, plus the live WebSocket described in words and schemas. */
export function buildOpenApi(routes: readonly ApiRoute[], info: { version: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const r of routes) {
    const path = r.spec.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    (paths[path] ??= {})[r.spec.method.toLowerCase()] = operation(r);
  }
  paths['/api/v1/live'] = {
    get: {
      operationId: 'live',
      summary: 'Live WebSocket',
      description:
        'Upgrade to a WebSocket. The client sends ClientMessage JSON (subscribe, unsubscribe, ping); the ' +
        'server sends ServerMessage JSON: hello on connect, source/source-removed to everyone, frame/window/' +
        'track for subscribed sources. Slow clients skip frames (see `skipped`); a client that stops ' +
        'reading is closed with 1013. WebRTC signalling (mediasoup): rtc-join {req, sourceId} → ' +
        'rtc-joined (router capabilities, transport); rtc-connect {dtlsParameters} → rtc-ok; ' +
        'rtc-consume {rtpCapabilities} → rtc-consumers (paused, with the RTP clock); rtc-resume → ' +
        'rtc-ok; rtc-leave → rtc-ok; failures are rtc-error {req, code, message}. The server pushes ' +
        'rtc-clock at keyframes and rtc-closed when a viewer ends server-side.',
      tags: ['live'],
      security: security('session'),
      responses: {
        '101': { description: 'Switching protocols' },
        '401': errorResponse('Missing or invalid credentials'),
      },
    },
  };
  const schemas: Record<string, JsonSchema> = {};
  for (const [name, schema, io] of NAMED) schemas[name] = toJsonSchema(schema, io);
  return {
    openapi: '3.1.0',
    info: {
      title: 'AIMA API',
      version: info.version,
      description: 'Sources, analysis results and live updates of an AIMA server.',
    },
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The API token (AIMA_TOKEN)' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: 'Set by POST /api/v1/auth/login',
        },
      },
    },
  };
}
