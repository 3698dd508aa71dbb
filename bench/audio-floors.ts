// The floors of the audio bench (audio.ts): the least work each analyzer's job needs, run bare on
// the same input in the same run: ORT sessions without the analyzer host, the loudness arithmetic
// without blocks or windows, ffmpeg's ebur128, and pocketsphinx_continuous on whole wavs.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { resolveFfmpeg } from '@aima/ingest';
import { createModelSession, type TensorMap } from '@aima/inference';

export const SR = 16000;
const POCKETSPHINX = '/usr/bin/pocketsphinx_continuous';

/** What the floors need of a decoded clip. */
export interface FloorClip {
  readonly file: string;
  /** 16 kHz mono. */
  readonly samples: Float32Array;
}

const SILERO_WINDOW = 512;
const SILERO_CONTEXT = 64;

/** Silero over every 512-sample window of each clip (the last zero-padded), state carried. */
export async function sileroFloor(
  modelPath: string,
  clips: readonly FloorClip[],
): Promise<{ inThread: number; worker: number; windows: number }> {
  const windows = clips.reduce((s, c) => s + Math.ceil(c.samples.length / SILERO_WINDOW), 0);
  const inputOf = (c: FloorClip, w: number, buf: Float32Array): void => {
    const at = w * SILERO_WINDOW;
    buf.fill(0);
    // 64 samples of context before the window, then the window (the stream's layout).
    const from = Math.max(0, at - SILERO_CONTEXT);
    buf.set(
      c.samples.subarray(from, Math.min(c.samples.length, at + SILERO_WINDOW)),
      SILERO_CONTEXT - (at - from),
    );
  };
  // (a) one in-thread ORT session, one intra-op thread (the model is tiny), no worker hop.
  const s = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const buf = new Float32Array(SILERO_CONTEXT + SILERO_WINDOW);
  const sr = new ort.Tensor('int64', new BigInt64Array([16000n]), []);
  const runInThread = async (): Promise<number> => {
    const t0 = performance.now();
    for (const c of clips) {
      let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]);
      for (let w = 0; w < Math.ceil(c.samples.length / SILERO_WINDOW); w++) {
        inputOf(c, w, buf);
        const r = await s.run({ input: new ort.Tensor('float32', buf, [1, buf.length]), state, sr });
        state = r['stateN'] as ort.Tensor;
      }
    }
    return performance.now() - t0;
  };
  await runInThread(); // warm-up
  const inThread = await runInThread();
  await s.release();
  // (b) a worker session as the runtime makes it (one thread), feeds handed back and forth.
  await using ws = await createModelSession(modelPath, { intraOpThreads: 1, label: 'silero-floor' });
  const runWorker = async (): Promise<number> => {
    let feeds: TensorMap = {
      input: { type: 'float32', data: new Float32Array(buf.length), dims: [1, buf.length] },
      state: { type: 'float32', data: new Float32Array(256), dims: [2, 1, 128] },
      sr: { type: 'int64', data: new BigInt64Array([16000n]), dims: [] },
    };
    const t0 = performance.now();
    for (const c of clips) {
      (feeds.state!.data as Float32Array).fill(0);
      for (let w = 0; w < Math.ceil(c.samples.length / SILERO_WINDOW); w++) {
        inputOf(c, w, feeds.input!.data as Float32Array);
        const r = await ws.run(feeds);
        feeds = r.feeds;
        (feeds.state!.data as Float32Array).set(r.outputs['stateN']!.data as Float32Array);
      }
    }
    return performance.now() - t0;
  };
  await runWorker();
  const worker = await runWorker();
  return { inThread, worker, windows };
}

export interface Captured {
  readonly name: string;
  data: Float32Array;
  readonly dims: readonly number[];
}

