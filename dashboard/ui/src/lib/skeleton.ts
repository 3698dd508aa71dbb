// Skeletons of the pose analyzer over video: COCO-17 keypoints (17 × [x, y, score], source pixels)
// joined by the COCO limb edges, drawn on a 2D canvas with the overlay's scale. Keypoints under a
// score threshold are left out with their edges. Pure but for the context it draws on.
import { z } from 'zod';
import type { Scale } from './overlay.ts';
import { createTimedBuffer, type TimedBuffer } from './detection-buffer.ts';

/** Hidden-set key that hides skeletons (next to the class labels and faces). */
export const SKELETON_LAYER = 'pose';

/** COCO-17 limbs: head, shoulders and arms, torso, legs (keypoint indices). */
export const COCO_EDGES: ReadonlyArray<readonly [number, number]> = [
  [0, 1], [0, 2], [1, 3], [2, 4],
  [5, 6], [5, 7], [7, 9], [6, 8], [8, 10],
  [5, 11], [6, 12], [11, 12],
  [11, 13], [13, 15], [12, 14], [14, 16],
]; // prettier-ignore

/** The subject's left side (odd indices from 1), right side (even from 2), and the nose. */
const LEFT = '#22c55e';
const RIGHT = '#f97316';
const CENTRE = '#38bdf8';
const sideColor = (a: number, b: number): string => {
  if (a === 0 || (a % 2 === 1) !== (b % 2 === 1)) return CENTRE;
  return a % 2 === 1 ? LEFT : RIGHT;
};

export interface SkeletonPerson {
  readonly trackId: number;
  readonly keypoints: readonly number[];
}

export interface PoseEntry {
  readonly ts: number;
  readonly persons: readonly SkeletonPerson[];
}

const LivePoseSchema = z.object({
  seq: z.number(),
  persons: z.array(z.object({ trackId: z.number(), keypoints: z.array(z.number()).length(51) })),
});

/** The persons of a live 'pose' message's data; null when it is not one. */
export function parseLivePose(data: unknown): readonly SkeletonPerson[] | null {
  const r = LivePoseSchema.safeParse(data);
  return r.success ? r.data.persons : null;
}

/** What a skeleton drawing needs of a canvas context (a CanvasRenderingContext2D has it all). */
export type SkeletonContext = Pick<
  CanvasRenderingContext2D,
  | 'beginPath'
  | 'moveTo'
  | 'lineTo'
  | 'stroke'
  | 'arc'
  | 'fill'
  | 'lineWidth'
  | 'strokeStyle'
  | 'fillStyle'
  | 'lineCap'
>;

/** Draws each person's visible limbs and joints; returns the limbs drawn. */
export function drawSkeletons(
  ctx: SkeletonContext,
  persons: readonly SkeletonPerson[],
  scale: Scale,
  minScore = 0.3,
): number {
  let limbs = 0;
  const line = Math.max(2, Math.round(2 * scale.dpr));
  ctx.lineWidth = line;
  ctx.lineCap = 'round';
  for (const p of persons) {
    const k = p.keypoints;
    const ok = (i: number): boolean => (k[i * 3 + 2] ?? 0) >= minScore;
    for (const [a, b] of COCO_EDGES) {
      if (!ok(a) || !ok(b)) continue;
      ctx.strokeStyle = sideColor(a, b);
      ctx.beginPath();
      ctx.moveTo(k[a * 3]! * scale.x, k[a * 3 + 1]! * scale.y);
      ctx.lineTo(k[b * 3]! * scale.x, k[b * 3 + 1]! * scale.y);
      ctx.stroke();
      limbs++;
    }
    for (let i = 0; i < 17; i++) {
      if (!ok(i)) continue;
      ctx.fillStyle = i === 0 ? CENTRE : i % 2 === 1 ? LEFT : RIGHT;
      ctx.beginPath();
      ctx.arc(k[i * 3]! * scale.x, k[i * 3 + 1]! * scale.y, line * 1.5, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
  return limbs;
}

/** Poses by timestamp (bounded, oldest dropped): the picture at t gets the latest poses at or before t. */
export function createPoseBuffer(capacity = 600): PoseBuffer {
  return createTimedBuffer<PoseEntry>(capacity);
}

export type PoseBuffer = TimedBuffer<PoseEntry>;
