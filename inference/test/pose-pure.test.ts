// Pose: decoders (MoveNet, YOLOv8-pose, RTMPose SimCC) on outputs with known answers, also
// through real ORT sessions of fixture graphs; smoothing and per-track features on synthetic
// keypoint sequences whose answers follow from their construction.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aspectCrop,
  createFeatureWindows,
  createKeypointSmoother,
  createModelSession,
  createPoseEstimator,
  cropRgbInto,
  decodeMovenet,
  decodeSimcc,
  decodeYoloPose,
  KEYPOINT_NAMES,
  matchByIou,
  poseFlags,
  MIN_FLAG_BOX_HEIGHT,
  selectPersons,
  squareCrop,
  type PoseRow,
} from '@aima/inference';
import { writeConstantModel, yoloPoseOutput, type ConstantOutput } from './pose-fixtures.ts';

type Name = (typeof KEYPOINT_NAMES)[number];
type Box = readonly [number, number, number, number];

/** 17 × [x, y, score]: the named points at `score`, the rest at score 0. */
function pose(points: Partial<Record<Name, readonly [number, number]>>, score = 0.9): number[] {
  return KEYPOINT_NAMES.flatMap((n) => {
    const p = points[n];
    return p ? [p[0], p[1], score] : [0, 0, 0];
  });
}

// A person facing the camera in a 100×300 box (the subject's left is image right).
const BOX: Box = [100, 100, 200, 400];
const HEAD = { nose: [150, 120], left_eye: [155, 115], right_eye: [145, 115] } as const;
const TORSO = {
  left_shoulder: [170, 160],
  right_shoulder: [130, 160],
  left_hip: [165, 250],
  right_hip: [135, 250],
} as const;
const ARMS_DOWN = {
  left_elbow: [178, 210],
  right_elbow: [122, 210],
  left_wrist: [180, 255],
  right_wrist: [120, 255],
} as const;
const LEGS_STANDING = {
  left_knee: [165, 320],
  right_knee: [135, 320],
  left_ankle: [165, 390],
  right_ankle: [135, 390],
} as const;
const STANDING = pose({ ...HEAD, ...TORSO, ...ARMS_DOWN, ...LEGS_STANDING });
const shift = (kp: readonly number[], dx: number): number[] => kp.map((v, i) => (i % 3 === 0 ? v + dx : v));

