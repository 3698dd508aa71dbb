// The seed API's engine: one frame or a batch (with audio) becomes a source of its own (kind 'api')
// run through the runtime's analyzers by the same host as every job, so the same age gate applies.
// Order matters for "nothing stored half": analyzers chosen → every input checked and decoded →
// models resolved → host created (the gate refuses here) → only then the source row and results.
import { randomBytes } from 'node:crypto';
import type { AnalyzerFailure, AnyAnalyzerDefinition, VideoInput } from '@aima/inference';
import { DashboardError } from '../errors.ts';
import { openJobHost } from '../jobs/open-host.ts';
import { createResultStore } from '../jobs/result-store.ts';
import { errorFields } from '../jobs/analysis-job.ts';
import type { JobRuntime } from '../runtime.ts';
import { createCollector } from './collect.ts';
import { ANALYSIS_RATE, decodeAudio, planAudio } from './decode-audio.ts';
import { decodeFrames } from './decode-frames.ts';
import { SEED_DEFAULT_ANALYZERS, SEED_LIMITS } from './limits.ts';
import { planSeedAnalyzers } from './plan.ts';
import type { FrameAnalyzer, SeedFailure, SeedRequest, SeedResponse } from './types.ts';

/** Long side frames are decoded at when faces run (as analysis jobs do: small faces vanish at 416). */
const FACE_DECODE_SIZE = 960;
/** 0.25 s of 16 kHz audio per chunk, as analysis jobs feed it. */
const AUDIO_CHUNK_SAMPLES = 4000;

export interface FrameAnalyzerOptions {
  /** Default analyzer set (default SEED_DEFAULT_ANALYZERS). */
  readonly defaultAnalyzers?: readonly string[];
  /** Seed runs at once (default SEED_LIMITS.concurrent). */
  readonly concurrent?: number;
}

export function createFrameAnalyzer(deps: JobRuntime, opts: FrameAnalyzerOptions = {}): FrameAnalyzer {
  const limit = opts.concurrent ?? SEED_LIMITS.concurrent;
  let running = 0;
  return {
    async analyze(req, signal) {
      if (running >= limit) {
        throw new DashboardError('ANALYZE_BUSY', `${running} seed analyses are running; try again shortly`);
      }
      running++;
      try {
        return await analyzeOnce(deps, req, opts.defaultAnalyzers ?? SEED_DEFAULT_ANALYZERS, signal);
      } finally {
        running--;
      }
    },
  };
}

