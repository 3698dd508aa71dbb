import { describe, expect, it } from 'vitest';
import {
  BUILTIN_MODELS,
  COCO80,
  buildThresholds,
  decodeYolov8,
  decodeYolox,
  letterboxInto,
  letterboxTransform,
  nmsClasswise,
  type Candidate,
  type DecodeParams,
  type ImageInputSpec,
} from '@aima/inference';

const yoloxInput = BUILTIN_MODELS.find((m) => m.id === 'yolox-nano')!.input!;

describe('letterbox', () => {
  it('fits a 480x360 frame into 416x416 top-left, keeping aspect ratio', () => {
    const t = letterboxTransform(480, 360, yoloxInput);
    expect(t.scale).toBeCloseTo(416 / 480, 6);
    expect(t).toMatchObject({ padX: 0, padY: 0 });
  });

  it('centres when asked', () => {
    const spec: ImageInputSpec = { ...yoloxInput, letterbox: { pad: 0, align: 'center' } };
    const t = letterboxTransform(200, 100, spec);
    expect(t.scale).toBeCloseTo(416 / 200, 6);
    expect(t.padX).toBe(0);
    expect(t.padY).toBe(Math.floor((416 - 208) / 2));
  });

  it('writes BGR planes from an RGB image and pads with 114', () => {
    const spec: ImageInputSpec = { ...yoloxInput, width: 4, height: 4 };
    // 4x2 image: every pixel R=10 G=20 B=30
    const img = { width: 4, height: 2, data: new Uint8Array(4 * 2 * 3).map((_, i) => [10, 20, 30][i % 3]!) };
    const out = new Float32Array(3 * 16);
    letterboxInto(img, spec, out);
    // plane 0 is B (model is BGR), rows 0-1 are image, rows 2-3 padding
    expect(out[0]).toBe(30);
    expect(out[16]).toBe(20);
    expect(out[32]).toBe(10);
    expect(out[2 * 4]).toBe(114); // first padded row, channel 0
    expect(out[32 + 15]).toBe(114);
  });

  it('normalises with mean/std in RGB order for RGB models', () => {
    const spec: ImageInputSpec = {
      ...yoloxInput,
      width: 2,
      height: 2,
      colorOrder: 'RGB',
      mean: [127.5, 127.5, 127.5],
      std: [128, 128, 128],
      letterbox: { pad: 0, align: 'top-left' },
    };
    const img = {
      width: 2,
      height: 2,
      data: new Uint8Array([255, 0, 127.5, 255, 0, 0, 255, 0, 0, 255, 0, 0]),
    };
    const out = new Float32Array(12);
    letterboxInto(img, spec, out);
    expect(out[0]).toBeCloseTo((255 - 127.5) / 128, 5);
    expect(out[4]).toBeCloseTo((0 - 127.5) / 128, 5);
  });

  it('resizes bilinearly when the image is larger than the input', () => {
    const spec: ImageInputSpec = { ...yoloxInput, width: 2, height: 2 };
    const img = { width: 4, height: 4, data: new Uint8Array(4 * 4 * 3).fill(200) };
    const out = new Float32Array(12);
    const t = letterboxInto(img, spec, out);
    expect(t.scale).toBe(0.5);
    expect([...out]).toEqual(new Array(12).fill(200));
  });
});

function params(numClasses: number, thr = 0.3, w = 32, h = 32): DecodeParams {
  const thresholds = new Float32Array(numClasses).fill(thr);
  return { inputWidth: w, inputHeight: h, numClasses, thresholds, minThreshold: thr };
}

