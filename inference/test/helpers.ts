import { execFileSync } from 'node:child_process';
import path from 'node:path';

export const MODELS_DIR = process.env.AIMA_MODELS_DIR ?? path.resolve('../shared/models');
export const MEDIA_DIR = process.env.AIMA_MEDIA_DIR ?? path.resolve('../shared/media');

/** One real RGB frame of a video at `atSec`, scaled to w×h by ffmpeg. */
export function grabFrame(file: string, atSec: number, w: number, h: number): Uint8Array {
  const ffmpeg = process.env.FFMPEG_PATH ?? 'ffmpeg';
  const buf = execFileSync(
    ffmpeg,
    [
      '-v',
      'error',
      '-ss',
      String(atSec),
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
