// The seed API: analyse one frame or a batch, with audio (issue 11), through the same analyzers and
// the same age gate as every source. The engine is dashboard/src/seed/; this file maps HTTP to it.
import type { z } from 'zod';
import { DashboardError } from '../../errors.ts';
import { describeLimits, SEED_LIMITS } from '../../seed/limits.ts';
import { AnalyzeBatchBody, AnalyzeFrameBody, AnalyzeResponse } from '../../seed/schemas.ts';
import type { FrameAnalyzer, SeedAudioInput, SeedRequest } from '../../seed/types.ts';
import type { ServerDeps } from '../deps.ts';
import { defineRoute, type ApiRoute } from '../route.ts';

// A 1×1 PNG: enough to show the shape (a real client sends a camera frame).
const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

const RESPONSE_EXAMPLE = {
  sourceId: 'api-frame-3fa2c1',
  analyzers: ['detect', 'faces', 'pose', 'age', 'safety'],
  frames: [
    {
      index: 0,
      ts: 1767225600000,
      width: 640,
      height: 480,
      detections: [{ label: 'person', score: 0.91, box: [212, 40, 430, 478], trackId: 1 }],
      persons: [{ trackId: 1, faceTrackId: 1, personId: 'Person_001', name: '', box: [280, 70, 360, 170] }],
      pose: [{ trackId: 1, keypoints: Array.from({ length: 17 }, () => [320, 240, 0.8]), score: 0.8 }],
      tags: [{ trackId: 1, scope: 'person', category: 'clothing', tag: 'casual', score: 0.62 }],
      age: [{ faceTrackId: 1, age: 34, verdict: 'adult', box: [280, 70, 360, 170] }],
    },
  ],
  audio: {
    events: [{ label: 'speech', startTs: 1767225600000, endTs: 1767225601500, peakScore: 0.88 }],
    transcript: [{ segmentId: 'seg-1', text: 'hello there', startTs: 1767225600200, endTs: 1767225601300 }],
  },
  safety: {
    ts: 1767225601000,
    risk: 0.05,
    states: [],
    persons: 1,
    restraint: { likely: false, score: 0.02, cues: [] },
    supervision: { alone: true, aloneMs: 1000 },
    distress: { likely: false, sounds: [], words: [] },
    consent: { withdrawn: false, cues: [] },
    immobility: { maxImmobileMs: 0 },
  },
  quarantine: null,
  unavailable: [{ analyzer: 'tags', code: 'MODEL_NOT_FOUND', message: 'no CLIP model installed' }],
  timings: { decodeMs: 21.4, analyzeMs: 412.9, totalMs: 440.2 },
};

const errors = {
  400: {
    description:
      'Bad input: API_BAD_REQUEST, ANALYZE_BAD_FRAME, ANALYZE_PIXELS_MISMATCH, ANALYZE_FRAME_SIZE_MISMATCH, ANALYZE_BAD_AUDIO, ANALYZE_BAD_SAMPLE_RATE, INFER_UNKNOWN_ANALYZER',
  },
  413: {
    description:
      'Too large: API_BODY_TOO_LARGE (over 32 MiB), ANALYZE_TOO_MANY_FRAMES, ANALYZE_FRAME_TOO_LARGE, ANALYZE_AUDIO_TOO_LONG',
  },
  422: { description: 'A named analyzer has no model (ANALYZE_MODEL_MISSING)' },
  503: { description: 'No seed API in this server (ANALYZE_UNAVAILABLE) or too many at once (ANALYZE_BUSY)' },
} as const;

/** Both routes answer the same way. */
const responses = {
  200: { description: 'What the analyzers found', schema: AnalyzeResponse, example: RESPONSE_EXAMPLE },
  ...errors,
};

