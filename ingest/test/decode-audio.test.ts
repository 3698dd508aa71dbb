import { describe, expect, it } from 'vitest';
import { decodeAudio, parseSource } from '../index.ts';
import { collect, jfk, photo, vtest } from './helpers/media.ts';

describe('decodeAudio', () => {
  it('decodes jfk.wav into 16 kHz mono float chunks', async () => {
    const stream = await decodeAudio(parseSource(jfk), { epochMs: 1000 });
    const chunks = await collect(stream);
    const total = chunks.reduce((n, c) => n + c.samples.length, 0);
    expect(total).toBeGreaterThan(11.0 * 16_000 - 160);
    expect(total).toBeLessThan(11.0 * 16_000 + 160);
    chunks.slice(0, -1).forEach((c, i) => {
      expect(c).toMatchObject({ seq: i, ptsMs: i * 500, ts: 1000 + i * 500, sampleRate: 16_000 });
      expect(c.samples.length).toBe(8000);
    });
    let peak = 0;
    for (const c of chunks) for (const s of c.samples) peak = Math.max(peak, Math.abs(s));
    expect(peak).toBeGreaterThan(0.05);
    expect(peak).toBeLessThanOrEqual(1);
  });

  it('honours chunkSamples (the last chunk may be shorter) and durationMs', async () => {
    const stream = await decodeAudio(parseSource(vtest), { chunkSamples: 3000, durationMs: 1000 });
    const chunks = await collect(stream);
    expect(chunks.map((c) => c.samples.length)).toEqual([3000, 3000, 3000, 3000, 3000, 1000]);
    expect(chunks.map((c) => c.ptsMs)).toEqual([0, 187.5, 375, 562.5, 750, 937.5]);
  });

  it('gives an empty stream for a source without audio', async () => {
    const stream = await decodeAudio(parseSource(photo));
    expect(await collect(stream)).toEqual([]);
    expect(stream.info.audio).toBeNull();
  });
});
