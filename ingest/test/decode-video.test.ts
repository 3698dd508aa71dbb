import { describe, expect, it } from 'vitest';
import { decodeVideo, IngestError, parseSource } from '../index.ts';
import type { Frame } from '../index.ts';
import { processIdOf } from '../src/decode-stream.ts';
import { collect, processGone, sleep, vtest } from './helpers/media.ts';

describe('decodeVideo', () => {
  it('decodes 10 s of vtest.mp4 at 5 fps into 416x312 RGB frames with real PTS', async () => {
    const epochMs = 1_700_000_000_000;
    const stream = await decodeVideo(parseSource(vtest), {
      fps: 5,
      maxWidth: 416,
      maxHeight: 416,
      durationMs: 10_000,
      epochMs,
    });
    expect(stream.info.video?.width).toBe(480);
    const frames = await collect(stream);
    expect(frames.length).toBeGreaterThanOrEqual(49);
    expect(frames.length).toBeLessThanOrEqual(51);
    frames.forEach((f, i) => {
      expect(f).toMatchObject({ seq: i, width: 416, height: 312, format: 'rgb24' });
      expect(f.data.length).toBe(416 * 312 * 3);
      expect(f.ptsMs).toBeCloseTo(i * 200, -1); // within 5 ms
      expect(f.ts).toBe(epochMs + f.ptsMs);
    });
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.ptsMs).toBeGreaterThan(frames[i - 1]!.ptsMs);
    // A real picture: not one flat colour, and frames differ over time.
    const first = frames[0]!.data;
    expect(new Set(first.subarray(0, 30_000)).size).toBeGreaterThan(20);
    expect(Buffer.compare(first, frames.at(-1)!.data)).not.toBe(0);
    // Each frame owns its buffer.
    expect(first.buffer).not.toBe(frames[1]!.data.buffer);
    expect(stream.stats).toEqual({ emitted: frames.length, dropped: 0, buffered: 0 });
    expect(stream.closed).toBe(true);
  });

  it('keeps the source size without limits and can emit BGR', async () => {
    const stream = await decodeVideo(parseSource(vtest), { durationMs: 500, pixelFormat: 'bgr24' });
    const frames = await collect(stream);
    expect(frames.length).toBe(5);
    expect(frames[0]).toMatchObject({ width: 480, height: 360, format: 'bgr24' });
    expect(frames.map((f) => f.ptsMs)).toEqual([0, 100, 200, 300, 400]);
  });

  it('stops and reaps ffmpeg when the loop breaks early', async () => {
    const stream = await decodeVideo(parseSource(vtest), { fps: 10 });
    const pid = processIdOf(stream);
    expect(pid).toBeGreaterThan(0);
    let n = 0;
    for await (const _frame of stream) {
      if (++n === 3) break;
    }
    expect(n).toBe(3);
    expect(stream.closed).toBe(true);
    expect(processGone(pid!)).toBe(true);
    await stream.close(); // idempotent
  });

  it('throws INGEST_ABORTED when the signal fires, after reaping ffmpeg', async () => {
    const ac = new AbortController();
    const stream = await decodeVideo(parseSource(vtest), { fps: 10, signal: ac.signal });
    const pid = processIdOf(stream)!;
    const seen: Frame[] = [];
    let caught: unknown;
    try {
      for await (const frame of stream) {
        seen.push(frame);
        if (seen.length === 2) ac.abort();
      }
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(IngestError);
    expect((caught as IngestError).code).toBe('INGEST_ABORTED');
    expect(seen.length).toBe(2);
    expect(processGone(pid)).toBe(true);
    await expect(decodeVideo(parseSource(vtest), { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'INGEST_ABORTED',
    });
  });

  it("'block' yields every frame to a slow consumer; 'drop-oldest' drops and counts", async () => {
    const opts = { fps: 10, maxWidth: 160, durationMs: 3000, highWaterMark: 2 } as const;
    const slowly = async (stream: AsyncIterable<Frame>): Promise<number> => {
      let n = 0;
      for await (const _frame of stream) {
        n++;
        await sleep(40);
      }
      return n;
    };
    const blocking = await decodeVideo(parseSource(vtest), { ...opts, overflow: 'block' });
    const all = await slowly(blocking);
    expect(all).toBe(30);
    expect(blocking.stats.dropped).toBe(0);

    const dropping = await decodeVideo(parseSource(vtest), { ...opts, overflow: 'drop-oldest' });
    const kept = await slowly(dropping);
    expect(dropping.stats.dropped).toBeGreaterThan(0);
    expect(kept + dropping.stats.dropped).toBe(all);
    expect(dropping.stats.emitted).toBe(kept);
  });

  it('refuses to be iterated twice and rejects bad options', async () => {
    const stream = await decodeVideo(parseSource(vtest), { durationMs: 200 });
    await collect(stream);
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/only once/);
    await expect(decodeVideo(parseSource(vtest), { fps: 0 })).rejects.toThrow(RangeError);
    await expect(decodeVideo(parseSource(vtest), { highWaterMark: 0 })).rejects.toThrow(RangeError);
  });

  it('can be disposed with await using', async () => {
    let pid = 0;
    {
      await using stream = await decodeVideo(parseSource(vtest), { fps: 2 });
      pid = processIdOf(stream)!;
      const it = stream[Symbol.asyncIterator]();
      expect((await it.next()).done).toBe(false);
    }
    expect(processGone(pid)).toBe(true);
  });
});
