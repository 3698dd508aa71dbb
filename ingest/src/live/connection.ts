// One connection attempt of a live source: decodeVideo (or, with audio, decodeAv: one ffmpeg for
// both) wrapped with a connect timeout and a stall watchdog. The attempt reads frames and chunks as
// fast as ffmpeg delivers them, whatever the consumer does, so the watchdog measures the source
// and not the consumer; the LiveSource's own bounded queues absorb a slow consumer.
import { decodeAv } from '../decode-av.ts';
import { decodeVideo } from '../decode-video.ts';
import { IngestError, isIngestError } from '../errors.ts';
import type { AudioChunk, DecodeStream, DecodeVideoOptions, Frame, MediaInfo, SourceRef } from '../types.ts';
import type { Track } from './timeline.ts';

export interface ConnectionHooks {
  /** The probe is done and ffmpeg runs. */
  readonly onOpen: (info: MediaInfo) => void;
  /** The first frame (or, for an audio-only source, the first chunk) arrived: the connection is live. */
  readonly onLive: () => void;
  readonly onFrame: (frame: Frame) => void;
  readonly onAudio: (chunk: AudioChunk) => void;
  /** The source has audio that cannot be decoded; video goes on without it. */
  readonly onAudioError: (error: IngestError) => void;
  /** Nothing for `stallTimeoutMs` while live; the connection is cut right after. */
  readonly onStall: (error: IngestError) => void;
}

export interface ConnectionTiming {
  readonly connectTimeoutMs: number;
  readonly stallTimeoutMs: number;
}

export interface ConnectionDecode {
  readonly video: Omit<DecodeVideoOptions, 'signal'>;
  /** null: video only. */
  readonly audio: { readonly chunkSamples?: number } | null;
}

export interface ConnectionResult {
  /** Why the connection ended; null when a finite source reached its end cleanly. */
  readonly error: IngestError | null;
  /** How long it was live (first frame to end); null if it never was. */
  readonly liveMs: number | null;
  /** Frames dropped inside the decoder's queue (rare: we drain it continuously). */
  readonly dropped: number;
  readonly audioDropped: number;
}

// The decoders' own queues only bridge ffmpeg's pipes and our read loops.
const DECODE_HIGH_WATER_MARK = 2;
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Connection {
  private readonly ctrl = new AbortController();
  private cutError: IngestError | undefined;
  private video: DecodeStream<Frame> | null = null;
  private audio: DecodeStream<AudioChunk> | null = null;
  private closeDecoder: (() => Promise<void>) | undefined;
  /** The track whose items mean "live" and feed the stall watchdog: video, or audio without video. */
  private primary: Track = 'video';
  private timer: NodeJS.Timeout | undefined;
  private liveSince: number | null = null;

  constructor(
    private readonly src: SourceRef,
    private readonly decode: ConnectionDecode,
    private readonly timing: ConnectionTiming,
    private readonly hooks: ConnectionHooks,
  ) {}

  get dropped(): number {
    return this.video?.stats.dropped ?? 0;
  }

  get audioDropped(): number {
    return this.audio?.stats.dropped ?? 0;
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
          `no ${this.primary === 'video' ? 'frame' : 'audio'} from ${this.src.display} within ${this.timing.connectTimeoutMs} ms of connecting`,
        ),
      ),
    );
    let error: IngestError | null = null;
    try {
      const info = await this.open();
      this.hooks.onOpen(info);
      await this.consume();
      // ffmpeg exited cleanly. A finite source (known duration) is done; a live one should not end.
      if (this.cutError === undefined && (this.src.live || info.durationMs === null)) {
        error = new IngestError('INGEST_UNREACHABLE', `the live stream from ${this.src.display} ended`);
      }
    } catch (err) {
      error = toIngestError(this.src, err);
    } finally {
      clearTimeout(this.timer);
      await this.closeDecoder?.();
    }
    // A cut makes ffmpeg fail with INGEST_ABORTED (or end quietly): the cut's reason is the real one.
    return {
      error: this.cutError ?? error,
      liveMs: this.liveSince === null ? null : Date.now() - this.liveSince,
      dropped: this.dropped,
      audioDropped: this.audioDropped,
    };
  }

  private async open(): Promise<MediaInfo> {
    const common = { highWaterMark: DECODE_HIGH_WATER_MARK, signal: this.ctrl.signal };
    if (this.decode.audio === null) {
      const stream = await decodeVideo(this.src, {
        ...this.decode.video,
        ...common,
        overflow: 'drop-oldest',
      });
      this.video = stream;
      this.closeDecoder = () => stream.close();
      return stream.info;
    }
    const av = await decodeAv(this.src, { ...this.decode.video, ...common, audio: this.decode.audio });
    this.video = av.video;
    this.audio = av.audio;
    this.closeDecoder = () => av.close();
    this.primary = av.video ? 'video' : 'audio';
    if (av.audioError) this.hooks.onAudioError(av.audioError);
    return av.info;
  }

  /** Drain both outputs at once (one ffmpeg writes both: neither may wait for the other). */
  private async consume(): Promise<void> {
    const loops: Array<Promise<void>> = [];
    if (this.video) loops.push(this.drain(this.video, 'video', (frame) => this.hooks.onFrame(frame)));
    if (this.audio) loops.push(this.drain(this.audio, 'audio', (chunk) => this.hooks.onAudio(chunk)));
    // allSettled: a failing loop must not leave the other's rejection unhandled.
    const results = await Promise.allSettled(loops);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async drain<T>(stream: DecodeStream<T>, track: Track, deliver: (item: T) => void): Promise<void> {
    for await (const item of stream) if (this.accept(track)) deliver(item);
  }

  /** An item of `track` arrived: is it still wanted? (Items of the primary track feed the watchdog.) */
  private accept(track: Track): boolean {
    if (this.cutError !== undefined) return false; // items still buffered after a cut are stale
    if (track === this.primary) {
      if (this.liveSince === null) {
        this.liveSince = Date.now();
        this.hooks.onLive();
      }
      this.arm(this.timing.stallTimeoutMs, () => {
        const what = track === 'video' ? 'frame' : 'audio';
        const error = new IngestError(
          'INGEST_UNREACHABLE',
          `no ${what} from ${this.src.display} for ${this.timing.stallTimeoutMs} ms`,
        );
        this.hooks.onStall(error);
        this.cut(error);
      });
    }
    return true;
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
