import { onceIterator } from '../once-iterator.ts';
import { BoundedQueue } from '../bounded-queue.ts';
import { IngestError, isIngestError } from '../errors.ts';
import { abortedError } from '../failure.ts';
import { redactText } from '../source.ts';
import type { AudioChunk, DecodeMode, Frame, MediaInfo, SourceRef } from '../types.ts';
import { resolveDecodeMode } from '../decode-mode.ts';
import { samplesToMs } from '../audio-clock.ts';
import { backoffDelay, isRetryable, shouldResetFailures } from './backoff.ts';
import { Connection } from './connection.ts';
import type { ConnectionHooks } from './connection.ts';
import { TypedEmitter } from './emitter.ts';
import { liveConfig } from './options.ts';
import type { LiveConfig } from './options.ts';
import { LiveTimeline } from './timeline.ts';
import type {
  LiveAudio,
  LiveErrorInfo,
  LiveGap,
  LiveListener,
  LiveSource,
  LiveSourceEvents,
  LiveSourceOptions,
  LiveState,
  LiveStateChange,
  LiveStats,
} from './types.ts';

/**
 * Open a live source: connect now, and keep reconnecting (exponential backoff with full jitter)
 * whenever the stream fails, ends or stalls, until closed, aborted, or `maxAttempts` consecutive
 * attempts failed. INGEST_UNSUPPORTED_URL and INGEST_FFMPEG_NOT_FOUND fail at once.
 *
 * The source starts in 'connecting'; subscribe to 'state' right after opening to see every change.
 * A finite source (a file or VOD, known duration) that plays to its end moves to 'stopped'.
 * Throws RangeError for bad options and INGEST_ABORTED if `signal` has already fired.
 */
export function openLiveSource(src: SourceRef, opts: LiveSourceOptions = {}): LiveSource {
  const config = liveConfig(src, opts);
  if (opts.signal?.aborted) throw abortedError(src, opts.signal.reason);
  return new Live(src, config, opts.signal);
}

interface Pending {
  readonly frame: Frame;
  readonly ts: number;
  readonly ptsMs: number;
}

const FINAL: ReadonlySet<LiveState> = new Set(['failed', 'stopped']);

class Live implements LiveSource {
  private current: LiveState = 'connecting';
  private readonly queue: BoundedQueue<Pending>;
  private readonly events = new TypedEmitter<LiveSourceEvents>(reportListenerError);
  private readonly timeline = new LiveTimeline();
  private readonly stopCtrl = new AbortController();
  private readonly loop: Promise<void>;
  private connection: Connection | undefined;
  private mediaInfo: MediaInfo | null = null;
  private decodeMode: DecodeMode | null = null;
  private attempts = 0;
  private reconnects = 0;
  private gaps = 0;
  private emitted = 0;
  private droppedEarlier = 0;
  private audioDroppedEarlier = 0;
  private lastAudioAt: number | null = null;
  private lastFrameAt: number | null = null;
  private readonly audioQueue: AudioQueue | null;
  /** Set by onceIterator (not private: the helper flips it). */
  iterated = false;
  private closing: Promise<void> | undefined;
  private abortReason: IngestError | undefined;
  private readonly onAbort = (): void => this.abort();

  constructor(
    private readonly src: SourceRef,
    private readonly config: LiveConfig,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.queue = new BoundedQueue<Pending>(config.highWaterMark, 'drop-oldest');
    // An aborted audio loop, like the frame loop, sees INGEST_ABORTED only once ffmpeg is reaped.
    this.audioQueue = config.connection.audio
      ? new AudioQueue(config.audioHighWaterMark, (err) =>
          err === this.abortReason ? this.close() : undefined,
        )
      : null;
    signal?.addEventListener('abort', this.onAbort, { once: true });
    // Start on a microtask: listeners subscribed right after opening see the first change.
    this.loop = Promise.resolve()
      .then(() => this.run())
      .catch((err: unknown) => this.fail(toIngestError(this.src, err)));
  }

  get state(): LiveState {
    return this.current;
  }

  get info(): MediaInfo | null {
    return this.mediaInfo;
  }

  get closed(): boolean {
    return this.closing !== undefined || FINAL.has(this.current);
  }

