import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeVideo, ffmpegCpu, parseSource } from '@aima/ingest';
import {
  createModelSession,
  createProfile,
  formatProfile,
  threadCpuMs,
  type TensorMap,
} from '@aima/inference';
import { MEDIA_DIR, MODELS_DIR } from './helpers.ts';

const VTEST = path.join(MEDIA_DIR, 'video/vtest.mp4');

/** Burns about `ms` of this thread's CPU. */
function burn(ms: number): number {
  const t0 = threadCpuMs();
  let x = 0;
  while (threadCpuMs() - t0 < ms) for (let i = 0; i < 10_000; i++) x += Math.sqrt(i);
  return x;
}

describe('profile: core-ms per analysed frame by stage', () => {
  const profile = createProfile();
  afterAll(() => profile.close());

  it('charges measured sections, added ms and watched counters, and leaves the rest as other', () => {
    profile.reset();
    let counter = 100;
    profile.watch('decode', () => counter);
    profile.measure('shots', () => burn(30));
    profile.add('model', 12);
    counter += 40; // a child process spent 40 ms meanwhile
    profile.frames(4);
    const r = profile.report();
    const row = (s: string) => r.stages.find((x) => x.stage === s);
    expect(r.frames).toBe(4);
    expect(row('shots')!.coreMs).toBeGreaterThanOrEqual(30);
    expect(row('shots')!.coreMs).toBeLessThan(60);
    expect(row('model')!.perFrameMs).toBe(3);
    expect(row('decode')!.coreMs).toBe(40);
    // Stages are listed in the canonical order, 'other' last, and the rows add up to the CPU.
    expect(r.stages.map((s) => s.stage).slice(0, 3)).toEqual(['decode', 'model', 'shots']);
    expect(r.stages.at(-1)!.stage).toBe('other');
    const sum = r.stages.reduce((a, s) => a + s.coreMs, 0);
    expect(sum).toBeGreaterThanOrEqual(r.cpuMs - 1e-6);
    expect(r.cpuMs).toBeGreaterThanOrEqual(30 + 40);
    expect(r.threads.children).toBe(10); // 40 ms over 4 frames
    const text = formatProfile(r);
    expect(text).toMatch(/^shots\s+\d+\.\d\d\s+\d+\.\d %$/m);
    expect(text).toMatch(/by thread/);
  });

  it('reset starts a new span', () => {
    profile.add('pre', 5);
    profile.frames(1);
    profile.reset();
    const r = profile.report();
    expect(r.frames).toBe(0);
    expect(r.stages.find((s) => s.stage === 'pre')).toBeUndefined();
  });
});

describe('ORT runs report their worker thread CPU; shared buffers give identical outputs', () => {
  it('a shared-memory run equals a transferred one and allocates nothing on the caller side', async () => {
    const s = await createModelSession(path.join(MODELS_DIR, 'detector/yolox_nano.onnx'), {
      intraOpThreads: 1,
    });
    try {
      const n = 3 * 416 * 416;
      const plain: TensorMap = {
        images: { type: 'float32', data: new Float32Array(n).map((_, i) => i % 255), dims: [1, 3, 416, 416] },
      };
      const sharedIn = new Float32Array(new SharedArrayBuffer(n * 4));
      sharedIn.set(plain.images!.data as Float32Array);
      const out = s.outputs[0]!;
      const size = (out.dims as number[]).reduce((a, b) => a * b, 1);
      const into = new Float32Array(new SharedArrayBuffer(size * 4));
      const a = await s.run(plain);
      const feeds = { images: { type: 'float32' as const, data: sharedIn, dims: [1, 3, 416, 416] } };
      const b = await s.run(feeds, { into: { [out.name]: into } });
      const oa = a.outputs[out.name]!.data as Float32Array;
      const ob = b.outputs[out.name]!.data as Float32Array;
      expect(ob.buffer).toBe(into.buffer);
      expect(ob.length).toBe(oa.length);
      expect(Array.from(ob.subarray(0, 2000))).toEqual(Array.from(oa.subarray(0, 2000)));
      expect(ob.every((v, i) => v === oa[i])).toBe(true);
      // The caller's shared feed is handed back as it was (not moved).
      expect(b.feeds.images!.data).toBe(sharedIn);
      expect(b.cpuMs).toBeGreaterThan(0);
      expect(b.cpuMs).toBeLessThanOrEqual(b.runMs * 1.05 + 1);
    } finally {
      await s.close();
    }
  });
});

describe('ffmpeg CPU is accounted by role', () => {
  it('a video decode adds its CPU to the decode role', async () => {
    const before = ffmpegCpu().decode;
    let frames = 0;
    const stream = await decodeVideo(parseSource(VTEST), { maxWidth: 416, maxHeight: 416, durationMs: 5000 });
    for await (const _f of stream) frames++;
    expect(frames).toBeGreaterThan(40);
    const after = ffmpegCpu().decode;
    // ffmpeg's own -benchmark account of its user + system time.
    expect(after - before).toBeGreaterThan(5);
    expect(after - before).toBeLessThan(10_000);
  });
});
