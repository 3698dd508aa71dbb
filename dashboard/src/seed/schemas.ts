// Zod schemas of the seed API (validation + OpenAPI). Shapes only: sizes, rates and lengths are
// checked by the decoders, which answer with the ANALYZE_* codes the descriptions name.
import { z } from 'zod';
import { SafetyAssessmentView } from '../safety-protocol.ts';
import { SEED_LIMITS } from './limits.ts';

const PixelFrame = z
  .object({
    width: z.number().int().describe(`pixels, 1..${SEED_LIMITS.maxSide}`),
    height: z.number().int().describe(`pixels, 1..${SEED_LIMITS.maxSide}`),
    data: z
      .union([z.array(z.number()), z.string()])
      .describe('width·height·channels bytes, row-major: numbers 0..255, or base64'),
    format: z
      .enum(['rgb', 'rgba', 'bgr', 'gray'])
      .default('rgb')
      .describe('channel order (channels 3, 4, 3, 1)'),
  })
  .strict();

export const FrameInputSchema = z.union([
  z.string().min(1).describe('base64 JPEG or PNG (a data: URL is accepted)'),
  PixelFrame,
]);

const Clip = z
  .union([z.string().min(1), z.array(z.number())])
  .describe(
    'samples: floats in [-1, 1], or base64 of little-endian float32 (audio_encoding f32) or int16 (s16)',
  );

const Analyzers = z
  .array(z.string().min(1).max(64))
  .max(32)
  .optional()
  .describe(
    'analyzer ids (default: detect, faces, pose, tags, age, sounds, asr, safety — each where available; ' +
      'nsfw only when named, and only behind the age gate)',
  );

const audioFields = {
  audio_encoding: z.enum(['f32', 's16']).default('f32').describe('encoding of base64 audio'),
  audio_channels: z
    .number()
    .int()
    .default(1)
    .describe(`interleaved channels, 1..${SEED_LIMITS.maxChannels} (mixed down to mono)`),
};

export const AnalyzeFrameBody = z
  .object({
    frame: FrameInputSchema,
    audio_data: Clip.optional(),
    sample_rate: z
      .number()
      .optional()
      .describe(`Hz, ${SEED_LIMITS.minSampleRate}..${SEED_LIMITS.maxSampleRate}`),
    analyzers: Analyzers,
    ...audioFields,
  })
  .strict();

export const AnalyzeBatchBody = z
  .object({
    frames: z
      .array(FrameInputSchema)
      .min(1)
      .describe(`one time sequence of one size, ≤ ${SEED_LIMITS.framesPerBatch}`),
    fps: z.number().positive().max(SEED_LIMITS.maxFps).default(1).describe('frame i is at i / fps seconds'),
    audio_data: z
      .union([Clip, z.array(Clip)])
      .optional()
      .describe('one clip for the whole sequence, or one per frame (joined in frame order)'),
    sample_rates: z
      .union([z.number(), z.array(z.number())])
      .optional()
      .describe('one rate for all audio, or one per clip'),
    analyzers: Analyzers,
    ...audioFields,
  })
  .strict();

const BoxTuple = z
  .tuple([z.number(), z.number(), z.number(), z.number()])
  .describe('x1, y1, x2, y2 in frame pixels');

const SeedFrameView = z.object({
  index: z.number().int(),
  ts: z.number().describe('epoch ms of the frame on the source clock'),
  width: z.number().int(),
  height: z.number().int(),
  detections: z.array(
    z.object({ label: z.string(), score: z.number(), box: BoxTuple, trackId: z.number().int() }),
  ),
  persons: z.array(
    z.object({
      trackId: z.number().int().describe("detect's person track holding the face (0: none)"),
      faceTrackId: z.number().int(),
      personId: z.string(),
      name: z.string(),
      box: BoxTuple,
    }),
  ),
  pose: z.array(
    z.object({
      trackId: z.number().int(),
      keypoints: z.array(z.array(z.number())).describe('17 × [x, y, score], COCO order'),
      score: z.number(),
    }),
  ),
  tags: z.array(
    z.object({
      trackId: z.number().int(),
      scope: z.string(),
      category: z.string(),
      tag: z.string(),
      score: z.number(),
    }),
  ),
  age: z
    .array(
      z.object({
        faceTrackId: z.number().int(),
        age: z.number().nullable(),
        verdict: z.string(),
        box: BoxTuple,
      }),
    )
    .optional(),
  nsfw: z.record(z.string(), z.number()).optional(),
});

export const AnalyzeResponse = z.object({
  sourceId: z.string().describe('the source (kind api) the rows were stored under'),
  analyzers: z.array(z.string()).describe('analyzers that ran'),
  frames: z.array(SeedFrameView),
  audio: z.object({
    events: z.array(
      z.object({ label: z.string(), startTs: z.number(), endTs: z.number(), peakScore: z.number() }),
    ),
    transcript: z.array(
      z.object({ segmentId: z.string(), text: z.string(), startTs: z.number(), endTs: z.number() }),
    ),
  }),
  safety: SafetyAssessmentView.omit({ inactive: true })
    .nullable()
    .describe('the last safety assessment (null when safety did not run)'),
  quarantine: z
    .object({ code: z.string(), reason: z.string(), ts: z.number() })
    .nullable()
    .describe('set when the age gate quarantined the source; the answer never carries pixels'),
  unavailable: z.array(z.object({ analyzer: z.string(), code: z.string(), message: z.string() })),
  timings: z.object({ decodeMs: z.number(), analyzeMs: z.number(), totalMs: z.number() }),
});
