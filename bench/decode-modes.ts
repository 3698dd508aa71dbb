// Issue 13 "decode less": what each decode mode costs in ffmpeg core-ms per analysed frame at
// 2 fps, against the floor (bare ffmpeg decoding every frame, one thread, nothing else), and how
// far 'fast' moves the detector's results from 'full'. Sources: vtest.mp4 (10 fps 480x360 Main,
// runs of 6 non-reference B-frames) and two 25 fps 1280x720 H.264 "cameras" made from it: one with
// B-frames (x264 -bf 2), one IPPP (-bf 0, what most IP cameras send).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { decodeVideo, ffmpegCpu, parseSource, type DecodeMode, type Frame } from '@aima/ingest';
import { createDetector, createModelRegistry, type Detector } from '@aima/inference';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.AIMA_SHARED_DIR ?? path.resolve(root, '../shared');
const modelsDir = process.env.AIMA_MODELS_DIR ?? path.join(shared, 'models');
const VTEST = path.join(process.env.AIMA_MEDIA_DIR ?? path.join(shared, 'media'), 'video/vtest.mp4');
const FPS = 2;
const SIZE = 416;
const MODES: readonly DecodeMode[] = ['full', 'fast', 'keyframes'];
/** Seconds of each source decoded (vtest is 79.5 s long). */
const SECONDS = Number(process.env.AIMA_DECODE_SECONDS ?? 40);

/** ffmpeg's own CPU account (`-benchmark`), in core-ms. */
async function ffmpegBenchMs(args: readonly string[]): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-nostdin', '-nostats', '-benchmark', ...args], {
    maxBuffer: 64 * 2 ** 20,
  });
  const m = /utime=([\d.]+)s stime=([\d.]+)s/.exec(stderr);
  if (!m) throw new Error('ffmpeg printed no -benchmark line');
  return (Number(m[1]) + Number(m[2])) * 1000;
}

/** The floor: every frame decoded on one thread, no filters, no output. */
function floorMs(file: string): Promise<number> {
  return ffmpegBenchMs([
    '-threads',
    '1',
    '-i',
    file,
    '-t',
    String(SECONDS),
    '-map',
    '0:v:0',
    '-f',
    'null',
    '-',
  ]);
}

/**
 * Each candidate option alone, on the argv a 2 fps analysis runs (one decoder thread, fps, scale to
 * 416 wide, rgb24): which ones pay. Twice each; core-ms for SECONDS of video.
 */
async function optionCosts(file: string): Promise<Record<string, number[]>> {
  const vf = (flags: string, fps = `fps=${FPS},`): string =>
    `${fps}scale=${SIZE}:-2:flags=${flags},showinfo=checksum=0`;
  const variants: Record<string, { input: string[]; vf: string }> = {
    'threads 1 (baseline)': { input: ['-threads', '1'], vf: vf('bilinear') },
    'threads auto': { input: [], vf: vf('bilinear') },
    'skip_loop_filter noref': { input: ['-threads', '1', '-skip_loop_filter', 'noref'], vf: vf('bilinear') },
    'skip_idct noref': { input: ['-threads', '1', '-skip_idct', 'noref'], vf: vf('bilinear') },
    'skip_frame noref': { input: ['-threads', '1', '-skip_frame', 'noref'], vf: vf('bilinear') },
    'scale fast_bilinear': { input: ['-threads', '1'], vf: vf('fast_bilinear') },
    'scale area': { input: ['-threads', '1'], vf: vf('area') },
    'skip_frame nokey': { input: ['-threads', '1', '-skip_frame', 'nokey'], vf: vf('bilinear', '') },
  };
  const out: Record<string, number[]> = {};
  for (let r = 0; r < 2; r++) {
    for (const [name, v] of Object.entries(variants)) {
      const ms = await ffmpegBenchMs([
        ...v.input,
        ...['-i', file, '-t', String(SECONDS), '-map', '0:v:0', '-an', '-vf', v.vf],
        ...['-fps_mode', 'passthrough', '-pix_fmt', 'rgb24', '-f', 'rawvideo', '-y', '/dev/null'],
      ]);
      out[name] = [...(out[name] ?? []), ms];
    }
  }
  const base = Math.min(...out['threads 1 (baseline)']!);
  for (const [name, runs] of Object.entries(out)) {
    console.log(
      `  ${' '.repeat(10)} option ${name.padEnd(24)} ${runs.map((v) => v.toFixed(0).padStart(5)).join(' ')} core-ms (${((100 * Math.min(...runs)) / base - 100).toFixed(0).padStart(4)} % vs baseline)`,
    );
  }
  return out;
}

