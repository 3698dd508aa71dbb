import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '@aima/ingest';
import {
  analyzeScheduled,
  createDetector,
  createModelSession,
  createScheduler,
  type DetectInput,
  type Detector,
  type ScheduledResult,
  type ScheduledSource,
} from '@aima/inference';
import { FIXTURE_SIZE, detectorFixtureModel, detectorFixtureSpec } from './helpers-onnx.ts';

type Rgb = readonly [number, number, number];
const S = FIXTURE_SIZE;

/** A uniform frame: the fixture's output depends only on its colour. */
function frame(seq: number, rgb: Rgb, size = S): Frame {
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return {
    seq,
    ptsMs: seq * 40,
    ts: 1_700_000_000_000 + seq * 40,
    width: size,
    height: size,
    format: 'rgb24',
    data,
  };
}

/** The detection the fixture must give for a uniform colour, in a frame reported at `scale`. */
function expected(rgb: Rgb, scale = 1): { label: string; classId: number; score: number; box: number[] } {
  const [r, g, b] = rgb;
  const bright = r / 256;
  const dark = (255 - r) / 256;
  const box = [16 - g / 16, 16 - b / 16, 16 + g / 16, 16 + b / 16].map((v) => v * scale);
  return bright >= dark
    ? { label: 'bright', classId: 0, score: bright, box }
    : { label: 'dark', classId: 1, score: dark, box };
}

interface Call {
  readonly colours: string[];
  readonly inFlightAtStart: number;
  done: boolean;
}

/**
 * The real fixture detector, with each model call recorded (which colours, i.e. sources, rode in
 * it); `hold` keeps a call's answer back until released, to keep the model busy on cue.
 */
function recorded(real: Detector): {
  detector: Detector;
  calls: Call[];
  hold(): () => void;
  nextCall(): Promise<Call>;
} {
  const calls: Call[] = [];
  let gate: Promise<void> | null = null;
  let waiter: ((c: Call) => void) | null = null;
  const detector: Detector = {
    ...real,
    async detect(images: readonly DetectInput[]) {
      const call: Call = {
        colours: images.map((im) => Array.from(im.data.subarray(0, 3)).join(',')),
        inFlightAtStart: calls.filter((c) => !c.done).length,
        done: false,
      };
      calls.push(call);
      waiter?.(call);
      waiter = null;
      const held = gate;
      gate = null;
      try {
        const r = await real.detect(images);
        if (held) await held;
        return r;
      } finally {
        call.done = true;
      }
    },
  };
  return {
    detector,
    calls,
    hold() {
      let release: () => void = () => undefined;
      gate = new Promise((r) => (release = r));
      return release;
    },
    nextCall: () => new Promise((r) => (waiter = r)),
  };
}

