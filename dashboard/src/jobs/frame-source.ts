import {
  decodeImages,
  decodeVideo,
  openLiveSource,
  startRecorder,
  type AudioChunk,
  type DecodeMode,
  type Frame,
  type LiveErrorInfo,
  type LiveGap,
  type LiveStateChange,
  type MediaInfo,
  type Recorder,
  type RecordedSegment,
  type SourceRef,
} from '@aima/ingest';

/** What the job reads frames from: a file decode, or a live source that survives reconnects. */
export interface FrameSource extends AsyncIterable<Frame> {
  /** Media info of the (current) connection; null for a live source before its first connection. */
  readonly info: MediaInfo | null;
  readonly dropped: number;
  readonly buffered: number;
  /** Live sources opened with `audio`: their chunks, from the same ffmpeg as the frames. */
  readonly audio: AsyncIterable<AudioChunk> | null;
  close(): Promise<void>;
}

export interface LiveHooks {
  readonly onState?: (c: LiveStateChange) => void;
  readonly onGap?: (g: LiveGap) => void;
  /** Record the live source as fMP4 segments into `dir`; close() waits for every onSegment promise. */
  readonly record?: {
    readonly dir: string;
    readonly segmentSeconds?: number;
    readonly onSegment: (r: RecordedSegment) => Promise<void>;
  };
  /** Decode the audio too (same connection, same ffmpeg), in chunks of this many 16 kHz samples. */
  readonly audioChunkSamples?: number;
  /** This connection's audio cannot be decoded (video goes on). */
  readonly onAudioError?: (e: LiveErrorInfo) => void;
}

export interface FrameSourceOptions {
  readonly fps: number;
  readonly maxWidth: number;
  readonly maxHeight: number;
  readonly durationMs?: number;
  readonly realtime?: boolean;
  /** How much of the video to decode (default: ingest's, by source and rate; see DecodeMode). */
  readonly decode?: DecodeMode;
  readonly epochMs: number;
  readonly sourceId: string;
  readonly signal?: AbortSignal;
  readonly live?: LiveHooks;
  /** Live sources: consecutive failed connection attempts before giving up (default: never). */
  readonly maxAttempts?: number;
}

/**
 * Files decode once (backpressure, nothing dropped). Live sources reconnect forever with backoff;
 * while live, a recorder writes segments (restarted after each reconnect, since its connection
 * dies with the camera's).
 */
export async function openFrameSource(src: SourceRef, o: FrameSourceOptions): Promise<FrameSource> {
  if (src.kind === 'images') {
    // A folder of stills: one moment per image, 1 s apart; unreadable files are skipped and counted.
    const d = await decodeImages(src, {
      maxWidth: o.maxWidth,
      maxHeight: o.maxHeight,
      epochMs: o.epochMs,
      signal: o.signal,
    });
    return {
      [Symbol.asyncIterator]: () => d[Symbol.asyncIterator](),
      info: d.info,
      get dropped() {
        return d.stats.skipped;
      },
      buffered: 0,
      audio: null,
      close: () => d.close(),
    };
  }
  if (!src.live) {
    const d = await decodeVideo(src, {
      fps: o.fps,
      maxWidth: o.maxWidth,
      maxHeight: o.maxHeight,
      durationMs: o.durationMs,
      realtime: o.realtime,
      // Paced files decode at real time: one thread keeps up and leaves the cores to the model.
      ...(o.realtime ? { threads: 1 } : {}),
      ...(o.decode ? { decode: o.decode } : {}),
      epochMs: o.epochMs,
      signal: o.signal,
    });
    return {
      [Symbol.asyncIterator]: () => d[Symbol.asyncIterator](),
      get info() {
        return d.info;
      },
      get dropped() {
        return d.stats.dropped;
      },
      get buffered() {
        return d.stats.buffered;
      },
      audio: null,
      close: () => d.close(),
    };
  }
  const live = openLiveSource(src, {
    fps: o.fps,
    maxWidth: o.maxWidth,
    maxHeight: o.maxHeight,
    signal: o.signal,
    threads: 1,
    ...(o.decode ? { decode: o.decode } : {}),
    ...(o.maxAttempts === undefined ? {} : { maxAttempts: o.maxAttempts }),
    ...(o.live?.audioChunkSamples ? { audio: { chunkSamples: o.live.audioChunkSamples } } : {}),
  });
  if (o.live?.onAudioError) live.on('audioError', o.live.onAudioError);
  let recorder: Recorder | null = null;
  const rec = o.live?.record;
  const writes = new Set<Promise<void>>();
  const startRecording = (): void => {
    if (!rec || (recorder && !recorder.closed && recorder.state !== 'failed' && recorder.state !== 'stopped'))
      return;
    recorder = startRecorder(src, { dir: rec.dir, sourceId: o.sourceId, segmentSeconds: rec.segmentSeconds });
    recorder.on('segment', (s) => {
      const w = rec.onSegment(s).catch(() => undefined);
      writes.add(w);
      void w.finally(() => writes.delete(w));
    });
  };
  live.on('state', (c) => {
    if (c.to === 'live') startRecording();
    // The recorder's own connection is as dead as ours: finish its segment now rather than wait
    // for its I/O timeout, so the next 'live' starts a fresh one.
    else if (c.from === 'live' && recorder) {
      const closing = recorder;
      recorder = null;
      const w = closing.close().then(() => undefined);
      writes.add(w);
      void w.finally(() => writes.delete(w));
    }
    o.live?.onState?.(c);
  });
  if (o.live?.onGap) live.on('gap', o.live.onGap);
  return {
    [Symbol.asyncIterator]: () => live[Symbol.asyncIterator](),
    get info() {
      return live.info;
    },
    get dropped() {
      return live.stats.framesDropped;
    },
    get buffered() {
      return 0;
    },
    audio: live.audio,
    async close() {
      await live.close();
      // The recorder finalises its last segment (and reports it) before this resolves.
      await (recorder as Recorder | null)?.close();
      // Segment rows written before close() resolves: none is lost with the job.
      await Promise.all([...writes]);
    },
  };
}

/** Takes the first frame off a source so its media info (picture size) is known before analysis. */
export async function peekFirst(
  frames: AsyncIterable<Frame>,
): Promise<{ first: Frame | null; rest: AsyncIterable<Frame> }> {
  const it = frames[Symbol.asyncIterator]();
  const r = await it.next();
  if (r.done) return { first: null, rest: { [Symbol.asyncIterator]: () => it } };
  const first = r.value;
  async function* rest(): AsyncGenerator<Frame> {
    yield first;
    try {
      for (;;) {
        const n = await it.next();
        if (n.done) return;
        yield n.value;
      }
    } finally {
      await it.return?.();
    }
  }
  return { first, rest: rest() };
}
