import { describe, expect, it } from 'vitest';
import { planRetention } from '../index.ts';
import type { RecordingRecord } from '../index.ts';

const T0 = Date.UTC(2024, 4, 1);

/** Segment `i` of `sourceId`: [T0 + i*10 s, T0 + (i+1)*10 s), `bytes` bytes. */
function seg(sourceId: string, i: number, bytes = 100): RecordingRecord {
  return {
    sourceId,
    startTs: T0 + i * 10_000,
    endTs: T0 + (i + 1) * 10_000,
    file: `${sourceId}/${i}.mp4`,
    bytes,
  };
}

const names = (plan: { delete: RecordingRecord[] }): string[] => plan.delete.map((s) => s.file);

describe('planRetention', () => {
  const cam = [0, 1, 2, 3, 4].map((i) => seg('cam', i));
  const now = T0 + 50_000; // the end of segment 4

  it('by age: deletes segments that ended at least maxAgeMs ago, keeps one straddling the cutoff', () => {
    expect(names(planRetention(cam, { maxAgeMs: 30_000, now }))).toEqual(['cam/0.mp4', 'cam/1.mp4']);
    expect(names(planRetention(cam, { maxAgeMs: 25_000, now }))).toEqual(['cam/0.mp4', 'cam/1.mp4']);
    expect(names(planRetention(cam, { maxAgeMs: 0, now }))).toHaveLength(5);
    expect(planRetention(cam, { maxAgeMs: 60_000, now }).delete).toEqual([]);
  });

  it('by size: deletes the oldest until the total is at most maxBytes', () => {
    expect(planRetention(cam, { maxBytes: 300, now })).toEqual({
      delete: [cam[0], cam[1]],
      keptBytes: 300,
    });
    expect(names(planRetention(cam, { maxBytes: 299, now }))).toHaveLength(3);
    expect(planRetention(cam, { maxBytes: 500, now }).delete).toEqual([]);
    expect(planRetention(cam, { maxBytes: 0, now })).toMatchObject({ keptBytes: 0 });
  });

  it('applies both limits: the union, oldest first', () => {
    const sized = [seg('cam', 0, 10), seg('cam', 1, 10), seg('cam', 2, 500), seg('cam', 3, 10)];
    // Age removes 0; size then needs 2 (500 bytes) gone as well, which takes 1 before it.
    const plan = planRetention(sized, { maxAgeMs: 35_000, maxBytes: 100, now: T0 + 40_000 });
    expect(names(plan)).toEqual(['cam/0.mp4', 'cam/1.mp4', 'cam/2.mp4']);
    expect(plan.keptBytes).toBe(10);
  });

  it('orders across sources by start time, whatever the input order', () => {
    const mixed = [seg('b', 1), seg('a', 2), seg('b', 0), seg('a', 0), seg('a', 1)];
    const copy = [...mixed];
    expect(names(planRetention(mixed, { maxBytes: 200, now }))).toEqual(['a/0.mp4', 'b/0.mp4', 'a/1.mp4']);
    expect(mixed).toEqual(copy); // input untouched
  });

  it('counts the whole scope when given only its oldest page (totalBytes)', () => {
    const page = cam.slice(0, 2);
    expect(names(planRetention(page, { maxBytes: 300, now, totalBytes: 500 }))).toEqual([
      'cam/0.mp4',
      'cam/1.mp4',
    ]);
    expect(planRetention(page, { maxBytes: 300, now, totalBytes: 500 }).keptBytes).toBe(300);
    expect(planRetention(page, { maxBytes: 300, now, totalBytes: 350 }).delete).toEqual([cam[0]]);
  });

  it('deletes nothing without limits, and rejects nonsense limits', () => {
    expect(planRetention(cam, {})).toEqual({ delete: [], keptBytes: 500 });
    expect(planRetention([], { maxBytes: 0, maxAgeMs: 0 })).toEqual({ delete: [], keptBytes: 0 });
    expect(() => planRetention(cam, { maxBytes: -1 })).toThrow(RangeError);
    expect(() => planRetention(cam, { maxAgeMs: Number.NaN })).toThrow(RangeError);
    expect(() => planRetention(cam, { maxAgeMs: 1, now: Infinity })).toThrow(RangeError);
  });
});
