import { describe, expect, it } from 'vitest';
import {
  ALIGNED_SIZE,
  ARCFACE_TEMPLATE_112,
  BUILTIN_MODELS,
  alignFace,
  applySimilarity,
  assessQuality,
  cropToTensor,
  decodeScrfd,
  decodeYunet,
  landmarkPose,
  cropSharpness,
  nmsFaces,
  similarityTransform,
  type FaceCandidate,
  type TensorData,
} from '@aima/inference';

const f32 = (n: number, dims: number[]): TensorData => ({ type: 'float32', data: new Float32Array(n), dims });

/** A similarity with scale s, rotation th (radians) and translation (tx, ty). */
const sim = (
  s: number,
  th: number,
  tx: number,
  ty: number,
): [number, number, number, number, number, number] => [
  s * Math.cos(th),
  -s * Math.sin(th),
  tx,
  s * Math.sin(th),
  s * Math.cos(th),
  ty,
];

describe('5-point similarity transform (Umeyama)', () => {
  it('recovers a known similarity exactly from 5 exact correspondences', () => {
    const m = sim(2.7, 0.35, 120.5, -33.25);
    const dst = applySimilarity(m, ARCFACE_TEMPLATE_112);
    const got = similarityTransform(ARCFACE_TEMPLATE_112, dst);
    got.forEach((v, i) => expect(v).toBeCloseTo(m[i]!, 4));
    // and the inverse direction: image landmarks back onto the template
    const back = applySimilarity(similarityTransform(dst, ARCFACE_TEMPLATE_112), dst);
    back.forEach((v, i) => expect(v).toBeCloseTo(ARCFACE_TEMPLATE_112[i]!, 3));
  });

  it('is the least-squares fit under noise (never a reflection)', () => {
    const m = sim(0.8, -1.2, 10, 20);
    const dst = applySimilarity(m, ARCFACE_TEMPLATE_112);
    const noisy = dst.map((v, i) => v + (i % 3 === 0 ? 0.4 : -0.3));
    const got = similarityTransform(ARCFACE_TEMPLATE_112, noisy);
    expect(Math.hypot(got[0], got[3])).toBeCloseTo(0.8, 1);
    expect(Math.atan2(got[3], got[0])).toBeCloseTo(-1.2, 1);
    // proper rotation: [a -b; b a]
    expect(got[4]).toBeCloseTo(got[0], 10);
    expect(got[1]).toBeCloseTo(-got[3], 10);
  });

  it('warps the face so its landmarks land on the ArcFace template', () => {
    // An image whose red channel is x/4 and green y/4 (bilinear sampling of a linear ramp is exact).
    const W = 1000;
    const H = 1000;
    const data = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        data[(y * W + x) * 3] = x >> 2;
        data[(y * W + x) * 3 + 1] = y >> 2;
        data[(y * W + x) * 3 + 2] = 77;
      }
    // A face rotated by 20°, 3× the template size, somewhere in the image.
    const toImage = sim(3, (20 * Math.PI) / 180, 400, 300);
    const landmarks = applySimilarity(toImage, ARCFACE_TEMPLATE_112);
    const crop = alignFace({ width: W, height: H, data }, landmarks);
    expect(crop.length).toBe(ALIGNED_SIZE * ALIGNED_SIZE * 3);
    for (let j = 0; j < 5; j++) {
      const u = Math.round(ARCFACE_TEMPLATE_112[2 * j]!);
      const v = Math.round(ARCFACE_TEMPLATE_112[2 * j + 1]!);
      const [x, y] = applySimilarity(toImage, [u, v]);
      const o = (v * ALIGNED_SIZE + u) * 3;
      expect(Math.abs(crop[o]! - x! / 4)).toBeLessThanOrEqual(1.5);
      expect(Math.abs(crop[o + 1]! - y! / 4)).toBeLessThanOrEqual(1.5);
      expect(crop[o + 2]).toBe(77);
    }
    // BGR input gives the same RGB crop
    const bgr = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i += 3) {
      bgr[i] = data[i + 2]!;
      bgr[i + 1] = data[i + 1]!;
      bgr[i + 2] = data[i]!;
    }
    expect(alignFace({ width: W, height: H, data: bgr, bgr: true }, landmarks)).toEqual(crop);
  });

  it('fills the part of the crop outside the image with black', () => {
    const data = new Uint8Array(100 * 100 * 3).fill(200);
    // A face at the top-left corner, half outside.
    const lm = applySimilarity(sim(1, 0, -56, -56), ARCFACE_TEMPLATE_112);
    const crop = alignFace({ width: 100, height: 100, data }, lm);
    expect(crop[0]).toBe(0);
    const o = (100 * ALIGNED_SIZE + 100) * 3;
    expect(crop[o]).toBe(200);
  });

  it('normalises a crop into the embedder tensor in its colour order', () => {
    const crop = new Uint8Array(ALIGNED_SIZE * ALIGNED_SIZE * 3);
    crop[0] = 255; // R of pixel 0
    crop[2] = 0; // B of pixel 0
    const spec = BUILTIN_MODELS.find((m) => m.id === 'mobilefacenet')!.input!;
    const out = new Float32Array(2 * 3 * ALIGNED_SIZE * ALIGNED_SIZE);
    cropToTensor(crop, spec, out, 3 * ALIGNED_SIZE * ALIGNED_SIZE);
    const base = 3 * ALIGNED_SIZE * ALIGNED_SIZE;
    expect(out[base]).toBeCloseTo(1); // (255 - 127.5) / 127.5, channel R first
    expect(out[base + 2 * ALIGNED_SIZE * ALIGNED_SIZE]).toBeCloseTo(-1);
    expect(out[0]).toBe(0); // the first image of the batch untouched
    cropToTensor(crop, { ...spec, colorOrder: 'BGR' }, out);
    expect(out[0]).toBeCloseTo(-1); // B first
  });
});

