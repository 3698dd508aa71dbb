/** x1, y1, x2, y2 in source-frame pixels. */
export type Box = readonly [number, number, number, number];

/** One detection handed to the tracker (any detector's output, converted at the boundary). */
export interface TrackerDetection {
  readonly box: Box;
  readonly score: number;
  readonly label: string;
}

/** Tuning of the ByteTrack-style tracker; every field has a default. */
export interface TrackerOptions {
  /** Detections scoring at or above this take part in the first association stage. Default 0.5. */
  highThreshold?: number;
  /** Detections in [lowThreshold, highThreshold) only keep existing tracks alive; lower ones are ignored. Default 0.1. */
  lowThreshold?: number;
  /** An unmatched high detection founds a track only at or above this score. Default 0.6. */
  newTrackThreshold?: number;
  /** Minimum IoU for first-stage (and unconfirmed-track) matches, i.e. cost 1 - IoU <= 0.8. Default 0.2. */
  matchIouThreshold?: number;
  /** Minimum IoU for second-stage (low score) matches. Default 0.5. */
  lowMatchIouThreshold?: number;
  /**
   * Matches (in consecutive updates) before a track is confirmed. Default 2. Tracks founded on the
   * very first update are confirmed at once, like ByteTrack's frame 1.
   */
  minHits?: number;
  /** A confirmed track left unmatched for longer than this (by `ts`, not by update count) ends. Default 2000. */
  maxLostMs?: number;
  /** How many recent scores each track keeps for `medianScore`. Default 64. */
  scoreHistory?: number;
}

/** Immutable snapshot of one confirmed track. */
export interface TrackState {
  /** Unique per tracker, from 1, never reused; given when the track is confirmed. */
  readonly id: number;
  readonly label: string;
  readonly confirmed: boolean;
  /** ts of the track's first detection. */
  readonly startTs: number;
  /** ts of the last detection matched to the track. */
  readonly lastTs: number;
  /** Detections matched to the track, the founding one included. */
  readonly hits: number;
  /** The last matched detection box, or the Kalman prediction while the track is lost. */
  readonly box: Box;
  /** Median of the recent score history, robust to a single odd frame. */
  readonly medianScore: number;
  readonly bestScore: number;
  readonly bestTs: number;
  readonly bestBox: Box;
}

/** What one `Tracker.update` call changed. */
export interface TrackUpdate {
  /** For each input detection (same order): the confirmed track id it was assigned to, or 0. */
  readonly trackIds: Int32Array;
  /** Tracks confirmed in this update (also listed in `active`). */
  readonly started: readonly TrackState[];
  /** Confirmed tracks that ended in this update (lost for longer than `maxLostMs`). */
  readonly ended: readonly TrackState[];
  /** Confirmed tracks currently matched or briefly lost, in id order. */
  readonly active: readonly TrackState[];
}

/** Multi-object tracker over one stream; not shared between streams. */
export interface Tracker {
  /** Associates one frame's detections (taken at `ts`, ms) with the tracks. */
  update(detections: readonly TrackerDetection[], ts: number): TrackUpdate;
  /** Ends every confirmed track (end of media) and returns them; the next update counts as a first one. */
  finish(): readonly TrackState[];
  /** Confirmed tracks currently matched or briefly lost. */
  readonly activeCount: number;
}
