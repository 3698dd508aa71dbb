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
import { createModelRegistry } from '@aima/inference';
import { loadConfig } from '../bin/src/config.ts';
import { runAnalysisJob } from '../bin/src/jobs/analysis-job.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.AIMA_SHARED_DIR ?? path.resolve(root, '../shared');
const modelsDir = process.env.AIMA_MODELS_DIR ?? path.join(shared, 'models');
const VTEST = path.join(process.env.AIMA_MEDIA_DIR ?? path.join(shared, 'media'), 'video/vtest.mp4');

async function bareOrt(modelPath: string, runs: number): Promise<{ fps: number; msPerRun: number }> {
  const s = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: os.availableParallelism(),
    graphOptimizationLevel: 'all',
  });
  const tensor = new ort.Tensor(
    'float32',
    new Float32Array(3 * 416 * 416).map(() => Math.random() * 255),
    [1, 3, 416, 416],
  );
  for (let i = 0; i < 5; i++) await s.run({ images: tensor });
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await s.run({ images: tensor });
  const ms = performance.now() - t0;
  await s.release();
  return { fps: (runs * 1000) / ms, msPerRun: ms / runs };
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
  const a = await bareOrt(model.path, 100);
  console.log(
    `(a) bare ORT run(), YOLOX-Nano 416x416, pre-built tensor: ${a.fps.toFixed(1)} fps (${a.msPerRun.toFixed(1)} ms/run)`,
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
    const s = await runAnalysisJob({ input: VTEST, config, modelId: 'yolox-nano', fps: 10 });
    const c = s.analysisFps;
    console.log(
      `(c) full pipeline decode→preprocess→infer→NMS→track→store (chDB), every frame: ${c.toFixed(1)} fps, ${s.frames} frames, ${s.realtimeFactor.toFixed(2)}x realtime`,
    );
    console.log(
      `    per frame: pre ${(s.timingsMs.pre / s.frames).toFixed(2)} ms, infer ${(s.timingsMs.infer / s.frames).toFixed(2)} ms, post ${(s.timingsMs.post / s.frames).toFixed(2)} ms`,
    );
    console.log(`    (c)/(a) = ${(c / a.fps).toFixed(3)}  (target ≥ 0.9)`);
    return {
      bareOrtFps: a.fps,
      bareOrtMsPerRun: a.msPerRun,
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
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