async function analyzeOnce(
  deps: JobRuntime,
  req: SeedRequest,
  defaults: readonly string[],
  signal: AbortSignal | undefined,
): Promise<SeedResponse> {
  const t0 = performance.now();
  // 1. Analyzers (an unknown id throws INFER_UNKNOWN_ANALYZER here).
  const { plan, skipped } = planSeedAnalyzers(deps.analyzers, req.analyzers, defaults, req.audio !== null);
  // 2. Every input checked, then decoded.
  const input = deps.detector.spec.input!;
  const longSide = Math.max(
    input.width,
    input.height,
    plan.some((d) => d.id === 'faces') ? FACE_DECODE_SIZE : 0,
  );
  const audioPlans = req.audio ? planAudio(req.audio) : [];
  const frames = await decodeFrames(req.frames, longSide, signal);
  const samples = req.audio ? await decodeAudio(audioPlans, signal) : null;
  const decodeMs = performance.now() - t0;
  // 3. Models: an analyzer the client named that has no model is the client's error, stated.
  const { models, unavailable } = await deps.resolveAnalyzerModels(plan);
  for (const [id, err] of unavailable) {
    if (req.analyzers?.includes(id)) {
      const { code, message } = errorFields(err);
      throw new DashboardError(
        'ANALYZE_MODEL_MISSING',
        `${id} cannot run: ${code === 'INTERNAL' ? '' : `${code}: `}${message}`,
      );
    }
  }
  // 4. The host: the gate refuses here (SAFETY_AGE_GATE_REQUIRED), before anything is stored.
  const epochMs = Date.now();
  const frameMs = 1000 / req.fps;
  const at = frames.map((f, i) => ({
    ts: epochMs + Math.round(i * frameMs),
    width: f.sourceWidth,
    height: f.sourceHeight,
  }));
  const collector = createCollector(at);
  const sourceId = `api-${req.frames.length === 1 ? 'frame' : 'batch'}-${randomBytes(3).toString('hex')}`;
  const results = createResultStore(deps.store);
  const failures: AnalyzerFailure[] = [];
  const host = await openJobHost(deps, {
    sourceId,
    live: false,
    epochMs,
    analyzers: plan.map((def) => ({ def, config: seedConfig(def) })),
    models,
    unavailable,
    store: (_a, batch) => results.write(batch),
    onBatch: (a, batch) => collector.onBatch(a, batch),
    onQuarantine: (q) => collector.onQuarantine(q),
    onFailure: (f) => failures.push(f),
    signal,
  }).catch(async (err: unknown) => {
    await results.close().catch(() => undefined);
    throw err;
  });
  // 5. Now a source: its row, then the inputs.
  const meta = { api: req.frames.length === 1 ? 'frame' : 'batch', fps: req.fps, frames: frames.length };
  const base = {
    id: sourceId,
    kind: 'api' as const,
    display: `seed API ${meta.api} (${frames.length} frame${frames.length === 1 ? '' : 's'}${samples ? ', audio' : ''})`,
    live: false,
    errorCode: '',
    errorMessage: '',
    epochMs,
    createdAt: epochMs,
    jobId: '',
  };
  const tRun = performance.now();
  let failure: unknown = null;
  try {
    await deps.store.upsertSource({
      ...base,
      status: 'running',
      updatedAt: Date.now(),
      meta: JSON.stringify({ ...meta, analyzers: host.ids }),
    });
    const video = async (): Promise<void> => {
      if (!host.wantsVideo) return;
      for (let i = 0; i < frames.length; i++) {
        const f = frames[i]!;
        const ptsMs = Math.round(i * frameMs);
        const v: VideoInput = { seq: i, ptsMs, ts: epochMs + ptsMs, format: 'rgb24', ...f };
        await host.video(v);
        if (host.failures.some((x) => x.analyzer === 'detect')) break;
      }
    };
    const audio = async (): Promise<void> => {
      if (!samples || !host.wantsAudio) return;
      for (let seq = 0, at = 0; at < samples.length; seq++, at += AUDIO_CHUNK_SAMPLES) {
        const ptsMs = (at * 1000) / ANALYSIS_RATE;
        const chunk = samples.subarray(at, at + AUDIO_CHUNK_SAMPLES);
        await host.audio({ seq, ptsMs, ts: epochMs + ptsMs, sampleRate: ANALYSIS_RATE, samples: chunk });
      }
    };
    await Promise.all([video(), audio()]);
  } catch (err) {
    failure = err;
  }
  for (const step of [() => host.finish(), () => host.close(), () => results.close()]) {
    try {
      await step();
    } catch (err) {
      failure ??= err;
    }
  }
  if (!failure && host.failures.some((f) => f.analyzer === 'detect')) failure = host.errorOf('detect');
  const analyzeMs = performance.now() - tRun;
  const notRun: SeedFailure[] = [...skipped, ...failures.map((f) => ({ ...f }))];
  if (failure) {
    const f = errorFields(failure);
    await deps.store
      .upsertSource({
        ...base,
        status: 'failed',
        errorCode: f.code,
        errorMessage: f.message,
        updatedAt: Date.now(),
        meta: JSON.stringify(meta),
      })
      .catch(() => undefined);
    throw failure;
  }
  const response: SeedResponse = {
    sourceId,
    analyzers: host.ids.filter((id) => !host.failures.some((f) => f.analyzer === id)),
    frames: collector.frames((id) => deps.faces?.persons.nameOf(id) ?? ''),
    audio: collector.audio(),
    safety: collector.safety,
    quarantine: collector.quarantine,
    unavailable: notRun,
    timings: {
      decodeMs: round(decodeMs),
      analyzeMs: round(analyzeMs),
      totalMs: round(performance.now() - t0),
    },
  };
  await deps.store.upsertSource({
    ...base,
    status: 'done',
    updatedAt: Date.now(),
    meta: JSON.stringify({
      ...meta,
      analyzers: response.analyzers,
      unavailable: notRun,
      quarantine: response.quarantine,
    }),
  });
  return response;
}

/** The seed's per-analyzer config: frames are one sequence in the client's pixels (never 'still'). */
function seedConfig(def: AnyAnalyzerDefinition): unknown {
  if (def.id === 'detect') return { priority: 1, still: false };
  if (def.id === 'faces') return { still: false };
  return {};
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
