import { createDecodeStream } from './decode-stream.ts';
import { decoderPlan, isDecodeMode, resolveDecodeMode } from './decode-mode.ts';
import type { DecoderPlan } from './decode-mode.ts';
import { IngestError } from './errors.ts';
import { abortedError, failureError } from './failure.ts';
import { fitSize, videoArgs } from './ffmpeg/args.ts';
import { detectFeatures } from './ffmpeg/features.ts';
import { resolveFfmpeg } from './ffmpeg/resolve.ts';
import { probeSource } from './probe.ts';
import type { ProbeResult } from './probe.ts';
import { PtsTracker } from './pts-tracker.ts';
import { checkOptions, launch } from './session-setup.ts';
import { frameTrack, trackCommon } from './tracks.ts';
import type { DecodeStream, DecodeVideoOptions, Frame, PixelFormat, SourceRef } from './types.ts';
import type { Size, VideoOutputOptions } from './ffmpeg/args.ts';

/**
 * Decode a source into RGB (or BGR) frames, probing it first.
 *
 * Frames fit inside maxWidth x maxHeight with their aspect ratio kept (never upscaled; scaled
 * sizes are even). `ptsMs` is the frame's real PTS: from the container's start for a file (the
 * clock decodeAudio's chunks use too), from the first frame for a live source. Live sources (and
 * http/hls without a duration) default to the 'drop-oldest' policy, files to 'block'.
 *
 * Aborting `signal` stops ffmpeg; iteration then throws INGEST_ABORTED (after the process is
 * reaped), and so does this call if the signal fires before decoding starts. Throws
 * INGEST_NO_VIDEO for audio-only sources and still images.
 */
export async function decodeVideo(
  src: SourceRef,
  opts: DecodeVideoOptions = {},
): Promise<DecodeStream<Frame>> {
  checkVideoOptions(opts);
  if (opts.signal?.aborted) throw abortedError(src, opts.signal.reason);

  const { ffmpeg } = resolveFfmpeg();
  const [probed, features] = await Promise.all([
    probeSource(src, opts.signal ? { signal: opts.signal } : {}),
    detectFeatures(ffmpeg),
  ]);
  const { info } = probed;
  const live = src.live || info.durationMs === null;
  const plan = planVideo(src, probed, opts, !live);
  const pts = new PtsTracker();
  const args = videoArgs(src, features, {
    ...plan.output,
    // Files: the container's own timestamps, so frames share decodeAudio's clock (see args.ts).
    copyTimestamps: !live,
    ...(opts.realtime ? { realtime: true } : {}),
    ...(plan.decoder.threads ? { threads: plan.decoder.threads } : {}),
    skip: plan.decoder.skip,
  });
  const proc = await launch(src, ffmpeg, args, opts.signal, (line) => pts.onLine(line), 'decode');
  void proc.stderrDone.then(() => pts.end());

  return createDecodeStream(
    frameTrack({
      ...trackCommon(src, info, proc, live, opts, { toleranceMs: plan.toleranceMs }),
      size: plan.size,
      format: plan.format,
      frameMs: plan.frameMs,
      pts,
      // Live PTS can start anywhere: count from the first frame.
      originMs: live ? undefined : plan.originMs,
    }),
  );
}

/** RangeErrors for options that make no sense (programming errors, not media errors). */
export function checkVideoOptions(opts: DecodeVideoOptions): void {
  checkOptions(opts);
  for (const key of ['maxWidth', 'maxHeight'] as const) {
    const v = opts[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 2)) {
      throw new RangeError(`${key} must be an integer >= 2`);
    }
  }
  if (opts.fps !== undefined && !(opts.fps > 0 && opts.fps <= 1000)) {
    throw new RangeError('fps must be in (0, 1000]');
  }
  if (opts.decode !== undefined && !isDecodeMode(opts.decode)) {
    throw new RangeError(`decode must be 'full', 'fast' or 'keyframes'`);
  }
}

const KEYFRAME_END_TOLERANCE_MS = 10_000;

export interface VideoPlan {
  readonly size: Size;
  readonly format: PixelFormat;
  readonly frameMs: number;
  /** How far before the expected end a file's last frame may be and still count as complete. */
  readonly toleranceMs: number;
  /** The resolved decode mode and what the decoder is told. */
  readonly decoder: DecoderPlan;
  /** For -copyts runs: the showinfo PTS that is ptsMs 0 (the container's start, less the shift). */
  readonly originMs: number;
  readonly output: VideoOutputOptions;
}

/**
 * The frames a probed source will give; INGEST_NO_VIDEO for audio-only sources and stills.
 * `copyTimestamps`: the run keeps the container's clock (files), see videoFilter's shift.
 */
export function planVideo(
  src: SourceRef,
  probed: ProbeResult,
  opts: DecodeVideoOptions,
  copyTimestamps: boolean,
): VideoPlan {
  const video = probed.info.video;
  if (video === null || probed.stillImage) {
    const why = video === null ? 'no video stream' : 'a still image, not a video';
    throw new IngestError('INGEST_NO_VIDEO', `no video stream in ${src.display} (${why})`);
  }
  if (video.width <= 0 || video.height <= 0) {
    throw failureError(src, { code: 'INGEST_DECODE_FAILED', detail: 'frame size unknown after probing' });
  }
  const size = fitSize(video, opts.maxWidth, opts.maxHeight);
  const format: PixelFormat = opts.pixelFormat ?? 'rgb24';
  const shiftMs = copyTimestamps ? (probed.videoStartMs ?? 0) : 0;
  // Live sources are decoded without -copyts; files played as if live (-re) are paced too.
  const modeCtx = { paced: !copyTimestamps || opts.realtime === true, fps: opts.fps, sourceFps: video.fps };
  const decoder = decoderPlan(resolveDecodeMode(opts.decode, modeCtx), modeCtx, opts.threads);
  const keyframes = decoder.mode === 'keyframes';
  const frameMs = 1000 / (opts.fps ?? video.fps ?? 25);
  return {
    size,
    format,
    frameMs,
    // A file's last keyframe can be a whole GOP (often 2-10 s) before its end.
    toleranceMs: keyframes ? Math.max(KEYFRAME_END_TOLERANCE_MS, 5 * frameMs) : Math.max(1000, 5 * frameMs),
    decoder,
    originMs: probed.startMs - shiftMs,
    output: {
      streamIndex: video.index,
      size,
      pixelFormat: format,
      ...(opts.fps !== undefined ? { fps: opts.fps } : {}),
      ...(opts.durationMs !== undefined ? { durationMs: opts.durationMs } : {}),
      ...(shiftMs !== 0 ? { shiftMs } : {}),
      ...(keyframes ? { keyframes: true } : {}),
    },
  };
}