async function readAll(src: ScheduledSource): Promise<ScheduledResult[]> {
  const out: ScheduledResult[] = [];
  for await (const r of src.results) out.push(r);
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const RED: Rgb = [200, 64, 128];
const GREEN: Rgb = [40, 255, 16];
const BLUE: Rgb = [128, 0, 255];
const GREY: Rgb = [100, 100, 100];
const COLOURS = [RED, GREEN, BLUE, GREY];

describe('dynamic-batch ONNX fixture', () => {
  let tmp: string;
  let file: string;
  let real: Detector;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-sched-'));
    file = path.join(tmp, 'fixture.onnx');
    const bytes = detectorFixtureModel();
    await writeFile(file, bytes);
    real = await createDetector({
      model: { spec: detectorFixtureSpec(file, bytes.length), path: file },
      instances: 1,
    });
  });
  afterAll(async () => {
    await real?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('runs in onnxruntime with batch 1 and batch 4, output known from the pixels', async () => {
    await using s = await createModelSession(file, { label: 'fixture' });
    expect(s.inputs[0]).toMatchObject({ name: 'images', dims: ['N', 3, S, S] });
    const plane = S * S;
    const run = async (cols: readonly Rgb[]): Promise<{ dims: readonly number[]; data: number[] }> => {
      const data = new Float32Array(cols.length * 3 * plane);
      cols.forEach((c, n) =>
        c.forEach((v, ch) => data.fill(v, (n * 3 + ch) * plane, (n * 3 + ch + 1) * plane)),
      );
      const r = await s.run({ images: { type: 'float32', data, dims: [cols.length, 3, S, S] } });
      return { dims: r.outputs.output0!.dims, data: Array.from(r.outputs.output0!.data as Float32Array) };
    };
    const row = ([r, g, b]: Rgb): number[] => [16, 16, g / 8, b / 8, r / 256, (255 - r) / 256];
    expect(await run([RED])).toEqual({ dims: [1, 6, 1], data: row(RED) });
    expect(await run(COLOURS)).toEqual({ dims: [4, 6, 1], data: COLOURS.flatMap(row) });
  });

  it('is a detector createDetector accepts, with a dynamic batch', async () => {
    expect(real.maxBatch).toBe(8);
    const r = await real.detect(COLOURS.map((c) => frame(0, c)));
    expect(r.detections).toEqual(COLOURS.map((c) => [expected(c)]));
  });

  describe('scheduler', () => {
    it('puts frames of different sources in one model call, each result back to its source', async () => {
      const rec = recorded(real);
      await using sched = createScheduler({ detector: rec.detector });
      const sources = COLOURS.map((_, i) =>
        sched.attach(`cam${i}`, i === 0 ? { sourceWidth: 2 * S, sourceHeight: 2 * S } : {}),
      );
      const reads = sources.map(readAll);
      // Same tick, idle model: one call with all four.
      sources.forEach((s, i) => s.submit(frame(0, COLOURS[i]!)));
      sources.forEach((s) => s.detach());
      const results = await Promise.all(reads);
      expect(rec.calls.map((c) => c.colours)).toEqual([COLOURS.map((c) => c.join(','))]);
      results.forEach((rs, i) => {
        expect(rs).toHaveLength(1);
        expect(rs[0]!.batchSize).toBe(4);
        // cam0's frames are reported in a 2x source picture
        const scale = i === 0 ? 2 : 1;
        expect(rs[0]!.detections).toEqual([
          { ...expected(COLOURS[i]!), box: expected(COLOURS[i]!, scale).box },
        ]);
      });
    });

    it('fills batches fairly from every backlogged source, results in submission order', async () => {
      const rec = recorded(real);
      await using sched = createScheduler({ detector: rec.detector, queueCapacity: 16 });
      expect(sched.maxBatch).toBe(8);
      expect(sched.maxInFlight).toBe(2);
      const sources = COLOURS.map((_, i) => sched.attach(`cam${i}`));
      const reads = sources.map(readAll);
      for (let seq = 0; seq < 10; seq++) sources.forEach((s, i) => s.submit(frame(seq, COLOURS[i]!)));
      sources.forEach((s) => s.detach());
      const results = await Promise.all(reads);
      // 40 frames, batches of 8 taking 2 from each source in turn
      expect(rec.calls.map((c) => c.colours.length)).toEqual([8, 8, 8, 8, 8]);
      for (const c of rec.calls)
        for (const col of COLOURS) expect(c.colours.filter((x) => x === col.join(','))).toHaveLength(2);
      expect(rec.calls.slice(1).some((c) => c.inFlightAtStart === 1)).toBe(true); // two calls overlapped
      results.forEach((rs, i) => {
        expect(rs.map((r) => r.frame.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        for (const r of rs) expect(r.detections).toEqual([expected(COLOURS[i]!)]);
        expect(sources[i]!.stats).toEqual({
          submitted: 10,
          dropped: 0,
          analysed: 10,
          failed: 0,
          queued: 0,
          inFlight: 0,
        });
      });
      expect(sched.stats).toMatchObject({ calls: 5, frames: 40, inFlight: 0 });
    });

    it('sends a lone frame at once when the model is idle (no batch timeout wait)', async () => {
      const rec = recorded(real);
      // A timeout far beyond the test's: any wait for it would fail the test.
      await using sched = createScheduler({ detector: rec.detector, batchTimeoutMs: 600_000 });
      const cam = sched.attach('lone');
      const it = cam.results[Symbol.asyncIterator]();
      for (let seq = 0; seq < 3; seq++) {
        cam.submit(frame(seq, RED));
        const r = await it.next();
        expect(r.done).toBe(false);
        expect(r.value).toMatchObject({ frame: { seq }, batchSize: 1, detections: [expected(RED)] });
      }
      expect(rec.calls.map((c) => c.inFlightAtStart)).toEqual([0, 0, 0]);
      cam.detach();
      expect((await it.next()).done).toBe(true);
    }, 20_000);

    it('pushes a partial batch after batchTimeoutMs while the model is busy', async () => {
      const rec = recorded(real);
      await using sched = createScheduler({ detector: rec.detector, batchTimeoutMs: 20 });
      const a = sched.attach('a');
      const b = sched.attach('b');
      const reads = [readAll(a), readAll(b)];
      const release = rec.hold();
      a.submit(frame(0, RED));
      const first = await rec.nextCall();
      const second = rec.nextCall();
      b.submit(frame(0, GREEN)); // 1 of 8, model busy: waits for more, then goes alone
      const c2 = await second;
      // Sent while the first call was still held: the timeout pushed it, not the first call ending.
      expect(first.done).toBe(false);
      expect(c2).toMatchObject({ colours: [GREEN.join(',')], inFlightAtStart: 1 });
      release();
      a.detach();
      b.detach();
      const [ra, rb] = await Promise.all(reads);
      expect(ra!.map((r) => r.detections)).toEqual([[expected(RED)]]);
      expect(rb!.map((r) => r.detections)).toEqual([[expected(GREEN)]]);
    });

    it('holds a partial batch while busy until the timeout, but sends a full batch at once', async () => {
      const rec = recorded(real);
      await using sched = createScheduler({ detector: rec.detector, batchTimeoutMs: 600_000 });
      const a = sched.attach('a');
      const b = sched.attach('b');
      const reads = [readAll(a), readAll(b)];
      const release = rec.hold();
      a.submit(frame(0, RED));
      await rec.nextCall();
      b.submit(frame(0, GREEN));
      await sleep(100);
      expect(rec.calls).toHaveLength(1); // waiting for more frames or for the model to go idle
      const full = rec.nextCall();
      for (let seq = 1; seq < 8; seq++) a.submit(frame(seq, RED)); // a keeps its newest 4
      b.submit(frame(1, GREEN));
      b.submit(frame(2, GREEN)); // 4 + 3 queued: still partial
      await sleep(50);
      expect(rec.calls).toHaveLength(1);
      b.submit(frame(3, GREEN)); // 8 ready: a full batch goes while the first call is still held
      const c2 = await full;
      expect(c2.colours).toHaveLength(8);
      expect(c2.inFlightAtStart).toBe(1);
      release();
      a.detach();
      b.detach();
      const [ra, rb] = await Promise.all(reads);
      expect(ra!.map((r) => r.frame.seq)).toEqual([0, 4, 5, 6, 7]);
      expect(rb!.map((r) => r.frame.seq)).toEqual([0, 1, 2, 3]);
      expect(a.stats).toMatchObject({ submitted: 8, dropped: 3, analysed: 5 });
    });

    it('stops dispatching for a reader that does not read, dropping at the queue instead', async () => {
      await using sched = createScheduler({ detector: real, queueCapacity: 2, maxInFlight: 1, maxBatch: 2 });
      // results waiting for the reader may reach queueCapacity + maxBatch * maxInFlight = 4
      const cam = sched.attach('stalled');
      for (let seq = 0; seq < 12; seq++) {
        cam.submit(frame(seq, BLUE));
        await sleep(5);
        while (cam.stats.inFlight > 0) await sleep(5);
      }
      expect(cam.stats).toMatchObject({ submitted: 12, analysed: 4, queued: 2, dropped: 6 });
      cam.detach();
      const rs = await readAll(cam);
      expect(rs.map((r) => r.frame.seq)).toEqual([0, 1, 2, 3, 10, 11]);
      expect(cam.stats).toMatchObject({ analysed: 6, dropped: 6, queued: 0 });
    });

    it('ends results after detach, rejects late submits, and checks its inputs', async () => {
      const sched = createScheduler({ detector: real });
      const cam = sched.attach('x');
      expect(() => sched.attach('x')).toThrow(expect.objectContaining({ code: 'INFER_BAD_CONFIG' }));
      expect(() => sched.attach('y', { priority: 0 })).toThrow(
        expect.objectContaining({ code: 'INFER_BAD_CONFIG' }),
      );
      expect(() => createScheduler({ detector: real, queueCapacity: 0 })).toThrow(
        expect.objectContaining({ code: 'INFER_BAD_CONFIG' }),
      );
      cam.submit(frame(0, GREY));
      cam.detach();
      expect(cam.detached).toBe(true);
      expect(() => cam.submit(frame(1, GREY))).toThrow(expect.objectContaining({ code: 'INFER_CLOSED' }));
      expect((await readAll(cam)).map((r) => r.frame.seq)).toEqual([0]);
      expect(() => cam.results[Symbol.asyncIterator]()).toThrow(
        expect.objectContaining({ code: 'INFER_BAD_CONFIG' }),
      );
      // the id is free again once the source is gone
      const again = sched.attach('x');
      again.submit(frame(0, GREY));
      again.submit(frame(1, GREY));
      await sched.close();
      await sched.close();
      expect(sched.closed).toBe(true);
      expect(() => sched.attach('z')).toThrow(expect.objectContaining({ code: 'INFER_CLOSED' }));
      const rs = await readAll(again);
      // close drops what was still queued (counted) and hands over what was running
      expect(rs.length + again.stats.dropped).toBe(2);
      expect(again.stats.analysed).toBe(rs.length);
    });

    it('detaches a source whose reader leaves early', async () => {
      await using sched = createScheduler({ detector: real });
      const cam = sched.attach('leaver');
      for (let seq = 0; seq < 3; seq++) cam.submit(frame(seq, RED));
      for await (const r of cam.results) {
        expect(r.frame.seq).toBe(0);
        break;
      }
      expect(cam.detached).toBe(true);
      expect(sched.stats.sources).toBe(0);
    });

    it("surfaces a failing model call to that call's sources only, after their earlier results", async () => {
      const bytes = detectorFixtureModel();
      const closing = await createDetector({
        model: { spec: detectorFixtureSpec(file, bytes.length), path: file },
        instances: 1,
      });
      await using sched = createScheduler({ detector: closing });
      const cam = sched.attach('cam');
      const it = cam.results[Symbol.asyncIterator]();
      cam.submit(frame(0, RED));
      expect((await it.next()).value).toMatchObject({ frame: { seq: 0 } });
      await closing.close(); // the model goes away under a live source
      cam.submit(frame(1, RED));
      await expect(it.next()).rejects.toMatchObject({ code: 'INFER_CLOSED' });
      expect(cam.detached).toBe(true);
      expect(cam.stats).toMatchObject({ submitted: 2, analysed: 1, failed: 1 });
    });
  });

  describe('analyzeScheduled', () => {
    async function* burst(n: number, rgb: Rgb): AsyncGenerator<Frame> {
      for (let seq = 0; seq < n; seq++) yield frame(seq, rgb);
    }

    it('reads a live source at its own pace: drops the oldest, events stay in order', async () => {
      await using sched = createScheduler({ detector: real });
      const cam = sched.attach('live');
      const seqs: number[] = [];
      let windows = 0;
      for await (const e of analyzeScheduled(cam, burst(200, RED))) {
        if (e.type === 'frame') seqs.push(e.frame.seq);
        if (e.type === 'window') windows++;
      }
      expect(cam.stats.dropped).toBeGreaterThan(0);
      expect(cam.stats.submitted).toBe(200);
      expect(seqs.length).toBe(200 - cam.stats.dropped);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(seqs.at(-1)).toBe(199); // the newest frame always survives
      expect(windows).toBeGreaterThan(0);
      expect(cam.detached).toBe(true);
    });

    it('with wait, analyses every frame of a file', async () => {
      await using sched = createScheduler({ detector: real, queueCapacity: 2 });
      const cam = sched.attach('file');
      const seqs: number[] = [];
      for await (const e of analyzeScheduled(cam, burst(50, GREEN), { wait: true }))
        if (e.type === 'frame') seqs.push(e.frame.seq);
      expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(cam.stats).toMatchObject({ submitted: 50, dropped: 0, analysed: 50 });
    });

    it('rethrows a failing frame source after the frames before it', async () => {
      await using sched = createScheduler({ detector: real });
      const cam = sched.attach('broken');
      async function* failing(): AsyncGenerator<Frame> {
        yield frame(0, RED);
        throw new Error('decoder died');
      }
      const seen: number[] = [];
      await expect(
        (async () => {
          for await (const e of analyzeScheduled(cam, failing(), { wait: true }))
            if (e.type === 'frame') seen.push(e.frame.seq);
        })(),
      ).rejects.toThrow('decoder died');
      expect(seen).toEqual([0]);
    });

    it('stops reading frames and finishes when aborted', async () => {
      await using sched = createScheduler({ detector: real });
      const cam = sched.attach('aborted');
      const ac = new AbortController();
      let returned = false;
      async function* endless(): AsyncGenerator<Frame> {
        try {
          for (let seq = 0; ; seq++) {
            yield frame(seq, BLUE);
            await sleep(2);
          }
        } finally {
          returned = true;
        }
      }
      const types: string[] = [];
      for await (const e of analyzeScheduled(cam, endless(), { signal: ac.signal })) {
        types.push(e.type);
        if (types.filter((t) => t === 'frame').length === 3) ac.abort();
      }
      expect(types.filter((t) => t === 'window').length).toBeGreaterThan(0); // windows flushed at the end
      expect(cam.detached).toBe(true);
      await sleep(20);
      expect(returned).toBe(true);
    });

    it('reads nothing when the signal is already aborted', async () => {
      await using sched = createScheduler({ detector: real });
      const cam = sched.attach('pre-aborted');
      const events: unknown[] = [];
      for await (const e of analyzeScheduled(cam, burst(5, RED), { signal: AbortSignal.abort() }))
        events.push(e);
      expect(events).toEqual([]);
      expect(cam.stats.submitted).toBe(0);
      expect(cam.detached).toBe(true);
    });
  });
});
