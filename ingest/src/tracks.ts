// The per-output half of a decode: how the bytes of one ffmpeg output pipe become Frames or
// AudioChunks with timestamps. decodeVideo and decodeAudio run one of these on their own ffmpeg;
// the live A/V decode runs both on one ffmpeg's two pipes.
import type { Readable } from 'node:stream';
import { round, samplesToMs } from './audio-clock.ts';
import type { AudioClock } from './audio-clock.ts';
import type { SessionOptions } from './decode-stream.ts';
import { AUDIO_SAMPLE_RATE } from './ffmpeg/args.ts';
import type { Size } from './ffmpeg/args.ts';
import type { FfmpegExit, FfmpegProcess } from './ffmpeg/process.ts';
import type { IngestError } from './errors.ts';
import type { PtsTracker } from './pts-tracker.ts';
import { readRecords } from './record-reader.ts';
import { endOfStreamError } from './session-setup.ts';
import type { AudioChunk, Frame, MediaInfo, OverflowPolicy, PixelFormat, SourceRef } from './types.ts';

export interface RawFrame {
  readonly data: Uint8Array;
  readonly ptsMs: number;
  readonly receivedAt: number;
}

export interface RawChunk {
  readonly samples: Float32Array;
  readonly ptsMs: number;
  readonly receivedAt: number;
}

/** What both kinds of track share. */
export interface TrackCommon {
  readonly src: SourceRef;
  readonly info: MediaInfo;
  readonly proc: FfmpegProcess;
  /** The pipe this track reads. */
  readonly stream: Readable;
  readonly epochMs: number;
  readonly capacity: number;
  readonly policy: OverflowPolicy;
  readonly signal?: AbortSignal;
  /** The end-of-stream verdict; `lastMs` is the ptsMs of the last item (null when none). */
  readonly finalize: (exit: FfmpegExit, lastMs: number | null) => IngestError | null;
}

/** The caller's buffering and timing options a track takes. */
export interface TrackCallerOptions {
  readonly durationMs?: number;
  readonly epochMs?: number;
  readonly highWaterMark?: number;
  readonly overflow?: OverflowPolicy;
  readonly signal?: AbortSignal;
}

/**
 * TrackCommon of one output of `proc`: its stdout (a caller reading another pipe overrides
 * `stream`), the caller's buffering (live sources default to 'drop-oldest', files to 'block'),
 * and the end-of-stream verdict on that output.
 */
export function trackCommon(
  src: SourceRef,
  info: MediaInfo,
  proc: FfmpegProcess,
  live: boolean,
  opts: TrackCallerOptions,
  verdict: { readonly toleranceMs: number; readonly audio?: boolean },
): TrackCommon {
  return {
    src,
    info,
    proc,
    stream: proc.stdout,
    epochMs: opts.epochMs ?? Date.now(),
    capacity: opts.highWaterMark ?? 8,
    policy: opts.overflow ?? (live ? 'drop-oldest' : 'block'),
    ...(opts.signal ? { signal: opts.signal } : {}),
    finalize: (exit, lastMs) =>
      endOfStreamError(src, proc, exit, {
        live,
        durationMs: info.durationMs,
        limitMs: opts.durationMs,
        lastMs,
        ...verdict,
      }),
  };
}

/** The session options a track passes on as they are. */
function sessionBase(o: TrackCommon) {
  return {
    src: o.src,
    info: o.info,
    proc: o.proc,
    capacity: o.capacity,
    policy: o.policy,
    ...(o.signal ? { signal: o.signal } : {}),
  };
}

export interface FrameTrackOptions extends TrackCommon {
  readonly size: Size;
  readonly format: PixelFormat;
  /** The expected frame interval, to continue the cadence when a PTS is missing. */
  readonly frameMs: number;
  readonly pts: PtsTracker;
  /**
   * The media time (ms, ffmpeg's clock) that is ptsMs 0: the container's start for files, the
   * first frame's PTS for a live source (undefined: take it from the first frame).
   */
  readonly originMs: number | undefined;
}

export function frameTrack(o: FrameTrackOptions): SessionOptions<RawFrame, Frame> {
  let origin = o.originMs;
  let lastPtsMs: number | null = null;
  return {
    ...sessionBase(o),
    onStop: () => o.pts.end(),
    pump: (session) =>
      readRecords(
        o.stream,
        { recordBytes: o.size.width * o.size.height * 3, discarding: () => session.stopping },
        async (data) => {
          const receivedAt = performance.timeOrigin + performance.now();
          const raw = await o.pts.next();
          // No PTS printed (NOPTS, or stderr already gone): continue the cadence.
          let ptsMs: number;
          if (raw === null) {
            ptsMs = lastPtsMs === null ? 0 : lastPtsMs + o.frameMs;
          } else {
            origin ??= raw;
            ptsMs = round(raw - origin);
          }
          lastPtsMs = ptsMs;
          await session.put({ data, ptsMs, receivedAt });
        },
      ),
    toItem: (raw, seq) => ({
      seq,
      ptsMs: raw.ptsMs,
      ts: o.epochMs + raw.ptsMs,
      width: o.size.width,
      height: o.size.height,
      format: o.format,
      data: raw.data,
      receivedAt: raw.receivedAt,
    }),
    finalize: (exit) => o.finalize(exit, lastPtsMs),
  };
}

export interface AudioTrackOptions extends TrackCommon {
  readonly chunkSamples: number;
  readonly clock: AudioClock;
  /**
   * The media time (ms, ffmpeg's clock) that is ptsMs 0: the frames' origin (the container's
   * start for files); undefined: the first chunk's time.
   */
  readonly originMs: number | undefined;
}

const BYTES_PER_SAMPLE = 4;

export function audioTrack(o: AudioTrackOptions): SessionOptions<RawChunk, AudioChunk> {
  let origin = o.originMs;
  let samplesRead = 0;
  let lastEndMs: number | null = null;
  return {
    ...sessionBase(o),
    onStop: () => o.clock.end(),
    pump: (session) =>
      readRecords(
        o.stream,
        {
          recordBytes: o.chunkSamples * BYTES_PER_SAMPLE,
          partialTail: { alignBytes: BYTES_PER_SAMPLE },
          discarding: () => session.stopping,
        },
        async (bytes) => {
          const receivedAt = performance.timeOrigin + performance.now();
          // Each record is a fresh, 4-byte aligned buffer: view it, no copy. (f32le read as
          // native floats: every platform Node ships prebuilt binaries for is little-endian.)
          const samples = new Float32Array(
            bytes.buffer,
            bytes.byteOffset,
            bytes.byteLength / BYTES_PER_SAMPLE,
          );
          const first = samplesRead;
          samplesRead += samples.length;
          const mediaMs = await o.clock.at(first);
          origin ??= mediaMs;
          // Never before the origin: the container starts with its earliest stream, and the
          // sample grid may round a hair below it.
          const ptsMs = Math.max(0, round(mediaMs - origin));
          lastEndMs = ptsMs + samplesToMs(samples.length);
          await session.put({ samples, ptsMs, receivedAt });
        },
      ),
    toItem: (raw, seq) => ({
      seq,
      ptsMs: raw.ptsMs,
      ts: o.epochMs + raw.ptsMs,
      sampleRate: AUDIO_SAMPLE_RATE,
      samples: raw.samples,
      receivedAt: raw.receivedAt,
    }),
    finalize: (exit) => o.finalize(exit, lastEndMs),
  };
}
