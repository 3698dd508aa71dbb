// Issue 2 benchmark on vtest.mp4 at the detector's input size:
// (a) bare ORT run() on pre-built tensors (floor), (b) bare ffmpeg decode (floor),
// (c) the full pipeline decode → preprocess → infer → NMS → track → store, plus our ingest alone.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { decodeVideo, parseSource, resolveFfmpeg } from '@aima/ingest';
import {
  createModelRegistry,
  createModelSession,
  formatProfile,
  type ModelSession,
  type TensorMap,
} from '@aima/inference';
import { loadConfig } from '../bin/src/config.ts';
import { makeSourceId, openRuntime, runAnalysisJob } from '@aima/dashboard';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.AIMA_SHARED_DIR ?? path.resolve(root, '../shared');
const modelsDir = process.env.AIMA_MODELS_DIR ?? path.join(shared, 'models');
const VTEST = path.join(process.env.AIMA_MEDIA_DIR ?? path.join(shared, 'media'), 'video/vtest.mp4');

const tensorOf = (): TensorMap => ({
  images: {
    type: 'float32',
    data: new Float32Array(3 * 416 * 416).map(() => Math.random() * 255),
    dims: [1, 3, 416, 416],
  },
});

/** Bare ORT in this thread: one session, all cores as intra-op threads, spin-waiting on (ORT's default). */
async function bareOrtSingle(modelPath: string, runs: number): Promise<number> {
  const threads = os.availableParallelism();
  const s = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    graphOptimizationLevel: 'all',
  });
  const t = tensorOf().images!;
  const tensor = new ort.Tensor('float32', t.data as Float32Array, [...t.dims]);
  for (let i = 0; i < 5; i++) await s.run({ images: tensor });
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await s.run({ images: tensor });
  const fps = (runs * 1000) / (performance.now() - t0);
  await s.release();
  return fps;
}

/** Bare ORT as the pipeline runs it: `instances` worker sessions fed back to back, no decoding at all. */
async function bareOrtPool(modelPath: string, runs: number, instances: number): Promise<number> {
  const threads = Math.max(1, Math.floor(os.availableParallelism() / instances));
  const sessions = await Promise.all(
    Array.from({ length: instances }, () => createModelSession(modelPath, { intraOpThreads: threads })),
  );
  const loop = async (s: ModelSession, n: number): Promise<void> => {
    let feeds = tensorOf();
    for (let i = 0; i < n; i++) feeds = (await s.run(feeds)).feeds;
  };
  await Promise.all(sessions.map((s) => loop(s, 5)));
  const t0 = performance.now();
  await Promise.all(sessions.map((s) => loop(s, Math.ceil(runs / instances))));
  const fps = (instances * Math.ceil(runs / instances) * 1000) / (performance.now() - t0);
  await Promise.all(sessions.map((s) => s.close()));
  return fps;
}

async function bareFfmpeg(): Promise<{ fps: number; frames: number }> {
  const { ffmpeg } = resolveFfmpeg();
  const t0 = performance.now();
  const frames = await new Promise<number>((resolve, reject) => {
    const p = spawn(ffmpeg, [
      '-v',
      'error',
      '-i',
      VTEST,
      '-vf',
      'scale=416:312',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ]);
    let bytes = 0;
    p.stdout.on('data', (b: Buffer) => (bytes += b.length));
    p.on('error', reject);
    p.on('close', () => resolve(bytes / (416 * 312 * 3)));
  });
  return { fps: (frames * 1000) / (performance.now() - t0), frames };
}

async function ourIngest(): Promise<{ fps: number; frames: number }> {
  const t0 = performance.now();
  let frames = 0;
  const stream = await decodeVideo(parseSource(VTEST), { maxWidth: 416, maxHeight: 416 });
  for await (const _f of stream) frames++;
  return { fps: (frames * 1000) / (performance.now() - t0), frames };
}