/** EfficientAT over the captured batches: in-thread session and a worker session; best of each. */
export async function taggerFloor(
  modelPath: string,
  batches: Captured[],
): Promise<{ inThread: number; worker: number }> {
  const s = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const runInThread = async (): Promise<number> => {
    const t0 = performance.now();
    for (const b of batches) await s.run({ [b.name]: new ort.Tensor('float32', b.data, [...b.dims]) });
    return performance.now() - t0;
  };
  await runInThread();
  const inThread = await runInThread();
  await s.release();
  await using ws = await createModelSession(modelPath, { intraOpThreads: 1, label: 'efficientat-floor' });
  const runWorker = async (): Promise<number> => {
    const t0 = performance.now();
    for (const b of batches) {
      const r = await ws.run({ [b.name]: { type: 'float32', data: b.data, dims: b.dims } });
      b.data = r.feeds[b.name]!.data as Float32Array; // handed back after the transfer
    }
    return performance.now() - t0;
  };
  await runWorker();
  const worker = await runWorker();
  return { inThread, worker };
}

/**
 * The least per-sample work an R128 meter does: the two K-weighting biquads, the square sum, the
 * peak and the clip count, in one loop. BS.1770's 48 kHz coefficients (the cost does not depend on
 * their values); no blocks, windows or histogram.
 */
export function loudnessFloor(clips: readonly FloorClip[]): number {
  const [pb0, pb1, pb2, pa1, pa2] = [
    1.53512485958697, -2.69169618940638, 1.19839281085285, -1.69065929318241, 0.73248077421585,
  ];
  const [ra1, ra2] = [-1.99004745483398, 0.99007225036621];
  let sink = 0;
  const t0 = performance.now();
  for (const c of clips) {
    const x = c.samples;
    let s1 = 0, s2 = 0, t1 = 0, t2 = 0, sum = 0, peak = 0, clipped = 0; // prettier-ignore
    for (let i = 0; i < x.length; i++) {
      const a = x[i]!;
      const w = a - pa1 * s1 - pa2 * s2;
      const y = pb0 * w + pb1 * s1 + pb2 * s2;
      s2 = s1;
      s1 = w;
      const v = y - ra1 * t1 - ra2 * t2;
      const z = v - 2 * t1 + t2;
      t2 = t1;
      t1 = v;
      sum += z * z;
      const m = Math.abs(a);
      if (m > peak) peak = m;
      if (m >= 0.999) clipped++;
    }
    sink += sum + peak + clipped;
  }
  const ms = performance.now() - t0;
  if (!Number.isFinite(sink)) throw new Error('loudness floor: non-finite sum');
  return ms;
}

/** Wall ms of one process run to its end (stdout discarded, stderr tail kept for errors). */
function timeProcess(cmd: string, args: readonly string[]): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-2000)));
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0
        ? resolve({ ms: performance.now() - t0, stdout: Buffer.concat(out).toString() })
        : reject(new Error(`${path.basename(cmd)} exited ${code}: ${err.trim().split('\n').pop() ?? ''}`)),
    );
  });
}

/** ffmpeg's ebur128 over the same 16 kHz mono signal (decode + resample included). */
export async function ebur128Ms(clips: readonly FloorClip[]): Promise<number> {
  const { ffmpeg } = resolveFfmpeg();
  let ms = 0;
  for (const c of clips) {
    const r = await timeProcess(ffmpeg, [
      ...['-nostdin', '-hide_banner', '-nostats', '-v', 'error', '-i', c.file],
      ...['-vn', '-ac', '1', '-ar', String(SR), '-af', 'ebur128', '-f', 'null', '-'],
    ]);
    ms += r.ms;
  }
  return ms;
}

/**
 * Bare pocketsphinx_continuous over each file as one 16 kHz mono s16 wav (converted untimed): wall
 * ms and words recognised, per file.
 */
export async function pocketsphinxFloor(files: readonly string[]): Promise<{ ms: number; words: number }[]> {
  const { ffmpeg } = resolveFfmpeg();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aima-bench-ps-'));
  try {
    const out: { ms: number; words: number }[] = [];
    for (const [i, file] of files.entries()) {
      const wav = path.join(dir, `clip-${i}.wav`);
      const pcm = ['-vn', '-ac', '1', '-ar', String(SR), '-c:a', 'pcm_s16le'];
      await timeProcess(ffmpeg, ['-nostdin', '-v', 'error', '-y', '-i', file, ...pcm, wav]);
      const args = ['-infile', wav, '-logfn', '/dev/null', '-samprate', String(SR)];
      const r = await timeProcess(POCKETSPHINX, args);
      out.push({ ms: r.ms, words: r.stdout.split(/\s+/).filter((w) => /^[a-z']+$/i.test(w)).length });
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
