// Downloads of a source's results as JSON or RFC 4180 CSV.
import type { FastifyReply } from 'fastify';
import type { Store } from '@aima/storage';
import type { SourceManager } from '../../sources/types.ts';
import { csvStream, type CsvValue } from '../csv.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { ExportQuery, SourceParams } from '../schemas.ts';
import { detectionView, segmentView, trackView } from '../views.ts';
import { classChecker, requireSource } from './guards.ts';
import type { DetectionView, SegmentView, TrackView } from '../../protocol.ts';

export interface ExportRouteOptions {
  readonly manager: SourceManager;
  readonly store: Store;
  readonly labels: readonly string[];
}

interface Table<T> {
  readonly header: readonly string[];
  readonly row: (v: T) => readonly CsvValue[];
}

// Boxes are flattened into x1..y2 columns: CSV has no nesting.
const detectionTable: Table<DetectionView> = {
  header: ['ts', 'frameSeq', 'label', 'score', 'x1', 'y1', 'x2', 'y2', 'trackId'],
  row: (d) => [d.ts, d.frameSeq, d.label, d.score, ...d.box, d.trackId],
};
const trackTable: Table<TrackView> = {
  header: ['sourceId', 'trackId', 'label', 'startTs', 'endTs', 'frames', 'score', 'bestTs', 'bestX1', 'bestY1', 'bestX2', 'bestY2', 'ended'], // prettier-ignore
  row: (t) => [
    t.sourceId,
    t.trackId,
    t.label,
    t.startTs,
    t.endTs,
    t.frames,
    t.score,
    t.bestTs,
    ...t.bestBox,
    t.ended,
  ],
};
const segmentTable: Table<SegmentView> = {
  header: ['sourceId', 'label', 'startTs', 'endTs', 'tracks', 'maxScore'],
  row: (s) => [s.sourceId, s.label, s.startTs, s.endTs, s.tracks, s.maxScore],
};

function send<T>(
  reply: FastifyReply,
  name: string,
  format: 'json' | 'csv',
  items: readonly T[],
  table: Table<T>,
): FastifyReply {
  // Source ids are [A-Za-z0-9._-] already; the replace keeps the header safe whatever they become.
  const file = `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.${format}`;
  reply.header('content-disposition', `attachment; filename="${file}"`);
  if (format === 'json') return reply.type('application/json; charset=utf-8').send(JSON.stringify(items));
  return reply
    .type('text/csv; charset=utf-8; header=present')
    .send(csvStream(table.header, items, table.row));
}

export function exportRoutes(opts: ExportRouteOptions): ApiRoute[] {
  const { manager, store } = opts;
  const checkClass = classChecker(opts.labels);
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/export',
        operationId: 'exportSource',
        summary: 'Download detections, tracks or segments of a source as JSON or CSV',
        tag: 'history',
        auth: 'session',
        params: SourceParams,
        query: ExportQuery,
        responses: {
          200: { description: 'Attachment (application/json or text/csv)', contentType: 'text/csv' },
          404: { description: 'Unknown source (SOURCE_NOT_FOUND)' },
        },
      },
      async ({ params, query, signal }, _req, reply) => {
        const label = checkClass(query.class);
        await requireSource(manager, params.id);
        const range = { sourceId: params.id, label, from: query.from, to: query.to, signal };
        const name = `${params.id}-${query.what}`;
        switch (query.what) {
          case 'detections': {
            const rows = await store.listDetections({ ...range, limit: query.limit });
            return send(reply, name, query.format, rows.map(detectionView), detectionTable);
          }
          case 'tracks': {
            const rows = await store.listTracks(range);
            return send(reply, name, query.format, rows.slice(0, query.limit).map(trackView), trackTable);
          }
          case 'segments': {
            const rows = await store.segments({ ...range, limit: query.limit });
            return send(reply, name, query.format, rows.map(segmentView), segmentTable);
          }
        }
      },
    ),
  ];
}