  get audio(): LiveAudio | null {
    return this.audioQueue;
  }

  get stats(): LiveStats {
    return {
      framesEmitted: this.emitted,
      framesDropped: this.queue.dropped + this.droppedEarlier + (this.connection?.dropped ?? 0),
      reconnects: this.reconnects,
      lastFrameAt: this.lastFrameAt,
      gaps: this.gaps,
      audioChunksEmitted: this.audioQueue?.emitted ?? 0,
      audioChunksDropped:
        (this.audioQueue?.dropped ?? 0) + this.audioDroppedEarlier + (this.connection?.audioDropped ?? 0),
      lastAudioAt: this.lastAudioAt,
      decode: this.decodeMode,
    };
  }

  on<K extends keyof LiveSourceEvents>(event: K, listener: LiveListener<K>): () => void {
    return this.events.on(event, listener);
  }

  off<K extends keyof LiveSourceEvents>(event: K, listener: LiveListener<K>): void {
    this.events.off(event, listener);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<Frame> {
    return onceIterator(
      this,
      'LiveSource',
      () => this.next(),
      () => this.close(),
    );
  }

  private async next(): Promise<IteratorResult<Frame>> {
    let result: IteratorResult<Pending>;
    try {
      result = await this.queue.shift();
    } catch (err) {
      // Aborted: ffmpeg is reaped before the caller sees the error.
      if (err === this.abortReason) await this.close();
      throw err;
    }
    if (result.done) return { value: undefined, done: true };
    const { frame, ts, ptsMs } = result.value;
    return { value: { ...frame, seq: this.emitted++, ts, ptsMs }, done: false };
  }

  private get stopping(): boolean {
    return this.closing !== undefined;
  }

  private async run(): Promise<void> {
    const { backoff, maxAttempts, random } = this.config;
    let failures = 0;
    while (!this.stopping) {
      this.attempts++;
      this.setState('connecting');
      this.timeline.reconnect();
      const connection = new Connection(this.src, this.config.connection, this.config.timing, this.hooks);
      this.connection = connection;
      const result = await connection.run();
      this.connection = undefined;
      this.droppedEarlier += result.dropped;
      this.audioDroppedEarlier += result.audioDropped;
      if (this.stopping) return;

      const error = result.error;
      if (error === null) {
        this.finish(); // a finite source played to its end
        return;
      }
      if (shouldResetFailures(result.liveMs, backoff)) failures = 0;
      failures++;
      if (!isRetryable(error.code) || failures >= maxAttempts) {
        this.fail(error);
        return;
      }
      const delayMs = backoffDelay(failures, backoff, random);
      this.reconnects++;
      this.setState('reconnecting', error, delayMs);
      await wait(delayMs, this.stopCtrl.signal);
    }
  }

  private readonly hooks: ConnectionHooks = {
    onOpen: (info) => {
      this.mediaInfo = info;
      // The same resolution decodeVideo made for this connection (it depends on the probed rate).
      const { fps, decode } = this.config.decode;
      this.decodeMode = info.video
        ? resolveDecodeMode(decode, {
            paced: this.src.live || info.durationMs === null,
            fps,
            sourceFps: info.video.fps,
          })
        : null;
    },
    onLive: () => this.setState('live'),
    onStall: (error) => this.setState('stalled', error),
    onFrame: (frame) => {
      const arrivedMs = frame.receivedAt ?? Date.now();
      const stamp = this.timeline.stamp(frame.ptsMs, arrivedMs, 'video');
      this.lastFrameAt = arrivedMs;
      this.onGap(stamp.gap);
      this.queue.push({ frame, ts: stamp.ts, ptsMs: stamp.ptsMs });
    },
    onAudio: (chunk) => {
      const arrivedMs = chunk.receivedAt ?? Date.now();
      const durationMs = samplesToMs(chunk.samples.length);
      const stamp = this.timeline.stamp(chunk.ptsMs, arrivedMs, 'audio', durationMs);
      this.lastAudioAt = arrivedMs;
      this.onGap(stamp.gap);
      this.audioQueue?.push({ ...chunk, ts: stamp.ts, ptsMs: stamp.ptsMs });
    },
    onAudioError: (error) => this.events.safeEmit('audioError', this.errorInfo(error)),
  };

  private onGap(gap: LiveGap | null): void {
    if (gap === null) return;
    this.gaps++;
    this.events.safeEmit('gap', Object.freeze(gap));
  }

  private setState(to: LiveState, error?: IngestError, delayMs?: number): void {
    const from = this.current;
    if (from === to || FINAL.has(from)) return;
    this.current = to;
    const change: LiveStateChange = {
      from,
      to,
      at: Date.now(),
      attempt: this.attempts,
      ...(error !== undefined ? { error: this.errorInfo(error) } : {}),
      ...(delayMs !== undefined ? { delayMs } : {}),
    };
    this.events.safeEmit('state', Object.freeze(change));
  }

  /** Our messages name sources by `display` already; scrub anyway, as a last line of defence. */
  private errorInfo(error: IngestError): LiveErrorInfo {
    const message = redactText(error.message.split(this.src.input).join(this.src.display));
    return Object.freeze({ code: error.code, message });
  }

  private fail(error: IngestError): void {
    this.setState('failed', error);
    this.signal?.removeEventListener('abort', this.onAbort);
    this.queue.end(error);
    this.audioQueue?.end(error);
  }

  private finish(): void {
    this.setState('stopped');
    this.signal?.removeEventListener('abort', this.onAbort);
    this.queue.end();
    this.audioQueue?.end();
  }

  private abort(): void {
    if (this.stopping || FINAL.has(this.current)) return;
    this.abortReason = abortedError(this.src, this.signal?.reason);
    this.queue.abort(this.abortReason);
    this.audioQueue?.abort(this.abortReason);
    void this.close();
  }

  private async shutdown(): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    if (this.abortReason === undefined) {
      this.queue.abort();
      this.audioQueue?.abort();
    }
    this.setState('stopped', this.abortReason);
    this.stopCtrl.abort();
    this.connection?.stop(this.abortReason ?? abortedError(this.src));
    await this.loop;
  }
}