const gateNote =
  'Runs as a source of its own (kind api, id in sourceId) whose rows can be queried like any source. ' +
  'Analyzers that cannot run here are listed in `unavailable` with their codes. nsfw runs only when ' +
  'named and only behind the age gate: without a working age analyzer the request is refused ' +
  '(SAFETY_AGE_GATE_REQUIRED, nothing stored); a face aged under 18 + margin, or one that cannot be ' +
  'aged, quarantines the source (`quarantine` says why). The answer never carries pixels. ';

function audioOf(
  data: z.output<typeof AnalyzeBatchBody>['audio_data'],
  rates: number | readonly number[] | undefined,
  body: { audio_encoding: 'f32' | 's16'; audio_channels: number },
): SeedAudioInput | null {
  if (data === undefined) {
    if (rates !== undefined)
      throw new DashboardError('ANALYZE_BAD_AUDIO', 'a sample rate without audio_data');
    return null;
  }
  // One clip is a string or an array of numbers; several clips are an array of those.
  const many = Array.isArray(data) && data.length > 0 && typeof data[0] !== 'number';
  const clips = (many ? data : [data]) as SeedAudioInput['clips'];
  const sampleRates = rates === undefined ? [] : typeof rates === 'number' ? [rates] : rates;
  if (sampleRates.length === 0)
    throw new DashboardError('ANALYZE_BAD_SAMPLE_RATE', 'audio_data needs its sample rate');
  return { clips, sampleRates, encoding: body.audio_encoding, channels: body.audio_channels };
}

function need(analyze: FrameAnalyzer | undefined): FrameAnalyzer {
  if (!analyze)
    throw new DashboardError('ANALYZE_UNAVAILABLE', 'this server has no seed API (no analysis runtime)');
  return analyze;
}

export function analyzeRoutes(deps: ServerDeps): ApiRoute[] {
  const run = (req: SeedRequest, signal: AbortSignal) => need(deps.analyze).analyze(req, signal);
  return [
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/analyze/frame',
        operationId: 'analyzeFrame',
        summary: 'Analyse one frame (with optional audio)',
        description: gateNote + describeLimits(),
        tag: 'analyze',
        auth: 'session',
        body: AnalyzeFrameBody,
        bodyLimit: SEED_LIMITS.bodyBytes,
        bodyExamples: {
          jpeg: { summary: 'A base64 image', value: { frame: PNG_1X1 } },
          pixels: {
            summary: 'Raw pixels with 0.5 s of 48 kHz audio (truncated)',
            value: {
              frame: { width: 2, height: 1, format: 'rgb', data: [255, 0, 0, 0, 0, 255] },
              audio_data: [0, 0.01, -0.02],
              sample_rate: 48000,
              analyzers: ['detect', 'faces', 'sounds'],
            },
          },
        },
        responses,
      },
      async ({ body, signal }) =>
        run(
          {
            frames: [body.frame],
            fps: 1,
            audio: audioOf(body.audio_data, body.sample_rate, body),
            analyzers: body.analyzers ?? null,
          },
          signal,
        ),
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/analyze/batch',
        operationId: 'analyzeBatch',
        summary: 'Analyse a sequence of frames (with optional audio)',
        description:
          'Frames are one time sequence at `fps` (default 1), tracked across frames. ' +
          gateNote +
          describeLimits(),
        tag: 'analyze',
        auth: 'session',
        body: AnalyzeBatchBody,
        bodyLimit: SEED_LIMITS.bodyBytes,
        bodyExamples: {
          sequence: {
            summary: 'Three frames at 2 fps with one 16-bit PCM clip',
            value: {
              frames: [PNG_1X1, PNG_1X1, PNG_1X1],
              fps: 2,
              audio_data: 'AAAAAA==',
              audio_encoding: 's16',
              sample_rates: 16000,
            },
          },
        },
        responses,
      },
      async ({ body, signal }) =>
        run(
          {
            frames: body.frames,
            fps: body.fps,
            audio: audioOf(body.audio_data, body.sample_rates, body),
            analyzers: body.analyzers ?? null,
          },
          signal,
        ),
    ),
  ];
}
