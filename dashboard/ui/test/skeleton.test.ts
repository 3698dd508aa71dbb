// Skeleton drawing (dashboard/ui/src/lib/skeleton.ts): which limbs are drawn, where (scaled to the
// canvas), which are left out under the score threshold; the pose buffer's time lookup.
import { describe, expect, it } from 'vitest';
import {
  COCO_EDGES,
  createPoseBuffer,
  drawSkeletons,
  parseLivePose,
  type SkeletonContext,
} from '../src/lib/skeleton.ts';

/** A 2D context that records the segments and dots drawn (in canvas pixels). */
function recorder() {
  const segments: Array<{ from: [number, number]; to: [number, number]; color: string }> = [];
  const dots: Array<[number, number]> = [];
  let from: [number, number] = [0, 0];
  let to: [number, number] = [0, 0];
  const ctx: SkeletonContext = {
    lineWidth: 1,
    strokeStyle: '',
    fillStyle: '',
    lineCap: 'butt',
    beginPath() {},
    moveTo(x: number, y: number) {
      from = [x, y];
    },
    lineTo(x: number, y: number) {
      to = [x, y];
    },
    stroke() {
      segments.push({ from, to, color: String(ctx.strokeStyle) });
    },
    arc(x: number, y: number) {
      dots.push([x, y]);
    },
    fill() {},
  };
  return { ctx, segments, dots };
}

/** Keypoint i at (10·i, 20·i) with score 0.9, except those listed as low. */
const person = (low: readonly number[] = []) => ({
  trackId: 1,
  keypoints: Array.from({ length: 17 }, (_, i) => [10 * i, 20 * i, low.includes(i) ? 0.1 : 0.9]).flat(),
});

describe('skeleton drawing', () => {
  it('draws every COCO limb scaled to the canvas, left and right in their own colours', () => {
    const { ctx, segments, dots } = recorder();
    const n = drawSkeletons(ctx, [person()], { x: 0.5, y: 2, dpr: 1 });
    expect(n).toBe(COCO_EDGES.length);
    expect(segments).toHaveLength(16);
    expect(dots).toHaveLength(17);
    // Left shoulder (5) → left elbow (7): (50, 100) → (70, 140) in source pixels.
    const arm = segments[5]!;
    expect(arm).toEqual({ from: [25, 200], to: [35, 280], color: '#22c55e' });
    // Right shoulder (6) → right elbow (8), and the shoulder line across the body.
    expect(segments[7]!.color).toBe('#f97316');
    expect(segments[4]!.color).toBe('#38bdf8');
  });

  it('leaves out keypoints under the threshold and every limb that touches them', () => {
    const { ctx, segments, dots } = recorder();
    // Wrists (9, 10) and ankles (15, 16) unsure: their four limbs go.
    const n = drawSkeletons(ctx, [person([9, 10, 15, 16])], { x: 1, y: 1, dpr: 1 }, 0.3);
    expect(n).toBe(12);
    expect(segments).toHaveLength(12);
    expect(dots).toHaveLength(13);
    expect(segments.some((s) => s.to[0] === 90 || s.to[0] === 100)).toBe(false);
  });

  it('parses live pose messages and refuses other shapes', () => {
    expect(parseLivePose({ seq: 3, persons: [person()] })).toHaveLength(1);
    expect(parseLivePose({ seq: 3, persons: [{ trackId: 1, keypoints: [1, 2, 3] }] })).toBeNull();
    expect(parseLivePose({ state: 'start' })).toBeNull();
  });

  it('the pose buffer gives the latest poses at or before a time, within an age, bounded', () => {
    const b = createPoseBuffer(3);
    for (const ts of [100, 200, 300, 400]) b.push({ ts, persons: [] });
    expect(b.size).toBe(3);
    expect(b.at(100, 1000)).toBeNull(); // dropped as the oldest
    expect(b.at(250, 100)?.ts).toBe(200);
    expect(b.at(450, 20)).toBeNull();
    expect(b.at(400, 0)?.ts).toBe(400);
  });
});
