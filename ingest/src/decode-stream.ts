import { onceIterator } from './once-iterator.ts';
import { BoundedQueue } from './bounded-queue.ts';
import { IngestError } from './errors.ts';
import { abortedError } from './failure.ts';
import type { FfmpegExit, FfmpegProcess } from './ffmpeg/process.ts';
import type { DecodeStats, DecodeStream, MediaInfo, OverflowPolicy, SourceRef } from './types.ts';

export interface SessionOptions<R, T> {
  readonly src: SourceRef;
  readonly info: MediaInfo;
  readonly proc: FfmpegProcess;
  readonly capacity: number;
  readonly policy: OverflowPolicy;
  readonly signal?: AbortSignal;
  /** Reads ffmpeg's stdout into the queue; resolves when stdout has ended. */
  readonly pump: (session: PumpContext<R>) => Promise<void>;
  /** Record → consumer item; `seq` counts items handed out. */
  readonly toItem: (record: R, seq: number) => T;
  /** After a natural exit: the error to throw once buffered items are consumed, or null. */
  readonly finalize: (exit: FfmpegExit) => IngestError | null;
  /** Called when we stop early, to release anything the pump may be waiting on. */
  readonly onStop?: () => void;
}

/** What the pump sees of the session. */
export interface PumpContext<R> {
  /** Queue a record, waiting for room under the 'block' policy. */
  put(record: R): Promise<void>;
  /** The consumer is gone: read and discard so ffmpeg can exit. */
  readonly stopping: boolean;
}

const pids = new WeakMap<object, number>();

/** The ffmpeg pid behind a stream (for tests that check the process is reaped). */
export function processIdOf(stream: object): number | undefined {
  return pids.get(stream);
}

/** Wire an ffmpeg process, a pump and a bounded queue into a DecodeStream. */
export function createDecodeStream<R, T>(opts: SessionOptions<R, T>): DecodeStream<T> {
  const stream = new Session(opts);
  pids.set(stream, opts.proc.pid);
  return stream;
}

class Session<R, T> implements DecodeStream<T>, PumpContext<R> {
  readonly info: MediaInfo;
  private readonly queue: BoundedQueue<R>;
  private emitted = 0;
  /** Set by onceIterator (not private: the helper flips it). */
  iterated = false;
  private finished = false;
  private closing: Promise<void> | undefined;
  private abortReason: IngestError | undefined;
  private readonly onAbort = (): void => this.abort();

  constructor(private readonly opts: SessionOptions<R, T>) {
    this.info = opts.info;
    this.queue = new BoundedQueue<R>(opts.capacity, opts.policy);
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
    const pumped = opts.pump(this).catch((err: unknown) => {
      if (this.stopping) return;
      this.queue.end(
        new IngestError('INGEST_DECODE_FAILED', `reading ${opts.src.display} failed`, { cause: err }),
      );
      void opts.proc.stop();
    });
    // The verdict waits for both: every frame queued and the exit status known.
    void Promise.all([opts.proc.exited, pumped]).then(([exit]) => {
      opts.signal?.removeEventListener('abort', this.onAbort);
      this.queue.end(this.stopping ? undefined : (opts.finalize(exit) ?? undefined));
    });
    if (opts.signal?.aborted) this.abort();
  }

  get stats(): DecodeStats {
    return { emitted: this.emitted, dropped: this.queue.dropped, buffered: this.queue.size };
  }

  get closed(): boolean {
    return this.closing !== undefined || this.finished;
  }

  get stopping(): boolean {
    return this.closing !== undefined;
  }

  async put(record: R): Promise<void> {
    if (this.queue.policy === 'block') await this.queue.waitForSpace();
    this.queue.push(record);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return onceIterator(
      this,
      'DecodeStream',
      () => this.next(),
      () => this.close(),
    );
  }

  private async next(): Promise<IteratorResult<T>> {
    let result: IteratorResult<R>;
    try {
      result = await this.queue.shift();
    } catch (err) {
      this.finished = true;
      // Aborted: make sure ffmpeg is reaped before the caller sees the error.
      if (err === this.abortReason) await this.close();
      throw err;
    }
    if (result.done) {
      this.finished = true;
      return { value: undefined, done: true };
    }
    return { value: this.opts.toItem(result.value, this.emitted++), done: false };
  }

  private abort(): void {
    if (this.closing || this.finished) return;
    this.abortReason = abortedError(this.opts.src, this.opts.signal?.reason);
    this.queue.abort(this.abortReason);
    void this.close();
  }

  private async shutdown(): Promise<void> {
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    if (!this.abortReason) this.queue.abort();
    this.opts.onStop?.();
    await this.opts.proc.stop();
  }
}

/** A stream with nothing in it (decodeAudio on a source without audio): no process to run. */
export function createEmptyStream<T>(info: MediaInfo): DecodeStream<T> {
  let closed = false;
  return {
    info,
    get stats(): DecodeStats {
      return { emitted: 0, dropped: 0, buffered: 0 };
    },
    get closed() {
      return closed;
    },
    close: async () => {
      closed = true;
    },
    [Symbol.asyncDispose]: async () => {
      closed = true;
    },
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<T>> => {
        closed = true;
        return { value: undefined, done: true };
      },
    }),
  };
}
