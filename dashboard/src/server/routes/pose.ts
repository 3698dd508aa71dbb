// Poses of a source (issue 11): keypoints per person and frame (the playback overlay draws them)
// and the per-track window features the safety rules read. Metadata, not pixels.
import { z } from 'zod';
import type { ServerDeps } from '../deps.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { SourceParams } from '../schemas.ts';
import { requireSource } from './guards.ts';

const Box = z.tuple([z.number(), z.number(), z.number(), z.number()]);

export const PoseView = z.object({
  ts: z.number().int().describe('epoch ms of the analysed frame'),
  seq: z.number().int(),
  trackId: z
    .number()
    .int()
    .describe("detect's person track (0: a multi-person model's pose no track matched)"),
  box: Box.describe('person box [x1, y1, x2, y2], source pixels'),
  keypoints: z
    .array(z.number())
    .length(51)
    .describe('COCO-17 keypoints (nose, left_eye, ... right_ankle) as 17 × [x, y, score], source pixels'),
  score: z.number().describe('mean keypoint score'),
  modelId: z.string(),
});

export const PoseFeatureView = z.object({
  trackId: z.number().int(),
  startTs: z.number().int(),
  endTs: z.number().int(),
  frames: z.number().int(),
  posture: z.enum(['standing', 'sitting', 'lying', 'unknown']),
  wristsTogether: z.number().describe('share of the window’s poses (0..1)'),
  wristsBehindBack: z.number(),
  armsAboveHead: z.number(),
  motionEnergy: z.number().describe('mean keypoint motion, person-box heights per second'),
  immobileMs: z.number().int().describe('still for this long at the window end'),
});

const RangeQuery = z
  .object({
    from: z.coerce.number().int().optional().describe('epoch ms, inclusive'),
    to: z.coerce.number().int().optional().describe('epoch ms, exclusive'),
    track: z.coerce.number().int().positive().optional().describe('one person track'),
    limit: z.coerce.number().int().positive().max(100_000).default(20_000),
  })
  .strict();

const notFound = { description: 'Unknown source (SOURCE_NOT_FOUND)' };

export function poseRoutes(deps: ServerDeps): ApiRoute[] {
  const { manager, store } = deps;
  const rangeOf = async (id: string, q: z.output<typeof RangeQuery>, signal: AbortSignal) => {
    await requireSource(manager, id);
    return { sourceId: id, fromTs: q.from, toTs: q.to, trackId: q.track, limit: q.limit, signal };
  };
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/poses',
        operationId: 'listPoses',
        summary: 'Poses (17 keypoints per person and analysed frame) of a source in [from, to), oldest first',
        tag: 'pose',
        auth: 'session',
        params: SourceParams,
        query: RangeQuery,
        responses: { 200: { description: 'Poses', schema: z.array(PoseView) }, 404: notFound },
      },
      async ({ params, query, signal }) => {
        const rows = await store.listPoses(await rangeOf(params.id, query, signal));
        return rows.map(({ sourceId: _s, ...r }) => ({ ...r, box: [...r.box], keypoints: [...r.keypoints] }));
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/pose-features',
        operationId: 'listPoseFeatures',
        summary:
          'Per-track pose features (posture, wrists, arms, motion, immobility) per window in [from, to)',
        tag: 'pose',
        auth: 'session',
        params: SourceParams,
        query: RangeQuery,
        responses: {
          200: { description: 'Feature windows', schema: z.array(PoseFeatureView) },
          404: notFound,
        },
      },
      async ({ params, query, signal }) => {
        const rows = await store.listPoseFeatures(await rangeOf(params.id, query, signal));
        return rows.map(({ sourceId: _s, ...r }) => r);
      },
    ),
  ];
}
