import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '@aima/ingest';
import {
  analyzeFrames,
  analyzeScheduled,
  createDetector,
  createModelRegistry,
  createScheduler,
  type AnalysisEvent,
  type Detector,
  type ScheduledResult,
  type ScheduledSource,
} from '@aima/inference';
import { MEDIA_DIR, MODELS_DIR, ffmpegFrames as readFrames, grabFrame } from './helpers.ts';

const VTEST = path.join(MEDIA_DIR, 'video/vtest.mp4');
const W = 416;
const H = 312;
const SOURCE = { sourceWidth: 480, sourceHeight: 360 };

const ffmpegFrames = (startSec: number, seconds: number, fps: number): AsyncGenerator<Frame> =>
  readFrames(VTEST, { startSec, seconds, fps, width: W, height: H });

const still = (seq: number, data: Uint8Array): Frame => ({
  seq,
  ptsMs: seq * 40,
  ts: 1_700_000_000_000 + seq * 40,
  width: W,
  height: H,
  format: 'rgb24',
  data,
});

async function readAll(src: ScheduledSource): Promise<ScheduledResult[]> {
  const out: ScheduledResult[] = [];
  for await (const r of src.results) out.push(r);
  return out;
}

const increasing = (xs: readonly number[]): boolean => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

/**
 * Every source submits a frame every few ms (far beyond what the model can take) until `total`
 * frames have been analysed in all; then they detach and their results are drained. `slots`: the
 * frames each source had sent to the model when the overload stopped (before the queues drain).
 */
async function overload(
  sources: readonly ScheduledSource[],
  data: Uint8Array,
  total: number,
): Promise<{ results: ScheduledResult[][]; maxQueued: number; submitted: number[]; slots: number[] }> {
  const submitted = sources.map(() => 0);
  let maxQueued = 0;
  const reads = sources.map(readAll);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      sources.forEach((s, i) => {
        expect(s.submit(still(submitted[i]!++, data))).toBeUndefined();
        maxQueued = Math.max(maxQueued, s.stats.queued);
      });
      if (sources.reduce((n, s) => n + s.stats.analysed, 0) >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 3);
  });
  const slots = sources.map((s) => s.stats.analysed + s.stats.inFlight);
  for (const s of sources) s.detach();
  return { results: await Promise.all(reads), maxQueued, submitted, slots };
}

