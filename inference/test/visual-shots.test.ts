import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeVideo, parseSource } from '@aima/ingest';
import { createShotDetector } from '../src/visual/shots.ts';
import type { Shot, ShotDetectorOptions } from '../src/visual/types.ts';
import { MEDIA_DIR } from './helpers.ts';

const VIDEO = path.join(MEDIA_DIR, 'video');
const ffmpeg = process.env.FFMPEG_PATH ?? 'ffmpeg';

interface Run {
  readonly shots: Shot[];
  /** ptsMs of every frame pushed. */
  readonly frames: number[];
  /** Highest score of a frame that was not a cut, and the lowest score that was one. */
  readonly maxQuiet: number;
  readonly minCut: number;
}

/** Every decoded frame (or every `step`-th) through one detector; ts = the frame's PTS. */
async function detect(file: string, step = 1, opts: ShotDetectorOptions = {}): Promise<Run> {
  const detector = createShotDetector(opts);
  const shots: Shot[] = [];
  const frames: number[] = [];
  let maxQuiet = 0;
  let minCut = Infinity;
  await using stream = await decodeVideo(parseSource(file), { maxWidth: 640, maxHeight: 640, epochMs: 0 });
  for await (const f of stream) {
    if (f.seq % step !== 0) continue;
    frames.push(f.ptsMs);
    const ended = detector.push(f.ptsMs, f);
    if (ended !== null) {
      shots.push(ended);
      minCut = Math.min(minCut, detector.lastScore);
    } else {
      maxQuiet = Math.max(maxQuiet, detector.lastScore);
    }
  }
  const last = detector.flush();
  if (last !== null) shots.push(last);
  return { shots, frames, maxQuiet, minCut };
}

/** Start times of every shot after the first: where the cuts were found. */
function cutTimes(run: Run): number[] {
  return run.shots.slice(1).map((s) => s.startTs);
}

function expectTiled(run: Run): void {
  run.shots.forEach((s, i) => {
    expect(s.index).toBe(i);
    expect(s.keyframeTs).toBeGreaterThanOrEqual(s.startTs);
    expect(s.keyframeTs).toBeLessThan(s.endTs);
    expect(s.palette.length).toBeGreaterThan(0);
    expect(s.sharpness).toBeGreaterThan(0);
    if (i > 0) {
      expect(s.startTs).toBe(run.shots[i - 1]!.endTs);
      expect(s.cutScore).toBeGreaterThan(0);
    } else {
      expect(s.cutScore).toBe(0);
    }
  });
  expect(run.shots.reduce((n, s) => n + s.frames, 0)).toBe(run.frames.length);
}

describe('createShotDetector on real video', () => {
  let dir = '';
  let spliced = '';

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aima-shots-'));
    spliced = path.join(dir, 'vtest-then-cars.mp4');
    // 3 s of pedestrians, then 3 s of the parking lot: one hard cut at 3.000 s (frame 30 at 10 fps).
    const part = (i: number) => `[${i}:v]trim=0:3,setpts=PTS-STARTPTS,scale=480:270,setsar=1,fps=10[v${i}]`;
    execFileSync(ffmpeg, [
      ...[
        '-v',
        'error',
        '-y',
        '-i',
        path.join(VIDEO, 'vtest.mp4'),
        '-i',
        path.join(VIDEO, 'car-detection.mp4'),
      ],
      ...['-filter_complex', `${part(0)};${part(1)};[v0][v1]concat=n=2:v=1:a=0[v]`, '-map', '[v]'],
      ...['-c:v', 'libx264', '-crf', '18', '-pix_fmt', 'yuv420p', spliced],
    ]);
  });

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('finds the one cut of a spliced clip on the frame where it was placed', async () => {
    const run = await detect(spliced);
    expect(run.frames).toHaveLength(60);
    expect(run.shots).toHaveLength(2);
    const [cut] = cutTimes(run);
    expect(Math.abs(cut! - 3000)).toBeLessThanOrEqual(100);
    expect(run.shots[0]).toMatchObject({ startTs: 0, endTs: cut });
    expect(run.shots[1]!.endTs).toBeCloseTo(6000, 0);
    expect(run.minCut).toBeGreaterThan(3 * run.maxQuiet);
    expectTiled(run);
    // The two shots look different: pale paving vs a dark road.
    expect(run.shots[0]!.exposure.mean).toBeGreaterThan(run.shots[1]!.exposure.mean);
  });

  it('finds no cut in 79 s of a fixed camera (vtest.mp4)', async () => {
    const run = await detect(path.join(VIDEO, 'vtest.mp4'));
    expect(run.frames.length).toBeGreaterThan(790);
    expect(cutTimes(run)).toEqual([]);
    expect(run.shots[0]).toMatchObject({ index: 0, startTs: 0, cutScore: 0 });
    expect(run.shots[0]!.endTs).toBeCloseTo(79_500, -1);
    expect(run.maxQuiet).toBeLessThan(0.1);
    expectTiled(run);
  });

  it('ignores auto-exposure ramps and cars crossing a fixed camera (car-detection.mp4), every frame or every third', async () => {
    for (const step of [1, 3]) {
      const run = await detect(path.join(VIDEO, 'car-detection.mp4'), step);
      expect(cutTimes(run), `step ${step}`).toEqual([]);
      expectTiled(run);
    }
  });

  // By eye (ffmpeg tile of every frame): wide stage shot, cut at frame 20 to the back of a
  // performer's head, cut at frame 82 to a close-up, cut at frame 211 to the audience.
  const HAMILTON_CUTS_MS = [1511.3, 3580.1, 7884.4];
  const HAMILTON_FRAME_MS = 1000 / 29.97;

  it('finds the three hard cuts of short_hamilton_clip.mp4 within one frame', async () => {
    const run = await detect(path.join(VIDEO, 'short_hamilton_clip.mp4'));
    const cuts = cutTimes(run);
    expect(cuts).toHaveLength(3);
    cuts.forEach((t, i) => expect(Math.abs(t - HAMILTON_CUTS_MS[i]!)).toBeLessThanOrEqual(HAMILTON_FRAME_MS));
    expect(run.minCut).toBeGreaterThan(2 * run.maxQuiet);
    expectTiled(run);
  });

  it('finds the same cuts when only every third frame is analysed', async () => {
    const run = await detect(path.join(VIDEO, 'short_hamilton_clip.mp4'), 3);
    const cuts = cutTimes(run);
    expect(cuts).toHaveLength(3);
    // A cut is seen at the first analysed frame after it.
    cuts.forEach((t, i) => {
      expect(t).toBeGreaterThanOrEqual(HAMILTON_CUTS_MS[i]! - 1);
      expect(t - HAMILTON_CUTS_MS[i]!).toBeLessThanOrEqual(3 * HAMILTON_FRAME_MS);
    });
    expectTiled(run);
  });
});

