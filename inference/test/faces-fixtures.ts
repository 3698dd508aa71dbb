import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { DetectInput } from '@aima/inference';
import { MEDIA_DIR } from './helpers.ts';

/**
 * A still image decoded by real ffmpeg to RGB (through PPM, whose header carries the size),
 * optionally scaled by ffmpeg so its long side is at most `maxSide`; sourceWidth/Height keep
 * the original size, so faces come back in original pixels.
 */
export function loadImage(file: string, maxSide?: number): DetectInput {
  const ffmpeg = process.env.FFMPEG_PATH ?? 'ffmpeg';
  const decode = (vf: string[]): Buffer =>
    execFileSync(
      ffmpeg,
      ['-v', 'error', '-i', file, ...vf, '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'ppm', 'pipe:1'],
      {
        maxBuffer: 256 * 1024 * 1024,
      },
    );
  const full = parsePpm(decode([]));
  if (!maxSide || Math.max(full.width, full.height) <= maxSide) return full;
  const k = maxSide / Math.max(full.width, full.height);
  const w = Math.round(full.width * k);
  const h = Math.round(full.height * k);
  const small = parsePpm(decode(['-vf', `scale=${w}:${h}`]));
  return { ...small, sourceWidth: full.width, sourceHeight: full.height };
}

function parsePpm(buf: Buffer): { width: number; height: number; data: Uint8Array } {
  // "P6\n<w> <h>\n255\n" then packed RGB
  const fields: string[] = [];
  let i = 0;
  while (fields.length < 4) {
    while (/\s/.test(String.fromCharCode(buf[i]!))) i++;
    let tok = '';
    while (!/\s/.test(String.fromCharCode(buf[i]!))) tok += String.fromCharCode(buf[i++]!);
    fields.push(tok);
  }
  i++;
  const width = Number(fields[1]);
  const height = Number(fields[2]);
  return { width, height, data: new Uint8Array(buf.buffer, buf.byteOffset + i, width * height * 3) };
}

/** faces/labels.json: single-identity images and the identities of multi-face images. */
export interface FaceLabels {
  readonly faces: Readonly<Record<string, string>>;
  readonly multi_faces: Readonly<Record<string, readonly string[]>>;
}

export const media = (rel: string): string => path.join(MEDIA_DIR, rel);