async function makeCamera(dir: string, bframes: number): Promise<string> {
  const out = path.join(dir, `cam25-bf${bframes}.mp4`);
  // Temporal noise: every frame differs, as a real sensor's do (duplicated frames decode for free).
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-i', VTEST, '-t', String(SECONDS)],
    ...['-vf', 'scale=1280:720,fps=25,noise=alls=6:allf=t', '-an'],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-bf', String(bframes), '-g', '50'],
    out,
  ]);
  return out;
}

interface Decoded {
  readonly frames: Frame[];
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  readonly cpuMs: number;
}

async function decode(file: string, mode: DecodeMode): Promise<Decoded> {
  const before = ffmpegCpu().decode;
  const stream = await decodeVideo(parseSource(file), {
    fps: FPS,
    maxWidth: SIZE,
    maxHeight: SIZE,
    decode: mode,
    durationMs: SECONDS * 1000,
    // 'full' as a live source gets it: one thread (paced sources never use frame threading).
    threads: 1,
  });
  const frames: Frame[] = [];
  for await (const f of stream) frames.push(f);
  const cpuMs = ffmpegCpu().decode - before;
  const v = stream.info.video!;
  return { frames, sourceWidth: v.width, sourceHeight: v.height, cpuMs };
}

type Box = readonly [number, number, number, number];

function iou(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy one-to-one matching by IoU (pairs under 0.3 are not matches). */
function matchIous(a: readonly Box[], b: readonly Box[]): number[] {
  const pairs: Array<[number, number, number]> = [];
  a.forEach((p, i) => b.forEach((q, j) => pairs.push([iou(p, q), i, j])));
  pairs.sort((x, y) => y[0] - x[0]);
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  const out: number[] = [];
  for (const [v, i, j] of pairs) {
    if (v < 0.3 || usedA.has(i) || usedB.has(j)) continue;
    usedA.add(i);
    usedB.add(j);
    out.push(v);
  }
  return out;
}

async function persons(detector: Detector, d: Decoded): Promise<Box[][]> {
  const out: Box[][] = [];
  for (const f of d.frames) {
    const r = await detector.detect([
      {
        width: f.width,
        height: f.height,
        data: f.data,
        sourceWidth: d.sourceWidth,
        sourceHeight: d.sourceHeight,
      },
    ]);
    out.push(r.detections[0]!.filter((x) => x.label === 'person').map((x) => x.box as Box));
  }
  return out;
}

export interface Agreement {
  readonly frames: number;
  readonly sameTimestamps: boolean;
  /** Share of frames whose person count is equal. */
  readonly countEqual: number;
  /** Share of matched persons whose boxes overlap with IoU ≥ 0.8. */
  readonly iou80: number;
  readonly meanIou: number;
  /** Persons in one run without a match in the other, per person found by 'full'. */
  readonly unmatched: number;
}

function agreement(ptsA: number[], ptsB: number[], a: Box[][], b: Box[][]): Agreement {
  let equal = 0;
  let found = 0;
  const ious: number[] = [];
  let unmatched = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i]!.length === b[i]!.length) equal++;
    const m = matchIous(a[i]!, b[i]!);
    ious.push(...m);
    found += a[i]!.length;
    unmatched += a[i]!.length + b[i]!.length - 2 * m.length;
  }
  return {
    frames: Math.min(a.length, b.length),
    sameTimestamps: ptsA.length === ptsB.length && ptsA.every((p, i) => p === ptsB[i]),
    countEqual: equal / Math.max(1, Math.min(a.length, b.length)),
    iou80: ious.filter((v) => v >= 0.8).length / Math.max(1, ious.length),
    meanIou: ious.reduce((s, v) => s + v, 0) / Math.max(1, ious.length),
    unmatched: unmatched / Math.max(1, found),
  };
}

