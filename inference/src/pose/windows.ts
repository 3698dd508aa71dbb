// Per-track windows of pose features (table pose_features): tumbling windows aligned on the
// frames' clock, one row per track and window it was seen in. Pure state machine; bounded (at
// most maxTracks open tracks, the least recently seen is flushed first).
import { poseFlags, motionSpeed } from './features.ts';
import type { PoseFeatureRow, PoseRow, Posture } from './records.ts';

export interface FeatureWindowOptions {
  readonly sourceId: string;
  readonly windowMs: number;
  readonly minScore: number;
  /** Below this speed (box heights per second) a person counts as still. */
  readonly stillSpeed: number;
  /** Two poses further apart than this (ms) are not compared for motion. */
  readonly maxGapMs: number;
  readonly maxTracks: number;
}

export const DEFAULT_FEATURE_WINDOWS: Omit<FeatureWindowOptions, 'sourceId'> = Object.freeze({
  windowMs: 1000,
  minScore: 0.3,
  stillSpeed: 0.05,
  maxGapMs: 2000,
  maxTracks: 256,
});

interface Open {
  start: number;
  frames: number;
  postures: Record<Posture, number>;
  together: number;
  behind: number;
  above: number;
  speedSum: number;
  speedN: number;
  last: PoseRow | null;
  /** ts since which the track has been still (null until it was seen twice). */
  stillSince: number;
}

export interface FeatureWindows {
  /** Adds one pose; returns the rows of windows it closed for its track. */
  add(pose: PoseRow): PoseFeatureRow[];
  /** The track ended: its open window's row, if any. */
  end(trackId: number): PoseFeatureRow[];
  /** End of input: every open window. */
  flush(): PoseFeatureRow[];
  readonly open: number;
}

const POSTURES: readonly Posture[] = ['standing', 'sitting', 'lying', 'unknown'];

export function createFeatureWindows(
  opts: Partial<FeatureWindowOptions> & { sourceId: string },
): FeatureWindows {
  const o = { ...DEFAULT_FEATURE_WINDOWS, ...opts };
  const tracks = new Map<number, Open>();
  const startOf = (ts: number): number => Math.floor(ts / o.windowMs) * o.windowMs;

  const row = (trackId: number, w: Open): PoseFeatureRow => {
    // The most frequent known posture wins; 'unknown' only when nothing else was seen.
    let posture: Posture = 'unknown';
    for (const p of POSTURES)
      if (p !== 'unknown' && w.postures[p] > (posture === 'unknown' ? 0 : w.postures[posture])) posture = p;
    const lastTs = w.last?.ts ?? w.start;
    return {
      sourceId: o.sourceId,
      trackId,
      startTs: w.start,
      endTs: w.start + o.windowMs,
      frames: w.frames,
      posture,
      wristsTogether: w.frames ? w.together / w.frames : 0,
      wristsBehindBack: w.frames ? w.behind / w.frames : 0,
      armsAboveHead: w.frames ? w.above / w.frames : 0,
      motionEnergy: w.speedN ? w.speedSum / w.speedN : 0,
      immobileMs: Math.max(0, lastTs - w.stillSince),
    };
  };
  const reopen = (w: Open, start: number): void => {
    w.start = start;
    w.frames = 0;
    w.postures = { standing: 0, sitting: 0, lying: 0, unknown: 0 };
    w.together = w.behind = w.above = w.speedSum = w.speedN = 0;
  };

  return {
    add(pose) {
      const out: PoseFeatureRow[] = [];
      const start = startOf(pose.ts);
      let w = tracks.get(pose.trackId);
      if (!w) {
        if (tracks.size >= o.maxTracks) {
          const [id, oldest] = tracks.entries().next().value!;
          if (oldest.frames > 0) out.push(row(id, oldest));
          tracks.delete(id);
        }
        w = {
          start,
          frames: 0,
          postures: { standing: 0, sitting: 0, lying: 0, unknown: 0 },
          together: 0,
          behind: 0,
          above: 0,
          speedSum: 0,
          speedN: 0,
          last: null,
          stillSince: pose.ts,
        };
      } else if (start !== w.start) {
        if (w.frames > 0) out.push(row(pose.trackId, w));
        reopen(w, start);
      }
      tracks.delete(pose.trackId);
      tracks.set(pose.trackId, w);
      const f = poseFlags(pose.keypoints, pose.box, o.minScore);
      w.frames++;
      w.postures[f.posture]++;
      if (f.wristsTogether) w.together++;
      if (f.wristsBehindBack) w.behind++;
      if (f.armsAboveHead) w.above++;
      const prev = w.last;
      if (prev && pose.ts - prev.ts <= o.maxGapMs) {
        const h = (pose.box[3] - pose.box[1] + prev.box[3] - prev.box[1]) / 2;
        const v = motionSpeed(prev.keypoints, pose.keypoints, pose.ts - prev.ts, h, o.minScore);
        if (v !== null) {
          w.speedSum += v;
          w.speedN++;
          if (v > o.stillSpeed) w.stillSince = pose.ts;
        }
      } else w.stillSince = pose.ts; // first sight, or back after a gap: still-time starts now
      w.last = pose;
      return out;
    },
    end(trackId) {
      const w = tracks.get(trackId);
      tracks.delete(trackId);
      return w && w.frames > 0 ? [row(trackId, w)] : [];
    },
    flush() {
      const out: PoseFeatureRow[] = [];
      for (const [id, w] of tracks) if (w.frames > 0) out.push(row(id, w));
      tracks.clear();
      return out;
    },
    get open() {
      return tracks.size;
    },
  };
}
