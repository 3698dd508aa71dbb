// What a source saw: detections, tracks, segments, per-second timelines and keyframes.
import { z } from 'zod';
import type { Store } from '@aima/storage';
import { DetectionView, SegmentView, TimelineView, TrackView } from '../../protocol.ts';
import type { SourceManager } from '../../sources/types.ts';
import type { ServerDeps } from '../deps.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import {
  DetectionsQuery,
  FrameQuery,
  SegmentsQuery,
  SourceParams,
  TimelineQuery,
  TracksQuery,
} from '../schemas.ts';
import { detectionView, segmentView, timelineView, trackView } from '../views.ts';
import { classChecker, requireSource } from './guards.ts';

export interface HistoryRouteOptions {
  readonly manager: SourceManager;
  readonly store: Store;
  readonly labels: readonly string[];
  readonly keyframe: ServerDeps['keyframe'];
}

const notFound = { description: 'Unknown source (SOURCE_NOT_FOUND)' };

export function historyRoutes(opts: HistoryRouteOptions): ApiRoute[] {
  const { manager, store } = opts;
  const checkClass = classChecker(opts.labels);
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/detections',
        operationId: 'listDetections',
        summary: 'Detections of a source in [from, to), oldest first',
        tag: 'history',
        auth: 'session',
        params: SourceParams,
        query: DetectionsQuery,
        responses: { 200: { description: 'Detections', schema: z.array(DetectionView) }, 404: notFound },
      },
      async ({ params, query, signal }) => {
        const label = checkClass(query.class);
        await requireSource(manager, params.id);
        const rows = await store.listDetections({
          sourceId: params.id,
          label,
          from: query.from,
          to: query.to,
          limit: query.limit,
          signal,
        });
        return rows.map(detectionView);
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/tracks',
        operationId: 'listTracks',
        summary: 'Tracks of a source overlapping [from, to)',
        tag: 'history',
        auth: 'session',
        params: SourceParams,
        query: TracksQuery,
        responses: { 200: { description: 'Tracks', schema: z.array(TrackView) }, 404: notFound },
      },
      async ({ params, query, signal }) => {
        const label = checkClass(query.class);
        await requireSource(manager, params.id);
        const rows = await store.listTracks({
          sourceId: params.id,
          label,
          from: query.from,
          to: query.to,
          signal,
        });
        return rows.map(trackView);
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/segments',
        operationId: 'listSegments',
        summary: 'Time ranges where a class was present (tracks merged), of one source or all',
        tag: 'history',
        auth: 'session',
        query: SegmentsQuery,
        responses: { 200: { description: 'Segments', schema: z.array(SegmentView) }, 404: notFound },
      },
      async ({ query, signal }) => {
        const label = checkClass(query.class);
        if (query.source !== undefined) await requireSource(manager, query.source);
        const rows = await store.segments({
          sourceId: query.source,
          label,
          from: query.from,
          to: query.to,
          mergeGapMs: query.gap,
          limit: query.limit,
          signal,
        });
        return rows.map(segmentView);
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/timeline',
        operationId: 'getTimeline',
        summary: 'Per-second detection and track counts per class, on one shared time axis',
        tag: 'history',
        auth: 'session',
        params: SourceParams,
        query: TimelineQuery,
        responses: {
          200: { description: 'Timeline (uPlot column layout)', schema: TimelineView },
          404: notFound,
        },
      },
      async ({ params, query, signal }) => {
        const labels = query.classes
          ?.split(',')
          .map((c) => c.trim())
          .filter((c) => c !== '')
          .map((c) => checkClass(c)!);
        await requireSource(manager, params.id);
        const series = await store.timeline({
          sourceId: params.id,
          from: query.from,
          to: query.to,
          labels: labels?.length ? labels : undefined,
          signal,
        });
        return timelineView(params.id, series);
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/frame',
        operationId: 'getFrame',
        summary: 'The frame of a source at a time, as JPEG',
        tag: 'history',
        auth: 'session',
        params: SourceParams,
        query: FrameQuery,
        responses: {
          200: { description: 'JPEG image', contentType: 'image/jpeg' },
          404: {
            description: 'Unknown source or no frame at that time (SOURCE_NOT_FOUND, FRAME_UNAVAILABLE)',
          },
        },
      },
      async ({ params, query }, _req, reply) => {
        await requireSource(manager, params.id);
        const frame = await opts.keyframe(params.id, query.ts);
        if (query.download) {
          const name = `${params.id.replace(/[^A-Za-z0-9._-]/g, '_')}-${new Date(query.ts).toISOString().replace(/[:.]/g, '-')}.jpg`;
          reply.header('content-disposition', `attachment; filename="${name}"`);
        }
        // A frame of recorded media never changes; let the browser keep it for the session.
        return (
          reply
            .type('image/jpeg')
            .header('cache-control', 'private, max-age=3600')
            .header('x-frame-width', String(frame.width))
            .header('x-frame-height', String(frame.height))
            // Detection boxes are in source pixels; the keyframe may be scaled down.
            .header('x-source-width', String(frame.sourceWidth ?? frame.width))
            .header('x-source-height', String(frame.sourceHeight ?? frame.height))
            .send(frame.jpeg)
        );
      },
    ),
  ];
}
