// Looking for faces around persons: detector windows, the window letterbox (exactly the
// whole-frame input's pixels there), the look planner, and the real models on windows.
import { describe, expect, it } from 'vitest';
import { createFaceAnalyzer, createModelRegistry } from '@aima/inference';
import type { ImageInputSpec } from '../src/models/manifest.ts';
import { letterboxInto } from '../src/detect/letterbox.ts';
import { createLookPlanner } from '../src/faces/looks.ts';
import { faceSearchRegion, letterboxWindowInto, planWindows } from '../src/faces/regions.ts';
import { loadImage, media } from './faces-fixtures.ts';
import { MODELS_DIR } from './helpers.ts';

const spec = (width: number, height: number): ImageInputSpec => ({
  name: 'input',
  width,
  height,
  colorOrder: 'BGR',
  mean: [0, 0, 0],
  std: [1, 1, 1],
  letterbox: { pad: 0, align: 'top-left' },
});

function image(w: number, h: number): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919 + (i >> 5) * 31) & 255;
  return { width: w, height: h, data };
}

describe('planWindows', () => {
  it('snaps regions outwards to the grid and clamps them to the input', () => {
    expect(planWindows([[40, 10, 130, 100]], 640, 384)).toEqual([{ x: 32, y: 0, w: 128, h: 128 }]);
    expect(planWindows([[-50, -50, 20, 20]], 640, 384)).toEqual([{ x: 0, y: 0, w: 64, h: 64 }]);
  });

  it('merges overlapping windows, keeps apart ones apart, drops ones outside', () => {
    const w = planWindows(
      [
        [0, 0, 100, 100],
        [90, 90, 150, 150],
        [400, 0, 500, 100],
        [700, 0, 800, 100],
      ],
      640,
      384,
    );
    expect(w).toEqual([
      { x: 0, y: 0, w: 160, h: 160 },
      { x: 384, y: 0, w: 128, h: 128 },
    ]);
  });

  it('runs the whole input when windows would cover most of it, nothing without regions', () => {
    expect(planWindows([[0, 0, 600, 300]], 640, 384)).toBe('full');
    expect(planWindows([], 640, 384)).toEqual([]);
  });

  it('looks above and around the top of a person box', () => {
    const r = faceSearchRegion([100, 100, 200, 400]);
    expect(r[0]).toBeLessThan(100);
    expect(r[1]).toBeLessThan(100);
    expect(r[2]).toBeGreaterThan(200);
    expect(r[3]).toBeGreaterThan(250); // below the upper half, where linked face centres lie
    expect(r[3]).toBeLessThan(400);
  });
});

describe('letterboxWindowInto', () => {
  for (const [w, h, W, H] of [
    [640, 360, 640, 384], // unscaled (direct copy), padded bottom
    [960, 540, 640, 384], // scaled down (bilinear)
  ] as const) {
    it(`writes the whole-frame input's pixels of the window (${w}×${h} → ${W}×${H})`, () => {
      const img = image(w, h);
      const full = spec(W, H);
      const whole = new Float32Array(3 * W * H);
      letterboxInto(img, full, whole);
      for (const win of [
        { x: 0, y: 0, w: 128, h: 96 },
        { x: 320, y: 256, w: 320, h: 128 }, // reaches into the padding
      ]) {
        const out = new Float32Array(3 * win.w * win.h).fill(NaN);
        letterboxWindowInto(img, full, win, out);
        for (let c = 0; c < 3; c++) {
          for (let y = 0; y < win.h; y++) {
            for (let x = 0; x < win.w; x++) {
              const got = out[c * win.w * win.h + y * win.w + x]!;
              const want = whole[c * W * H + (win.y + y) * W + win.x + x]!;
              if (Math.abs(got - want) > 1e-4) throw new Error(`c${c} (${x},${y}): ${got} ≠ ${want}`);
            }
          }
        }
      }
    });
  }
});

