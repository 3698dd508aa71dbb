// Keypoint smoothing along a person track: a One-Euro filter per coordinate (Casiez et al. 2012),
// score-aware (a keypoint under minScore passes through raw and restarts its filter, so a joint
// that reappears elsewhere does not drag in from its old place), reset when the track pauses
// longer than maxGapMs. Speeds are in box heights per second, so one setting fits near and far
// people alike. Bounded: at most maxTracks tracks are remembered (least recently seen go first).
import { KEYPOINT_COUNT } from './geometry.ts';

export interface SmoothingOptions {
  /** Hz: the cut-off at rest (lower = smoother, laggier). */
  readonly minCutoff: number;
  /** How fast the cut-off rises with speed (per box height per second). */
  readonly beta: number;
  /** Hz: cut-off of the speed estimate. */
  readonly dCutoff: number;
  /** Keypoints under this score are not filtered (and restart their filter). */
  readonly minScore: number;
  /** A pause longer than this (ms) between two poses of a track restarts its filters. */
  readonly maxGapMs: number;
  readonly maxTracks: number;
}

export const DEFAULT_SMOOTHING: SmoothingOptions = Object.freeze({
  minCutoff: 1,
  beta: 0.7,
  dCutoff: 1,
  minScore: 0.3,
  maxGapMs: 2000,
  maxTracks: 256,
});

interface TrackState {
  ts: number;
  /** Per keypoint: filtered x, y and their speed estimates; NaN = no state. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly dx: Float64Array;
  readonly dy: Float64Array;
}

export interface KeypointSmoother {
  /** The smoothed keypoints of `trackId` at `ts` (a new array; `kp` is not changed). */
  smooth(trackId: number, ts: number, kp: readonly number[], boxHeight: number): number[];
  /** The track ended or was lost: its next pose starts afresh. */
  forget(trackId: number): void;
  /** A discontinuity (live reconnect): every track starts afresh. */
  reset(): void;
  readonly size: number;
}

const alpha = (cutoff: number, dt: number): number => 1 / (1 + 1 / (2 * Math.PI * cutoff * dt));

export function createKeypointSmoother(opts: Partial<SmoothingOptions> = {}): KeypointSmoother {
  const o = { ...DEFAULT_SMOOTHING, ...opts };
  const tracks = new Map<number, TrackState>();
  const fresh = (ts: number): TrackState => ({
    ts,
    x: new Float64Array(KEYPOINT_COUNT).fill(NaN),
    y: new Float64Array(KEYPOINT_COUNT).fill(NaN),
    dx: new Float64Array(KEYPOINT_COUNT),
    dy: new Float64Array(KEYPOINT_COUNT),
  });
  return {
    smooth(trackId, ts, kp, boxHeight) {
      let st = tracks.get(trackId);
      if (st && (ts <= st.ts || ts - st.ts > o.maxGapMs)) st = undefined;
      const dt = st ? (ts - st.ts) / 1000 : 0;
      if (!st) st = fresh(ts);
      tracks.delete(trackId);
      tracks.set(trackId, st); // most recently seen last
      if (tracks.size > o.maxTracks) tracks.delete(tracks.keys().next().value!);
      st.ts = ts;
      const h = Math.max(1, boxHeight);
      const out = kp.slice(0, KEYPOINT_COUNT * 3);
      for (let k = 0; k < KEYPOINT_COUNT; k++) {
        const rx = kp[k * 3]!;
        const ry = kp[k * 3 + 1]!;
        if (kp[k * 3 + 2]! < o.minScore) {
          st.x[k] = NaN;
          continue;
        }
        if (Number.isNaN(st.x[k]!) || dt <= 0) {
          st.x[k] = rx;
          st.y[k] = ry;
          st.dx[k] = 0;
          st.dy[k] = 0;
          continue;
        }
        const ad = alpha(o.dCutoff, dt);
        const dx = st.dx[k]! + ad * ((rx - st.x[k]!) / h / dt - st.dx[k]!);
        const dy = st.dy[k]! + ad * ((ry - st.y[k]!) / h / dt - st.dy[k]!);
        const a = alpha(o.minCutoff + o.beta * Math.hypot(dx, dy), dt);
        st.x[k] = st.x[k]! + a * (rx - st.x[k]!);
        st.y[k] = st.y[k]! + a * (ry - st.y[k]!);
        st.dx[k] = dx;
        st.dy[k] = dy;
        out[k * 3] = st.x[k]!;
        out[k * 3 + 1] = st.y[k]!;
      }
      return out;
    },
    forget: (trackId) => void tracks.delete(trackId),
    reset: () => tracks.clear(),
    get size() {
      return tracks.size;
    },
  };
}
