// What the per-analyzer safety benches share: where models and media are, and a clip decoded once
// to raw RGB frames (the analyzers' input, without the ingest layer in the measurement).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveFfmpeg } from '@aima/ingest';
import type { VideoInput } from '@aima/inference';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.AIMA_SHARED_DIR ?? path.resolve(root, '../shared');
export const MODELS_DIR = process.env.AIMA_MODELS_DIR ?? path.join(shared, 'models');
export const MEDIA_DIR = process.env.AIMA_MEDIA_DIR ?? path.join(shared, 'media');

/** `seconds` of a clip (path under MEDIA_DIR) at `fps`, scaled to width×height, as rgb24 frames. */
export async function decodeClip(
  clip: string,
  o: { readonly seconds: number; readonly fps: number; readonly width: number; readonly height: number },
): Promise<VideoInput[]> {
  const { ffmpeg } = resolveFfmpeg();
  const p = spawn(ffmpeg, [
    ...['-v', 'error', '-i', path.join(MEDIA_DIR, clip), '-t', String(o.seconds)],
    ...['-vf', `fps=${o.fps},scale=${o.width}:${o.height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
  ]);
  const chunks: Buffer[] = [];
  for await (const c of p.stdout) chunks.push(c as Buffer);
  const all = Buffer.concat(chunks);
  const size = o.width * o.height * 3;
  return Array.from({ length: Math.floor(all.length / size) }, (_, i) => ({
    seq: i,
    ptsMs: (i * 1000) / o.fps,
    ts: 1_700_000_000_000 + (i * 1000) / o.fps,
    width: o.width,
    height: o.height,
    format: 'rgb24' as const,
    data: new Uint8Array(all.subarray(i * size, (i + 1) * size)),
    sourceWidth: o.width,
    sourceHeight: o.height,
  }));
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