describe('createLookPlanner', () => {
  const person = (trackId: number, x = 0): { trackId: number; box: [number, number, number, number] } => ({
    trackId,
    box: [x, 0, x + 100, 300],
  });

  it('looks at every person until its face is known, then at the known rate', () => {
    const p = createLookPlanner({ knownRate: 4, lag: 1 });
    const looked: number[] = [];
    for (let k = 0; k < 30; k++) {
      const plan = p.plan(k, k * 33, [person(1)]);
      if (plan.looked.has(1)) looked.push(k);
      // The face is known from frame 2's look on.
      p.report(k, new Map([[1, k >= 2 ? 'known' : 'seen']]));
    }
    // Frames 0–2 (frame 2's report is used from frame 3 on), then every 250 ms after frame 2's look.
    expect(looked.slice(0, 3)).toEqual([0, 1, 2]);
    expect(looked.length).toBeGreaterThan(5);
    const gaps = looked.slice(3).map((k, i) => k - looked[2 + i]!);
    expect(gaps.every((g) => g * 33 >= 250 && g * 33 < 300)).toBe(true);
  });

  it('looks again every frame after a miss, and after a cut', () => {
    const p = createLookPlanner({ knownRate: 1, lag: 1 });
    p.plan(0, 0, [person(1)]);
    p.report(0, new Map([[1, 'known']]));
    expect(p.plan(1, 33, [person(1)]).looked.size).toBe(0);
    p.cut(2);
    expect(p.plan(2, 66, [person(1)]).looked.has(1)).toBe(true);
    p.report(2, new Map([[1, 'known']]));
    expect(p.plan(3, 99, [person(1)]).looked.size).toBe(0);
    // A look a second later misses the face: every frame again.
    expect(p.plan(4, 1100, [person(1)]).looked.has(1)).toBe(true);
    p.report(4, new Map([[1, 'missed']]));
    expect(p.plan(5, 1133, [person(1)]).looked.has(1)).toBe(true);
  });

  it('searches a person whose face keeps being missed at the search rate', () => {
    const p = createLookPlanner({ searchRate: 5, missesBeforeSlow: 2, lag: 0 });
    const looked: number[] = [];
    for (let k = 0; k < 20; k++) {
      if (p.plan(k, k * 40, [person(1)]).looked.has(1)) {
        looked.push(k);
        p.report(k, new Map([[1, k < 12 ? 'missed' : 'seen']]));
      }
    }
    // Two misses, then every 200 ms; the face found at frame 16 brings back every frame.
    expect(looked).toEqual([0, 1, 6, 11, 16, 17, 18, 19]);
  });

  it('looks at a found but unknown face every frame, or at seenRate when given', () => {
    for (const [seenRate, want] of [
      [undefined, 10],
      [10, 4],
    ] as const) {
      const p = createLookPlanner({ seenRate, lag: 0 });
      let n = 0;
      for (let k = 0; k < 10; k++) {
        if (p.plan(k, k * 34, [person(1)]).looked.has(1)) {
          n++;
          p.report(k, new Map([[1, 'seen']]));
        }
      }
      expect(n).toBe(want);
    }
  });

  it('always looks at persons not tracked yet, and nowhere without persons', () => {
    const p = createLookPlanner();
    expect(p.plan(0, 0, []).regions).toEqual([]);
    const plan = p.plan(1, 33, [person(0, 50)]);
    expect(plan.regions).toHaveLength(1);
    expect(plan.looked.size).toBe(0);
  });
});

describe('face detection in windows around regions (real YuNet and MobileFaceNet)', () => {
  it(
    'finds the same faces, with the same embeddings, as on the whole image',
    { timeout: 60_000 },
    async () => {
      const reg = createModelRegistry({ modelsDir: MODELS_DIR });
      await using analyzer = await createFaceAnalyzer({
        detectModel: await reg.resolve('yunet-2026may'),
        embedModel: await reg.resolve('mobilefacenet'),
      });
      let compared = 0;
      let windows = 0;
      for (const file of [
        'faces/test/obama_and_biden.jpg',
        'faces/test/kit_with_rose.jpg',
        'faces/extra/two_people.jpg',
      ]) {
        // Decoded smaller than the detector's input is not the point here: frames as the job gets them.
        const img = loadImage(media(file), 960);
        const whole = (await analyzer.analyze([img])).faces[0]!;
        expect(whole.length, file).toBeGreaterThanOrEqual(2);
        // A region of a face's width around each face (less than faceSearchRegion leaves around a
        // head: windows are cut at the input grid, and a face right at a window's edge is found
        // with slightly different landmarks), then none.
        const sw = img.sourceWidth ?? img.width;
        const sh = img.sourceHeight ?? img.height;
        const regions = whole.map((f): [number, number, number, number] => {
          const w = f.box[2] - f.box[0];
          return [f.box[0] - w, f.box[1] - w, f.box[2] + w, f.box[3] + w];
        });
        const r = await analyzer.analyze([{ ...img, regions }]);
        windows += r.timings.detectorRuns;
        const inWindows = r.faces[0]!;
        expect(inWindows.length, file).toBe(whole.length);
        for (const f of whole) {
          const g = inWindows.find(
            (x) => Math.abs(x.box[0] - f.box[0]) < 0.02 * sw && Math.abs(x.box[1] - f.box[1]) < 0.02 * sh,
          );
          expect(g, file).toBeDefined();
          expect(Math.abs(g!.score - f.score), file).toBeLessThan(0.05);
          expect(g!.quality.good, file).toBe(f.quality.good);
          if (f.embedding && g!.embedding) {
            let dot = 0;
            for (let i = 0; i < f.embedding.length; i++) dot += f.embedding[i]! * g!.embedding[i]!;
            expect(dot, file).toBeGreaterThan(0.95);
            compared++;
          }
        }
        const none = await analyzer.analyze([{ ...img, regions: [] }]);
        expect(none.faces[0], file).toEqual([]);
        expect(none.timings.detectorRuns).toBe(0);
      }
      expect(compared).toBeGreaterThanOrEqual(3);
      // Windows, not the whole image again: apart faces get their own.
      expect(windows).toBeGreaterThanOrEqual(4);
    },
  );
});