describe('pose decoders', () => {
  it('squareCrop pads the longer side and stays centred; aspectCrop fits 192:256', () => {
    expect(squareCrop(BOX, 0.15)).toEqual({ x: -45, y: 55, w: 390, h: 390 });
    const a = aspectCrop([0, 0, 100, 100], 192, 256);
    expect(a.w / a.h).toBeCloseTo(0.75, 6);
    expect(a.h).toBeCloseTo(125 / 0.75, 6); // width 125 (×1.25) was the binding side
    expect(a.x + a.w / 2).toBeCloseTo(50, 6);
  });

  it('crops: exact pixels at 1:1, black outside the frame, BGR swapped, source pixels on a smaller frame', () => {
    // An 8×6 frame whose pixel (x, y) is (10x, 10y, 7).
    const W = 8;
    const H = 6;
    const data = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.set([10 * x, 10 * y, 7], (y * W + x) * 3);
    const frame = { width: W, height: H, format: 'rgb24' as const, data, sourceWidth: W, sourceHeight: H };
    const out = new Uint8Array(4 * 4 * 3);
    cropRgbInto(frame, { x: 2, y: 1, w: 4, h: 4 }, 4, 4, out);
    expect([...out.subarray(0, 3)]).toEqual([20, 10, 7]);
    expect([...out.subarray((3 * 4 + 3) * 3, (3 * 4 + 3) * 3 + 3)]).toEqual([50, 40, 7]);
    // Half outside on the left and top: those pixels are black.
    cropRgbInto(frame, { x: -2, y: -2, w: 4, h: 4 }, 4, 4, out);
    expect([...out.subarray(0, 3)]).toEqual([0, 0, 0]);
    expect([...out.subarray((2 * 4 + 2) * 3, (2 * 4 + 2) * 3 + 3)]).toEqual([0, 0, 7]);
    cropRgbInto({ ...frame, format: 'bgr24' }, { x: 2, y: 1, w: 4, h: 4 }, 4, 4, out);
    expect([...out.subarray(0, 3)]).toEqual([7, 10, 20]);
    // The same frame standing for a 16×12 source: source rect (4, 2, 8, 8) is frame rect (2, 1, 4, 4).
    cropRgbInto({ ...frame, sourceWidth: 16, sourceHeight: 12 }, { x: 4, y: 2, w: 8, h: 8 }, 4, 4, out);
    expect([...out.subarray(0, 3)]).toEqual([20, 10, 7]);
  });

  it('MoveNet: [y, x, score] in the crop → source pixels, scores clamped', () => {
    const out = new Float32Array(51);
    out.set([0.5, 0.25, 0.9], 0); // nose
    out.set([0.1, 0.8, 1.02], 9 * 3); // left wrist
    const kp = decodeMovenet(out, { x: 10, y: 20, w: 100, h: 200 });
    expect(kp.slice(0, 3)).toEqual([35, 120, expect.closeTo(0.9, 5)]);
    expect(kp.slice(27, 30)).toEqual([expect.closeTo(90, 4), expect.closeTo(40, 4), 1]);
  });

  it('YOLOv8-pose: letterbox undone, low scores dropped, overlaps suppressed ([1,56,N] and [1,N,56])', () => {
    const N = 3;
    const rows = [
      // cx, cy, w, h, score, nose (x, y, v)
      [100, 120, 40, 80, 0.9, 100, 90, 0.8],
      [102, 121, 40, 80, 0.7, 0, 0, 0.5], // overlaps the first: suppressed
      [300, 120, 40, 80, 0.1, 0, 0, 0.5], // under the threshold
    ];
    const chw = new Float32Array(56 * N);
    const hwc = new Float32Array(56 * N);
    rows.forEach((r, i) => r.forEach((v, c) => ((chw[c * N + i] = v), (hwc[i * 56 + c] = v))));
    const t = { scale: 0.5, padX: 0, padY: 80, toSourceX: 2, toSourceY: 2 };
    for (const [data, dims] of [
      [chw, [1, 56, N]],
      [hwc, [1, N, 56]],
    ] as const) {
      const got = decodeYoloPose(data, dims, t);
      expect(got).toHaveLength(1);
      // x: (80 / 0.5) · 2 = 320; y: ((80 − 80) / 0.5) · 2 = 0.
      expect(got[0]!.box).toEqual([320, 0, 480, 320]);
      expect(got[0]!.score).toBeCloseTo(0.9, 5);
      expect(got[0]!.keypoints.slice(0, 3)).toEqual([400, 40, expect.closeTo(0.8, 5)]);
    }
  });

  it('RTMPose SimCC: argmax / split ratio through the crop; score = the smaller maximum', () => {
    const sx = new Float32Array(17 * 384);
    const sy = new Float32Array(17 * 512);
    for (let k = 0; k < 17; k++) {
      sx[k * 384 + 96 + k] = 0.8; // x = (96 + k) / 2 input px
      sy[k * 512 + 256] = 0.6; // y = 128 input px
    }
    const crop = { x: 50, y: 100, w: 192 * 2, h: 256 * 2 };
    const kp = decodeSimcc(sx, [1, 17, 384], sy, [1, 17, 512], crop);
    for (let k = 0; k < 17; k++) {
      expect(kp[k * 3]).toBeCloseTo(50 + ((96 + k) / 2) * 2, 5);
      expect(kp[k * 3 + 1]).toBeCloseTo(100 + 128 * 2, 5);
      expect(kp[k * 3 + 2]).toBeCloseTo(0.6, 5);
    }
  });

  it('people: tracked persons only, biggest first, capped; IoU matching is one-to-one', () => {
    const dets = [
      { label: 'person', box: [0, 0, 10, 10] as Box, trackId: 1 },
      { label: 'person', box: [0, 0, 50, 50] as Box, trackId: 2 },
      { label: 'person', box: [0, 0, 90, 90] as Box, trackId: 0 }, // not yet tracked
      { label: 'car', box: [0, 0, 99, 99] as Box, trackId: 3 },
      { label: 'person', box: [0, 0, 30, 30] as Box, trackId: 4 },
    ];
    expect(selectPersons(dets, 2).map((p) => p.trackId)).toEqual([2, 4]);
    const tracks: Box[] = [
      [0, 0, 10, 10],
      [100, 0, 110, 10],
    ];
    expect(
      matchByIou(
        [
          [101, 0, 111, 10],
          [0, 0, 10, 10],
          [50, 50, 60, 60],
        ],
        tracks,
      ),
    ).toEqual([1, 0, -1]);
  });
});