describe('face quality', () => {
  it('Laplacian variance: 0 on a flat crop, high on fine texture', () => {
    const flat = new Uint8Array(ALIGNED_SIZE * ALIGNED_SIZE * 3).fill(128);
    expect(cropSharpness(flat)).toBe(0);
    const checker = new Uint8Array(flat.length);
    for (let i = 0; i < ALIGNED_SIZE * ALIGNED_SIZE; i++) {
      const v = ((i % ALIGNED_SIZE) + Math.floor(i / ALIGNED_SIZE)) % 2 ? 255 : 0;
      checker.fill(v, i * 3, i * 3 + 3);
    }
    expect(cropSharpness(checker)).toBeGreaterThan(1e5);
  });

  it('pose: the template is frontal; a nose towards one eye is a turned head, whatever the roll', () => {
    const t = landmarkPose(ARCFACE_TEMPLATE_112);
    expect(Math.abs(t.yaw)).toBeLessThan(0.02);
    expect(Math.abs(t.pitch)).toBeLessThan(0.02);
    const turned = [...ARCFACE_TEMPLATE_112];
    turned[4] = 66; // nose towards the image-right eye
    const right = landmarkPose(turned).yaw;
    expect(right).toBeGreaterThan(0.4);
    // the same face rolled by 50° keeps its yaw
    const rolled = applySimilarity(sim(1.5, (50 * Math.PI) / 180, 30, 40), turned);
    expect(landmarkPose(rolled).yaw).toBeCloseTo(right, 5);
    turned[4] = 46;
    expect(landmarkPose(turned).yaw).toBeLessThan(-0.4);
  });

  it('flags the first failed check and ranks by the product of its factors', () => {
    const crop = new Uint8Array(ALIGNED_SIZE * ALIGNED_SIZE * 3);
    for (let i = 0; i < crop.length; i++) crop[i] = (i * 37) % 251; // textured
    const base = { score: 0.95, sizePx: 120, landmarks: ARCFACE_TEMPLATE_112, crop };
    const good = assessQuality(base);
    expect(good).toMatchObject({ good: true, reason: '' });
    expect(good.score).toBeGreaterThan(0.5);
    expect(assessQuality({ ...base, score: 0.5 }).reason).toBe('low-score');
    expect(assessQuality({ ...base, sizePx: 20 }).reason).toBe('small');
    expect(assessQuality({ ...base, crop: new Uint8Array(crop.length) }).reason).toBe('blurry');
    const profile = [...ARCFACE_TEMPLATE_112];
    profile[4] = 72;
    expect(assessQuality({ ...base, landmarks: profile }).reason).toBe('pose');
    expect(assessQuality({ ...base, sizePx: 40 }).score).toBeLessThan(good.score);
    expect(assessQuality({ ...base, sizePx: 20 }, { minSizePx: 10 }).good).toBe(true);
  });
});

