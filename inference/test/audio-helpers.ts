// Feeding real media to audio analyzers in tests: @aima/ingest's decodeAudio (real ffmpeg →
// 16 kHz mono float32 chunks) into a harness instance, exactly as the job host does.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeAudio, parseSource } from '@aima/ingest';
import type { Harness } from './helpers-analyzer.ts';

export interface FeedResult {
  /** Media duration fed, ms. */
  readonly mediaMs: number;
  /** Wall time of feeding and finishing, ms. */
  readonly wallMs: number;
}

/** Decodes `file` and feeds every chunk to the harness' instance, then finish(). */
export async function feedFile(
  h: Harness,
  file: string,
  opts: { readonly chunkSamples?: number; readonly epochMs?: number } = {},
): Promise<FeedResult> {
  const stream = await decodeAudio(parseSource(file), {
    chunkSamples: opts.chunkSamples ?? 8000,
    epochMs: opts.epochMs ?? h.ctx.epochMs,
  });
  const t0 = performance.now();
  let samples = 0;
  for await (const chunk of stream) {
    samples += chunk.samples.length;
    await h.instance.audio?.(chunk);
  }
  await h.instance.finish();
  return { mediaMs: (samples / 16000) * 1000, wallMs: performance.now() - t0 };
}

/** Decodes a whole file to 16 kHz mono float32 (for pure-function checks). */
export async function decodeAll(file: string): Promise<Float32Array> {
  const stream = await decodeAudio(parseSource(file), { chunkSamples: 16000, epochMs: 0 });
  const parts: Float32Array[] = [];
  let n = 0;
  for await (const c of stream) {
    parts.push(c.samples);
    n += c.samples.length;
  }
  const out = new Float32Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';

/** `file` as mono float32 at `sampleRate`, straight from ffmpeg (no ingest in between). */
export function decodeF32(file: string, sampleRate: number): Float32Array {
  const b = execFileSync(
    FFMPEG,
    ['-v', 'error', '-i', file, '-ac', '1', '-ar', String(sampleRate), '-f', 'f32le', '-'],
    { maxBuffer: 64 << 20 },
  );
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice();
}

/** A scratch dir for media the test makes with ffmpeg; remove() deletes it. */
export function scratchDir(): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aima-audio-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs ffmpeg with `args` (quiet, overwrite) and returns the output path (the last arg). */
export function makeMedia(args: readonly string[]): string {
  execFileSync(FFMPEG, ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  return args[args.length - 1] as string;
}
