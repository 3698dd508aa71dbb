import { linearAssignment } from './assignment.ts';
import type { Assignment } from './assignment.ts';
import { iou } from './iou.ts';
import { resolveTrackerOptions } from './options.ts';
import type { ResolvedTrackerOptions } from './options.ts';
import { createTrack, markLost, matchTrack, predictTrack, snapshotTrack } from './track.ts';
import type { Track } from './track.ts';
import type { Box, Tracker, TrackerDetection, TrackerOptions, TrackState, TrackUpdate } from './types.ts';

/**
 * A ByteTrack-style tracker: high-score detections first, then low-score ones rescue tracks that
 * would otherwise be lost (occlusion and motion blur lower scores before they remove objects).
 * Association is class-aware, and a track is lost by time rather than by frame count.
 */
export function createTracker(opts?: TrackerOptions): Tracker {
  return new ByteTracker(resolveTrackerOptions(opts));
}

class ByteTracker implements Tracker {
  readonly #o: ResolvedTrackerOptions;
  /** Confirmed tracks, tracked or lost, in id order. */
  #confirmed: Track[] = [];
  /** Tracks not yet matched minHits times; dropped the first time they go unmatched. */
  #pending: Track[] = [];
  #nextId = 1;
  #updates = 0;
  // Reused across updates: the cost matrix grows to the largest tracks x detections seen.
  #cost = new Float64Array(256);
  readonly #medianScratch: Float64Array;

  constructor(o: ResolvedTrackerOptions) {
    this.#o = o;
    this.#medianScratch = new Float64Array(o.scoreHistory);
  }

  get activeCount(): number {
    return this.#confirmed.length;
  }

  update(detections: readonly TrackerDetection[], ts: number): TrackUpdate {
    if (!Number.isFinite(ts)) throw new RangeError('Tracker.update: ts must be a finite number of ms');
    const o = this.#o;
    const firstUpdate = this.#updates++ === 0;
    const firstNewId = this.#nextId;
    const trackIds = new Int32Array(detections.length);
    const det = (i: number): TrackerDetection => detections[i]!;
    const high: number[] = [];
    const low: number[] = [];
    detections.forEach((d, i) => {
      if (!isUsableBox(d.box)) return;
      if (d.score >= o.highThreshold) high.push(i);
      else if (d.score >= o.lowThreshold) low.push(i);
    });
    for (const t of this.#confirmed) predictTrack(t);
    for (const t of this.#pending) predictTrack(t);

    // Stage 1: every confirmed track, lost ones included, against the confident detections.
    const pool = this.#confirmed;
    const s1 = this.#associate(pool, high, detections, o.matchIouThreshold);
    for (const [r, c] of s1.matches) {
      const t = pool[r]!;
      matchTrack(t, det(high[c]!), ts);
      trackIds[high[c]!] = t.id;
    }
    const highLeft = s1.unmatchedCols.map((c) => high[c]!);

    // Stage 2: tracks matched last time but not now may be behind an occluder or blurred; a weak
    // detection where they should be keeps them. Lost tracks are left out: a weak detection is
    // not enough evidence to bring one back.
    const tracked = s1.unmatchedRows.map((r) => pool[r]!).filter((t) => !t.lost);
    const s2 = this.#associate(tracked, low, detections, o.lowMatchIouThreshold);
    for (const [r, c] of s2.matches) {
      const t = tracked[r]!;
      matchTrack(t, det(low[c]!), ts);
      trackIds[low[c]!] = t.id;
    }
    for (const r of s2.unmatchedRows) markLost(tracked[r]!);

    // Stage 3: unconfirmed tracks against the confident detections left over. They must be
    // matched in consecutive updates, which is what keeps one-frame false positives out.
    const pending = this.#pending;
    const nextPending: Track[] = [];
    const s3 = this.#associate(pending, highLeft, detections, o.matchIouThreshold);
    for (const [r, c] of s3.matches) {
      const t = pending[r]!;
      matchTrack(t, det(highLeft[c]!), ts);
      if (t.hits >= o.minHits) trackIds[highLeft[c]!] = this.#confirm(t);
      else nextPending.push(t);
    }

    // Stage 4: confident detections nobody claimed found new tracks.
    for (const c of s3.unmatchedCols) {
      const i = highLeft[c]!;
      const d = det(i);
      if (!(d.score >= o.newTrackThreshold)) continue;
      const t = createTrack(d, ts, o.scoreHistory);
      if (firstUpdate || o.minHits <= 1) trackIds[i] = this.#confirm(t);
      else nextPending.push(t);
    }
    this.#pending = nextPending;

    // Stage 5: lost tracks end by elapsed time, so a dropped-frame live source and a 60 fps file
    // forget an object after the same wall-clock gap.
    const ended: TrackState[] = [];
    this.#confirmed = this.#confirmed.filter((t) => {
      if (!t.lost || ts - t.lastTs <= o.maxLostMs) return true;
      ended.push(this.#snapshot(t));
      return false;
    });

    const active = this.#confirmed.map((t) => this.#snapshot(t));
    // Ids are handed out in confirmation order, so this update's new tracks are the highest ones.
    const started = active.filter((s) => s.id >= firstNewId);
    return { trackIds, started, ended, active };
  }

  finish(): readonly TrackState[] {
    const ended = this.#confirmed.map((t) => this.#snapshot(t));
    this.#confirmed = [];
    this.#pending = [];
    // The next media starts fresh (its first update confirms at once); ids keep counting.
    this.#updates = 0;
    return ended;
  }

  #confirm(t: Track): number {
    t.id = this.#nextId++;
    this.#confirmed.push(t);
    return t.id;
  }

  #snapshot(t: Track): TrackState {
    return snapshotTrack(t, this.#medianScratch);
  }

  /**
   * Optimal assignment on cost 1 - IoU, with pairs below minIou, without overlap, or of different
   * labels never matching. No ByteTrack score fusion (1 - IoU * score): the option then means
   * plain IoU as documented, and scores from different models and classes are not calibrated
   * alike, so weighting overlaps by them would favour some classes over others.
   */
  #associate(
    tracks: readonly Track[],
    detIdx: readonly number[],
    detections: readonly TrackerDetection[],
    minIou: number,
  ): Assignment {
    const rows = tracks.length;
    const cols = detIdx.length;
    if (this.#cost.length < rows * cols)
      this.#cost = new Float64Array(Math.max(rows * cols, this.#cost.length * 2));
    const cost = this.#cost;
    tracks.forEach((t, r) => {
      detIdx.forEach((i, c) => {
        const d = detections[i]!;
        const overlap = d.label === t.label ? iou(t.predicted, d.box) : 0;
        cost[r * cols + c] = overlap > 0 ? 1 - overlap : Infinity;
      });
    });
    return linearAssignment({ rows, cols, data: cost }, 1 - minIou);
  }
}

function isUsableBox(b: Box): boolean {
  return Number.isFinite(b[0] + b[1] + b[2] + b[3]) && b[2] > b[0] && b[3] > b[1];
}
