import type { IngestErrorCode } from '../errors.ts';
import type { AudioChunk, DecodeMode, Frame, MediaInfo, PixelFormat } from '../types.ts';
import type { BackoffPolicy } from './backoff.ts';

/**
 * Where a live source is:
 * - 'connecting': ffmpeg is starting, probing, or waiting for the first frame;
 * - 'live': frames are flowing (for an audio-only source opened with `audio`: audio is);
 * - 'stalled': no frame (audio-only: no audio) for `stallTimeoutMs`; the connection is being cut;
 * - 'reconnecting': waiting out the backoff before the next attempt;
 * - 'failed': given up (attempts exhausted or an error no retry can fix). Final;
 * - 'stopped': closed, aborted, or a finite source reached its end. Final.
 */
export type LiveState = 'connecting' | 'live' | 'stalled' | 'reconnecting' | 'failed' | 'stopped';

/** An error as events carry it: the stable code and the one-line, credential-free message. */
export interface LiveErrorInfo {
  readonly code: IngestErrorCode;
  readonly message: string;
}

export interface LiveStateChange {
  readonly from: LiveState;
  readonly to: LiveState;
  /** Wall-clock ms of the change. */
  readonly at: number;
  /** Connection attempts started so far (1 for the first connection). */
  readonly attempt: number;
  /** Why the source left 'live'/'connecting', or gave up; absent when nothing went wrong. */
  readonly error?: LiveErrorInfo;
  /** 'reconnecting' only: how long until the next attempt. */
  readonly delayMs?: number;
}

/** Frames (or audio) resumed after an outage: no item has a `ts` strictly between the two. */
export interface LiveGap {
  /** `ts` of the last frame or chunk before the outage. */
  readonly startTs: number;
  /** `ts` of the first frame or chunk after it. */
  readonly endTs: number;
}

export interface LiveSourceEvents {
  state: LiveStateChange;
  gap: LiveGap;
  /**
   * Audio was asked for and the source has some, but this connection cannot decode it
   * (INGEST_AUDIO_UNSUPPORTED): video goes on without it. Once per connection.
   */
  audioError: LiveErrorInfo;
}

export type LiveListener<K extends keyof LiveSourceEvents> = (payload: LiveSourceEvents[K]) => void;

export interface LiveStats {
  /** Frames handed to the consumer. */
  readonly framesEmitted: number;
  /** Frames dropped because the consumer fell behind (drop-oldest). */
  readonly framesDropped: number;
  /** Times the source scheduled a new connection after losing (or failing to make) one. */
  readonly reconnects: number;
  /** Wall-clock ms when the last frame arrived from ffmpeg; null before the first. */
  readonly lastFrameAt: number | null;
  /** Outages that frames resumed after (`gap` events). */
  readonly gaps: number;
  /** Audio chunks handed to the consumer (0 without the `audio` option). */
  readonly audioChunksEmitted: number;
  /** Audio chunks dropped because the audio consumer fell behind (drop-oldest). */
  readonly audioChunksDropped: number;
  /** Wall-clock ms when the last audio chunk arrived from ffmpeg; null before the first. */
  readonly lastAudioAt: number | null;
  /**
   * How the current (or last) connection decodes video; null before the first probe. With
   * 'keyframes' frames come at the source's keyframe rate (at most `fps`), not at `fps`.
   */
  readonly decode: DecodeMode | null;
}

/** The `audio` option of a live source. */
export interface LiveAudioOptions {
  /** Samples per chunk at 16 kHz (default 8000 = 0.5 s). */
  readonly chunkSamples?: number;
  /** Chunks buffered for a slow consumer before the oldest is dropped and counted (default 16). */
  readonly highWaterMark?: number;
}

/**
 * The audio of a live source: 16 kHz mono chunks whose `ts` is on the frames' wall clock and
 * continues across reconnects (`ptsMs` counts from the same origin as the frames'). Iterate it
 * once, alongside the frames. It ends when the source stops, throws INGEST_ABORTED after an abort
 * and the last error after 'failed'. Leaving the loop early stops audio delivery only: close() the
 * source to stop it.
 */
