// One route definition feeds three things: Fastify's router, Zod validation of the request, and the
// OpenAPI document. Fastify gets no JSON Schema of its own: its Ajv defaults (removeAdditional,
// coerceTypes) would quietly disagree with the Zod schemas, which are the single source of truth.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { DashboardError } from '../errors.ts';

/** public: anyone; session: Bearer token or session cookie; bearer: Bearer token only (/metrics). */
export type AuthMode = 'public' | 'session' | 'bearer';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthMode;
  }
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ResponseSpec {
  readonly description: string;
  /** JSON body schema; omitted for empty or non-JSON bodies. */
  readonly schema?: z.ZodTypeAny;
  /** Content type of a non-JSON body (image/jpeg, text/csv, ...). */
  readonly contentType?: string;
  /** An example body for the OpenAPI document. */
  readonly example?: unknown;
}

/** Everything the router and the OpenAPI document need to know about one route, minus its handler. */
export interface RouteSpec {
  readonly method: HttpMethod;
  /** Fastify path syntax: /api/v1/sources/:id */
  readonly url: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  readonly auth: AuthMode;
  readonly params?: z.AnyZodObject;
  readonly query?: z.AnyZodObject;
  readonly body?: z.ZodTypeAny;
  /** 'binary': a raw application/octet-stream body, handed to the handler as a stream. */
  readonly bodyKind?: 'json' | 'binary';
  /** Largest JSON body this route accepts, bytes (default: the server's 1 MiB). */
  readonly bodyLimit?: number;
  /** Longer text for the OpenAPI document (limits, behaviour). */
  readonly description?: string;
  /** Example request bodies for the OpenAPI document, by name. */
  readonly bodyExamples?: Readonly<Record<string, { readonly summary: string; readonly value: unknown }>>;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
}

/** A route with its validated-input handler erased to Fastify's shape. */
export interface ApiRoute {
  readonly spec: RouteSpec;
  readonly handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

type Empty = z.ZodObject<Record<string, never>>;

/** What a handler receives: parsed (defaults applied) inputs and an abort signal for the request. */
export interface RouteInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Aborted when the client goes away before the response is sent. */
  readonly signal: AbortSignal;
}

/** Declares a route whose handler sees typed, validated input. */
export function defineRoute<
  P extends z.AnyZodObject = Empty,
  Q extends z.AnyZodObject = Empty,
  B extends z.ZodTypeAny = z.ZodUndefined,
>(
  spec: Omit<RouteSpec, 'params' | 'query' | 'body'> & { params?: P; query?: Q; body?: B },
  handler: (
    input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>,
    req: FastifyRequest,
    reply: FastifyReply,
  ) => Promise<unknown>,
): ApiRoute {
  return {
    spec,
    handler: (req, reply) => {
      const params = spec.params ? parseInput(spec.params, req.params, 'params') : {};
      const query = spec.query ? parseInput(spec.query, req.query, 'query') : {};
      // A binary body is a stream the handler consumes itself; Zod has nothing to say about it.
      const body =
        spec.body && spec.bodyKind !== 'binary' ? parseInput(spec.body, req.body, 'body') : req.body;
      const input = { params, query, body, signal: requestSignal(reply) } as RouteInput<
        z.output<P>,
        z.output<Q>,
        z.output<B>
      >;
      return handler(input, req, reply);
    },
  };
}

/**
 * Parses `value` with `schema`, or throws API_BAD_REQUEST naming the first offending field
 * (`body.fps: Number must be greater than 0`).
 */
export function parseInput<T extends z.ZodTypeAny>(schema: T, value: unknown, where: string): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data as z.output<T>;
  const issue = r.error.issues[0];
  const field = [where, ...(issue?.path ?? [])].join('.');
  throw new DashboardError('API_BAD_REQUEST', `${field}: ${issue?.message ?? 'invalid'}`);
}

// The response's 'close' fires both after a normal finish and when the connection drops; only the
// latter should cancel the store query behind the request.
function requestSignal(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) ac.abort();
  });
  return ac.signal;
}
