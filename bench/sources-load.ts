// Issue 4 load benchmark: how many sources this machine sustains with the real detector at
// 2 analysed fps each. Each source is vtest.mp4 read at its real rate (as a live camera would
// deliver it), all sharing one runtime and scheduler. A step passes when every source analysed
// ≥ 99 % of its expected frames, drops stay < 1 %, and p95 latency (ffmpeg handover → results)
// stays under 1 s. Floor: the bare model's capacity in frames/s, measured in the same run.
// Two series (AIMA_LOAD_SET=objects|defaults|both, default both): the object pipeline alone
// (detect, shots; faces off), and the runtime's default analyzer set as `aima serve` would run it
// (config defaults: faces on, ...). Each step keeps runtime.profile.report() for its measuring
// window (the profile is reset when the window opens): where the cores went, per stage.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createSourceManager,
  openRuntime,
  type Runtime,
  type SourceManager,
  type SourceView,
} from '@aima/dashboard';
import { createModelSession, type ProfileReport, type TensorMap } from '@aima/inference';
import { isDecodeMode } from '@aima/ingest';
import { loadConfig } from '../bin/src/config.ts';
import { pct } from './report.ts';
import { openObjectRuntime } from './object-runtime.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.AIMA_SHARED_DIR ?? path.resolve(root, '../shared');
const modelsDir = process.env.AIMA_MODELS_DIR ?? path.join(shared, 'models');
const VTEST = path.join(process.env.AIMA_MEDIA_DIR ?? path.join(shared, 'media'), 'video/vtest.mp4');
const STEP_SECONDS = Number(process.env.AIMA_LOAD_STEP_SECONDS ?? 20);
const STEPS = (process.env.AIMA_LOAD_STEPS ?? '4,8,12,16,20,24,28,32').split(',').map(Number);
const FPS = 2;
type LoadSet = 'objects' | 'defaults';
const SET_ENV = process.env.AIMA_LOAD_SET ?? 'both';
if (!['objects', 'defaults', 'both'].includes(SET_ENV)) {
  throw new RangeError(`AIMA_LOAD_SET must be objects, defaults or both (got '${SET_ENV}')`);
}
// AIMA_LOAD_DECODE=full|fast|keyframes forces a decode mode (default: the sources' own default,
// 'fast' for these 2 fps sources of a 10 fps clip read at its real rate).
const DECODE_ENV = process.env.AIMA_LOAD_DECODE;
if (DECODE_ENV !== undefined && !isDecodeMode(DECODE_ENV)) {
  throw new RangeError(`AIMA_LOAD_DECODE must be full, fast or keyframes (got '${DECODE_ENV}')`);
}
const DECODE = DECODE_ENV !== undefined ? { decode: DECODE_ENV } : {};
const SETS: readonly LoadSet[] = SET_ENV === 'both' ? ['objects', 'defaults'] : [SET_ENV as LoadSet];

/** Bare model capacity: 2 single-thread instances fed back to back, frames per second. */
async function modelCapacity(modelPath: string): Promise<number> {
  const sessions = await Promise.all([0, 1].map(() => createModelSession(modelPath, { intraOpThreads: 1 })));
  const loop = async (i: number, n: number): Promise<void> => {
    let feeds: TensorMap = {
      images: { type: 'float32', data: new Float32Array(3 * 416 * 416).fill(114), dims: [1, 3, 416, 416] },
    };
    for (let k = 0; k < n; k++) feeds = (await sessions[i]!.run(feeds)).feeds;
  };
  await Promise.all([loop(0, 3), loop(1, 3)]);
  const t0 = performance.now();
  await Promise.all([loop(0, 30), loop(1, 30)]);
  const fps = (60 * 1000) / (performance.now() - t0);
  await Promise.all(sessions.map((s) => s.close()));
  return fps;
}

interface Step {
  sources: number;
  expectedPerSource: number;
  minAnalysedRatio: number;
  dropPct: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  ok: boolean;
  /** Where the cores went during the measuring window (core-ms per stage). */
  profile: ProfileReport;
}