describe('decodeYolox', () => {
  it('decodes grid offsets, strides and log sizes (MANIFEST formula)', () => {
    // 32x32 input: strides 8,16,32 → 16 + 4 + 1 = 21 rows, 2 classes → 7 values per row
    const p = params(2);
    const data = new Float32Array(21 * 7);
    // row 5 = stride 8, gx=1, gy=1: dx=0.5, dy=0.5, w=h=exp(log 2)*8=16, obj 0.9, cls1 0.8
    data.set([0.5, 0.5, Math.log(2), Math.log(2), 0.9, 0.1, 0.8], 5 * 7);
    // row 20 = stride 32 single cell: below threshold (0.5*0.5)
    data.set([0, 0, 0, 0, 0.5, 0.5, 0.1], 20 * 7);
    const c = decodeYolox(data, [1, 21, 7], p);
    expect(c).toHaveLength(1);
    expect(c[0]!.classId).toBe(1);
    expect(c[0]!.score).toBeCloseTo(0.72, 5);
    // cx = (0.5+1)*8 = 12, w = 16 → x1 = 4, x2 = 20
    expect([c[0]!.x1, c[0]!.y1, c[0]!.x2, c[0]!.y2].map((v) => Math.round(v * 1000) / 1000)).toEqual([
      4, 4, 20, 20,
    ]);
  });

  it('applies per-class thresholds', () => {
    const p = params(2);
    p.thresholds[1] = 0.9;
    const data = new Float32Array(21 * 7);
    data.set([0, 0, 0, 0, 0.9, 0.1, 0.8], 0);
    expect(decodeYolox(data, [1, 21, 7], { ...p, minThreshold: 0.3 })).toHaveLength(0);
  });

  it('rejects an output that does not match the model', () => {
    expect(() => decodeYolox(new Float32Array(10), [1, 2, 5], params(80))).toThrow(
      /MODEL_BAD_OUTPUT|per row/,
    );
  });
});

describe('decodeYolov8', () => {
  it('reads channels-first [1, 4+C, N] and anchors-first [1, N, 4+C] alike', () => {
    const p = params(3);
    // two anchors, 3 classes; anchor 1 = class 2 at 0.9 with box cx=10 cy=12 w=4 h=6
    const anchors = [
      [0, 0, 1, 1, 0.1, 0.1, 0.1],
      [10, 12, 4, 6, 0.05, 0.2, 0.9],
    ];
    const chFirst = new Float32Array(7 * 2);
    anchors.forEach((a, i) => a.forEach((v, c) => (chFirst[c * 2 + i] = v)));
    const anFirst = new Float32Array(anchors.flat());
    for (const [data, dims] of [
      [chFirst, [1, 7, 2]],
      [anFirst, [1, 2, 7]],
    ] as const) {
      const c = decodeYolov8(data, dims, p);
      expect(c).toHaveLength(1);
      expect(c[0]).toMatchObject({ classId: 2, x1: 8, y1: 9, x2: 12, y2: 15 });
      expect(c[0]!.score).toBeCloseTo(0.9, 5);
    }
  });
});

describe('nmsClasswise', () => {
  const box = (x1: number, score: number, classId = 0): Candidate => ({
    x1,
    y1: 0,
    x2: x1 + 10,
    y2: 10,
    score,
    classId,
  });

  it('suppresses overlapping boxes of the same class only', () => {
    const kept = nmsClasswise([box(0, 0.5), box(1, 0.9), box(1, 0.8, 1), box(50, 0.4)], 0.45, 100);
    expect(kept.map((k) => [k.x1, k.classId])).toEqual([
      [1, 0],
      [1, 1],
      [50, 0],
    ]);
  });

  it('keeps boxes overlapping below the IoU threshold and caps the count', () => {
    expect(nmsClasswise([box(0, 0.9), box(7, 0.8)], 0.45, 100)).toHaveLength(2); // IoU = 3/17
    expect(nmsClasswise([box(0, 0.9), box(20, 0.8), box(40, 0.7)], 0.45, 2)).toHaveLength(2);
  });
});

describe('buildThresholds', () => {
  it('defaults, overrides and filters by label', () => {
    const t = buildThresholds(COCO80, {
      scoreThreshold: 0.3,
      classThresholds: { car: 0.6 },
      classes: ['person', 'car'],
    });
    expect(t[0]).toBeCloseTo(0.3);
    expect(t[2]).toBeCloseTo(0.6);
    expect(t[16]).toBe(Infinity); // dog is filtered out
  });

  it('rejects unknown class names with a stable code', () => {
    expect(() => buildThresholds(COCO80, { scoreThreshold: 0.3, classes: ['persn'] })).toThrow(
      expect.objectContaining({ code: 'INFER_UNKNOWN_CLASS' }),
    );
  });
});
