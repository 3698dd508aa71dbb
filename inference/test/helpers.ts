import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import type { Frame } from '@aima/ingest';

export const MODELS_DIR = process.env.AIMA_MODELS_DIR ?? path.resolve('../shared/models');
export const MEDIA_DIR = process.env.AIMA_MEDIA_DIR ?? path.resolve('../shared/media');

/**
 * One real RGB frame of a video at `atSec`, scaled to w×h by ffmpeg; `atSec` null reads a still
 * image (ffmpeg's -ss reads no frame of a JPEG).
 */
export function grabFrame(file: string, atSec: number | null, w: number, h: number): Uint8Array {
  const ffmpeg = process.env.FFMPEG_PATH ?? 'ffmpeg';
  const buf = execFileSync(
    ffmpeg,
    [
      '-v',
      'error',
      ...(atSec === null ? [] : ['-ss', String(atSec)]),
      '-i',
      file,
      '-frames:v',
      '1',
      '-vf',
      `scale=${w}:${h}`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export interface FrameReadOptions {
  readonly fps: number;
  readonly seconds: number;
  readonly width: number;
  readonly height: number;
  readonly startSec?: number;
}

/**
 * Real RGB frames of a video through a plain ffmpeg pipe, as fast as it decodes (the ingest
 * package has its own tests; these keep inference's tests independent of it).
 */
export async function* ffmpegFrames(file: string, o: FrameReadOptions): AsyncGenerator<Frame> {
  const ff = spawn(process.env.FFMPEG_PATH ?? 'ffmpeg', [
    ...['-v', 'error', '-ss', String(o.startSec ?? 0), '-i', file, '-t', String(o.seconds)],
    ...['-vf', `fps=${o.fps},scale=${o.width}:${o.height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
  ]);
  const size = o.width * o.height * 3;
  let pending = Buffer.alloc(0);
  let seq = 0;
  try {
    for await (const chunk of ff.stdout) {
      pending = Buffer.concat([pending, chunk as Buffer]);
      while (pending.length >= size) {
        const data = new Uint8Array(pending.subarray(0, size));
        pending = pending.subarray(size);
        const ptsMs = (seq * 1000) / o.fps;
        yield {
          seq: seq++,
          ptsMs,
          ts: 1_700_000_000_000 + ptsMs,
          width: o.width,
          height: o.height,
          format: 'rgb24',
          data,
        };
      }
    }
  } finally {
    ff.kill();
  }
}