describe('face decoders', () => {
  it('YuNet: one hot cell becomes one face with box and landmarks in input pixels', () => {
    const W = 64;
    const H = 32;
    const outputs: Record<string, TensorData> = {};
    for (const s of [8, 16, 32]) {
      const n = (W / s) * (H / s);
      outputs[`cls_${s}`] = f32(n, [1, n, 1]);
      outputs[`obj_${s}`] = f32(n, [1, n, 1]);
      outputs[`bbox_${s}`] = f32(n * 4, [1, n, 4]);
      outputs[`kps_${s}`] = f32(n * 10, [1, n, 10]);
    }
    // stride 16: grid 4×2; cell (gx 3, gy 1) = index 7
    const i = 7;
    (outputs.cls_16!.data as Float32Array)[i] = 0.9;
    (outputs.obj_16!.data as Float32Array)[i] = 1.2; // clamped to 1
    (outputs.bbox_16!.data as Float32Array).set([0.5, 0.25, Math.log(2), Math.log(1)], i * 4);
    (outputs.kps_16!.data as Float32Array).set([0, 0, 1, 0, 0.5, 0.5, 0, 1, 1, 1], i * 10);
    const faces = decodeYunet(outputs, { inputWidth: W, inputHeight: H, scoreThreshold: 0.5 });
    expect(faces).toHaveLength(1);
    const f = faces[0]!;
    expect(f.score).toBeCloseTo(Math.sqrt(0.9), 5);
    // centre ((3 + 0.5)·16, (1 + 0.25)·16) = (56, 20), size 32×16
    [f.x1, f.y1, f.x2, f.y2].forEach((v, k) => expect(v).toBeCloseTo([40, 12, 72, 28][k]!, 4));
    expect([...f.landmarks]).toEqual([48, 16, 64, 16, 56, 24, 48, 32, 64, 32]);
    expect(() =>
      decodeYunet(
        { ...outputs, cls_8: f32(3, [1, 3, 1]) },
        { inputWidth: W, inputHeight: H, scoreThreshold: 0.5 },
      ),
    ).toThrow(expect.objectContaining({ code: 'MODEL_BAD_OUTPUT' }));
  });

  it('SCRFD: anchors two per cell, distances times stride, outputs told apart by shape', () => {
    const W = 64;
    const H = 64;
    const outs: TensorData[] = [];
    for (const width of [10, 4, 1]) {
      for (const s of [32, 8, 16]) {
        const n = (W / s) * (H / s) * 2;
        outs.push(f32(n * width, [n, width]));
      }
    }
    const at = (width: number, s: number): Float32Array =>
      outs.find((t) => t.dims[1] === width && t.dims[0] === (W / s) * (H / s) * 2)!.data as Float32Array;
    // stride 8, grid 8×8, cell (gx 2, gy 5) = 42, second anchor → row 85; centre (16, 40)
    const r = 85;
    at(1, 8)[r] = 0.8;
    at(4, 8).set([1, 2, 3, 4], r * 4);
    at(10, 8).set([-1, -1, 1, -1, 0, 0, -1, 1, 1, 1], r * 10);
    const faces = decodeScrfd(outs, { inputWidth: W, inputHeight: H, scoreThreshold: 0.5 });
    expect(faces).toHaveLength(1);
    const f = faces[0]!;
    expect(f.score).toBeCloseTo(0.8);
    expect([f.x1, f.y1, f.x2, f.y2]).toEqual([8, 24, 40, 72]);
    expect([...f.landmarks]).toEqual([8, 32, 24, 32, 16, 40, 8, 48, 24, 48]);
    expect(() => decodeScrfd(outs.slice(1), { inputWidth: W, inputHeight: H, scoreThreshold: 0.5 })).toThrow(
      expect.objectContaining({ code: 'MODEL_BAD_OUTPUT' }),
    );
  });

  it('NMS keeps the best of overlapping faces and separate faces', () => {
    const c = (x: number, score: number): FaceCandidate => ({
      x1: x,
      y1: 0,
      x2: x + 10,
      y2: 10,
      score,
      landmarks: new Float32Array(10),
    });
    const kept = nmsFaces([c(0, 0.7), c(1, 0.9), c(50, 0.6)], 0.3);
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.6]);
    expect(nmsFaces([c(0, 0.7), c(1, 0.9), c(50, 0.6)], 0.3, 1)).toHaveLength(1);
  });
});