/**
 * The audio side of a live source: a drop-oldest queue of stamped chunks, iterated once. Leaving
 * the loop early stops queueing (chunks are then discarded) but leaves the source running.
 */
class AudioQueue implements LiveAudio {
  private readonly queue: BoundedQueue<AudioChunk>;
  private count = 0;
  /** Set by onceIterator (not private: the helper flips it). */
  iterated = false;

  constructor(
    capacity: number,
    private readonly beforeThrow: (err: unknown) => Promise<void> | undefined,
  ) {
    this.queue = new BoundedQueue<AudioChunk>(capacity, 'drop-oldest');
  }

  get buffered(): number {
    return this.queue.size;
  }

  get emitted(): number {
    return this.count;
  }

  get dropped(): number {
    return this.queue.dropped;
  }

  push(chunk: AudioChunk): void {
    this.queue.push(chunk);
  }

  end(error?: Error): void {
    this.queue.end(error);
  }

  abort(error?: Error): void {
    this.queue.abort(error);
  }

  [Symbol.asyncIterator](): AsyncIterator<AudioChunk> {
    return onceIterator(
      this,
      'LiveSource audio',
      async () => {
        let result: IteratorResult<AudioChunk>;
        try {
          result = await this.queue.shift();
        } catch (err) {
          await this.beforeThrow(err);
          throw err;
        }
        if (result.done) return result;
        return { value: { ...result.value, seq: this.count++ }, done: false };
      },
      async () => this.queue.abort(),
    );
  }
}

function toIngestError(src: SourceRef, err: unknown): IngestError {
  if (isIngestError(err)) return err;
  return new IngestError('INGEST_DECODE_FAILED', `live source ${src.display} failed`, { cause: err });
}

function reportListenerError(error: unknown, event: string): void {
  const detail = error instanceof Error ? error.message : String(error);
  // The listener is the consumer's code: tell them, but keep the source running.
  process.emitWarning(`a '${event}' listener of a live source threw: ${redactText(detail)}`, {
    code: 'AIMA_LIVE_LISTENER_ERROR',
  });
}

/** Resolves after `ms`, or at once when `signal` fires. */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
