import { copyFile, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImages, listImages, parseSource, type ImageFrame } from '../index.ts';

const media = process.env.AIMA_MEDIA_DIR ?? '';
const faces = path.join(media, 'faces');

describe('image folders', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aima-images-'));
    await mkdir(path.join(dir, 'sub'));
    await copyFile(path.join(faces, 'train/obama/obama.jpg'), path.join(dir, 'img10.jpg'));
    await copyFile(path.join(faces, 'train/biden/biden.jpg'), path.join(dir, 'img2.jpg'));
    await copyFile(path.join(faces, 'hamilton_refs/alex-lacamoire.png'), path.join(dir, 'sub/a.png'));
    await writeFile(path.join(dir, 'broken.jpg'), 'not an image at all');
    await writeFile(path.join(dir, 'notes.txt'), 'ignored');
    await writeFile(path.join(dir, '.hidden.jpg'), 'ignored');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists images recursively in natural order, skipping hidden and non-image files', async () => {
    expect(await listImages(dir)).toEqual(['broken.jpg', 'img2.jpg', 'img10.jpg', 'sub/a.png']);
    expect(await listImages(dir, 2)).toEqual(['broken.jpg', 'img2.jpg']);
  });

  it('decodes each image as one moment, scaled to fit, and skips unreadable files without stopping', async () => {
    const src = parseSource(dir);
    const skipped: string[] = [];
    const stream = await decodeImages(src, {
      maxWidth: 640,
      maxHeight: 640,
      epochMs: 1_000_000,
      onSkip: (m, e) => skipped.push(`${m}:${e.code}`),
    });
    const frames: ImageFrame[] = [];
    for await (const f of stream) frames.push(f);
    expect(skipped).toEqual(['broken.jpg:INGEST_NOT_MEDIA']);
    expect(frames.map((f) => [f.media, f.seq, f.ptsMs, f.ts])).toEqual([
      ['img2.jpg', 1, 1000, 1_001_000],
      ['img10.jpg', 2, 2000, 1_002_000],
      ['sub/a.png', 3, 3000, 1_003_000],
    ]);
    // biden.jpg is 970x2204: fitted to 640 high, aspect kept, even sizes.
    const biden = frames[0]!;
    expect(biden.height).toBe(640);
    expect(Math.abs(biden.width - (970 * 640) / 2204)).toBeLessThanOrEqual(2);
    for (const f of frames) expect(f.data.length).toBe(f.width * f.height * 3);
    // Real pixels, not a blank buffer.
    const mean = frames[2]!.data.reduce((a, b) => a + b, 0) / frames[2]!.data.length;
    expect(mean).toBeGreaterThan(20);
    expect(stream.stats).toEqual({ emitted: 3, skipped: 1 });
    expect(stream.info.durationMs).toBe(4000);
  });

  it('an empty folder is INGEST_NOT_MEDIA', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'aima-empty-'));
    try {
      await expect(decodeImages(parseSource(empty))).rejects.toMatchObject({ code: 'INGEST_NOT_MEDIA' });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
