import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '@aima/ingest';
import {
  analyzeFrames,
  createDetector,
  createModelRegistry,
  createModelSession,
  type AnalysisEvent,
  type Detector,
} from '@aima/inference';
import { MEDIA_DIR, MODELS_DIR, ffmpegFrames, grabFrame } from './helpers.ts';

const VTEST = path.join(MEDIA_DIR, 'video/vtest.mp4');

describe('YOLOX-Nano detector on real frames', () => {
  let detector: Detector;

  beforeAll(async () => {
    const model = await createModelRegistry({ modelsDir: MODELS_DIR }).resolve('yolox-nano');
    detector = await createDetector({ model, scoreThreshold: 0.35 });
  });
  afterAll(() => detector.close());

  it('finds the pedestrians of vtest.mp4 with sensible boxes in source pixels', async () => {
    const data = grabFrame(VTEST, 5, 416, 312);
    const r = await detector.detect([{ width: 416, height: 312, data, sourceWidth: 480, sourceHeight: 360 }]);
    const persons = r.detections[0]!.filter((d) => d.label === 'person');
    // The clip shows 3-8 people per frame (MANIFEST).
    expect(persons.length).toBeGreaterThanOrEqual(3);
    expect(persons.length).toBeLessThanOrEqual(10);
    for (const p of persons) {
      const [x1, y1, x2, y2] = p.box;
      expect(x1).toBeGreaterThanOrEqual(0);
      expect(x2).toBeLessThanOrEqual(480);
      expect(y2).toBeLessThanOrEqual(360);
      // upright pedestrians: taller than wide, and a plausible size for this camera
      expect(y2 - y1).toBeGreaterThan(x2 - x1);
      expect(y2 - y1).toBeGreaterThan(15);
      expect(y2 - y1).toBeLessThan(200);
      expect(p.score).toBeGreaterThanOrEqual(0.35);
    }
    expect(r.timings.inferMs).toBeGreaterThan(0);
  });

  it('gives the same boxes whether ffmpeg or the detector scales the frame', async () => {
    const small = await detector.detect([
      { width: 416, height: 312, data: grabFrame(VTEST, 5, 416, 312), sourceWidth: 480, sourceHeight: 360 },
    ]);
    const full = await detector.detect([{ width: 480, height: 360, data: grabFrame(VTEST, 5, 480, 360) }]);
    const a = small.detections[0]!.filter((d) => d.label === 'person').sort((p, q) => p.box[0] - q.box[0]);
    const b = full.detections[0]!.filter((d) => d.label === 'person').sort((p, q) => p.box[0] - q.box[0]);
    expect(b.length).toBe(a.length);
    a.forEach((d, i) => d.box.forEach((v, k) => expect(Math.abs(v - b[i]!.box[k]!)).toBeLessThan(4)));
  });

  it('respects the class filter', async () => {
    const model = await createModelRegistry({ modelsDir: MODELS_DIR }).resolve('yolox-nano');
    await using carsOnly = await createDetector({ model, classes: ['car'] });
    const r = await carsOnly.detect([{ width: 416, height: 312, data: grabFrame(VTEST, 5, 416, 312) }]);
    expect(r.detections[0]!.every((d) => d.label === 'car')).toBe(true);
  });

  it('forms stable person tracks over windows of real video', async () => {
    const events: AnalysisEvent[] = [];
    for await (const e of analyzeFrames(
      ffmpegFrames(VTEST, { fps: 5, seconds: 12, width: 416, height: 312 }),
      {
        detector,
        sourceWidth: 480,
        sourceHeight: 360,
        window: { lengthMs: 2000 },
      },
    )) {
      events.push(e);
    }
    const frames = events.filter((e) => e.type === 'frame');
    const windows = events.filter((e) => e.type === 'window');
    const ended = events.filter((e) => e.type === 'track-end' && e.accepted);
    expect(frames).toHaveLength(60);
    // frames arrive in order
    const seqs = frames.map((e) => (e.type === 'frame' ? e.frame.seq : -1));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(windows).toHaveLength(6);
    for (const w of windows) if (w.type === 'window') expect(w.window.frames).toBe(10);
    const personTracks = ended.filter((e) => e.type === 'track-end' && e.track.label === 'person');
    // 3-8 people walk through 12 s: several tracks, not one per detection
    expect(personTracks.length).toBeGreaterThanOrEqual(3);
    const personDetections = frames.reduce(
      (n, e) => n + (e.type === 'frame' ? e.frame.detections.filter((d) => d.label === 'person').length : 0),
      0,
    );
    expect(personTracks.length).toBeLessThan(personDetections / 5);
    // a track lasting the whole clip keeps one id: some track spans most of it
    const longest = Math.max(
      ...personTracks.map((e) => (e.type === 'track-end' ? e.track.lastTs - e.track.startTs : 0)),
    );
    expect(longest).toBeGreaterThan(6000);
    // detections carry their confirmed track ids
    const ids = new Set(
      frames.flatMap((e) => (e.type === 'frame' ? e.frame.detections.map((d) => d.trackId) : [])),
    );
    for (const t of personTracks) if (t.type === 'track-end') expect(ids.has(t.track.id)).toBe(true);
  });
});

