// What the per-analyzer safety benches share: where models and media are, and a clip decoded once
// to raw RGB frames (the analyzers' input, without the ingest layer in the measurement).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveFfmpeg } from '@aima/ingest';
import { ANALYSIS_EVENTS } from '@aima/dashboard';
import type {
  AnalysisEvent,
  AnalyzerContext,
  AnalyzerInstance,
  ModelSession,
  ResolvedModel,
  ResultBatch,
  VideoInput,
} from '@aima/inference';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.AIMA_SHARED_DIR ?? path.resolve(root, '../shared');
export const MODELS_DIR = process.env.AIMA_MODELS_DIR ?? path.join(shared, 'models');
export const MEDIA_DIR = process.env.AIMA_MEDIA_DIR ?? path.join(shared, 'media');

/** `seconds` of a clip (path under MEDIA_DIR) at `fps`, scaled to width×height, as rgb24 frames. */
export async function decodeClip(
  clip: string,
  o: { readonly seconds: number; readonly fps: number; readonly width: number; readonly height: number },
): Promise<VideoInput[]> {
  const { ffmpeg } = resolveFfmpeg();
  const p = spawn(ffmpeg, [
    ...['-v', 'error', '-i', path.join(MEDIA_DIR, clip), '-t', String(o.seconds)],
    ...['-vf', `fps=${o.fps},scale=${o.width}:${o.height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
  ]);
  const chunks: Buffer[] = [];
  for await (const c of p.stdout) chunks.push(c as Buffer);
  const all = Buffer.concat(chunks);
  const size = o.width * o.height * 3;
  return Array.from({ length: Math.floor(all.length / size) }, (_, i) => ({
    seq: i,
    ptsMs: (i * 1000) / o.fps,
    ts: 1_700_000_000_000 + (i * 1000) / o.fps,
    width: o.width,
    height: o.height,
    format: 'rgb24' as const,
    data: new Uint8Array(all.subarray(i * size, (i + 1) * size)),
    sourceWidth: o.width,
    sourceHeight: o.height,
  }));
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * A context for driving one analyzer definition directly, as the job host would: the given
 * sessions and models, emitted batches to `onEmit`, no services. Failures throw.
 */
export function benchContext(o: {
  readonly running: readonly string[];
  readonly session: (id: string) => Promise<ModelSession>;
  readonly models?: ReadonlyMap<string, ResolvedModel>;
  readonly onEmit?: (b: ResultBatch) => void;
}): AnalyzerContext {
  return {
    sourceId: 'bench',
    live: false,
    epochMs: 0,
    executionProvider: 'cpu',
    running: o.running,
    models: o.models ?? new Map(),
    session: o.session,
    async emit(b) {
      o.onEmit?.(b);
    },
    pushLive() {},
    fail(err) {
      throw err;
    },
    service<T>(): T {
      throw new Error('no services in this bench');
    },
    signal: new AbortController().signal,
  };
}

/**
 * Feeds detect's events to an analyzer instance (each frame's pixels first, as the host does) and
 * returns the ms spent in its results() and finish() calls; closes it.
 */
export async function timeDetectEvents(
  inst: AnalyzerInstance,
  events: readonly AnalysisEvent[],
  frameOf: (seq: number) => VideoInput,
): Promise<number> {
  let ms = 0;
  for (const e of events) {
    if (e.type === 'frame') await inst.video!(frameOf(e.frame.seq));
    const t0 = performance.now();
    await inst.results!('detect', { table: ANALYSIS_EVENTS, rows: [e], transient: true });
    ms += performance.now() - t0;
  }
  const t0 = performance.now();
  await inst.finish();
  ms += performance.now() - t0;
  await inst.close();
  return ms;
}

/** A warm-up of `bare`, then `rounds` alternating runs of the two paths (ms of each run). */
export async function alternate(
  rounds: number,
  bare: () => Promise<number>,
  analyzer: () => Promise<number>,
): Promise<{ bareMs: number[]; analyzerMs: number[] }> {
  await bare();
  const bareMs: number[] = [];
  const analyzerMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    bareMs.push(await bare());
    analyzerMs.push(await analyzer());
  }
  return { bareMs, analyzerMs };
}
