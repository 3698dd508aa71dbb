// The real MoveNet Lightning (shared/models) on real frames of shared/media: person boxes from
// the real YOLOX-Nano, crops, uint8 input through the ORT worker, keypoints back in source pixels.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDetector,
  createModelRegistry,
  createModelSession,
  createPoseEstimator,
  KEYPOINT_NAMES,
  type Detector,
  type EstimatedPose,
  type ModelSession,
  type PoseEstimator,
} from '@aima/inference';
import { MEDIA_DIR, MODELS_DIR, grabFrame } from './helpers.ts';

const BOOK = path.join(MEDIA_DIR, 'video/asl/book.mkv');
const LEARN = path.join(MEDIA_DIR, 'video/asl/learn.mkv');
const PHOTO = path.join(MEDIA_DIR, 'faces/test/alex_lacamoire1.jpg');
const GOOD = 0.3;
const idx = (n: (typeof KEYPOINT_NAMES)[number]): number => KEYPOINT_NAMES.indexOf(n);

let detector: Detector;
let session: ModelSession;
let pose: PoseEstimator;

beforeAll(async () => {
  const registry = createModelRegistry({ modelsDir: MODELS_DIR });
  detector = await createDetector({ model: await registry.resolve('yolox-nano'), scoreThreshold: 0.4 });
  const movenet = await registry.resolve('movenet-lightning');
  expect(movenet.origin).toBe('models-dir'); // sha256-checked by the registry
  session = await createModelSession(movenet.path, { executionProvider: 'cpu', intraOpThreads: 1 });
  pose = createPoseEstimator(session, { decoder: 'movenet' });
});
afterAll(async () => {
  await session?.close();
  await detector?.close();
});

/** The biggest person YOLOX finds in `file` at `atSec`, and MoveNet's pose of them (frame w×h). */
async function poseOf(file: string, atSec: number | null, w: number, h: number, frameW = w, frameH = h) {
  const det = await detector.detect([
    {
      width: 416,
      height: Math.round((416 * h) / w),
      data: grabFrame(file, atSec, 416, Math.round((416 * h) / w)),
      sourceWidth: w,
      sourceHeight: h,
    },
  ]);
  const persons = det.detections[0]!.filter((d) => d.label === 'person');
  expect(persons.length).toBeGreaterThan(0);
  const area = (b: readonly number[]) => (b[2]! - b[0]!) * (b[3]! - b[1]!);
  const person = persons.sort((a, b) => area(b.box) - area(a.box))[0]!;
  const frame = {
    width: frameW,
    height: frameH,
    format: 'rgb24' as const,
    data: grabFrame(file, atSec, frameW, frameH),
    sourceWidth: w,
    sourceHeight: h,
  };
  const [p] = await pose.estimate(frame, [{ trackId: 1, box: person.box }]);
  return p!;
}

const kp = (p: EstimatedPose, n: (typeof KEYPOINT_NAMES)[number]) => ({
  x: p.keypoints[idx(n) * 3]!,
  y: p.keypoints[idx(n) * 3 + 1]!,
  s: p.keypoints[idx(n) * 3 + 2]!,
});

function expectSane(p: EstimatedPose, label: string): void {
  const [x1, y1, x2, y2] = p.box;
  const padX = 0.15 * (x2 - x1);
  const padY = 0.15 * (y2 - y1);
  const good = KEYPOINT_NAMES.filter((n) => kp(p, n).s >= GOOD);
  const facts = good.map(
    (n) => `${n}(${kp(p, n).x.toFixed(0)},${kp(p, n).y.toFixed(0)} ${kp(p, n).s.toFixed(2)})`,
  );
  console.log(`${label}: box [${p.box.map((v) => v.toFixed(0)).join(',')}] ${facts.join(' ')}`);
  // Face and shoulders of a person facing the camera are clearly visible in every case here.
  expect(good).toEqual(
    expect.arrayContaining(['nose', 'left_eye', 'right_eye', 'left_shoulder', 'right_shoulder']),
  );
  for (const n of good) {
    const { x, y } = kp(p, n);
    expect(x, n).toBeGreaterThanOrEqual(x1 - padX);
    expect(x, n).toBeLessThanOrEqual(x2 + padX);
    expect(y, n).toBeGreaterThanOrEqual(y1 - padY);
    expect(y, n).toBeLessThanOrEqual(y2 + padY);
  }
  // Facing the camera: the subject's left is the image's right.
  expect(kp(p, 'left_shoulder').x).toBeGreaterThan(kp(p, 'right_shoulder').x);
  expect(kp(p, 'left_eye').x).toBeGreaterThan(kp(p, 'right_eye').x);
  // Head above shoulders, eyes above... the nose sits below the eyes.
  expect(kp(p, 'nose').y).toBeLessThan(kp(p, 'left_shoulder').y);
  expect(kp(p, 'nose').y).toBeGreaterThan(Math.min(kp(p, 'left_eye').y, kp(p, 'right_eye').y));
  // The nose lies between the shoulders.
  expect(kp(p, 'nose').x).toBeGreaterThan(kp(p, 'right_shoulder').x);
  expect(kp(p, 'nose').x).toBeLessThan(kp(p, 'left_shoulder').x);
}

describe('MoveNet Lightning on real frames', () => {
  it('ASL signers facing the camera: keypoints inside the person box, left and right the right way', async () => {
    expectSane(await poseOf(BOOK, 1.0, 640, 480), 'book.mkv@1.0s');
    expectSane(await poseOf(BOOK, 2.5, 640, 480), 'book.mkv@2.5s');
    expectSane(await poseOf(LEARN, 1.0, 640, 480), 'learn.mkv@1.0s');
  });

  it('a photo (faces/test): the same checks on a still', async () => {
    expectSane(await poseOf(PHOTO, null, 1548, 1024), 'alex_lacamoire1.jpg');
  });

  it('a frame decoded at half size gives the same keypoints in source pixels', async () => {
    const full = await poseOf(BOOK, 1.0, 640, 480);
    const half = await poseOf(BOOK, 1.0, 640, 480, 320, 240);
    let n = 0;
    for (const name of KEYPOINT_NAMES) {
      const a = kp(full, name);
      const b = kp(half, name);
      if (a.s < GOOD || b.s < GOOD) continue;
      n++;
      // A few source pixels: the half-size crop has half the detail, so the net may move a point.
      expect(Math.hypot(a.x - b.x, a.y - b.y), name).toBeLessThan(0.06 * (full.box[3] - full.box[1]));
    }
    expect(n).toBeGreaterThanOrEqual(5);
    expect(pose.runs).toBeGreaterThan(0);
  });
});
