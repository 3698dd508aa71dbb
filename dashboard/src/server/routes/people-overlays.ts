// Per-source people and picture data for timelines and overlays: faces with their person, and shots.
import { z } from 'zod';
import type { Store } from '@aima/storage';
import { FaceView, ShotView } from '../../protocol.ts';
import type { SourceManager } from '../../sources/types.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { SourceParams } from '../schemas.ts';
import { requireSource } from './guards.ts';

const RangeQuery = z
  .object({
    from: z.coerce.number().int().optional().describe('epoch ms, inclusive'),
    to: z.coerce.number().int().optional().describe('epoch ms, exclusive'),
    limit: z.coerce.number().int().positive().max(100_000).default(10_000),
  })
  .strict();

const notFound = { description: 'Unknown source (SOURCE_NOT_FOUND)' };
const hex = (rgb: number): string => `#${(rgb & 0xffffff).toString(16).padStart(6, '0')}`;

export function peopleOverlayRoutes(opts: {
  readonly manager: SourceManager;
  readonly store: Store;
}): ApiRoute[] {
  const { manager, store } = opts;
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/faces',
        operationId: 'listFaces',
        summary: 'Faces of a source in [from, to), each with the person its track was assigned to',
        tag: 'people',
        auth: 'session',
        params: SourceParams,
        query: RangeQuery,
        responses: { 200: { description: 'Faces', schema: z.array(FaceView) }, 404: notFound },
      },
      async ({ params, query }) => {
        await requireSource(manager, params.id);
        const [rows, persons] = await Promise.all([
          store.listFaces({ sourceId: params.id, from: query.from, to: query.to, limit: query.limit }),
          store.listPersons(),
        ]);
        const names = new Map(persons.map((p) => [p.id, p.name]));
        return rows.map((f) => ({
          ts: f.ts,
          box: [...f.box] as [number, number, number, number],
          score: f.score,
          quality: f.quality,
          faceTrackId: f.faceTrackId,
          personTrackId: f.personTrackId,
          personId: f.personId,
          name: names.get(f.personId) ?? '',
        }));
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/shots',
        operationId: 'listShots',
        summary: 'Shots of a source (cut to cut), with keyframe time, palette, sharpness and exposure',
        tag: 'history',
        auth: 'session',
        params: SourceParams,
        query: RangeQuery.omit({ limit: true }),
        responses: { 200: { description: 'Shots, oldest first', schema: z.array(ShotView) }, 404: notFound },
      },
      async ({ params, query }) => {
        await requireSource(manager, params.id);
        const rows = await store.listShots({ sourceId: params.id, from: query.from, to: query.to });
        return rows.map((s) => ({
          index: s.index,
          startTs: s.startTs,
          endTs: s.endTs,
          keyframeTs: s.keyframeTs,
          cutScore: s.cutScore,
          palette: s.palette.map(hex),
          sharpness: s.sharpness,
          exposure: { ...s.exposure },
        }));
      },
    ),
  ];
}