describe('shared scheduler with YOLOX-Nano on real frames', () => {
  let detector: Detector;
  let frame5: Uint8Array;

  beforeAll(async () => {
    const model = await createModelRegistry({ modelsDir: MODELS_DIR }).resolve('yolox-nano');
    detector = await createDetector({ model, instances: 2 });
    frame5 = grabFrame(VTEST, 5, W, H);
  });
  afterAll(() => detector?.close());

  it('serves 4 concurrent sources in order, counts add up, same boxes as the frame alone', async () => {
    await using sched = createScheduler({ detector });
    expect(sched.maxInFlight).toBe(3);
    const kept = new Map<string, Map<number, Frame>>();
    const run = async (id: string, startSec: number): Promise<[ScheduledSource, ScheduledResult[]]> => {
      const src = sched.attach(id, SOURCE);
      const frames = new Map<number, Frame>();
      kept.set(id, frames);
      const read = readAll(src);
      for await (const f of ffmpegFrames(startSec, 3, 5)) {
        frames.set(f.seq, f);
        src.submit(f);
      }
      src.detach();
      return [src, await read];
    };
    const done = await Promise.all([run('a', 0), run('b', 3), run('c', 6), run('d', 9)]);
    for (const [src, results] of done) {
      const seqs = results.map((r) => r.frame.seq);
      expect(increasing(seqs)).toBe(true);
      expect(seqs.at(-1)).toBe(14); // the last frame always survives
      const st = src.stats;
      expect(st.submitted).toBe(15);
      expect(st.submitted).toBe(st.analysed + st.dropped);
      expect(results).toHaveLength(st.analysed);
      expect(st).toMatchObject({ queued: 0, inFlight: 0, failed: 0 });
      const persons = results.reduce(
        (n, r) => n + r.detections.filter((d) => d.label === 'person').length,
        0,
      );
      expect(persons).toBeGreaterThan(results.length); // people walk through every part of the clip
    }
    // One frame through the scheduler (alongside three other sources) vs. alone.
    const [, results] = done[2]!;
    const last = results.at(-1)!;
    const f = kept.get('c')!.get(last.frame.seq)!;
    const alone = await detector.detect([{ width: W, height: H, data: f.data, ...SOURCE }]);
    expect(last.detections.length).toBeGreaterThan(0);
    expect(last.detections).toEqual(alone.detections[0]);
  });

  it('drops only the oldest queued frames under a burst, per source, without blocking submit', async () => {
    await using sched = createScheduler({ detector, queueCapacity: 4 });
    const sources = Array.from({ length: 8 }, (_, i) => sched.attach(`burst${i}`, SOURCE));
    const reads = sources.map(readAll);
    for (let seq = 0; seq < 20; seq++)
      for (const s of sources) expect(s.submit(still(seq, frame5))).toBeUndefined();
    // 160 submits returned without waiting for a single model call
    for (const s of sources)
      expect(s.stats).toMatchObject({ submitted: 20, dropped: 16, queued: 4, analysed: 0 });
    for (const s of sources) s.detach();
    const results = await Promise.all(reads);
    const ref = results[0]![0]!.detections;
    results.forEach((rs, i) => {
      expect(rs.map((r) => r.frame.seq)).toEqual([16, 17, 18, 19]);
      for (const r of rs) expect(r.detections).toEqual(ref); // same picture, same boxes in any batch
      expect(sources[i]!.stats).toMatchObject({ submitted: 20, dropped: 16, analysed: 4, queued: 0 });
    });
    expect(sched.stats).toMatchObject({ calls: 32, frames: 32 });
  });

  it('shares the model equally among equal-priority sources under sustained overload', async () => {
    await using sched = createScheduler({ detector });
    const sources = Array.from({ length: 4 }, (_, i) => sched.attach(`eq${i}`, SOURCE));
    const { results, maxQueued, submitted, slots } = await overload(sources, frame5, 60);
    expect(maxQueued).toBeLessThanOrEqual(4); // memory bounded by queueCapacity
    const analysed = sources.map((s) => s.stats.analysed);
    results.forEach((rs, i) => {
      const st = sources[i]!.stats;
      expect(st.dropped).toBeGreaterThan(0);
      expect(st.submitted).toBe(submitted[i]);
      expect(st.submitted).toBe(st.analysed + st.dropped);
      expect(rs).toHaveLength(st.analysed);
      const seqs = rs.map((r) => r.frame.seq);
      expect(increasing(seqs)).toBe(true);
      expect(seqs.at(-1)).toBe(submitted[i]! - 1);
    });
    // within one batch (maxBatch 1 for this model) of each other, during the overload and after
    expect(Math.max(...slots) - Math.min(...slots)).toBeLessThanOrEqual(sched.maxBatch);
    expect(Math.max(...analysed) - Math.min(...analysed)).toBeLessThanOrEqual(sched.maxBatch);
  });

  it('gives a priority-3 source about 3x the slots of a priority-1 source', async () => {
    await using sched = createScheduler({ detector });
    const hi = sched.attach('hi', { ...SOURCE, priority: 3 });
    const lo = sched.attach('lo', SOURCE);
    const { slots } = await overload([hi, lo], frame5, 80);
    const [hiSlots, loSlots] = slots as [number, number];
    const ratio = hiSlots / loSlots;
    expect(ratio).toBeGreaterThanOrEqual(2.25);
    expect(ratio).toBeLessThanOrEqual(3.75);
    expect(loSlots).toBeGreaterThan(10); // not starved
    for (const s of [hi, lo]) expect(s.stats.submitted).toBe(s.stats.analysed + s.stats.dropped);
  });

  it('analyzeScheduled emits the same frames, windows and tracks as analyzeFrames', async () => {
    // Timings differ run to run; everything else must match exactly.
    const strip = (e: AnalysisEvent): unknown => {
      if (e.type === 'frame') {
        const { timings: _t, ...frame } = e.frame;
        return { type: e.type, frame };
      }
      if (e.type === 'window') {
        const { preMs: _p, inferMs: _i, postMs: _q, ...window } = e.window;
        return { type: e.type, window };
      }
      return e;
    };
    const opts = { window: { lengthMs: 2000 } };
    const direct: unknown[] = [];
    for await (const e of analyzeFrames(ffmpegFrames(0, 8, 5), { detector, ...SOURCE, ...opts }))
      direct.push(strip(e));
    await using sched = createScheduler({ detector });
    const src = sched.attach('same', SOURCE);
    const scheduled: unknown[] = [];
    for await (const e of analyzeScheduled(src, ffmpegFrames(0, 8, 5), { ...opts, wait: true }))
      scheduled.push(strip(e));
    expect(src.stats).toMatchObject({ submitted: 40, analysed: 40, dropped: 0 });
    const count = (t: string): number => direct.filter((e) => (e as AnalysisEvent).type === t).length;
    expect(count('frame')).toBe(40);
    expect(count('window')).toBe(4);
    expect(count('track-end')).toBeGreaterThanOrEqual(3);
    expect(scheduled).toEqual(direct);
  });

  it('a slow reader with wait: every frame still comes out (room freed by reading wakes the model)', async () => {
    // The reader takes longer per result than the model: results fill the channel while nothing is
    // in flight; reading one must restart dispatch, or the file stalls forever.
    await using sched = createScheduler({ detector, queueCapacity: 2 });
    const src = sched.attach('slow-reader', SOURCE);
    let frames = 0;
    for await (const e of analyzeScheduled(src, ffmpegFrames(0, 4, 5), { wait: true })) {
      if (e.type !== 'frame') continue;
      frames++;
      await new Promise((r) => setTimeout(r, 60));
    }
    expect(frames).toBe(20);
    expect(src.stats).toMatchObject({ submitted: 20, analysed: 20, dropped: 0 });
  });
});
