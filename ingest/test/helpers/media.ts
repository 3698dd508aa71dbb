import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import type { Frame } from '../../index.ts';

export const mediaDir =
  process.env.AIMA_MEDIA_DIR ?? path.resolve(import.meta.dirname, '../../../../shared/media');
export const vtest = path.join(mediaDir, 'video/vtest.mp4');
export const jfk = path.join(mediaDir, 'speech/jfk.wav');
export const photo = path.join(mediaDir, 'faces/test/obama1.jpg');

const run = promisify(execFile);

/** Run ffmpeg for a fixture; failures throw with stderr. */
export async function ffmpegTo(ffmpeg: string, args: string[]): Promise<void> {
  await run(ffmpeg, ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args]);
}

/** Copy the first `fraction` of a file's bytes. */
export function cutFile(from: string, to: string, fraction: number): void {
  const bytes = fs.readFileSync(from);
  fs.writeFileSync(to, bytes.subarray(0, Math.floor(bytes.length * fraction)));
}

/** Is `pid` gone (not even a zombie)? process.kill(pid, 0) fails with ESRCH once it is reaped. */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Frames start at 0 and step by `stepMs` (within 5 ms). */
export function expectCadence(frames: Frame[], stepMs: number): void {
  expect(frames[0]?.ptsMs).toBe(0);
  for (let i = 1; i < frames.length; i++) {
    expect(frames[i]!.ptsMs - frames[i - 1]!.ptsMs).toBeCloseTo(stepMs, -1);
  }
}
