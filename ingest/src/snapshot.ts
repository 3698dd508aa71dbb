import { sourceInputOptions, fitSize, type FfmpegArgs } from './ffmpeg/args.ts';
import { detectFeatures } from './ffmpeg/features.ts';
import { resolveFfmpeg } from './ffmpeg/resolve.ts';
import { classifyStderr } from './ffmpeg/stderr.ts';
import { IngestError } from './errors.ts';
import { failureError } from './failure.ts';
import { probe } from './probe.ts';
import { launch } from './session-setup.ts';
import type { SourceRef } from './types.ts';

export interface SnapshotOptions {
  /** Media time of the frame, ms from the start of the file. */
  readonly atMs: number;
  readonly maxWidth?: number;
  readonly maxHeight?: number;
  /** mjpeg quantiser, 2 (best) to 31 (default 4). */
  readonly quality?: number;
  readonly signal?: AbortSignal;
}

export interface Snapshot {
  readonly jpeg: Buffer;
  readonly width: number;
  readonly height: number;
  /** The source's own picture size (the JPEG may be scaled down to fit). */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
}

/** A JPEG larger than this is not a snapshot of a sane frame: stop reading. */
const MAX_JPEG_BYTES = 16 * 1024 * 1024;

/**
 * One frame of a file as JPEG, at `atMs` (keyframes for history and segment previews). Seeks on
 * the input side, so it costs one GOP of decoding, not the whole file up to that point.
 */
export async function snapshot(src: SourceRef, opts: SnapshotOptions): Promise<Snapshot> {
  if (!(opts.atMs >= 0)) throw new RangeError(`atMs must be >= 0, got ${opts.atMs}`);
  const info = await probe(src, opts.signal === undefined ? {} : { signal: opts.signal });
  if (!info.video) throw new IngestError('INGEST_NO_VIDEO', `no video stream in ${src.display}`);
  const size = fitSize(info.video, opts.maxWidth, opts.maxHeight);
  const { ffmpeg } = resolveFfmpeg();
  const features = await detectFeatures(ffmpeg);
  const args: FfmpegArgs = {
    inputOptions: [...sourceInputOptions(src.kind, features), '-ss', (opts.atMs / 1000).toFixed(3)],
    input: src.input,
    outputOptions: [
      ...['-map', `0:${info.video.index}`, '-frames:v', '1', '-an', '-sn', '-dn'],
      ...['-vf', `scale=${size.width}:${size.height}:flags=bilinear`],
      ...['-c:v', 'mjpeg', '-q:v', String(opts.quality ?? 4), '-f', 'image2pipe'],
    ],
  };
  const proc = await launch(src, ffmpeg, args, opts.signal);
  const onAbort = (): void => void proc.stop();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > MAX_JPEG_BYTES) {
        await proc.stop();
        throw new IngestError('INGEST_DECODE_FAILED', `snapshot of ${src.display} is larger than 16 MiB`);
      }
      chunks.push(chunk);
    }
    const exit = await proc.exited;
    await proc.stderrDone;
    if (opts.signal?.aborted) throw new IngestError('INGEST_ABORTED', `aborted while reading ${src.display}`);
    if (exit.code !== 0 && !exit.killedByUs) {
      throw failureError(src, classifyStderr(proc.stderr.tail, { network: src.kind !== 'file' }));
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  if (bytes === 0) {
    throw new IngestError(
      'INGEST_DECODE_FAILED',
      `no frame at ${(opts.atMs / 1000).toFixed(3)} s in ${src.display}`,
    );
  }
  return {
    jpeg: Buffer.concat(chunks, bytes),
    width: size.width,
    height: size.height,
    sourceWidth: info.video.width,
    sourceHeight: info.video.height,
  };
}