describe('pose models through real ORT sessions (fixture graphs with known outputs)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aima-pose-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const constantModel = (input: readonly number[], outs: readonly ConstantOutput[]): Promise<string> =>
    writeConstantModel(path.join(dir, `fixture-${outs.map((o) => o.name).join('-')}.onnx`), input, outs);

  it('YOLOv8-pose on a whole frame: boxes and keypoints in source pixels, matched to tracks', async () => {
    // Input 64×64; a 128×96 frame of a 256×192 source: scale 0.5, centred, padY 8.
    const out = yoloPoseOutput([
      [32, 32, 20, 40, 0.95, ...Array.from({ length: 17 }, (_, k) => [20 + k, 16, 0.9]).flat()],
      [8, 40, 8, 8, 0.9],
    ]);
    const file = await constantModel([1, 3, 64, 64], [out]);
    await using session = await createModelSession(file, { executionProvider: 'cpu', intraOpThreads: 1 });
    const est = createPoseEstimator(session, { decoder: 'yolov8-pose' });
    const frame = {
      width: 128,
      height: 96,
      format: 'rgb24' as const,
      data: new Uint8Array(128 * 96 * 3).fill(90),
      sourceWidth: 256,
      sourceHeight: 192,
    };
    // Person 0 of the model: centre (32, 32) → frame (64, 48) → source (128, 96), 80×160.
    const got = await est.estimate(frame, [{ trackId: 7, box: [88, 16, 168, 176] }]);
    expect(got).toHaveLength(2);
    expect(got[0]!.trackId).toBe(7);
    expect(got[0]!.box).toEqual([88, 16, 168, 176]); // the track's own box
    expect(got[0]!.keypoints.slice(0, 3)).toEqual([80, 32, expect.closeTo(0.9, 5)]);
    expect(got[1]!.trackId).toBe(0); // nobody tracked there
    // (8, 40) ± 4 in the input → frame (8..24, 56..72) → source (16..48, 112..144).
    expect(got[1]!.box).toEqual([16, 112, 48, 144]);
    expect(est.runs).toBe(1);
  });

  it('a model whose output is not a pose layout fails with MODEL_BAD_OUTPUT', async () => {
    const file = await constantModel(
      [1, 3, 64, 64],
      [{ name: 'output0', dims: [1, 6, 2], data: new Float32Array(12) }],
    );
    await using session = await createModelSession(file, { executionProvider: 'cpu', intraOpThreads: 1 });
    const est = createPoseEstimator(session, { decoder: 'yolov8-pose' });
    const frame = {
      width: 64,
      height: 64,
      format: 'rgb24' as const,
      data: new Uint8Array(64 * 64 * 3),
      sourceWidth: 64,
      sourceHeight: 64,
    };
    await expect(est.estimate(frame, [])).rejects.toMatchObject({ code: 'MODEL_BAD_OUTPUT' });
  });

  it('RTMPose per person crop: SimCC peaks land where the crop puts them', async () => {
    const sx = new Float32Array(17 * 384);
    const sy = new Float32Array(17 * 512);
    for (let k = 0; k < 17; k++) {
      sx[k * 384 + 192] = 0.7; // centre column: x = 96 input px
      sy[k * 512 + 128 + 10 * k] = 0.9; // y = 64 + 5k input px
    }
    const file = await constantModel(
      [1, 3, 256, 192],
      [
        { name: 'simcc_x', dims: [1, 17, 384], data: sx },
        { name: 'simcc_y', dims: [1, 17, 512], data: sy },
      ],
    );
    await using session = await createModelSession(file, { executionProvider: 'cpu', intraOpThreads: 1 });
    const est = createPoseEstimator(session, { decoder: 'rtmpose-simcc' });
    const frame = {
      width: 320,
      height: 240,
      format: 'bgr24' as const,
      data: new Uint8Array(320 * 240 * 3),
      sourceWidth: 640,
      sourceHeight: 480,
    };
    const box: Box = [200, 100, 296, 356]; // 96×256 → crop 240×320 (×1.25, widened to 3:4)
    const [p] = await est.estimate(frame, [{ trackId: 3, box }]);
    const crop = aspectCrop(box, 192, 256);
    expect(crop.w).toBeCloseTo(240, 6);
    for (let k = 0; k < 17; k++) {
      expect(p!.keypoints[k * 3]).toBeCloseTo(248, 4); // the box's centre column
      expect(p!.keypoints[k * 3 + 1]).toBeCloseTo(crop.y + ((64 + 5 * k) / 256) * crop.h, 4);
      expect(p!.keypoints[k * 3 + 2]).toBeCloseTo(0.7, 5);
    }
  });
});

