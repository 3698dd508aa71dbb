// The UI's pure parts (no DOM needed): routes, trails, the live timeline's ring of
// columns, thinning, media-time inputs, reconnect backoff and class colours.
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/lib/backoff.ts';
import { classColor, hexToRgb, textOn } from '../src/lib/colors.ts';
import { createLiveSeries } from '../src/lib/live-series.ts';
import { formatMediaTimeInput, parseMediaTime } from '../src/lib/media-time.ts';
import { href, parseHash } from '../src/lib/routes.ts';
import { lowerBound, thinRange } from '../src/lib/thin.ts';
import { createTrailStore } from '../src/lib/trails.ts';

describe('hash routes', () => {
  it('parses and builds every route', () => {
    expect(parseHash('#/login')).toEqual({ name: 'login' });
    expect(parseHash('')).toEqual({ name: 'sources' });
    expect(parseHash('#/nowhere')).toEqual({ name: 'sources' });
    expect(parseHash('#/live/cam%2F1')).toEqual({ name: 'live', id: 'cam/1' });
    expect(parseHash('#/live')).toEqual({ name: 'sources' });
    expect(parseHash('#/history?source=a.b')).toEqual({ name: 'history', source: 'a.b' });
    expect(parseHash('#/history')).toEqual({ name: 'history', source: null });
    for (const r of [
      { name: 'login' },
      { name: 'sources' },
      { name: 'live', id: 'cam/1 x' },
      { name: 'history', source: 'v-1' },
      { name: 'history', source: null },
    ] as const) {
      expect(parseHash(href(r))).toEqual(r);
    }
  });
});

describe('trail store', () => {
  it('keeps the last points per track, oldest first, and forgets ended tracks', () => {
    const trails = createTrailStore({ maxPoints: 3 });
    for (let i = 0; i < 5; i++) trails.add(7, 'person', i, 10 * i, i);
    const seen: number[][] = [];
    trails.forEach((t, id) => {
      expect(id).toBe(7);
      seen.push(Array.from(t.points.subarray(0, t.count * 2)));
    });
    expect(seen).toEqual([[2, 20, 3, 30, 4, 40]]);
    trails.end(7);
    expect(trails.size).toBe(0);
  });

  it('is bounded in tracks and drops stale ones', () => {
    const trails = createTrailStore({ maxTracks: 4, staleFrames: 10 });
    for (let id = 1; id <= 10; id++) trails.add(id, 'car', 0, 0, 1);
    expect(trails.size).toBe(4);
    trails.add(99, 'car', 0, 0, 100);
    expect(trails.size).toBe(1);
  });
});

describe('live series', () => {
  it('keeps ordered columns for the last span seconds, backfilling new classes with zeros', () => {
    const s = createLiveSeries({ spanSec: 10, capacity: 8 });
    expect(s.push(100, { person: 2 })).toBe(true);
    expect(s.push(101, { person: 3, car: 1 })).toBe(true);
    expect(s.push(101, { person: 9 })).toBe(false); // not after the last point: ignored
    expect(s.push(102, { car: 4 })).toBe(false);
    const [x, person, car] = s.aligned();
    expect(Array.from(x!)).toEqual([100, 101, 102]);
    expect(Array.from(person!)).toEqual([2, 3, 0]);
    expect(Array.from(car!)).toEqual([0, 1, 4]);
    expect(s.labels).toEqual(['person', 'car']);
  });

  it('wraps its ring and trims by time', () => {
    const s = createLiveSeries({ spanSec: 5, capacity: 4 });
    for (let t = 0; t < 20; t++) s.push(t, { a: t });
    expect(s.length).toBe(4);
    expect(Array.from(s.aligned()[0]!)).toEqual([16, 17, 18, 19]);
    expect(Array.from(s.aligned()[1]!)).toEqual([16, 17, 18, 19]);
    s.push(30, { a: 1 });
    expect(Array.from(s.aligned()[0]!)).toEqual([30]);
  });
});

describe('thinning', () => {
  const x = Float64Array.from({ length: 1000 }, (_, i) => i);
  const y = Float64Array.from({ length: 1000 }, (_, i) => (i === 537 ? 99 : 1));

  it('finds bounds', () => {
    expect(lowerBound(x, -5)).toBe(0);
    expect(lowerBound(x, 10.5)).toBe(11);
    expect(lowerBound(x, 5000)).toBe(1000);
  });

  it('keeps one point per pixel and the peaks', () => {
    const [tx, ty] = thinRange(x, [y], 0, 999, 100);
    expect(tx!.length).toBe(100);
    expect(Math.max(...Array.from(ty as Float64Array))).toBe(99);
  });

  it('returns the range itself (plus a neighbour each side) when it fits', () => {
    const [tx] = thinRange(x, [y], 10, 20, 100);
    expect(Array.from(tx!)).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
  });
});

describe('media-time inputs', () => {
  it('parses m:ss, h:mm:ss and seconds', () => {
    expect(parseMediaTime('1:05.5')).toBe(65_500);
    expect(parseMediaTime('65')).toBe(65_000);
    expect(parseMediaTime('1:02:03')).toBe(3_723_000);
    expect(parseMediaTime('')).toBeUndefined();
    expect(parseMediaTime('abc')).toBeUndefined();
  });

  it('formats to the tenth and round-trips', () => {
    expect(formatMediaTimeInput(0)).toBe('0:00');
    expect(formatMediaTimeInput(65_500)).toBe('1:05.5');
    expect(formatMediaTimeInput(600_000)).toBe('10:00');
    for (const ms of [0, 1_200, 59_900, 61_000, 3_599_900]) {
      expect(parseMediaTime(formatMediaTimeInput(ms))).toBe(ms);
    }
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially from 0.5 s, capped at 10 s, with jitter', () => {
    expect(backoffDelay(0, 1)).toBe(500);
    expect(backoffDelay(0, 0)).toBe(250);
    expect(backoffDelay(3, 1)).toBe(4000);
    expect(backoffDelay(30, 1)).toBe(10_000);
  });
});

describe('class colours', () => {
  it('are stable, valid and readable', () => {
    expect(classColor('person')).toBe(classColor('person'));
    for (const label of ['person', 'car', 'toothbrush', 'hair drier', 'x']) {
      const c = classColor(label);
      expect(c).toMatch(/^#[0-9a-f]{6}$/);
      expect(hexToRgb(c)).toHaveLength(3);
      expect(['#111', '#fff']).toContain(textOn(c));
    }
  });
});
