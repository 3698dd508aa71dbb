import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio, decodeVideo, IngestError, parseSource, probe, resolveFfmpeg } from '../index.ts';
import type { Frame } from '../index.ts';
import { cutFile, ffmpegTo, jfk, photo, vtest } from './helpers/media.ts';

let dir: string;
const fixture = (name: string): string => path.join(dir, name);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aima-ingest-bad-'));
  const { ffmpeg } = resolveFfmpeg();
  fs.writeFileSync(fixture('text.mp4'), 'this is a text file, not a video\n'.repeat(100));
  cutFile(vtest, fixture('cut40.mp4'), 0.4);
  // The recorder-style file (moov at the end) and the web-style file (moov first), both cut.
  await ffmpegTo(ffmpeg, ['-i', vtest, '-c', 'copy', '-t', '20', fixture('moov-last.mp4')]);
  await ffmpegTo(ffmpeg, [
    '-i',
    vtest,
    '-c',
    'copy',
    '-movflags',
    '+faststart',
    '-t',
    '20',
    fixture('faststart.mp4'),
  ]);
  cutFile(fixture('moov-last.mp4'), fixture('moov-last-cut.mp4'), 0.5);
  cutFile(fixture('faststart.mp4'), fixture('faststart-cut.mp4'), 0.5);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Decode to the end; return the frames seen and the error that ended it (if any). */
async function drain(file: string): Promise<{ frames: Frame[]; error: IngestError | null }> {
  const frames: Frame[] = [];
  try {
    for await (const frame of await decodeVideo(parseSource(file), { fps: 5, maxWidth: 160 }))
      frames.push(frame);
  } catch (err) {
    if (err instanceof IngestError) return { frames, error: err };
    throw err;
  }
  return { frames, error: null };
}

describe('bad input', () => {
  it('missing file → INGEST_FILE_NOT_FOUND (exit 3, HTTP 404)', () => {
    let caught: unknown;
    try {
      parseSource(fixture('does-not-exist.mp4'));
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({
      name: 'IngestError',
      code: 'INGEST_FILE_NOT_FOUND',
      exitCode: 3,
      httpStatus: 404,
    });
  });

  it('a text file named .mp4 → INGEST_NOT_MEDIA', async () => {
    const err = await probe(parseSource(fixture('text.mp4'))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INGEST_NOT_MEDIA', exitCode: 4, httpStatus: 422 });
    expect((err as Error).message).toContain('text.mp4');
    expect((err as Error).message).not.toMatch(/\n/);
    const { error } = await drain(fixture('text.mp4'));
    expect(error?.code).toBe('INGEST_NOT_MEDIA');
  });

  it('an mp4 cut before its moov atom → INGEST_TRUNCATED', async () => {
    const { frames, error } = await drain(fixture('moov-last-cut.mp4'));
    expect(frames).toEqual([]);
    expect(error?.code).toBe('INGEST_TRUNCATED');
    expect(error?.message).toMatch(/moov atom not found/);
  });

  it('the first 40% of vtest.mp4 (moov first): frames, then INGEST_TRUNCATED', async () => {
    const { frames, error } = await drain(fixture('cut40.mp4'));
    expect(frames.length).toBeGreaterThan(50);
    expect(error?.code).toBe('INGEST_TRUNCATED');
  });

  it('a faststart mp4 cut in half: frames, then INGEST_TRUNCATED (ffmpeg itself exits 0)', async () => {
    const { frames, error } = await drain(fixture('faststart-cut.mp4'));
    expect(frames.length).toBeGreaterThan(20);
    expect(frames.at(-1)!.ptsMs).toBeLessThan(15_000);
    expect(error?.code).toBe('INGEST_TRUNCATED');
    expect(error?.message).toMatch(/stopped at/);
  });

  it('the intact faststart copy decodes to the end without error', async () => {
    const { frames, error } = await drain(fixture('faststart.mp4'));
    expect(error).toBeNull();
    expect(frames.length).toBeGreaterThanOrEqual(99);
  });

  it('audio-only and still-image inputs → INGEST_NO_VIDEO', async () => {
    for (const file of [jfk, photo]) {
      await expect(decodeVideo(parseSource(file))).rejects.toMatchObject({
        code: 'INGEST_NO_VIDEO',
        exitCode: 4,
      });
    }
  });

  it('truncation is reported for audio too', async () => {
    const chunks: number[] = [];
    const err = await (async () => {
      for await (const c of await decodeAudio(parseSource(fixture('faststart-cut.mp4'))))
        chunks.push(c.samples.length);
    })().catch((e: unknown) => e);
    expect(chunks.length).toBeGreaterThan(0);
    expect(err).toMatchObject({ code: 'INGEST_TRUNCATED' });
  });
});
