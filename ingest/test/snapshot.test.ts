import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSource, snapshot } from '../index.ts';

const MEDIA = process.env.AIMA_MEDIA_DIR ?? path.resolve('../shared/media');
const VTEST = path.join(MEDIA, 'video/vtest.mp4');

describe('snapshot', () => {
  it('returns one JPEG frame of a file at a media time, scaled to fit', async () => {
    const s = await snapshot(parseSource(VTEST), { atMs: 12_345, maxWidth: 416, maxHeight: 416 });
    expect([s.jpeg[0], s.jpeg[1]]).toEqual([0xff, 0xd8]); // JPEG SOI
    expect([s.jpeg.at(-2), s.jpeg.at(-1)]).toEqual([0xff, 0xd9]); // EOI: one whole image
    expect(s).toMatchObject({ width: 416, height: 312, sourceWidth: 480, sourceHeight: 360 });
    expect(s.jpeg.length).toBeGreaterThan(5000); // a real picture, not a flat frame
  });

  it('gives different pictures at different times', async () => {
    const a = await snapshot(parseSource(VTEST), { atMs: 1000 });
    const b = await snapshot(parseSource(VTEST), { atMs: 60_000 });
    expect(a.width).toBe(480);
    expect(Buffer.compare(a.jpeg, b.jpeg)).not.toBe(0);
  });

  it('fails with a coded error past the end of the file or without video', async () => {
    await expect(snapshot(parseSource(VTEST), { atMs: 3_600_000 })).rejects.toMatchObject({
      code: 'INGEST_DECODE_FAILED',
    });
    await expect(
      snapshot(parseSource(path.join(MEDIA, 'speech/jfk.wav')), { atMs: 0 }),
    ).rejects.toMatchObject({
      code: 'INGEST_NO_VIDEO',
    });
  });
});
