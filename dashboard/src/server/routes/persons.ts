// People: persons, their appearances across sources, the user's corrections, dossier exports.
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Store } from '@aima/storage';
import { DashboardError } from '../../errors.ts';
import type { PersonsService } from '../../persons/service.ts';
import {
  appearanceView,
  cropUrl,
  dossier,
  dossierCsvRows,
  DOSSIER_CSV_HEADER,
  listPersonViews,
  type PersonVisibility,
} from '../../persons/queries.ts';
import {
  AppearanceView,
  DossierView,
  MergeBody,
  MoveBody,
  PersonView,
  RenameBody,
  SplitBody,
} from '../../protocol.ts';
import { toCsv } from '../csv.ts';
import { defineRoute, type ApiRoute } from '../route.ts';

export interface PersonRouteOptions {
  readonly store: Store;
  /** null when faces are off: persons can be read, not changed. */
  readonly persons: PersonsService | null;
  readonly visibility: PersonVisibility;
}

const PersonParams = z.object({ id: z.string().min(1).max(128) }).strict();
const AppearanceParams = z
  .object({ sourceId: z.string().min(1).max(128), appearanceId: z.coerce.number().int().nonnegative() })
  .strict();
const ListQuery = z
  .object({
    q: z.string().max(200).optional().describe('name or id contains'),
    all: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true')
      .describe('include persons below the minimum screen time'),
  })
  .strict();
const ExportQuery = z.object({ format: z.enum(['json', 'csv']).default('json') }).strict();
const SimilarQuery = z.object({ k: z.coerce.number().int().positive().max(100).default(10) }).strict();
const SimilarView = z.object({
  sourceId: z.string(),
  appearanceId: z.number().int(),
  personId: z.string(),
  similarity: z.number(),
  cropUrl: z.string(),
});

const personNotFound = { description: 'Unknown person (PERSON_NOT_FOUND)' };
const appearanceNotFound = { description: 'Unknown appearance (APPEARANCE_NOT_FOUND)' };
const conflict = { description: 'Not possible in this state (PERSON_CONFLICT, FACES_DISABLED)' };