export interface LiveAudio extends AsyncIterable<AudioChunk> {
  /** Chunks currently buffered, waiting for the consumer. */
  readonly buffered: number;
}

export interface LiveSourceOptions {
  /** Analysis frame rate; omitted = every source frame. */
  readonly fps?: number;
  /** Scale so frames fit inside maxWidth x maxHeight (never upscales). */
  readonly maxWidth?: number;
  readonly maxHeight?: number;
  readonly pixelFormat?: PixelFormat;
  /** Decoder threads (see DecodeVideoOptions.threads). */
  readonly threads?: number;
  /**
   * How much of the stream to decode (see DecodeMode). Default: 'fast' when `fps` is at most half
   * the stream's frame rate, else 'full'. 'keyframes' raises the default stall timeout to 20 s.
   */
  readonly decode?: DecodeMode;
  /** Frames buffered for a slow consumer before the oldest is dropped and counted (default 8). */
  readonly highWaterMark?: number;
  /**
   * No frame for this long while live: 'stalled', and the connection is cut. Default 5000 ms;
   * 20 000 ms for HLS, which delivers whole segments in bursts, and for 'keyframes' decoding.
   */
  readonly stallTimeoutMs?: number;
  /** An attempt without a first frame after this long is cut and retried (default 30 000 ms). */
  readonly connectTimeoutMs?: number;
  /**
   * Consecutive failed attempts before 'failed' (a connection that stayed live for
   * `backoff.resetAfterMs` starts the count again). Default: Infinity for network sources, 1 for files.
   */
  readonly maxAttempts?: number;
  /** Reconnect delays; defaults: base 500 ms, cap 30 s, reset after 30 s live. */
  readonly backoff?: Partial<BackoffPolicy>;
  /** Uniform random numbers in [0, 1) for the backoff jitter (default Math.random). */
  readonly random?: () => number;
  /**
   * Decode the audio too, in the same ffmpeg as the frames (one connection to the source), and
   * deliver it through `audio`. Audio-only sources then work as well: no frames come, audio does,
   * and the state goes 'live' on the first chunk. Off by default.
   */
  readonly audio?: LiveAudioOptions;
  /** Aborting stops the source like close(), but iteration then throws INGEST_ABORTED. */
  readonly signal?: AbortSignal;
}

/**
 * A long-running frame source that survives camera restarts and network cuts: it reconnects with
 * backoff and keeps `seq` counting and `ts` wall-clock and non-decreasing across connections. In
 * the frames it yields, `ptsMs` is ms since the source's first frame (so `ts = firstTs + ptsMs`);
 * with the `audio` option, since the media time 0 of its first connection, for frames and audio
 * chunks alike (so `ts - ptsMs` is one constant for both).
 *
 * Iterate it once. Iteration ends when the source is closed (or a finite source ends), throws
 * INGEST_ABORTED after an abort, and throws the last error after 'failed' (once buffered frames
 * are consumed). Breaking out of the loop closes the source.
 */
export interface LiveSource extends AsyncIterable<Frame> {
  readonly state: LiveState;
  readonly stats: LiveStats;
  /** Media info of the current (or last) connection; null until one has been probed. */
  readonly info: MediaInfo | null;
  /** The audio chunks, when opened with the `audio` option; null otherwise. */
  readonly audio: LiveAudio | null;
  readonly closed: boolean;
  /** Subscribe; returns the unsubscribe function. A throwing listener cannot break the source. */
  on<K extends keyof LiveSourceEvents>(event: K, listener: LiveListener<K>): () => void;
  off<K extends keyof LiveSourceEvents>(event: K, listener: LiveListener<K>): void;
  /** Stop: cut the connection, reap ffmpeg, end iteration. Idempotent; resolves when all is reaped. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
