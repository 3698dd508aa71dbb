import { kalmanBox, kalmanInitiate, kalmanPredict, kalmanUpdate } from './kalman.ts';
import type { KalmanState } from './kalman.ts';
import type { Box, TrackerDetection, TrackState } from './types.ts';

/** Mutable tracker-internal record; the outside only ever sees `snapshotTrack` copies. */
export interface Track {
  /** 0 until confirmed: ids are handed out only to tracks the outside will see, so they stay dense. */
  id: number;
  readonly label: string;
  /** Unmatched in the latest update; only confirmed tracks are ever lost (unconfirmed ones are dropped). */
  lost: boolean;
  readonly kalman: KalmanState;
  /** The Kalman prediction for the current update, matched against detections. */
  predicted: Box;
  readonly startTs: number;
  lastTs: number;
  hits: number;
  box: Box;
  /** Ring buffer of the latest scores. */
  readonly scores: Float64Array;
  scoreCount: number;
  scoreNext: number;
  bestScore: number;
  bestTs: number;
  bestBox: Box;
}

export function createTrack(det: TrackerDetection, ts: number, historySize: number): Track {
  const box = copyBox(det.box);
  const track: Track = {
    id: 0,
    label: det.label,
    lost: false,
    kalman: kalmanInitiate(box),
    predicted: box,
    startTs: ts,
    lastTs: ts,
    hits: 1,
    box,
    scores: new Float64Array(historySize),
    scoreCount: 0,
    scoreNext: 0,
    bestScore: det.score,
    bestTs: ts,
    bestBox: box,
  };
  pushScore(track, det.score);
  return track;
}

/** One Kalman step; a lost track shows its prediction as its box. */
export function predictTrack(track: Track): void {
  // ByteTrack freezes the height velocity of lost tracks so their boxes do not balloon or vanish.
  if (track.lost) track.kalman.mean[7] = 0;
  kalmanPredict(track.kalman);
  track.predicted = kalmanBox(track.kalman);
  if (track.lost) track.box = track.predicted;
}

export function matchTrack(track: Track, det: TrackerDetection, ts: number): void {
  const box = copyBox(det.box);
  kalmanUpdate(track.kalman, box);
  track.lost = false;
  track.lastTs = ts;
  track.hits++;
  track.box = box;
  pushScore(track, det.score);
  if (det.score > track.bestScore) {
    track.bestScore = det.score;
    track.bestTs = ts;
    track.bestBox = box;
  }
}

export function markLost(track: Track): void {
  track.lost = true;
  track.box = track.predicted;
}

/** A frozen copy of the track; `scratch` must hold at least the score history. */
export function snapshotTrack(track: Track, scratch: Float64Array): TrackState {
  return Object.freeze({
    id: track.id,
    label: track.label,
    confirmed: track.id > 0,
    startTs: track.startTs,
    lastTs: track.lastTs,
    hits: track.hits,
    box: track.box,
    medianScore: median(track.scores, track.scoreCount, scratch),
    bestScore: track.bestScore,
    bestTs: track.bestTs,
    bestBox: track.bestBox,
  });
}

/** Median of the first `count` values (order does not matter), the mean of the middle two when even. */
export function median(values: Float64Array, count: number, scratch: Float64Array): number {
  if (count === 0) return 0;
  const sorted = scratch.subarray(0, count);
  sorted.set(values.subarray(0, count));
  sorted.sort();
  const mid = count >> 1;
  return count % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function pushScore(track: Track, score: number): void {
  track.scores[track.scoreNext] = score;
  track.scoreNext = (track.scoreNext + 1) % track.scores.length;
  track.scoreCount = Math.min(track.scoreCount + 1, track.scores.length);
}

// Boxes are shared by snapshots, so they are copied once and frozen rather than trusted as given.
function copyBox(b: Box): Box {
  return Object.freeze([b[0], b[1], b[2], b[3]] as const);
}
