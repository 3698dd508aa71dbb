// Which crops of a frame get tagged (pure): person tracks at most every `everyMs` each, at most
// `maxPersons` per frame (the largest first), the whole frame every `everyMs`, and — when pose
// runs — squares around the wrists and the ankles of a posed track.
import type { PoseRow } from '../pose/records.ts';
import type { Box } from './preprocess.ts';
import type { TagScope } from './records.ts';

export interface PersonBox {
  readonly trackId: number;
  readonly box: Box;
}

export interface PlannedCrop {
  /** -1 for the frame. */
  readonly trackId: number;
  readonly scope: TagScope;
  /** Source pixels; null = the whole frame. */
  readonly box: Box | null;
}

export interface CropPlanner {
  /** Crops for a detect frame: persons due, then the frame when due. */
  frame(ts: number, persons: readonly PersonBox[]): PlannedCrop[];
  /** Wrist/ankle crops for pose rows of one frame (each track at most every `everyMs`). */
  limbs(ts: number, poses: readonly PoseRow[]): PlannedCrop[];
  /** Forgets tracks not seen since `ts - keepMs` (bounded state). */
  forget(ts: number, keepMs: number): void;
}

export interface CropPlannerOptions {
  readonly everyMs: number;
  readonly maxPersons: number;
  readonly frames: boolean;
  /** Keypoint score a wrist/ankle needs. */
  readonly minKeypointScore?: number;
}

const LEFT_WRIST = 9;
const RIGHT_WRIST = 10;
const LEFT_ANKLE = 15;
const RIGHT_ANKLE = 16;

/** A square around the visible keypoints `ids`, side ≥ 30 % of the person box height; null when none is visible. */
export function limbBox(pose: PoseRow, ids: readonly number[], minScore: number): Box | null {
  const pts = ids.flatMap((k) => {
    const x = pose.keypoints[k * 3] as number;
    const y = pose.keypoints[k * 3 + 1] as number;
    const s = pose.keypoints[k * 3 + 2] as number;
    return s >= minScore ? [[x, y] as const] : [];
  });
  if (pts.length === 0) return null;
  const h = Math.max(1, pose.box[3] - pose.box[1]);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const spread = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  const side = Math.max(0.3 * h, spread + 0.15 * h);
  const cx = (Math.max(...xs) + Math.min(...xs)) / 2;
  const cy = (Math.max(...ys) + Math.min(...ys)) / 2;
  return [cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2];
}

export function createCropPlanner(opts: CropPlannerOptions): CropPlanner {
  const last = new Map<string, number>();
  const minScore = opts.minKeypointScore ?? 0.3;
  const due = (key: string, ts: number): boolean => {
    const t = last.get(key);
    if (t !== undefined && ts - t < opts.everyMs && ts >= t) return false;
    last.set(key, ts);
    return true;
  };
  return {
    frame(ts, persons) {
      const area = (b: Box): number => (b[2] - b[0]) * (b[3] - b[1]);
      const out: PlannedCrop[] = [];
      const sorted = [...persons].sort((a, b) => area(b.box) - area(a.box));
      for (const p of sorted) {
        if (out.length >= opts.maxPersons) break;
        if (due(`p${p.trackId}`, ts)) out.push({ trackId: p.trackId, scope: 'person', box: p.box });
      }
      if (opts.frames && due('frame', ts)) out.push({ trackId: -1, scope: 'frame', box: null });
      return out;
    },
    limbs(ts, poses) {
      const out: PlannedCrop[] = [];
      for (const p of poses.slice(0, opts.maxPersons)) {
        if (p.trackId <= 0 || !due(`l${p.trackId}`, ts)) continue;
        const wrists = limbBox(p, [LEFT_WRIST, RIGHT_WRIST], minScore);
        const ankles = limbBox(p, [LEFT_ANKLE, RIGHT_ANKLE], minScore);
        if (wrists) out.push({ trackId: p.trackId, scope: 'wrists', box: wrists });
        if (ankles) out.push({ trackId: p.trackId, scope: 'ankles', box: ankles });
      }
      return out;
    },
    forget(ts, keepMs) {
      for (const [k, t] of last) if (ts - t > keepMs) last.delete(k);
    },
  };
}