describe('live behaviour of the analyzer', () => {
  it("emits a frame's result without waiting for the next frame to arrive", async () => {
    const model = await createModelRegistry({ modelsDir: MODELS_DIR }).resolve('yolox-nano');
    await using detector = await createDetector({ model });
    const data = grabFrame(VTEST, 5, 416, 312);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let secondYielded = false;
    // A paced live source: the second frame comes only once the first one's result is out.
    async function* paced(): AsyncGenerator<Frame> {
      yield { seq: 0, ptsMs: 0, ts: 1000, width: 416, height: 312, format: 'rgb24', data };
      await gate;
      secondYielded = true;
      yield { seq: 1, ptsMs: 200, ts: 1200, width: 416, height: 312, format: 'rgb24', data };
    }
    const seen: number[] = [];
    for await (const e of analyzeFrames(paced(), { detector })) {
      if (e.type !== 'frame') continue;
      seen.push(e.frame.seq);
      if (e.frame.seq === 0) {
        expect(secondYielded).toBe(false);
        release();
      }
    }
    expect(seen).toEqual([0, 1]);
  });
});

describe('ONNX sessions in worker threads', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-ort-'));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('keeps the main thread responsive while the model runs', async () => {
    const model = await createModelRegistry({ modelsDir: MODELS_DIR }).resolve('yolox-nano');
    await using s = await createModelSession(model.path, { label: 'yolox-nano' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    let feeds = {
      images: { type: 'float32' as const, data: new Float32Array(3 * 416 * 416), dims: [1, 3, 416, 416] },
    };
    for (let i = 0; i < 10; i++) feeds = (await s.run(feeds)).feeds as typeof feeds;
    clearInterval(timer);
    // 10 runs take well over 10 ms; a blocked loop would have ticked ~0 times
    expect(ticks).toBeGreaterThan(5);
    expect(feeds.images.data.length).toBe(3 * 416 * 416); // buffer came back for reuse
  });

  it('fails with MODEL_LOAD_FAILED on a file that is not a model, without crashing', async () => {
    const bad = path.join(tmp, 'bad.onnx');
    await writeFile(bad, 'not a model');
    await expect(createModelSession(bad, { label: 'bad' })).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      exitCode: 6,
    });
  });

  it('rejects runs after close, and close is idempotent', async () => {
    const model = await createModelRegistry({ modelsDir: MODELS_DIR }).resolve('yolox-nano');
    const s = await createModelSession(model.path);
    await s.close();
    await s.close();
    expect(s.closed).toBe(true);
    await expect(s.run({})).rejects.toMatchObject({ code: 'INFER_CLOSED' });
  });
});
