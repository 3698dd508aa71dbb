// Shared by decodeVideo and decodeAudio: option checks, starting ffmpeg, and the end-of-stream
// verdict.
import { IngestError } from './errors.ts';
import { abortedError, failureError, looksIsoBmff } from './failure.ts';
import type { FfmpegArgs } from './ffmpeg/args.ts';
import { startFfmpeg } from './ffmpeg/process.ts';
import type { FfmpegRole } from './ffmpeg/cpu.ts';
import type { FfmpegExit, FfmpegProcess } from './ffmpeg/process.ts';
import { classifyAudioStderr, classifyStderr } from './ffmpeg/stderr.ts';
import { isNetworkSource } from './source.ts';
import type { SourceRef } from './types.ts';

/** Programming errors in options are RangeErrors, not media errors. */
export function checkOptions(opts: { durationMs?: number; highWaterMark?: number; epochMs?: number }): void {
  if (opts.durationMs !== undefined && !(opts.durationMs > 0 && Number.isFinite(opts.durationMs))) {
    throw new RangeError('durationMs must be a positive number');
  }
  if (
    opts.highWaterMark !== undefined &&
    !(Number.isInteger(opts.highWaterMark) && opts.highWaterMark >= 1)
  ) {
    throw new RangeError('highWaterMark must be an integer >= 1');
  }
  if (opts.epochMs !== undefined && !Number.isFinite(opts.epochMs)) {
    throw new RangeError('epochMs must be finite');
  }
}

/** Start ffmpeg; if the signal fired meanwhile, stop it again and throw INGEST_ABORTED. */
export function launch(
  src: SourceRef,
  ffmpegPath: string,
  args: FfmpegArgs,
  signal: AbortSignal | undefined,
  onStderrLine?: (line: string) => void,
  cpuRole?: FfmpegRole,
): Promise<FfmpegProcess> {
  return launchWith(src, signal, () =>
    startFfmpeg({
      ffmpegPath,
      args,
      ...(onStderrLine ? { onStderrLine } : {}),
      ...(cpuRole ? { cpuRole } : {}),
    }),
  );
}

/** launch() for any way of starting ffmpeg (one output through fluent, several spawned directly). */
export async function launchWith(
  src: SourceRef,
  signal: AbortSignal | undefined,
  start: () => Promise<FfmpegProcess>,
): Promise<FfmpegProcess> {
  let proc: FfmpegProcess;
  try {
    proc = await start();
  } catch (err) {
    const missing = err instanceof Error && 'code' in err && (err.code === 'ENOENT' || err.code === 'EACCES');
    throw new IngestError(
      missing ? 'INGEST_FFMPEG_NOT_FOUND' : 'INGEST_DECODE_FAILED',
      `could not start ffmpeg for ${src.display}`,
      { cause: err },
    );
  }
  if (signal?.aborted) {
    await proc.stop();
    throw abortedError(src, signal.reason);
  }
  return proc;
}

export interface EndContext {
  readonly live: boolean;
  /** Container duration (null when unknown or live). */
  readonly durationMs: number | null;
  /** The caller's durationMs limit. */
  readonly limitMs: number | undefined;
  /** ptsMs of the last frame (or chunk) decoded; null when none. */
  readonly lastMs: number | null;
  /** How far before the expected end decoding may stop without counting as truncated. */
  readonly toleranceMs: number;
  /** An audio decode: failures that are not about the container are the audio's own. */
  readonly audio?: boolean;
}

/**
 * The verdict once ffmpeg has exited on its own: a classified error for a non-zero exit, and
 * INGEST_TRUNCATED for a file that stopped well short of its duration with errors on stderr
 * (a cut-off faststart mp4 makes ffmpeg exit 0 after "partial file" errors).
 */
export function endOfStreamError(
  src: SourceRef,
  proc: FfmpegProcess,
  exit: FfmpegExit,
  ctx: EndContext,
): IngestError | null {
  if (exit.killedByUs) return null;
  const log = proc.stderr;
  const classifyCtx = { network: isNetworkSource(src), isoBmff: looksIsoBmff(src) };
  const classify = ctx.audio ? classifyAudioStderr : classifyStderr;
  if (exit.code !== 0) {
    const failure = classify(log.tail, classifyCtx);
    const crashed = exit.signal !== null && failure.code === 'INGEST_DECODE_FAILED';
    return failureError(src, crashed ? { ...failure, detail: `ffmpeg died of ${exit.signal}` } : failure);
  }
  if (ctx.live || ctx.durationMs === null || log.errorCount === 0) return null;
  const expectedMs = Math.min(ctx.durationMs, ctx.limitMs ?? Infinity);
  const lastMs = ctx.lastMs ?? -Infinity;
  if (lastMs >= expectedMs - ctx.toleranceMs) return null;
  const reached = ctx.lastMs === null ? 'no frames decoded' : `stopped at ${(lastMs / 1000).toFixed(1)} s`;
  const verdict = classify(log.tail, classifyCtx);
  return failureError(src, {
    // The probe read the container fine, so an audio decode that stops early without the
    // container being cut short is the audio's own fault.
    code:
      ctx.audio && verdict.code !== 'INGEST_TRUNCATED' ? 'INGEST_AUDIO_DECODE_FAILED' : 'INGEST_TRUNCATED',
    detail: `${verdict.detail ?? 'decoding stopped early'}; ${reached} of ${(expectedMs / 1000).toFixed(1)} s`,
  });
}
