import fs from 'node:fs/promises';
import path from 'node:path';
import { IngestError } from './errors.ts';
import { abortedError } from './failure.ts';
import { fitSize, type FfmpegArgs } from './ffmpeg/args.ts';
import { resolveFfmpeg } from './ffmpeg/resolve.ts';
import { probe } from './probe.ts';
import { launch } from './session-setup.ts';
import type { Frame, MediaInfo, SourceRef } from './types.ts';

/** File name endings read as still images in an image folder. */
export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.bmp',
  '.tif',
  '.tiff',
]);

/** Folders deeper than this, or holding more images than `maxImages`, are not walked further. */
const MAX_DEPTH = 8;
const DEFAULT_MAX_IMAGES = 100_000;
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export function isImageFile(file: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(file).toLowerCase());
}

/**
 * The images under `dir` (sub-folders included, hidden entries skipped), as paths relative to it,
 * in a stable natural order (img2 before img10), so re-analysing a folder gives the same moments.
 */
export async function listImages(dir: string, maxImages = DEFAULT_MAX_IMAGES): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    for (const e of entries) {
      if (out.length >= maxImages) return;
      if (e.name.startsWith('.')) continue;
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory() && depth < MAX_DEPTH) await walk(child, depth + 1);
      else if (e.isFile() && isImageFile(e.name)) out.push(child);
    }
  };
  await walk('', 0);
  return out;
}

/** One image of a folder, decoded: a frame whose `media` names the file (relative to the folder). */
export interface ImageFrame extends Frame {
  readonly media: string;
}

export interface DecodeImagesOptions {
  readonly maxWidth?: number;
  readonly maxHeight?: number;
  /** Wall-clock epoch of image 0; image i is the moment epochMs + i·intervalMs. */
  readonly epochMs?: number;
  /** Media time between two images (default 1000 ms). */
  readonly intervalMs?: number;
  readonly maxImages?: number;
  readonly signal?: AbortSignal;
  /** A file that cannot be read as an image is skipped (and reported here); the others go on. */
  readonly onSkip?: (media: string, err: IngestError) => void;
}

export interface ImageFolderStream extends AsyncIterable<ImageFrame> {
  readonly info: MediaInfo;
  /** The images, relative to the folder, in moment order: image i is at ptsMs = i·intervalMs. */
  readonly images: readonly string[];
  readonly stats: { readonly emitted: number; readonly skipped: number };
  close(): Promise<void>;
}

/**
 * A folder of still images as one source: each image is a moment, `intervalMs` apart, decoded
 * with ffmpeg one at a time (nothing buffered ahead: the consumer sets the pace). Each frame keeps
 * its own picture size (scaled to fit maxWidth × maxHeight), so boxes are in that frame's pixels.
 */
export async function decodeImages(
  src: SourceRef,
  opts: DecodeImagesOptions = {},
): Promise<ImageFolderStream> {
  if (src.kind !== 'images') throw new RangeError(`decodeImages needs an image folder, got ${src.kind}`);
  if (opts.signal?.aborted) throw abortedError(src, opts.signal.reason);
  const images = await listImages(src.input, opts.maxImages);
  if (images.length === 0) {
    throw new IngestError('INGEST_NOT_MEDIA', `no images (${IMAGE_EXTENSIONS.join(' ')}) in ${src.display}`);
  }
  const intervalMs = opts.intervalMs ?? 1000;
  const epochMs = opts.epochMs ?? Date.now();
  const stats = { emitted: 0, skipped: 0 };
  let closed = false;
  const info: MediaInfo = {
    formatName: 'image folder',
    durationMs: images.length * intervalMs,
    sizeBytes: null,
    video: null,
    audio: null,
  };
  async function* frames(): AsyncGenerator<ImageFrame> {
    for (let i = 0; i < images.length && !closed; i++) {
      if (opts.signal?.aborted) throw abortedError(src, opts.signal.reason);
      const media = images[i]!;
      const file: SourceRef = {
        kind: 'file',
        input: path.join(src.input, media),
        display: path.join(src.display, media),
        live: false,
      };
      let pixels: { data: Uint8Array; width: number; height: number };
      try {
        pixels = await decodeStill(file, opts);
      } catch (err) {
        if (opts.signal?.aborted) throw abortedError(src, opts.signal.reason);
        const e =
          err instanceof IngestError
            ? err
            : new IngestError('INGEST_DECODE_FAILED', `cannot read ${file.display}`, { cause: err });
        stats.skipped++;
        opts.onSkip?.(media, e);
        continue;
      }
      stats.emitted++;
      const ptsMs = i * intervalMs;
      yield { seq: i, ptsMs, ts: epochMs + ptsMs, format: 'rgb24', media, ...pixels };
    }
  }
  return {
    info,
    images,
    stats,
    [Symbol.asyncIterator]: () => frames(),
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
}

/** One still image → packed RGB, scaled to fit (never upscaled). */
async function decodeStill(
  file: SourceRef,
  opts: Pick<DecodeImagesOptions, 'maxWidth' | 'maxHeight' | 'signal'>,
): Promise<{ data: Uint8Array; width: number; height: number }> {
  const media = await probe(file, opts.signal ? { signal: opts.signal } : {});
  if (!media.video || media.video.width <= 0) {
    throw new IngestError('INGEST_NOT_MEDIA', `not an image: ${file.display}`);
  }
  const size = fitSize(media.video, opts.maxWidth, opts.maxHeight);
  const args: FfmpegArgs = {
    inputOptions: [],
    input: file.input,
    outputOptions: [
      ...['-map', `0:${media.video.index}`, '-frames:v', '1', '-an', '-sn', '-dn'],
      ...['-vf', `scale=${size.width}:${size.height}:flags=bilinear`],
      ...['-pix_fmt', 'rgb24', '-f', 'rawvideo'],
    ],
  };
  const proc = await launch(file, resolveFfmpeg().ffmpeg, args, opts.signal);
  const onAbort = (): void => void proc.stop();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const want = size.width * size.height * 3;
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > MAX_FRAME_BYTES) {
        await proc.stop();
        break;
      }
      chunks.push(chunk);
    }
    await proc.exited;
    await proc.stderrDone;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  if (bytes < want) {
    throw new IngestError('INGEST_DECODE_FAILED', `cannot decode ${file.display} as an image`);
  }
  const all = Buffer.concat(chunks, bytes);
  const data = new Uint8Array(all.buffer, all.byteOffset, want);
  return { data, width: size.width, height: size.height };
}
