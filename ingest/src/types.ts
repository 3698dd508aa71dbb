/** Where media comes from. `live` sources have no end and no known duration. */
/** `images`: a folder of still images, each a moment of one source (see decodeImages). */
/** `whip`: a WHIP publisher's media, MPEG-TS from the dashboard's relay on 127.0.0.1 (never parsed from user input). */
export type SourceKind = 'file' | 'images' | 'http' | 'rtsp' | 'rtmp' | 'hls' | 'srt' | 'whip';

export interface SourceRef {
  readonly kind: SourceKind;
  /** What ffmpeg opens: an absolute file path or the full URL (may hold credentials). */
  readonly input: string;
  /** Safe to log/show: credentials and secret query params replaced by `***`. */
  readonly display: string;
  /** true for rtsp/rtmp/srt and for hls/http that turn out to be live (no duration). */
  readonly live: boolean;
}

export interface VideoStreamInfo {
  readonly index: number;
  readonly codec: string;
  readonly width: number;
  readonly height: number;
  /** Average frame rate; null when the container does not say. */
  readonly fps: number | null;
  /** Frame count when the container says; null otherwise. */
  readonly frames: number | null;
  readonly pixelFormat: string | null;
  /** Codec profile as ffprobe names it ("Constrained Baseline", "Main", "High", ...); null when unknown. */
  readonly profile?: string | null;
}

export interface AudioStreamInfo {
  readonly index: number;
  readonly codec: string;
  readonly sampleRate: number;
  readonly channels: number;
}

/** ffprobe output converted to our own type at the boundary. */
export interface MediaInfo {
  readonly formatName: string;
  /** null for live sources or when unknown. */
  readonly durationMs: number | null;
  readonly sizeBytes: number | null;
  readonly video: VideoStreamInfo | null;
  readonly audio: AudioStreamInfo | null;
}

export type PixelFormat = 'rgb24' | 'bgr24';

/** One decoded video frame, packed HWC, 3 bytes per pixel. */
export interface Frame {
  /** 0-based index among the frames this decoder emitted. */
  readonly seq: number;
  /** Presentation time from the source PTS, ms from the start of the media/stream. */
  readonly ptsMs: number;
  /** Wall-clock ms: `epochMs + ptsMs` (for files, epochMs is the job's fixed epoch). */
  readonly ts: number;
  readonly width: number;
  readonly height: number;
  readonly format: PixelFormat;
  readonly data: Uint8Array;
  /**
   * Wall-clock ms (fractional) when ffmpeg handed the frame over, before any queueing: the start
   * of the end-to-end latency a viewer sees. Absent for frames not produced by decodeVideo.
   */
  readonly receivedAt?: number;
}

/**
 * 16 kHz mono float32 PCM in [-1, 1]. `ptsMs`/`ts` are the time of the first sample, on the same
 * clock as the frames of the same source (a file's chunks and frames share its start; a live
 * source's share its wall clock).
 */
export interface AudioChunk {
  readonly seq: number;
  readonly ptsMs: number;
  readonly ts: number;
  readonly sampleRate: number;
  readonly samples: Float32Array;
  /** Wall-clock ms (fractional) when ffmpeg handed the chunk's last sample over. */
  readonly receivedAt?: number;
}

/**
 * What happens when the consumer is slower than the decoder:
 * - 'block': stop reading ffmpeg's stdout (backpressure; ffmpeg pauses). For files.
 * - 'drop-oldest': keep decoding, discard the oldest buffered frame and count it. For live sources.
 */
export type OverflowPolicy = 'block' | 'drop-oldest';

/**
 * How much of the video stream ffmpeg decodes (see decode-mode.ts):
 * - 'full': every frame, exactly;
 * - 'fast': cheap but correct for an analysed rate well below the source's: one decoder thread,
 *   non-reference frames not deblocked (or not decoded at all when the rate is far below). Frames
 *   keep the timestamps 'full' gives; pixels may differ slightly;
 * - 'keyframes': keyframes only. The analysed rate becomes the keyframe (GOP) rate, at most `fps`;
 *   `ptsMs` is each keyframe's own PTS. Cheapest by far; fine for slow scenes and presence checks.
 * Default: 'fast' for live (and real-time paced) sources analysed at half their frame rate or
 * less, 'full' otherwise.
 */
export type DecodeMode = 'full' | 'fast' | 'keyframes';

export interface DecodeVideoOptions {
  /** How much of the stream to decode (default: see DecodeMode). */
  readonly decode?: DecodeMode;
  /** Analysis frame rate; omitted = every source frame. */
  readonly fps?: number;
  /** Scale so the frame fits inside maxWidth x maxHeight, keeping aspect ratio (never upscales). */
  readonly maxWidth?: number;
  readonly maxHeight?: number;
  readonly pixelFormat?: PixelFormat;
  /** Stop after this much media time. */
  readonly durationMs?: number;
  /** Wall-clock epoch for `ts`; default Date.now() at open. */
  readonly epochMs?: number;
  /** Buffered frames before the overflow policy applies (default 8). */
  readonly highWaterMark?: number;
  /** Default 'block' for files, 'drop-oldest' for live sources. */
  readonly overflow?: OverflowPolicy;
  /** Read a file at its native rate (-re), to simulate a live source. */
  readonly realtime?: boolean;
  /**
   * Decoder threads (default: all cores). Use 1 for paced or live sources: one thread keeps up with
   * real time easily, and many sources with many threads each waste the cores on synchronisation.
   */
  readonly threads?: number;
  readonly signal?: AbortSignal;
}

export interface DecodeAudioOptions {
  /** Samples per chunk at 16 kHz (default 8000 = 0.5 s). */
  readonly chunkSamples?: number;
  /** Read a file at its native rate (-re), to simulate a live source. */
  readonly realtime?: boolean;
  readonly durationMs?: number;
  readonly epochMs?: number;
  readonly highWaterMark?: number;
  readonly overflow?: OverflowPolicy;
  readonly signal?: AbortSignal;
}

export interface DecodeStats {
  /** Frames/chunks handed to the consumer. */
  readonly emitted: number;
  /** Dropped by the 'drop-oldest' policy. */
  readonly dropped: number;
  /** Currently buffered, waiting for the consumer. */
  readonly buffered: number;
}

/**
 * A bounded async iterable over decoded frames (or audio chunks). Iterating to the end, breaking
 * out of the loop, aborting the signal or calling close() all stop ffmpeg and reap the process.
 * If ffmpeg fails (bad input, truncated media, unreachable URL), iteration throws an IngestError
 * after the frames that were decoded before the failure.
 */
export interface DecodeStream<T> extends AsyncIterable<T> {
  readonly stats: DecodeStats;
  readonly closed: boolean;
  /** Media info probed before decoding started. */
  readonly info: MediaInfo;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface FfmpegPaths {
  readonly ffmpeg: string;
  readonly ffprobe: string;
  /** Where they were found: FFMPEG_PATH / FFPROBE_PATH, PATH, or the bundled npm fallback. */
  readonly origin: 'env' | 'path' | 'bundled';
}