describe('pose features', () => {
  it('standing, sitting and lying from torso tilt and thighs; unknown without legs', () => {
    expect(poseFlags(STANDING, BOX).posture).toBe('standing');
    const sitting = pose({ ...HEAD, ...TORSO, ...ARMS_DOWN, left_knee: [215, 262], right_knee: [190, 262] });
    expect(poseFlags(sitting, [100, 100, 230, 300]).posture).toBe('sitting');
    const lying = pose({
      left_shoulder: [120, 300],
      right_shoulder: [120, 330],
      left_hip: [220, 305],
      right_hip: [220, 335],
    });
    expect(poseFlags(lying, [90, 280, 400, 350]).posture).toBe('lying');
    expect(poseFlags(pose({ ...HEAD, ...TORSO }), BOX).posture).toBe('unknown');
  });

  it('wrists together, behind the back, arms above the head', () => {
    const base = poseFlags(STANDING, BOX);
    expect(base).toMatchObject({ wristsTogether: false, wristsBehindBack: false, armsAboveHead: false });
    const tied = pose({
      ...HEAD,
      ...TORSO,
      ...LEGS_STANDING,
      left_elbow: [170, 210],
      right_elbow: [130, 210],
      left_wrist: [153, 245],
      right_wrist: [147, 245],
    });
    expect(poseFlags(tied, BOX).wristsTogether).toBe(true);
    // Arms go back from the elbows and the hands are hidden behind the torso.
    const behind = pose({
      ...HEAD,
      ...TORSO,
      ...LEGS_STANDING,
      left_elbow: [172, 215],
      right_elbow: [128, 215],
    });
    expect(poseFlags(behind, BOX).wristsBehindBack).toBe(true);
    // Crossed at the hips: the subject's left wrist on their right side.
    const crossed = pose({
      ...HEAD,
      ...TORSO,
      ...LEGS_STANDING,
      left_elbow: [172, 215],
      right_elbow: [128, 215],
      left_wrist: [140, 250],
      right_wrist: [160, 252],
    });
    expect(poseFlags(crossed, BOX).wristsBehindBack).toBe(true);
    // Not hidden, only unsure: wrists seen with a low score are no evidence of anything.
    const unsure = [...behind];
    for (const k of [9, 10]) unsure.splice(k * 3, 3, 150, 250, 0.2);
    expect(poseFlags(unsure, BOX).wristsBehindBack).toBe(false);
    // Side-on (a walker seen from the side): shoulders overlap, the far hand is hidden by the body.
    const sideOn = pose({
      ...HEAD,
      ...LEGS_STANDING,
      left_shoulder: [152, 160],
      right_shoulder: [148, 160],
      left_hip: [152, 250],
      right_hip: [148, 250],
      left_elbow: [160, 215],
      right_elbow: [140, 215],
    });
    expect(poseFlags(sideOn, BOX).wristsBehindBack).toBe(false);
    // A small person (under MIN_FLAG_BOX_HEIGHT): no hand or arm flags from noisy keypoints.
    const scaleDown = (kp: number[], f: number): number[] => kp.map((v, i) => (i % 3 === 2 ? v : v * f));
    const tiny: Box = [BOX[0] * 0.25, BOX[1] * 0.25, BOX[2] * 0.25, BOX[3] * 0.25];
    expect(tiny[3] - tiny[1]).toBeLessThan(MIN_FLAG_BOX_HEIGHT);
    expect(poseFlags(scaleDown(behind, 0.25), tiny).wristsBehindBack).toBe(false);
    expect(poseFlags(scaleDown(tied, 0.25), tiny).wristsTogether).toBe(false);
    const up = pose({ ...HEAD, ...TORSO, ...LEGS_STANDING, left_wrist: [175, 90], right_wrist: [125, 95] });
    expect(poseFlags(up, BOX).armsAboveHead).toBe(true);
    expect(poseFlags(up, BOX).wristsTogether).toBe(false);
  });

  const row = (trackId: number, ts: number, kp: number[], box: Box = BOX): PoseRow => ({
    sourceId: 's',
    ts,
    seq: ts,
    trackId,
    box,
    keypoints: kp,
    score: 0.9,
    modelId: 'm',
  });

  it('windows: a still person accumulates immobility; a moving one has the motion energy it was given', () => {
    const w = createFeatureWindows({ sourceId: 's', windowMs: 1000 });
    const out = [];
    // Track 1 stands still for 3 s at 5 fps; track 2 walks 30 px (0.1 box height) per 200 ms.
    for (let i = 0; i < 15; i++) {
      out.push(...w.add(row(1, 10_000 + i * 200, STANDING)));
      out.push(...w.add(row(2, 10_000 + i * 200, shift(STANDING, 30 * i))));
    }
    out.push(...w.flush());
    const still = out.filter((r) => r.trackId === 1);
    const walk = out.filter((r) => r.trackId === 2);
    expect(still.map((r) => r.startTs)).toEqual([10_000, 11_000, 12_000]);
    expect(still.map((r) => r.frames)).toEqual([5, 5, 5]);
    expect(still.map((r) => r.immobileMs)).toEqual([800, 1800, 2800]);
    expect(still.every((r) => r.motionEnergy === 0 && r.posture === 'standing')).toBe(true);
    // 0.1 box heights per 0.2 s = 0.5 box heights per second.
    for (const r of walk) expect(r.motionEnergy).toBeCloseTo(0.5, 6);
    expect(walk.every((r) => r.immobileMs === 0)).toBe(true);
    expect(w.open).toBe(0);
  });

  it('windows: shares of wrist/arm features; a gap restarts the still time; end() flushes one track', () => {
    const w = createFeatureWindows({ sourceId: 's', windowMs: 1000, maxGapMs: 2000 });
    const up = pose({ ...HEAD, ...TORSO, ...LEGS_STANDING, left_wrist: [175, 90], right_wrist: [125, 95] });
    w.add(row(5, 0, up));
    w.add(row(5, 250, up));
    w.add(row(5, 500, STANDING));
    w.add(row(5, 750, STANDING));
    const [r] = w.end(5);
    expect(r).toMatchObject({ trackId: 5, frames: 4, armsAboveHead: 0.5, wristsTogether: 0 });
    expect(w.end(5)).toEqual([]);
    w.add(row(6, 0, STANDING));
    w.add(row(6, 5000, STANDING)); // 5 s gap: not a still second, starts anew
    const rows = w.flush();
    expect(rows.map((x) => [x.startTs, x.immobileMs])).toEqual([[5000, 0]]);
  });
});