export function personRoutes(opts: PersonRouteOptions): ApiRoute[] {
  const { store, visibility } = opts;
  const service = (): PersonsService => {
    if (!opts.persons) throw new DashboardError('FACES_DISABLED', 'faces are off (AIMA_FACES=off)');
    return opts.persons;
  };
  const personOut = async (id: string, signal: AbortSignal) =>
    (await dossier(store, id, visibility, signal)).person;
  const appearanceRoute = (
    action: 'undo' | 'confirm' | 'reject',
    summary: string,
    run: (s: PersonsService, key: { sourceId: string; appearanceId: number }) => Promise<unknown>,
  ): ApiRoute =>
    defineRoute(
      {
        method: 'POST',
        url: `/api/v1/appearances/:sourceId/:appearanceId/${action}`,
        operationId: `${action}Appearance`,
        summary,
        tag: 'people',
        auth: 'session',
        params: AppearanceParams,
        responses: {
          200: { description: 'The appearance', schema: AppearanceView },
          404: appearanceNotFound,
          409: conflict,
        },
      },
      async ({ params }) => {
        await run(service(), params);
        return appearanceOut(store, params);
      },
    );

  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/persons',
        operationId: 'listPersons',
        summary: 'Persons, most seen first (by default only those above the minimum screen time)',
        tag: 'people',
        auth: 'session',
        query: ListQuery,
        responses: { 200: { description: 'Persons', schema: z.array(PersonView) } },
      },
      ({ query, signal }) => listPersonViews(store, visibility, { search: query.q, all: query.all, signal }),
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/persons/:id',
        operationId: 'getPerson',
        summary: 'Dossier: every appearance across sources, corrections and name history',
        tag: 'people',
        auth: 'session',
        params: PersonParams,
        responses: { 200: { description: 'Dossier', schema: DossierView }, 404: personNotFound },
      },
      ({ params, signal }) => dossier(store, params.id, visibility, signal),
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/persons/:id/export',
        operationId: 'exportPerson',
        summary: 'Download a dossier as JSON or CSV (one row per appearance)',
        tag: 'people',
        auth: 'session',
        params: PersonParams,
        query: ExportQuery,
        responses: {
          200: { description: 'Attachment (application/json or text/csv)', contentType: 'text/csv' },
          404: personNotFound,
        },
      },
      async ({ params, query, signal }, _req, reply) => {
        const d = await dossier(store, params.id, visibility, signal);
        const epochs = new Map((await store.listSources(signal)).map((s) => [s.id, s.epochMs]));
        return attachment(
          reply,
          `${params.id}.${query.format}`,
          query.format === 'json'
            ? JSON.stringify(d)
            : toCsv(
                DOSSIER_CSV_HEADER,
                dossierCsvRows(d, (id) => epochs.get(id) ?? 0),
              ),
        );
      },
    ),
    defineRoute(
      {
        method: 'PUT',
        url: '/api/v1/persons/:id/name',
        operationId: 'renamePerson',
        summary: 'Name a person (kept in its name history; applies to past and future media)',
        tag: 'people',
        auth: 'session',
        params: PersonParams,
        body: RenameBody,
        responses: {
          200: { description: 'The person', schema: PersonView },
          404: personNotFound,
          409: conflict,
        },
      },
      async ({ params, body, signal }) => {
        await service().rename(params.id, body.name);
        return personOut(params.id, signal);
      },
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/persons/:id/merge',
        operationId: 'mergePerson',
        summary: 'Merge this person into another: all its appearances move there',
        tag: 'people',
        auth: 'session',
        params: PersonParams,
        body: MergeBody,
        responses: {
          200: { description: 'The merged person', schema: PersonView },
          404: personNotFound,
          409: conflict,
        },
      },
      async ({ params, body, signal }) => {
        const p = await service().merge(params.id, body.into);
        return personOut(p.id, signal);
      },
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/persons/:id/split',
        operationId: 'splitPerson',
        summary: 'Split the chosen appearances off into a new person',
        tag: 'people',
        auth: 'session',
        params: PersonParams,
        body: SplitBody,
        responses: {
          200: { description: 'The new person', schema: PersonView },
          404: personNotFound,
          409: conflict,
        },
      },
      async ({ params, body, signal }) => {
        const p = await service().split(params.id, body.appearances);
        return personOut(p.id, signal);
      },
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/appearances/:sourceId/:appearanceId/move',
        operationId: 'moveAppearance',
        summary: 'Move one appearance to another person (personId null: to a new person)',
        tag: 'people',
        auth: 'session',
        params: AppearanceParams,
        body: MoveBody,
        responses: {
          200: { description: 'The appearance', schema: AppearanceView },
          404: appearanceNotFound,
          409: conflict,
        },
      },
      async ({ params, body }) => {
        await service().move(params, body.personId);
        return appearanceOut(store, params);
      },
    ),
    appearanceRoute('undo', 'Undo an automatic assignment: the appearance gets its own person', (s, k) =>
      s.undoAuto(k),
    ),
    appearanceRoute('confirm', 'Unsure appearance: yes, it is the suggested person', (s, k) => s.confirm(k)),
    appearanceRoute('reject', 'Unsure appearance: no, it is not the suggested person', (s, k) => s.reject(k)),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/appearances/:sourceId/:appearanceId/crop.jpg',
        operationId: 'appearanceCrop',
        summary: 'The best aligned face of an appearance (112×112 JPEG)',
        tag: 'people',
        auth: 'session',
        params: AppearanceParams,
        responses: { 200: { description: 'JPEG image', contentType: 'image/jpeg' }, 404: appearanceNotFound },
      },
      async ({ params }, _req, reply) => {
        const [a] = await store.listAppearances({ keys: [params] });
        if (!a || a.crop === '')
          throw new DashboardError('APPEARANCE_NOT_FOUND', 'no face crop for this appearance');
        return reply
          .type('image/jpeg')
          .header('cache-control', 'private, max-age=3600')
          .send(Buffer.from(a.crop, 'base64'));
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/appearances/:sourceId/:appearanceId/similar',
        operationId: 'similarAppearances',
        summary: 'Stored faces most similar to this appearance (cosine similarity in ClickHouse)',
        tag: 'people',
        auth: 'session',
        params: AppearanceParams,
        query: SimilarQuery,
        responses: {
          200: { description: 'Nearest appearances', schema: z.array(SimilarView) },
          404: appearanceNotFound,
        },
      },
      async ({ params, query }) => {
        const [a] = await store.listAppearances({ keys: [params], withEmbedding: true });
        if (!a)
          throw new DashboardError(
            'APPEARANCE_NOT_FOUND',
            `no appearance ${params.sourceId}/${params.appearanceId}`,
          );
        if (a.embedding.length === 0) return [];
        const hits = await store.similarAppearances({ embedding: a.embedding, k: query.k + 1 });
        return hits
          .filter((h) => !(h.sourceId === a.sourceId && h.appearanceId === a.appearanceId))
          .slice(0, query.k)
          .map((h) => ({ ...h, cropUrl: cropUrl(h) }));
      },
    ),
  ];
}

async function appearanceOut(
  store: Store,
  key: { sourceId: string; appearanceId: number },
): Promise<AppearanceView> {
  const [a] = await store.listAppearances({ keys: [key] });
  if (!a)
    throw new DashboardError('APPEARANCE_NOT_FOUND', `no appearance ${key.sourceId}/${key.appearanceId}`);
  return appearanceView(a);
}

function attachment(reply: FastifyReply, file: string, body: string): FastifyReply {
  reply.header('content-disposition', `attachment; filename="${file.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
  return reply
    .type(
      file.endsWith('.csv') ? 'text/csv; charset=utf-8; header=present' : 'application/json; charset=utf-8',
    )
    .send(body);
}
