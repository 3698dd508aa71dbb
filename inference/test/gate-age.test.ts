// The age side of the minor-protection gate: pure verdict logic, the resize grids, the decoders
// (SSR-Net real; genderage on a fixture graph), and the real SSR-Net on the adult faces of
// shared/media/faces through the real YuNet detector.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_AGE_MARGIN,
  adultThreshold,
  ageInterval,
  ageable,
  createAgeModel,
  createFaceAnalyzer,
  createModelRegistry,
  createModelSession,
  decodeGenderage,
  decodeSsrnet,
  faceVerdict,
  frameVerdict,
  regionToTensor,
  type FaceAnalyzer,
  type ModelSession,
} from '@aima/inference';
import { encodeOnnxModel } from './helpers-onnx.ts';
import { MEDIA_DIR, MODELS_DIR } from './helpers.ts';
import { loadImage } from './faces-fixtures.ts';

describe('age verdicts (pure)', () => {
  it('adult only at or over 18 + margin; null, NaN and infinities are unknown', () => {
    expect(adultThreshold(7)).toBe(25);
    expect(faceVerdict(25, 7)).toBe('adult');
    expect(faceVerdict(24.99, 7)).toBe('minor');
    expect(faceVerdict(12, 0)).toBe('minor');
    expect(faceVerdict(18, 0)).toBe('adult');
    for (const bad of [null, Number.NaN, Infinity, -Infinity]) expect(faceVerdict(bad, 7)).toBe('unknown');
  });

  it('a frame is minor if any face is, else unknown if any face is not adult, else clear', () => {
    const a = { age: 40, verdict: 'adult' as const };
    const m = { age: 12, verdict: 'minor' as const };
    const u = { age: null, verdict: 'unknown' as const };
    expect(frameVerdict(1, 10, [], 25)).toEqual({
      seq: 1,
      ts: 10,
      faces: 0,
      minAge: null,
      verdict: 'clear',
      threshold: 25,
    });
    expect(frameVerdict(2, 10, [a, a], 25).verdict).toBe('clear');
    expect(frameVerdict(3, 10, [a, u], 25).verdict).toBe('unknown');
    const mixed = frameVerdict(4, 10, [a, u, m], 25);
    expect(mixed.verdict).toBe('minor');
    expect(mixed.minAge).toBe(12);
  });

  it('faces under 24 px are not aged; SSR-Net interval is [age-2, age+3] clamped', () => {
    expect(ageable([0, 0, 23, 100])).toBe(false);
    expect(ageable([10, 10, 34, 34])).toBe(true);
    expect(ageable([0, 0, Number.NaN, 40])).toBe(false);
    expect(ageInterval(40)).toEqual({ low: 38, high: 43 });
    expect(ageInterval(1)).toEqual({ low: 0, high: 4 });
    expect(ageInterval(99)).toEqual({ low: 97, high: 100 });
  });
});

describe('resize grids', () => {
  // A 2×1 image: left pixel 0, right 100 (all channels).
  const img = {
    width: 2,
    height: 1,
    format: 'rgb24' as const,
    data: Uint8Array.from([0, 0, 0, 100, 100, 100]),
  };
  const layout = (grid: 'half-pixel' | 'align-corners') => ({
    width: 4, height: 1, order: 'RGB' as const, layout: 'NHWC' as const, scale: 1,
    mean: [0, 0, 0] as const, std: [1, 1, 1] as const, grid,
  }); // prettier-ignore
  const row = (grid: 'half-pixel' | 'align-corners'): number[] => {
    const out = new Float32Array(12);
    regionToTensor(img, { x: 0, y: 0, w: 2, h: 1 }, layout(grid), out);
    return [0, 1, 2, 3].map((i) => Math.round(out[i * 3]! * 100) / 100);
  };
  it('half-pixel matches OpenCV INTER_LINEAR (0, 25, 75, 100)', () =>
    expect(row('half-pixel')).toEqual([0, 25, 75, 100]));
  it('align-corners matches TF.js alignCorners (0, 33.33, 66.67, 100)', () =>
    expect(row('align-corners')).toEqual([0, 33.33, 66.67, 100]));
  it('BGR frames feed an RGB tensor swapped, NCHW planes in order', () => {
    const px = { width: 1, height: 1, format: 'bgr24' as const, data: Uint8Array.from([10, 20, 30]) };
    const out = new Float32Array(3);
    regionToTensor(
      px,
      { x: 0, y: 0, w: 1, h: 1 },
      { ...layout('half-pixel'), width: 1, layout: 'NCHW' },
      out,
    );
    expect(Array.from(out)).toEqual([30, 20, 10]);
  });
});

