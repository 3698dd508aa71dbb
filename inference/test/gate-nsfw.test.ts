// Content classification: the real nsfwjs MobileNetV2 on neutral real photos (a sanity check of
// the pre-processing), and the NudeNet decoder on a fixture graph with known detections.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NUDENET_CLASSES,
  createModelRegistry,
  createModelSession,
  createNsfwClassifier,
  decodeNsfwjs,
  decodeNudenet,
  nudenetLetterbox,
  nudenetTensor,
  type ModelSession,
} from '@aima/inference';
import { encodeOnnxModel } from './helpers-onnx.ts';
import { MEDIA_DIR, MODELS_DIR } from './helpers.ts';
import { loadImage } from './faces-fixtures.ts';

describe('nsfwjs (real weights)', () => {
  let session: ModelSession;
  beforeAll(async () => {
    const reg = createModelRegistry({ modelsDir: MODELS_DIR });
    session = await createModelSession((await reg.resolve('nsfwjs-mobilenet-v2')).path, {
      executionProvider: 'cpu',
      intraOpThreads: 1,
    });
  });
  afterAll(async () => session?.close());

  it('scores neutral portrait photos Neutral, probabilities summing to 1', async () => {
    const c = createNsfwClassifier(session);
    const files = [
      'faces/train/obama/obama.jpg',
      'faces/train/biden/biden.jpg',
      'faces/test/kit_with_rose.jpg',
    ];
    for (const f of files) {
      const img = loadImage(path.join(MEDIA_DIR, f), 640);
      const s = await c.classify({ ...img, format: 'rgb24' });
      const sum = s.drawing + s.hentai + s.neutral + s.porn + s.sexy;
      expect(sum).toBeCloseTo(1, 3);
      console.log(`nsfwjs ${f}: ${JSON.stringify(s)}`);
      // Neutral ranks first and clearly (MANIFEST.md saw 0.92–0.998 on its neutral photos).
      expect(s.neutral, f).toBeGreaterThan(Math.max(s.drawing, s.hentai, s.porn, s.sexy));
      expect(s.neutral, f).toBeGreaterThan(0.7);
      expect(s.porn + s.hentai, f).toBeLessThan(0.1);
    }
  }, 60_000);

  it('a malformed output is MODEL_BAD_OUTPUT', () => {
    expect(() => decodeNsfwjs({ type: 'float32', data: new Float32Array(4), dims: [1, 4] })).toThrow(
      /5 float32/,
    );
  });
});

describe('NudeNet decoder on a fixture graph ([1, 4+18, 2100])', () => {
  const N = 2100;
  let dir: string;
  let session: ModelSession;
  const out = new Float32Array(22 * N);
  beforeAll(async () => {
    // Anchor 7: a box centred (160, 100) 40×60, FACE_FEMALE 0.9. Anchor 8: the same box shifted
    // 4 px, 0.6 (suppressed by NMS). Anchor 100: BELLY_EXPOSED 0.5 at (100, 200) 20×20. Others 0.1.
    out.fill(0.1, 4 * N);
    const put = (i: number, box: number[], cls: number, score: number): void => {
      box.forEach((v, k) => (out[k * N + i] = v));
      out[(4 + cls) * N + i] = score;
    };
    put(7, [160, 100, 40, 60], 1, 0.9);
    put(8, [164, 100, 40, 60], 1, 0.6);
    put(100, [100, 200, 20, 20], 13, 0.5);
    dir = await mkdtemp(path.join(os.tmpdir(), 'aima-gate-nudenet-'));
    // Unsqueeze (opset 13) takes its axes as an input.
    const withAxes = encodeOnnxModel({
      inputs: [{ name: 'images', dims: [1, 3, 320, 320] }],
      outputs: [{ name: 'output0', dims: [1, 22, N] }],
      initializers: [
        { name: 'zero', dims: [1, 1, 1], data: Float32Array.from([0]) },
        { name: 'k', dims: [1, 22, N], data: out },
        { name: 'axes', dims: [2], data: BigInt64Array.from([1n, 2n]) },
      ],
      nodes: [
        { op: 'ReduceMean', inputs: ['images'], outputs: ['m'], attrs: { axes: [1, 2, 3], keepdims: 0 } },
        { op: 'Unsqueeze', inputs: ['m', 'axes'], outputs: ['m3'] },
        { op: 'Mul', inputs: ['m3', 'zero'], outputs: ['z'] },
        { op: 'Add', inputs: ['z', 'k'], outputs: ['output0'] },
      ],
    });
    await writeFile(path.join(dir, '320n.onnx'), withAxes);
    session = await createModelSession(path.join(dir, '320n.onnx'), {
      executionProvider: 'cpu',
      intraOpThreads: 1,
    });
  });
  afterAll(async () => {
    await session?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('letterboxes a wide frame into the centre, runs, decodes, suppresses and maps boxes back', async () => {
    // A 640×320 frame: scale 0.5, 320×160 placed at padTop 80.
    const img = {
      width: 640,
      height: 320,
      format: 'rgb24' as const,
      data: new Uint8Array(640 * 320 * 3).fill(128),
    };
    const lb = nudenetLetterbox(img.width, img.height);
    expect(lb).toEqual({ size: 320, scale: 0.5, padLeft: 0, padTop: 80 });
    const t = nudenetTensor(img, lb);
    expect(t[0]).toBe(0); // padding row is black
    expect(t[80 * 320]).toBeCloseTo(128 / 255, 5);
    const r = await session.run({ images: { type: 'float32', data: t, dims: [1, 3, 320, 320] } });
    const dets = decodeNudenet(r.outputs['output0'], lb);
    expect(dets).toHaveLength(2);
    expect(dets[0]!.label).toBe('FACE_FEMALE');
    expect(dets[0]!.score).toBeCloseTo(0.9, 5);
    // (160-20-0)/0.5 = 280, (100-30-80)/0.5 = -20, width 80, height 120.
    expect(dets[0]!.box.map((v) => Math.round(v))).toEqual([280, -20, 360, 100]);
    expect(dets[1]!.label).toBe(NUDENET_CLASSES[13]);
  });

  it('a wrong layout is MODEL_BAD_OUTPUT', () => {
    expect(() =>
      decodeNudenet(
        { type: 'float32', data: new Float32Array(10), dims: [1, 10, 1] },
        nudenetLetterbox(1, 1),
      ),
    ).toThrow(/expected \[1, 22, N\]/);
  });
});