export async function benchSpine(): Promise<Record<string, unknown>> {
  const model = await createModelRegistry({ modelsDir }).resolve('yolox-nano');
  const instances = Math.min(2, os.availableParallelism());
  const single = await bareOrtSingle(model.path, 100);
  const pool = await bareOrtPool(model.path, 100, instances);
  // The floor is the best bare configuration on this machine, whichever the pipeline uses.
  const a = { fps: Math.max(single, pool) };
  console.log(`(a) bare ORT run(), YOLOX-Nano 416x416, pre-built tensors: ${a.fps.toFixed(1)} fps`);
  console.log(
    `    = max(one session x ${os.availableParallelism()} threads, spinning: ${single.toFixed(1)} fps; ` +
      `${instances} worker sessions x 1 thread: ${pool.toFixed(1)} fps)`,
  );
  const b = await bareFfmpeg();
  console.log(`(b) bare ffmpeg decode+scale to 416x312 rgb24: ${b.fps.toFixed(0)} fps (${b.frames} frames)`);
  const ing = await ourIngest();
  console.log(
    `    our ingest (decodeVideo, frames consumed, no analysis): ${ing.fps.toFixed(0)} fps → ingest/(b) = ${(ing.fps / b.fps).toFixed(2)}`,
  );
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aima-bench-'));
  try {
    const config = loadConfig({
      ...process.env,
      AIMA_DATA_DIR: dataDir,
      AIMA_MODELS_DIR: modelsDir,
      AIMA_EP: 'cpu',
    });
    const source = parseSource(VTEST);
    await using runtime = await openRuntime({
      ...config,
      modelId: 'yolox-nano',
      // The spine is the object pipeline; faces have their own bench (faces).
      faces: { enabled: false },
      // Video analyzers only (audio has its own bench): the same work as before analyzers were plugins.
      analyzers: ['detect', 'shots'],
    });
    runtime.profile.reset();
    const s = await runAnalysisJob(runtime, { source, sourceId: makeSourceId(source), fps: 10 });
    const profile = runtime.profile.report();
    const c = s.analysisFps;
    console.log(
      `(c) full pipeline decode→preprocess→infer→NMS→track→store (chDB), every frame: ${c.toFixed(1)} fps, ${s.frames} frames, ${s.realtimeFactor.toFixed(2)}x realtime`,
    );
    console.log(
      `    per frame: pre ${(s.timingsMs.pre / s.frames).toFixed(2)} ms, infer ${(s.timingsMs.infer / s.frames).toFixed(2)} ms, post ${(s.timingsMs.post / s.frames).toFixed(2)} ms`,
    );
    console.log(`    (c)/(a) = ${(c / a.fps).toFixed(3)}  (target ≥ 0.9)`);
    // Where the pipeline's cores went; the bare model's own cost per frame is the floor to read it by.
    console.log(formatProfile(profile).replace(/^/gm, '    '));
    console.log(
      `    floor: the bare model costs ${((1000 * os.availableParallelism()) / a.fps).toFixed(2)} core-ms per frame`,
    );
    return {
      bareOrtFps: a.fps,
      bareOrtSingleSessionFps: single,
      bareOrtPoolFps: pool,
      ortInstances: instances,
      bareFfmpegFps: b.fps,
      ingestFps: ing.fps,
      ingestOverBareFfmpeg: ing.fps / b.fps,
      pipelineFps: c,
      pipelineOverBareOrt: c / a.fps,
      pipelineFrames: s.frames,
      pipelineRealtimeFactor: s.realtimeFactor,
      perFrameMs: {
        pre: s.timingsMs.pre / s.frames,
        infer: s.timingsMs.infer / s.frames,
        post: s.timingsMs.post / s.frames,
      },
      tracks: s.tracks.length,
      profile,
      bareModelCoreMsPerFrame: (1000 * os.availableParallelism()) / a.fps,
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
