import { describe, expect, it } from 'vitest';
import { mergeSegments } from '../index.ts';
import type { SegmentInput } from '../index.ts';

const t = (startTs: number, endTs: number, over: Partial<SegmentInput> = {}): SegmentInput => ({
  sourceId: 'a',
  label: 'person',
  startTs,
  endTs,
  score: 0.5,
  ...over,
});
const seg = (
  startTs: number,
  endTs: number,
  tracks: number,
  maxScore = 0.5,
  sourceId = 'a',
  label = 'person',
) => ({
  sourceId,
  label,
  startTs,
  endTs,
  tracks,
  maxScore,
});

describe('mergeSegments', () => {
  it('returns nothing for no tracks', () => {
    expect(mergeSegments([], 1000)).toEqual([]);
  });

  it('merges overlapping tracks and keeps the highest score', () => {
    expect(mergeSegments([t(0, 2000), t(1500, 3000, { score: 0.9 })], 1000)).toEqual([seg(0, 3000, 2, 0.9)]);
  });

  it('merges a gap up to and including gapMs, not beyond', () => {
    expect(mergeSegments([t(0, 1000), t(2000, 2500)], 1000)).toEqual([seg(0, 2500, 2)]);
    expect(mergeSegments([t(0, 1000), t(2001, 2500)], 1000)).toEqual([seg(0, 1000, 1), seg(2001, 2500, 1)]);
  });

  it('merges touching tracks even with a zero gap', () => {
    expect(mergeSegments([t(0, 1000), t(1000, 1500)], 0)).toEqual([seg(0, 1500, 2)]);
    expect(mergeSegments([t(0, 1000), t(1001, 1500)], 0)).toHaveLength(2);
  });

  it('keeps the outer end when a track is contained in another', () => {
    expect(mergeSegments([t(0, 5000), t(1000, 2000, { score: 0.7 }), t(5500, 6000)], 1000)).toEqual([
      seg(0, 6000, 3, 0.7),
    ]);
  });

  it('does not depend on input order', () => {
    const tracks = [t(8000, 9000), t(1500, 3000), t(0, 2000)];
    expect(mergeSegments(tracks, 1000)).toEqual([seg(0, 3000, 2), seg(8000, 9000, 1)]);
    expect(tracks.map((x) => x.startTs)).toEqual([8000, 1500, 0]); // input untouched
  });

  it('never merges across labels or sources, and orders by start time', () => {
    const out = mergeSegments(
      [t(0, 1000), t(500, 1500, { label: 'car' }), t(200, 1200, { sourceId: 'b' }), t(900, 2000)],
      1000,
    );
    expect(out).toEqual([seg(0, 2000, 2), seg(200, 1200, 1, 0.5, 'b'), seg(500, 1500, 1, 0.5, 'a', 'car')]);
  });

  it('treats a negative or non-finite gap as zero and an inverted track as a point', () => {
    expect(mergeSegments([t(0, 1000), t(1500, 2000)], -5)).toHaveLength(2);
    expect(mergeSegments([t(0, 1000), t(1500, 2000)], Number.NaN)).toHaveLength(2);
    expect(mergeSegments([t(500, 100)], 1000)).toEqual([seg(500, 500, 1)]);
  });

  it('uses a 1000 ms gap by default', () => {
    expect(mergeSegments([t(0, 1000), t(2000, 2500)])).toHaveLength(1);
    expect(mergeSegments([t(0, 1000), t(2001, 2500)])).toHaveLength(2);
  });
});
