// The pure parts of live sources: backoff maths, the reconnect-proof timeline, the safe emitter and
// option checks. No processes.
import { describe, expect, it } from 'vitest';
import { IngestError, openLiveSource, parseSource } from '../index.ts';
import type { IngestErrorCode } from '../index.ts';
import {
  DEFAULT_BACKOFF,
  backoffCeiling,
  backoffDelay,
  backoffPolicy,
  isRetryable,
  shouldResetFailures,
} from '../src/live/backoff.ts';
import { TypedEmitter } from '../src/live/emitter.ts';
import { LiveTimeline } from '../src/live/timeline.ts';

describe('backoff', () => {
  it('ceilings double from 500 ms and stop at 30 s', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffCeiling(n, DEFAULT_BACKOFF));
    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(backoffCeiling(0, DEFAULT_BACKOFF)).toBe(0);
    // 2 ** 5000 is Infinity: still the cap, never NaN.
    expect(backoffCeiling(5000, DEFAULT_BACKOFF)).toBe(30_000);
  });

  it('full jitter: uniform in [0, ceiling) from the injected random source', () => {
    const policy = backoffPolicy({ baseMs: 1000, capMs: 8000 });
    expect(backoffDelay(1, policy, () => 0)).toBe(0);
    expect(backoffDelay(1, policy, () => 0.5)).toBe(500);
    expect(backoffDelay(3, policy, () => 0.25)).toBe(1000);
    expect(backoffDelay(10, policy, () => 0.5)).toBe(4000);
    // The top of the range stays below the ceiling, even when the source misbehaves.
    expect(backoffDelay(2, policy, () => 0.999_999)).toBeLessThan(2000);
    expect(backoffDelay(2, policy, () => 7)).toBeLessThan(2000);
    expect(backoffDelay(2, policy, () => -1)).toBe(0);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(4, policy);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(8000);
    }
  });

  it('policy: defaults, overrides and nonsense rejected', () => {
    expect(backoffPolicy()).toEqual({ baseMs: 500, capMs: 30_000, resetAfterMs: 30_000 });
    expect(backoffPolicy({ baseMs: 100 })).toEqual({ baseMs: 100, capMs: 30_000, resetAfterMs: 30_000 });
    expect(() => backoffPolicy({ baseMs: 2000, capMs: 1000 })).toThrow(RangeError);
    expect(() => backoffPolicy({ baseMs: -1 })).toThrow(RangeError);
    expect(() => backoffPolicy({ capMs: Infinity })).toThrow(RangeError);
  });

  it('the failure count restarts only after a connection stayed live long enough', () => {
    expect(shouldResetFailures(null, DEFAULT_BACKOFF)).toBe(false);
    expect(shouldResetFailures(29_999, DEFAULT_BACKOFF)).toBe(false);
    expect(shouldResetFailures(30_000, DEFAULT_BACKOFF)).toBe(true);
  });

  it('retries everything but a bad URL and a missing ffmpeg', () => {
    const codes: IngestErrorCode[] = [
      'INGEST_UNREACHABLE',
      'INGEST_DECODE_FAILED',
      'INGEST_NOT_MEDIA',
      'INGEST_NO_VIDEO',
      'INGEST_TRUNCATED',
      'INGEST_FILE_NOT_FOUND',
    ];
    for (const code of codes) expect(isRetryable(code)).toBe(true);
    expect(isRetryable('INGEST_UNSUPPORTED_URL')).toBe(false);
    expect(isRetryable('INGEST_FFMPEG_NOT_FOUND')).toBe(false);
  });
});