describe('createShotDetector rules', () => {
  const w = 64;
  const h = 36;
  const grey = (v: number) => ({ width: w, height: h, data: new Uint8Array(w * h * 3).fill(v) });
  /** Vertical stripes of `period` px: sharper the finer they are. */
  const stripes = (period: number) => {
    const data = new Uint8Array(w * h * 3);
    for (let i = 0; i < w * h; i++)
      if (Math.floor((i % w) / period) % 2 === 1) data.fill(200, i * 3, i * 3 + 3);
    return { width: w, height: h, data };
  };

  it('cuts on a change of picture, but not before minShotMs into the shot', () => {
    const d = createShotDetector({ minShotMs: 500 });
    expect(d.push(0, stripes(4))).toBeNull();
    expect(d.push(100, grey(30))).toBeNull(); // a different picture, but only 100 ms in
    expect(d.lastScore).toBeGreaterThan(d.lastThreshold);
    for (let t = 200; t < 600; t += 100) expect(d.push(t, grey(30))).toBeNull();
    const shot = d.push(600, stripes(4));
    expect(shot).toMatchObject({ index: 0, startTs: 0, endTs: 600, cutScore: 0, frames: 6 });
    expect(d.push(700, stripes(4))).toBeNull();
    expect(d.flush()).toMatchObject({ index: 1, startTs: 600, endTs: 800, frames: 2 });
    expect(d.flush()).toBeNull();
  });

  it('makes the sharpest frame the keyframe and reports its palette and exposure', () => {
    const d = createShotDetector({ floor: 2 }); // scores are ≤ 1: never cut
    d.push(0, stripes(16));
    d.push(40, stripes(2));
    d.push(80, stripes(8));
    d.push(120, grey(128));
    const shot = d.flush()!;
    expect(shot.keyframeTs).toBe(40);
    expect(shot.frames).toBe(4);
    expect(shot.palette.sort((a, b) => a - b)).toEqual([0x000000, 0xc8c8c8]);
    expect(shot.exposure.mean).toBeCloseTo((0.5 * 200) / 255, 2);
    expect(shot.sharpness).toBeGreaterThan(0);
  });

  it('starts a fresh shot after flush, keeping the index running', () => {
    const d = createShotDetector();
    expect(d.flush()).toBeNull();
    d.push(0, grey(10));
    expect(d.flush()).toMatchObject({ index: 0, startTs: 0, endTs: 0, frames: 1 });
    d.push(5000, grey(10));
    expect(d.flush()).toMatchObject({ index: 1, startTs: 5000, cutScore: 0 });
  });

  it('rejects nonsense options', () => {
    expect(() => createShotDetector({ windowSize: 0 })).toThrow(RangeError);
    expect(() => createShotDetector({ histogramWeight: 2 })).toThrow(RangeError);
    expect(() => createShotDetector({ k: -1 })).toThrow(RangeError);
  });
});
