// Issue 11's benchmark: each safety analyzer's cost against its bare model (the per-analyzer benches
// of bench/safety-{pose,gate,rules,tags}.ts), and pipeline frames per second with the safety set on
// (detect + faces + pose + age + safety) versus off (detect + faces): the same job on the same clip,
// in the same runtime, alternated, best of two each.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSource } from '@aima/ingest';
import { makeSourceId, openRuntime, runAnalysisJob, type Runtime } from '@aima/dashboard';
import { loadConfig } from '../bin/src/config.ts';
import { benchGate } from './safety-gate.ts';
import { benchPose } from './safety-pose.ts';
import { benchRules } from './safety-rules.ts';
import { benchTags } from './safety-tags.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mediaDir = process.env.AIMA_MEDIA_DIR ?? path.resolve(root, '../shared/media');
const modelsDir = process.env.AIMA_MODELS_DIR ?? path.resolve(root, '../shared/models');
/** Pedestrians walking: several people in most frames, so pose and age have work on each. */
const CLIP = 'video/vtest.mp4';
const SECONDS = Number(process.env.AIMA_BENCH_SAFETY_SECONDS ?? 20);
const FPS = Number(process.env.AIMA_BENCH_SAFETY_FPS ?? 5);

const SAFETY_ON = ['detect', 'faces', 'pose', 'age', 'safety'];
const SAFETY_OFF = ['detect', 'faces'];

type Bench = () => Promise<Record<string, unknown>>;

const PARTS: ReadonlyArray<readonly [name: string, bench: Bench]> = [
  ['pose', benchPose],
  ['gate', benchGate],
  ['rules', benchRules],
  ['tags', benchTags],
];

interface PipelineRun {
  readonly fps: number;
  readonly frames: number;
  readonly wallMs: number;
  readonly analyzers: readonly string[];
  readonly failures: ReadonlyArray<{ analyzer: string; code: string }>;
}

async function pipeline(runtime: Runtime, analyzers: readonly string[]): Promise<PipelineRun> {
  const source = parseSource(path.join(mediaDir, CLIP));
  const s = await runAnalysisJob(runtime, {
    source,
    sourceId: makeSourceId(source),
    fps: FPS,
    durationMs: SECONDS * 1000,
    analyzers,
    shots: false,
  });
  return {
    fps: s.analysisFps,
    frames: s.frames,
    wallMs: Math.round(s.wallMs),
    analyzers: s.analyzers,
    failures: s.analyzerFailures.map((f) => ({ analyzer: f.analyzer, code: f.code })),
  };
}

/** Pipeline fps, safety set off then on, twice, in one runtime (one store, shared model sessions). */
export async function benchSafetyPipeline(): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aima-bench-safety-'));
  try {
    const config = loadConfig({
      ...process.env,
      AIMA_DATA_DIR: dataDir,
      AIMA_MODELS_DIR: modelsDir,
      AIMA_EP: 'cpu',
    });
    await using runtime = await openRuntime({ ...config, modelId: 'yolox-nano', analyzers: null });
    // A first short job loads every model, so neither measured run pays for loading.
    const warm = await pipeline(runtime, SAFETY_ON);
    const runs = { off: [] as PipelineRun[], on: [] as PipelineRun[] };
    for (let i = 0; i < 2; i++) {
      runs.off.push(await pipeline(runtime, SAFETY_OFF));
      runs.on.push(await pipeline(runtime, SAFETY_ON));
    }
    const best = (xs: PipelineRun[]): PipelineRun => [...xs].sort((a, b) => b.fps - a.fps)[0]!;
    const off = best(runs.off);
    const on = best(runs.on);
    const ratio = off.fps > 0 ? on.fps / off.fps : 0;
    console.log(
      `pipeline, safety off (${SAFETY_OFF.join('+')}): ${off.fps.toFixed(2)} fps (${off.frames} frames)`,
    );
    console.log(
      `pipeline, safety on  (${on.analyzers.join('+')}): ${on.fps.toFixed(2)} fps → on/off = ${ratio.toFixed(2)}` +
        (on.failures.length > 0
          ? ` (not running: ${on.failures.map((f) => `${f.analyzer} ${f.code}`).join(', ')})`
          : ''),
    );
    return { clip: CLIP, seconds: SECONDS, analysisFps: FPS, warmup: warm, off, on, onOverOff: ratio };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Every per-analyzer bench, then the pipeline comparison. */
export async function benchSafety(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [name, run] of PARTS) {
    console.log(`-- safety/${name}`);
    out[name] = await run();
  }
  console.log('-- safety/pipeline');
  out['pipeline'] = await benchSafetyPipeline();
  return out;
}