async function runStep(manager: SourceManager, runtime: Runtime, n: number, step: number): Promise<Step> {
  const ids = Array.from({ length: n }, (_, i) => `load-${step}-${i}`);
  for (const id of ids) await manager.add({ input: VTEST, fps: FPS, realtime: true, id, ...DECODE });
  // Rates are measured after ffmpeg start-up and model warm-up, over a fixed window.
  await new Promise((r) => setTimeout(r, 4000));
  // One list() per sample: a query per source would itself load the machine being measured.
  const views = async (): Promise<Map<string, SourceView>> =>
    new Map((await manager.list()).map((v) => [v.id, v]));
  const counts = async (): Promise<Array<{ analysed: number; dropped: number }>> => {
    const all = await views();
    return ids.map((id) => ({
      analysed: all.get(id)?.stats.framesAnalysed ?? 0,
      dropped: all.get(id)?.stats.framesDropped ?? 0,
    }));
  };
  const c0 = await counts();
  runtime.profile.reset();
  const t0 = Date.now();
  const latencies: number[] = [];
  while (Date.now() - t0 < STEP_SECONDS * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    const all = await views();
    for (const id of ids) {
      const l = all.get(id)?.stats.latencyMs;
      if (l != null) latencies.push(l);
    }
  }
  const c1 = await counts();
  const profile = runtime.profile.report();
  const elapsed = (Date.now() - t0) / 1000;
  for (const id of ids) await manager.remove(id);
  const expected = elapsed * FPS;
  const analysed = c1.map((c, i) => c.analysed - c0[i]!.analysed);
  const dropped = c1.reduce((sum, c, i) => sum + c.dropped - c0[i]!.dropped, 0);
  const total = analysed.reduce((a, b) => a + b, 0) + dropped;
  const minAnalysedRatio = Math.min(...analysed) / expected;
  const dropPct = total > 0 ? (100 * dropped) / total : 0;
  // ±1 frame at the window edges is 2.5 % of 40 frames: "on time" allows that much.
  const res = {
    sources: n,
    expectedPerSource: expected,
    minAnalysedRatio,
    dropPct,
    latencyP50Ms: pct(latencies, 50),
    latencyP95Ms: pct(latencies, 95),
    ok: minAnalysedRatio >= 0.95 && dropPct < 1 && pct(latencies, 95) < 1000,
    profile,
  };
  console.log(
    `  ${String(n).padStart(3)} sources: slowest source analysed ${(100 * minAnalysedRatio).toFixed(1)} % of ${expected.toFixed(0)} frames, ` +
      `drops ${dropPct.toFixed(2)} %, latency p50 ${res.latencyP50Ms.toFixed(0)} ms p95 ${res.latencyP95Ms.toFixed(0)} ms → ${res.ok ? 'on time' : 'BEHIND'}`,
  );
  console.log(`      profile: ${profileLine(profile)}`);
  return res;
}

/** The biggest stages, core-ms per analysed frame. */
function profileLine(p: ProfileReport): string {
  const stages = [...p.stages]
    .sort((a, b) => b.coreMs - a.coreMs)
    .slice(0, 8)
    .map((r) => `${r.stage} ${r.perFrameMs.toFixed(1)}`);
  return `${p.cpuPerFrameMs.toFixed(1)} core-ms/frame over ${p.frames} frames (${stages.join(', ')})`;
}

async function openSet(set: LoadSet, dataDir: string): Promise<Runtime> {
  if (set === 'objects') {
    return openObjectRuntime(dataDir, modelsDir);
  }
  // What `aima serve` runs when nobody chooses: the config's defaults (faces on, ...).
  const config = loadConfig({
    ...process.env,
    AIMA_DATA_DIR: dataDir,
    AIMA_MODELS_DIR: modelsDir,
    AIMA_EP: 'cpu',
  });
  return openRuntime({ ...config, modelId: 'yolox-nano', offline: true });
}

async function runSeries(set: LoadSet, capacity: number): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aima-bench-load-'));
  const runtime = await openSet(set, dataDir);
  const analyzers = runtime.analyzers.select(runtime.defaultAnalyzers).map((a) => a.id);
  console.log(`series '${set}': analyzers ${analyzers.join(', ')}`);
  const manager = createSourceManager({ runtime, dataDir, maxConcurrent: 64 });
  const steps: Step[] = [];
  try {
    for (const [i, n] of STEPS.entries()) {
      const s = await runStep(manager, runtime, n, i);
      steps.push(s);
      if (!s.ok) break;
    }
  } finally {
    await manager.close();
    await runtime.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  const max = Math.max(0, ...steps.filter((s) => s.ok).map((s) => s.sources));
  const target = set === 'objects' ? 24 : 12;
  console.log(
    `'${set}': max sources sustained at ${FPS} fps: ${max} (target ≥ ${target}); ${(max * FPS).toFixed(0)} frames/s = ${((max * FPS) / capacity).toFixed(2)} of the bare model capacity`,
  );
  return { analyzers, maxSources: max, target, steps };
}

export async function benchSourcesLoad(): Promise<Record<string, unknown>> {
  const capacity = await modelCapacity(path.join(modelsDir, 'detector/yolox_nano.onnx'));
  console.log(
    `floor: bare model capacity ${capacity.toFixed(1)} frames/s → at most ${Math.floor(capacity / FPS)} sources at ${FPS} fps`,
  );
  const series: Record<string, unknown> = {};
  for (const set of SETS) series[set] = await runSeries(set, capacity);
  const objects = series.objects as { maxSources: number; steps: Step[] } | undefined;
  return {
    fps: FPS,
    decode: DECODE_ENV ?? 'default',
    stepSeconds: STEP_SECONDS,
    modelCapacityFps: capacity,
    // The first series' figures at the top level too, as earlier results had them.
    ...(objects ? { maxSources: objects.maxSources, steps: objects.steps } : {}),
    series,
  };
}
