import type { IngestError } from '../errors.ts';
import type { RecordingMode } from './args.ts';

/**
 * - 'starting': probing the source and starting ffmpeg.
 * - 'recording': ffmpeg is writing segments.
 * - 'stopping': close()/abort asked ffmpeg to finish the current segment and exit.
 * - 'stopped': ended normally (close, abort, end of a file, durationMs reached).
 * - 'failed': could not start, or ffmpeg failed / a live source went away; see `error`.
 */
export type RecorderState = 'starting' | 'recording' | 'stopping' | 'stopped' | 'failed';

/** A finished segment file. Shaped like storage's RecordingRecord, so it can be stored as is. */
export interface RecordedSegment {
  readonly sourceId: string;
  /** Absolute path of the fragmented-MP4 file; complete and playable on its own. */
  readonly file: string;
  /** Wall-clock ms of the segment's first and end media time: `epochMs + media time`. */
  readonly startTs: number;
  readonly endTs: number;
  readonly bytes: number;
}

export interface RecorderEvents {
  /** A segment file is complete (emitted in order, each exactly once). */
  segment: (segment: RecordedSegment) => void;
  state: (state: RecorderState) => void;
  /** The failure that ends the recording (followed by state 'failed'); emitted at most once. */
  error: (error: IngestError) => void;
}

export interface RecorderOptions {
  /** Root directory of recordings; segments go to `<dir>/<sourceId>/` (created if missing). */
  readonly dir: string;
  /** Names the sub-directory: letters, digits, `.`, `_`, `-` (at most 128, no `..`). */
  readonly sourceId: string;
  /** Target segment length in seconds (default 10). Stream-copied video is cut at the first
   * keyframe after each boundary, so its segments are as long as the source's GOP demands. */
  readonly segmentSeconds?: number;
  /** Wall-clock ms of media time 0 (default: Date.now() when ffmpeg starts). Pass the epoch the
   * analysis of the same source uses to make recording and detection timestamps line up. */
  readonly epochMs?: number;
  /** Read a file at its native rate (-re), to simulate a live source. */
  readonly realtime?: boolean;
  /** Stop after this much media time. */
  readonly durationMs?: number;
  /** Aborting is close(): the current segment is finalised and emitted. */
  readonly signal?: AbortSignal;
}

export interface RecorderResult {
  readonly state: 'stopped' | 'failed';
  readonly error: IngestError | null;
  /** Segments emitted and their total size. */
  readonly segments: number;
  readonly bytes: number;
}

/**
 * One recording run of one source over one connection. It does not reconnect: when a live source
 * goes away it reports INGEST_UNREACHABLE (or the classified ffmpeg failure) and ends; the caller
 * starts a new run (file names never collide, they carry the run's epoch).
 */
export interface Recorder {
  readonly sourceId: string;
  readonly state: RecorderState;
  /** `<dir>/<sourceId>`. */
  readonly outDir: string;
  /** How the source is recorded; null until probed. */
  readonly mode: RecordingMode | null;
  /** The epoch of this run; null until ffmpeg has started. */
  readonly epochMs: number | null;
  /** True once close() was called or the recording ended. */
  readonly closed: boolean;
  /** Resolves when ffmpeg is reaped and every segment emitted. Never rejects. */
  readonly done: Promise<RecorderResult>;
  /** Subscribe; returns the unsubscribe function. A listener that throws is ignored. */
  on<E extends keyof RecorderEvents>(event: E, listener: RecorderEvents[E]): () => void;
  off<E extends keyof RecorderEvents>(event: E, listener: RecorderEvents[E]): void;
  /** Stops ffmpeg gracefully (the last segment is finalised and emitted). Safe to call twice. */
  close(): Promise<RecorderResult>;
  [Symbol.asyncDispose](): Promise<void>;
}