async function benchSource(name: string, file: string, detector: Detector): Promise<Record<string, unknown>> {
  const floor = [await floorMs(file), await floorMs(file)];
  const runs = new Map<DecodeMode, Decoded[]>();
  // Twice each, interleaved, so a noisy neighbour hits every mode alike.
  for (let r = 0; r < 2; r++) {
    for (const mode of MODES) runs.set(mode, [...(runs.get(mode) ?? []), await decode(file, mode)]);
  }
  const full = runs.get('full')![0]!;
  const floorPerFrame = Math.min(...floor) / full.frames.length;
  const fullBoxes = await persons(detector, full);
  const modes: Record<string, unknown> = {};
  for (const mode of MODES) {
    const [d1, d2] = runs.get(mode)!;
    const perFrame = [d1!.cpuMs / d1!.frames.length, d2!.cpuMs / d2!.frames.length];
    const best = Math.min(...perFrame);
    const entry: Record<string, unknown> = {
      frames: d1!.frames.length,
      analysedFps: d1!.frames.length / SECONDS,
      coreMsPerFrame: perFrame,
      // Per second of video analysed: what a live source costs (keyframes analyse fewer frames).
      coreMsPerSecond: Math.min(d1!.cpuMs, d2!.cpuMs) / SECONDS,
      overFloor: best / floorPerFrame,
    };
    let line = `  ${name.padEnd(10)} ${mode.padEnd(9)} ${best.toFixed(2).padStart(6)} core-ms/frame (runs ${perFrame.map((v) => v.toFixed(2)).join(', ')}), ${(Math.min(d1!.cpuMs, d2!.cpuMs) / SECONDS).toFixed(1)} core-ms/s, ${d1!.frames.length} frames, ${(best / floorPerFrame).toFixed(2)}x floor`;
    if (mode === 'fast') {
      const a = agreement(
        full.frames.map((f) => f.ptsMs),
        d1!.frames.map((f) => f.ptsMs),
        fullBoxes,
        await persons(detector, d1!),
      );
      entry.agreement = a;
      line += `; vs full: same timestamps ${a.sameTimestamps}, count equal ${(100 * a.countEqual).toFixed(1)} %, IoU≥0.8 ${(100 * a.iou80).toFixed(1)} %, mean IoU ${a.meanIou.toFixed(3)}, unmatched ${(100 * a.unmatched).toFixed(1)} %`;
    }
    console.log(line);
    modes[mode] = entry;
  }
  console.log(
    `  ${name.padEnd(10)} floor     ${floorPerFrame.toFixed(2).padStart(6)} core-ms/frame (bare full decode, 1 thread: ${floor.map((v) => v.toFixed(0)).join(', ')} core-ms for ${SECONDS} s)`,
  );
  return { floorCoreMs: floor, floorCoreMsPerFrame: floorPerFrame, modes, options: await optionCosts(file) };
}

export async function benchDecodeModes(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aima-bench-decode-'));
  const model = await createModelRegistry({ modelsDir }).resolve('yolox-nano');
  const detector = await createDetector({ model, scoreThreshold: 0.35 });
  try {
    const sources: Record<string, string> = {
      vtest: VTEST,
      'cam25-bf2': await makeCamera(dir, 2),
      'cam25-bf0': await makeCamera(dir, 0),
    };
    const results: Record<string, unknown> = {};
    for (const [name, file] of Object.entries(sources))
      results[name] = await benchSource(name, file, detector);
    return { fps: FPS, size: SIZE, seconds: SECONDS, sources: results };
  } finally {
    await detector.close();
    await rm(dir, { recursive: true, force: true });
  }
}