describe('LiveTimeline', () => {
  it('anchors each connection at the wall-clock arrival of its first frame', () => {
    const t = new LiveTimeline();
    t.reconnect();
    expect(t.stamp(0, 10_000)).toEqual({ ts: 10_000, ptsMs: 0, gap: null });
    // Within a connection the source clock rules, whatever the arrival jitter.
    expect(t.stamp(200, 10_250).ts).toBe(10_200);
    expect(t.stamp(400, 10_390).ts).toBe(10_400);
    // A connection whose first frame has ptsMs 120 started 120 ms before that frame arrived.
    t.reconnect();
    const first = t.stamp(120, 15_000);
    expect(first).toEqual({ ts: 15_000, ptsMs: 5000, gap: { startTs: 10_400, endTs: 15_000 } });
    expect(t.stamp(320, 15_190)).toEqual({ ts: 15_200, ptsMs: 5200, gap: null });
  });

  it('never goes backwards: re-anchors after a source that ran ahead, clamps PTS jumps', () => {
    const t = new LiveTimeline();
    t.reconnect();
    t.stamp(0, 1000);
    t.stamp(3000, 1100); // a burst (HLS reads ahead): ts runs ahead of the wall clock
    t.reconnect();
    const resumed = t.stamp(0, 2000);
    expect(resumed.ts).toBe(4001);
    expect(resumed.gap).toEqual({ startTs: 4000, endTs: 4001 });
    expect(t.stamp(100, 2100).ts).toBe(4101);
    // PTS going back within a connection (a wrap, a source restart behind a relay): clamped.
    expect(t.stamp(50, 2150).ts).toBe(4101);
    expect(t.stamp(200, 2200).ts).toBe(4201);
  });

  it('reports no gap for a reconnect before any frame', () => {
    const t = new LiveTimeline();
    t.reconnect();
    t.reconnect();
    expect(t.stamp(0, 500).gap).toBeNull();
  });
});

describe('TypedEmitter', () => {
  interface Events {
    tick: number;
    name: string;
  }

  it('a throwing listener neither stops the others nor reaches the emitter', () => {
    const errors: Array<[unknown, string]> = [];
    const emitter = new TypedEmitter<Events>((err, event) => errors.push([err, event]));
    const seen: number[] = [];
    emitter.on('tick', () => {
      throw new Error('boom');
    });
    emitter.on('tick', (n) => seen.push(n));
    expect(() => emitter.safeEmit('tick', 1)).not.toThrow();
    expect(seen).toEqual([1]);
    expect(errors).toHaveLength(1);
    expect((errors[0]?.[0] as Error).message).toBe('boom');
    expect(errors[0]?.[1]).toBe('tick');
  });

  it('unsubscribes, also from inside a listener', () => {
    const emitter = new TypedEmitter<Events>(() => {});
    const seen: string[] = [];
    const off = emitter.on('name', (s) => {
      seen.push(`a:${s}`);
      off();
    });
    emitter.on('name', (s) => seen.push(`b:${s}`));
    emitter.safeEmit('name', 'x');
    emitter.safeEmit('name', 'y');
    expect(seen).toEqual(['a:x', 'b:x', 'b:y']);
  });
});

describe('openLiveSource options', () => {
  const src = parseSource('rtsp://127.0.0.1:9/none');

  it('rejects nonsense before starting anything', () => {
    expect(() => openLiveSource(src, { stallTimeoutMs: 0 })).toThrow(RangeError);
    expect(() => openLiveSource(src, { connectTimeoutMs: -5 })).toThrow(RangeError);
    expect(() => openLiveSource(src, { maxAttempts: 0 })).toThrow(RangeError);
    expect(() => openLiveSource(src, { maxAttempts: 1.5 })).toThrow(RangeError);
    expect(() => openLiveSource(src, { highWaterMark: 0 })).toThrow(RangeError);
    expect(() => openLiveSource(src, { maxWidth: 1 })).toThrow(RangeError);
    expect(() => openLiveSource(src, { fps: 0 })).toThrow(RangeError);
    expect(() => openLiveSource(src, { backoff: { baseMs: 10, capMs: 5 } })).toThrow(RangeError);
  });

  it('an already-aborted signal throws INGEST_ABORTED', () => {
    const ctrl = new AbortController();
    ctrl.abort();
    let error: unknown;
    try {
      openLiveSource(src, { signal: ctrl.signal });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(IngestError);
    expect((error as IngestError).code).toBe('INGEST_ABORTED');
  });
});