describe('keypoint smoothing', () => {
  it('holds a still pose exactly and damps jitter along the track', () => {
    const s = createKeypointSmoother();
    for (let i = 0; i < 5; i++) expect(s.smooth(1, i * 200, STANDING, 300)).toEqual(STANDING);
    // ±4 px jitter on every keypoint: the smoothed spread is clearly below the raw one.
    const raw: number[] = [];
    const smooth: number[] = [];
    for (let i = 5; i < 45; i++) {
      const j = i % 2 === 0 ? 4 : -4;
      const kp = shift(STANDING, j);
      raw.push(kp[0]!);
      smooth.push(s.smooth(1, i * 200, kp, 300)[0]!);
    }
    const spread = (a: number[]) => Math.max(...a.slice(10)) - Math.min(...a.slice(10));
    expect(spread(raw)).toBe(8);
    expect(spread(smooth)).toBeLessThan(0.6 * spread(raw));
  });

  it('follows a real move (speed raises the cut-off), passes low scores raw, resets on gaps and forget', () => {
    const s = createKeypointSmoother();
    s.smooth(1, 0, STANDING, 300);
    const moved = shift(STANDING, 150);
    let out = STANDING;
    for (let i = 1; i <= 6; i++) out = s.smooth(1, i * 200, moved, 300);
    expect(Math.abs(out[0]! - moved[0]!)).toBeLessThan(3);
    // A low-score keypoint comes out raw.
    const low = shift(STANDING, 0);
    low[2] = 0.1;
    expect(s.smooth(1, 1400, low, 300)[0]).toBe(low[0]);
    // After a gap longer than maxGapMs, the first pose is taken as it is.
    expect(s.smooth(1, 9000, shift(STANDING, 40), 300)).toEqual(shift(STANDING, 40));
    s.forget(1);
    expect(s.smooth(1, 9200, STANDING, 300)).toEqual(STANDING);
    expect(s.size).toBe(1);
  });

  it('is bounded: the least recently seen track is dropped', () => {
    const s = createKeypointSmoother({ maxTracks: 3 });
    for (let t = 1; t <= 5; t++) s.smooth(t, 0, STANDING, 300);
    expect(s.size).toBe(3);
  });
});
