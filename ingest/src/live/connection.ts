// One connection attempt of a live source: decodeVideo (probe + ffmpeg, its bounded queue and
// process supervision) wrapped with a connect timeout and a stall watchdog. The attempt reads
// frames as fast as ffmpeg delivers them, whatever the consumer does, so the watchdog measures the
// source and not the consumer; the LiveSource's own bounded queue absorbs a slow consumer.
import { decodeVideo } from '../decode-video.ts';
import { IngestError, isIngestError } from '../errors.ts';
import type { DecodeStream, DecodeVideoOptions, Frame, MediaInfo, SourceRef } from '../types.ts';

export interface ConnectionHooks {
  /** The probe is done and ffmpeg runs. */
  readonly onOpen: (info: MediaInfo) => void;
  /** The first frame arrived: the connection is live. */
  readonly onLive: () => void;
  readonly onFrame: (frame: Frame) => void;
  /** No frame for `stallTimeoutMs` while live; the connection is cut right after. */
  readonly onStall: (error: IngestError) => void;
}

export interface ConnectionTiming {
  readonly connectTimeoutMs: number;
  readonly stallTimeoutMs: number;
}

export interface ConnectionResult {
  /** Why the connection ended; null when a finite source reached its end cleanly. */
  readonly error: IngestError | null;
  /** How long it was live (first frame to end); null if it never was. */
  readonly liveMs: number | null;
  /** Frames dropped inside decodeVideo's queue (rare: we drain it continuously). */
  readonly dropped: number;
}

// decodeVideo's own queue only bridges ffmpeg's pipe and our read loop.
const DECODE_HIGH_WATER_MARK = 2;
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Connection {
  private readonly ctrl = new AbortController();
  private cutError: IngestError | undefined;
  private stream: DecodeStream<Frame> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private liveSince: number | null = null;

  constructor(
    private readonly src: SourceRef,
    private readonly decode: Omit<DecodeVideoOptions, 'signal'>,
    private readonly timing: ConnectionTiming,
    private readonly hooks: ConnectionHooks,
  ) {}

  get dropped(): number {
    return this.stream?.stats.dropped ?? 0;
  }

  /** Cut the connection (close, abort): ffmpeg is stopped and run() resolves once it is reaped. */
  stop(reason: IngestError): void {
    this.cut(reason);
  }

  async run(): Promise<ConnectionResult> {
    this.arm(this.timing.connectTimeoutMs, () =>
      this.cut(
        new IngestError(
          'INGEST_UNREACHABLE',
          `no frame from ${this.src.display} within ${this.timing.connectTimeoutMs} ms of connecting`,
        ),
      ),
    );
    let error: IngestError | null = null;
    try {
      this.stream = await decodeVideo(this.src, {
        ...this.decode,
        overflow: 'drop-oldest',
        highWaterMark: DECODE_HIGH_WATER_MARK,
        signal: this.ctrl.signal,
      });
      this.hooks.onOpen(this.stream.info);
      for await (const frame of this.stream) this.onFrame(frame);
      // ffmpeg exited cleanly. A finite source (known duration) is done; a live one should not end.
      if (this.cutError === undefined && (this.src.live || this.stream.info.durationMs === null)) {
        error = new IngestError('INGEST_UNREACHABLE', `the live stream from ${this.src.display} ended`);
      }
    } catch (err) {
      error = toIngestError(this.src, err);
    } finally {
      clearTimeout(this.timer);
      await this.stream?.close();
    }
    // A cut makes ffmpeg fail with INGEST_ABORTED (or end quietly): the cut's reason is the real one.
    return {
      error: this.cutError ?? error,
      liveMs: this.liveSince === null ? null : Date.now() - this.liveSince,
      dropped: this.dropped,
    };
  }

  private onFrame(frame: Frame): void {
    if (this.cutError !== undefined) return; // frames still buffered after a cut are stale
    if (this.liveSince === null) {
      this.liveSince = Date.now();
      this.hooks.onLive();
    }
    this.arm(this.timing.stallTimeoutMs, () => {
      const error = new IngestError(
        'INGEST_UNREACHABLE',
        `no frame from ${this.src.display} for ${this.timing.stallTimeoutMs} ms`,
      );
      this.hooks.onStall(error);
      this.cut(error);
    });
    this.hooks.onFrame(frame);
  }

  private arm(ms: number, fire: () => void): void {
    clearTimeout(this.timer);
    // Longer than setTimeout can count (~24.8 days) means never, not "overflow to 1 ms".
    if (ms <= MAX_TIMER_MS) this.timer = setTimeout(fire, ms);
  }

  private cut(reason: IngestError): void {
    if (this.cutError !== undefined) return;
    this.cutError = reason;
    clearTimeout(this.timer);
    this.ctrl.abort(reason);
  }
}

/** Anything thrown below us becomes an IngestError whose message names only the redacted source. */
function toIngestError(src: SourceRef, err: unknown): IngestError {
  if (isIngestError(err)) return err;
  return new IngestError('INGEST_DECODE_FAILED', `decoding ${src.display} failed`, { cause: err });
}