describe('age decoders', () => {
  it('ssrnet: one finite float; anything else is MODEL_BAD_OUTPUT', () => {
    expect(decodeSsrnet({ type: 'float32', data: Float32Array.from([36.7]), dims: [1] }).age).toBeCloseTo(
      36.7,
      5,
    );
    expect(() => decodeSsrnet({ type: 'float32', data: new Float32Array(2), dims: [2] })).toThrow(
      /expected 1/,
    );
    expect(() =>
      decodeSsrnet({ type: 'float32', data: Float32Array.from([Number.NaN]), dims: [1] }),
    ).toThrow();
  });

  describe('genderage on a fixture graph (96×96 input, [1,3] output)', () => {
    let dir: string;
    let session: ModelSession;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'aima-gate-genderage-'));
      // out = ReduceMean(data) * 0 + [0.2, 1.5, 0.12]: male logit higher, age 12.
      const model = encodeOnnxModel({
        inputs: [{ name: 'data', dims: [1, 3, 96, 96] }],
        outputs: [{ name: 'fc1', dims: [1, 3] }],
        initializers: [
          { name: 'zero', dims: [1, 1], data: Float32Array.from([0]) },
          { name: 'k', dims: [1, 3], data: Float32Array.from([0.2, 1.5, 0.12]) },
        ],
        nodes: [
          { op: 'ReduceMean', inputs: ['data'], outputs: ['m'], attrs: { axes: [2, 3], keepdims: 0 } },
          { op: 'ReduceMean', inputs: ['m'], outputs: ['m1'], attrs: { axes: [1], keepdims: 1 } },
          { op: 'Mul', inputs: ['m1', 'zero'], outputs: ['z'] },
          { op: 'Add', inputs: ['z', 'k'], outputs: ['fc1'] },
        ],
      });
      await writeFile(path.join(dir, 'genderage.onnx'), model);
      session = await createModelSession(path.join(dir, 'genderage.onnx'), {
        executionProvider: 'cpu',
        intraOpThreads: 1,
      });
    });
    afterAll(async () => {
      await session?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('decodes age/100 and the gender logits through the estimator', async () => {
      const m = createAgeModel(session, 'genderage');
      const frame = {
        width: 200,
        height: 200,
        sourceWidth: 400,
        sourceHeight: 400,
        format: 'rgb24' as const,
        data: new Uint8Array(200 * 200 * 3).fill(90),
      };
      const e = await m.estimate(frame, [100, 100, 200, 220]);
      expect(e!.age).toBeCloseTo(12, 4);
      expect(e!.male).toBeCloseTo(1 / (1 + Math.exp(0.2 - 1.5)), 5);
      expect(faceVerdict(e!.age, DEFAULT_AGE_MARGIN)).toBe('minor');
    });
    it('a wrong-shaped output is MODEL_BAD_OUTPUT', () => {
      expect(() => decodeGenderage({ type: 'float32', data: new Float32Array(2), dims: [1, 2] })).toThrow(
        /expected 3/,
      );
    });
  });
});

/** Every image under shared/media/faces (all adults). */
async function faceImages(): Promise<string[]> {
  const root = path.join(MEDIA_DIR, 'faces');
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (/\.(jpe?g|png)$/i.test(e.name)) out.push(p);
    }
  };
  await walk(root);
  return out.sort();
}

describe('the real SSR-Net on the adult faces of shared/media/faces', () => {
  let faces: FaceAnalyzer;
  let session: ModelSession;
  beforeAll(async () => {
    const reg = createModelRegistry({ modelsDir: MODELS_DIR });
    faces = await createFaceAnalyzer({
      detectModel: await reg.resolve('yunet-2026may'),
      embedModel: await reg.resolve('mobilefacenet'),
      executionProvider: 'cpu',
    });
    session = await createModelSession((await reg.resolve('ssrnet')).path, {
      executionProvider: 'cpu',
      intraOpThreads: 1,
    });
  });
  afterAll(async () => {
    await faces?.close();
    await session?.close();
  });

  it(`ages every well-detected face at or over 18 + ${DEFAULT_AGE_MARGIN} (the default margin)`, async () => {
    const model = createAgeModel(session, 'ssrnet');
    const ages: Array<{ file: string; age: number; side: number; frontal: boolean }> = [];
    for (const file of await faceImages()) {
      const img = loadImage(file, 1280);
      const frame = {
        ...img,
        format: 'rgb24' as const,
        sourceWidth: img.sourceWidth ?? img.width,
        sourceHeight: img.sourceHeight ?? img.height,
      };
      const found = (await faces.analyze([img])).faces[0]!;
      for (const f of found) {
        if (!ageable(f.box)) continue;
        const e = await model.estimate(frame, f.box);
        ages.push({
          file: path.relative(MEDIA_DIR, file),
          age: e!.age,
          side: Math.round(Math.min(f.box[2] - f.box[0], f.box[3] - f.box[1])),
          frontal: f.quality.good,
        });
      }
    }
    // The measurement the default margin rests on (see verdict.ts).
    console.log(
      `SSR-Net ages on shared/media/faces (${ages.length} faces):\n` +
        ages
          .map((a) => `  ${a.file} side=${a.side}px frontal=${a.frontal} age=${a.age.toFixed(1)}`)
          .join('\n'),
    );
    expect(ages.length).toBeGreaterThanOrEqual(15);
    for (const a of ages) expect(Number.isFinite(a.age)).toBe(true);
    const threshold = adultThreshold(DEFAULT_AGE_MARGIN);
    // Every frontal face (the face stage's quality check: not a profile, not blurred) must pass;
    // profiles and low-score faces get what the weak model says (a profile scored 11.8: that frame
    // would stop NSFW analysis, which is the fail-closed side).
    const frontal = ages.filter((x) => x.frontal);
    expect(frontal.length).toBeGreaterThanOrEqual(18);
    for (const a of frontal) expect(a.age, a.file).toBeGreaterThanOrEqual(threshold);
  }, 120_000);
});
