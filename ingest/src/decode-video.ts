import { createDecodeStream } from './decode-stream.ts';
import { IngestError } from './errors.ts';
import { abortedError, failureError } from './failure.ts';
import { fitSize, videoArgs } from './ffmpeg/args.ts';
import { detectFeatures } from './ffmpeg/features.ts';
import { resolveFfmpeg } from './ffmpeg/resolve.ts';
import { probeSource } from './probe.ts';
import { PtsTracker } from './pts-tracker.ts';
import { readRecords } from './record-reader.ts';
import { checkOptions, endOfStreamError, launch } from './session-setup.ts';
import type { DecodeStream, DecodeVideoOptions, Frame, PixelFormat, SourceRef } from './types.ts';

interface RawFrame {
  readonly data: Uint8Array;
  readonly ptsMs: number;
  readonly receivedAt: number;
}

/**
 * Decode a source into RGB (or BGR) frames, probing it first.
 *
 * Frames fit inside maxWidth x maxHeight with their aspect ratio kept (never upscaled; scaled
 * sizes are even). `ptsMs` is the frame's real PTS: from 0 at the start of a file, from the
 * first frame for a live source. Live sources (and http/hls without a duration) default to the
 * 'drop-oldest' policy, files to 'block'.
 *
 * Aborting `signal` stops ffmpeg; iteration then throws INGEST_ABORTED (after the process is
 * reaped), and so does this call if the signal fires before decoding starts. Throws
 * INGEST_NO_VIDEO for audio-only sources and still images.
 */
export async function decodeVideo(
  src: SourceRef,
  opts: DecodeVideoOptions = {},
): Promise<DecodeStream<Frame>> {
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
  if (opts.signal?.aborted) throw abortedError(src, opts.signal.reason);

  const { ffmpeg } = resolveFfmpeg();
  const [probed, features] = await Promise.all([
    probeSource(src, opts.signal ? { signal: opts.signal } : {}),
    detectFeatures(ffmpeg),
  ]);
  const { info } = probed;
  const video = info.video;
  if (video === null || probed.stillImage) {
    const why = video === null ? 'no video stream' : 'a still image, not a video';
    throw new IngestError('INGEST_NO_VIDEO', `no video stream in ${src.display} (${why})`);
  }
  if (video.width <= 0 || video.height <= 0) {
    throw failureError(src, { code: 'INGEST_DECODE_FAILED', detail: 'frame size unknown after probing' });
  }

  const live = src.live || info.durationMs === null;
  const size = fitSize(video, opts.maxWidth, opts.maxHeight);
  const format: PixelFormat = opts.pixelFormat ?? 'rgb24';
  const frameMs = 1000 / (opts.fps ?? video.fps ?? 25);
  const epochMs = opts.epochMs ?? Date.now();
  const pts = new PtsTracker();
  const args = videoArgs(src, features, {
    streamIndex: video.index,
    size,
    pixelFormat: format,
    ...(opts.fps !== undefined ? { fps: opts.fps } : {}),
    ...(opts.durationMs !== undefined ? { durationMs: opts.durationMs } : {}),
    ...(opts.realtime ? { realtime: true } : {}),
    ...(opts.threads ? { threads: opts.threads } : {}),
  });
  const proc = await launch(src, ffmpeg, args, opts.signal, (line) => pts.onLine(line));
  void proc.stderrDone.then(() => pts.end());

  // Without -copyts ffmpeg already shifts input timestamps by the container's start time, so
  // files start at ~0 as they are. Live PTS can start anywhere: count from the first frame.
  let origin: number | undefined = live ? undefined : 0;
  let lastPtsMs: number | null = null;

  return createDecodeStream<RawFrame, Frame>({
    src,
    info,
    proc,
    capacity: opts.highWaterMark ?? 8,
    policy: opts.overflow ?? (live ? 'drop-oldest' : 'block'),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onStop: () => pts.end(),
    pump: (session) =>
      readRecords(
        proc.stdout,
        { recordBytes: size.width * size.height * 3, discarding: () => session.stopping },
        async (data) => {
          const receivedAt = performance.timeOrigin + performance.now();
          const raw = await pts.next();
          // No PTS printed (NOPTS, or stderr already gone): continue the cadence.
          let ptsMs: number;
          if (raw === null) {
            ptsMs = lastPtsMs === null ? 0 : lastPtsMs + frameMs;
          } else {
            origin ??= raw;
            ptsMs = Math.round((raw - origin) * 1000) / 1000;
          }
          lastPtsMs = ptsMs;
          await session.put({ data, ptsMs, receivedAt });
        },
      ),
    toItem: (raw, seq) => ({
      seq,
      ptsMs: raw.ptsMs,
      ts: epochMs + raw.ptsMs,
      width: size.width,
      height: size.height,
      format,
      data: raw.data,
      receivedAt: raw.receivedAt,
    }),
    finalize: (exit) =>
      endOfStreamError(src, proc, exit, {
        live,
        durationMs: info.durationMs,
        limitMs: opts.durationMs,
        lastMs: lastPtsMs,
        toleranceMs: Math.max(1000, 5 * frameMs),
      }),
  });
}
