import { describe, expect, it } from 'vitest';
import { createTracker } from '../src/tracking/index.ts';
import type { Tracker, TrackerDetection, TrackUpdate } from '../src/tracking/index.ts';

const FRAME_MS = 33;

/** A w x h detection with its top-left corner at (x, y). */
function det(x: number, y: number, score = 0.9, label = 'person', w = 40, h = 80): TrackerDetection {
  return { box: [x, y, x + w, y + h], score, label };
}

/** Runs one update per frame list, ts = t0 + index * step; returns every update's result. */
function run(tracker: Tracker, frames: readonly (readonly TrackerDetection[])[], t0 = 0, step = FRAME_MS) {
  return frames.map((dets, i) => tracker.update(dets, t0 + i * step));
}

function ids(u: TrackUpdate): number[] {
  return [...u.trackIds];
}

describe('createTracker', () => {
  it('confirms tracks founded on the first update at once, numbering them from 1', () => {
    const t = createTracker();
    const u = t.update([det(0, 0), det(300, 0)], 1000);
    expect(ids(u)).toEqual([1, 2]);
    expect(u.started.map((s) => s.id)).toEqual([1, 2]);
    expect(u.active).toHaveLength(2);
    expect(u.started[0]).toBe(u.active[0]);
    expect(u.started[0]).toMatchObject({
      confirmed: true,
      startTs: 1000,
      lastTs: 1000,
      hits: 1,
      label: 'person',
    });
    expect(t.activeCount).toBe(2);
  });

  it('keeps the ids of two objects crossing paths over 30 updates', () => {
    const t = createTracker();
    const frames = Array.from({ length: 30 }, (_, i) => {
      // They overlap around frame 14; fast enough that matching the last seen boxes (no motion
      // model) would swap them there.
      const a = det(100 + 16 * i, 200);
      const b = det(564 - 16 * i, 210);
      // Swap input order every other frame: ids must not depend on it.
      return i % 2 === 0 ? [a, b] : [b, a];
    });
    const updates = run(t, frames);
    updates.forEach((u, i) => {
      const [idA, idB] = i % 2 === 0 ? ids(u) : ids(u).reverse();
      expect([i, idA, idB]).toEqual([i, 1, 2]);
      if (i > 0) expect(u.started).toEqual([]);
      expect(u.ended).toEqual([]);
    });
    expect(updates.at(-1)!.active.map((s) => s.hits)).toEqual([30, 30]);
  });

  it('keeps the ids of two objects moving side by side', () => {
    const t = createTracker();
    const frames = Array.from({ length: 30 }, (_, i) => [
      det(100 + 8 * i, 100 + 3 * i),
      det(150 + 8 * i, 100 + 3 * i),
    ]);
    for (const u of run(t, frames)) expect(ids(u)).toEqual([1, 2]);
  });

  it('re-associates an object missing for a few frames with the same id', () => {
    const t = createTracker();
    const frames = Array.from({ length: 25 }, (_, i) => (i >= 10 && i < 15 ? [] : [det(100 + 10 * i, 100)]));
    const updates = run(t, frames);
    updates.forEach((u, i) => {
      if (i < 10 || i >= 15) expect(ids(u)).toEqual([1]);
      // While missing it is lost but still active, shown at its predicted position.
      else {
        expect(u.active.map((s) => s.id)).toEqual([1]);
        expect(Math.abs(u.active[0]!.box[0] - (100 + 10 * i))).toBeLessThan(5);
      }
      if (i > 0) expect(u.started).toEqual([]);
      expect(u.ended).toEqual([]);
    });
    expect(updates[20]!.active[0]).toMatchObject({ id: 1, hits: 16, lastTs: 20 * FRAME_MS });
  });

  it('keeps a track through low-score detections (second stage) without founding new ones', () => {
    const t = createTracker();
    const frames = Array.from({ length: 20 }, (_, i) => [
      det(100 + 10 * i, 100, i >= 8 && i < 14 ? 0.3 : 0.9),
    ]);
    const updates = run(t, frames);
    for (const u of updates) expect(ids(u)).toEqual([1]);
    expect(updates.at(-1)!.active).toHaveLength(1);
    expect(updates.at(-1)!.active[0]!.hits).toBe(20);

    const fresh = createTracker();
    const low = run(fresh, [[det(0, 0, 0.4)], [det(0, 0, 0.4)], [det(0, 0, 0.4)]]);
    for (const u of low) expect(u.active).toEqual([]);
  });

  it('does not bring a lost track back on a low-score detection alone', () => {
    const t = createTracker();
    const updates = run(t, [[det(0, 0)], [det(0, 0)], [], [det(0, 0, 0.3)], [det(0, 0)]]);
    expect(ids(updates[3]!)).toEqual([0]);
    expect(ids(updates[4]!)).toEqual([1]);
  });

  it('ends an object gone for longer than maxLostMs, once, with its start and last ts', () => {
    const t = createTracker({ maxLostMs: 2000 });
    const frames = Array.from({ length: 41 }, (_, i) => (i < 10 ? [det(100, 100)] : []));
    const updates = run(t, frames, 1000, 100);
    const endings = updates.flatMap((u, i) => u.ended.map((s) => ({ i, s })));
    // Last seen at 1900; 3900 - 1900 is not more than 2000, 4000 - 1900 is.
    expect(endings.map((e) => e.i)).toEqual([30]);
    expect(endings[0]!.s).toMatchObject({ id: 1, confirmed: true, startTs: 1000, lastTs: 1900, hits: 10 });
    expect(updates[29]!.active.map((s) => s.id)).toEqual([1]);
    expect(updates[30]!.active).toEqual([]);
    expect(t.activeCount).toBe(0);
  });

  it('keeps a track matched after a long gap between updates (dropped frames)', () => {
    const t = createTracker({ maxLostMs: 2000 });
    t.update([det(100, 100)], 0);
    t.update([det(102, 100)], 100);
    const u = t.update([det(104, 100)], 5000);
    expect(ids(u)).toEqual([1]);
    expect(u.ended).toEqual([]);
  });

  it('never confirms a one-frame detection after the first update', () => {
    const t = createTracker({ minHits: 2 });
    const updates = run(t, [[det(0, 0)], [det(0, 0), det(300, 300)], [det(0, 0)], [det(0, 0)]]);
    expect(ids(updates[1]!)).toEqual([1, 0]);
    for (const u of updates.slice(1)) {
      expect(u.started).toEqual([]);
      expect(u.active.map((s) => s.id)).toEqual([1]);
    }
  });

  it('confirms a new object on its minHits-th consecutive match', () => {
    const t = createTracker({ minHits: 3 });
    t.update([], 0);
    const updates = run(t, [[det(50, 50)], [det(52, 50)], [det(54, 50)], [det(56, 50)]], 100, 100);
    expect(updates.map((u) => ids(u)[0])).toEqual([0, 0, 1, 1]);
    expect(updates[2]!.started).toHaveLength(1);
    expect(updates[2]!.started[0]).toMatchObject({ id: 1, startTs: 100, lastTs: 300, hits: 3 });
    expect(updates[3]!.started).toEqual([]);

    // A gap resets an unconfirmed track: it must be matched in consecutive updates.
    const gappy = createTracker({ minHits: 2 });
    gappy.update([], 0);
    const g = run(gappy, [[det(50, 50)], [], [det(50, 50)], [det(50, 50)]], 100, 100);
    expect(g.map((u) => ids(u)[0] ?? -1)).toEqual([0, -1, 0, 1]);
    expect(g[3]!.started[0]).toMatchObject({ startTs: 300 });
  });

  it('matches by class: a car where a person was does not take its id', () => {
    const t = createTracker();
    t.update([det(100, 100, 0.9, 'person')], 0);
    const u1 = t.update([det(100, 100, 0.9, 'car')], 33);
    const u2 = t.update([det(100, 100, 0.9, 'car')], 66);
    expect(ids(u1)).toEqual([0]);
    expect(ids(u2)).toEqual([2]);
    expect(u2.active.map((s) => [s.id, s.label, s.lastTs])).toEqual([
      [1, 'person', 0],
      [2, 'car', 66],
    ]);

    const both = createTracker();
    const frames = Array.from({ length: 10 }, (_, i) => [
      det(100 + 5 * i, 100, 0.9, 'car'),
      det(100 + 5 * i, 100, 0.8, 'person'),
    ]);
    for (const u of run(both, frames)) expect(ids(u)).toEqual([1, 2]);
  });

  it('reports the median of the score history, in a bounded ring buffer', () => {
    const t = createTracker();
    const u = run(t, [[det(0, 0, 0.9)], [det(0, 0, 0.1)], [det(0, 0, 0.8)]], 500, 100);
    expect(ids(u[1]!)).toEqual([1]);
    expect(u[0]!.active[0]!.medianScore).toBeCloseTo(0.9, 12);
    expect(u[1]!.active[0]!.medianScore).toBeCloseTo(0.5, 12); // even count: mean of the middle two
    expect(u[2]!.active[0]).toMatchObject({ medianScore: 0.8, bestScore: 0.9, bestTs: 500, hits: 3 });
    expect(u[2]!.active[0]!.bestBox).toEqual([0, 0, 40, 80]);

    const short = createTracker({ scoreHistory: 3 });
    const scores = [0.9, 0.9, 0.9, 0.2, 0.2];
    const last = run(
      short,
      scores.map((s) => [det(0, 0, s)]),
    ).at(-1)!;
    expect(last.active[0]!.medianScore).toBeCloseTo(0.2, 12);
    expect(last.active[0]!.bestScore).toBe(0.9);
  });

  it('finish() ends every confirmed track, drops unconfirmed ones and restarts', () => {
    const t = createTracker();
    t.update([det(0, 0), det(300, 0)], 0);
    t.update([det(0, 0), det(600, 600)], 33); // track 2 is lost; the third object is unconfirmed
    const ended = t.finish();
    expect(ended.map((s) => [s.id, s.lastTs])).toEqual([
      [1, 33],
      [2, 0],
    ]);
    expect(t.activeCount).toBe(0);
    expect(t.finish()).toEqual([]);
    // The next media's first update confirms at once, with ids carrying on.
    expect(ids(t.update([det(600, 600)], 10_000))).toEqual([3]);
  });

  it('never reuses an id', () => {
    const t = createTracker({ maxLostMs: 100 });
    const frames = [[det(0, 0)], [det(0, 0)], [], [], [], [], [det(0, 0)], [det(0, 0)]];
    const updates = run(t, frames, 0, 50);
    expect(updates.flatMap((u) => u.ended.map((s) => s.id))).toEqual([1]);
    expect(updates.map((u) => ids(u)[0] ?? -1)).toEqual([1, 1, -1, -1, -1, -1, 0, 2]);
  });

  it('ignores detections below lowThreshold or without area, and keeps input order in trackIds', () => {
    const t = createTracker();
    const u = t.update(
      [
        det(0, 0, 0.05),
        { box: [10, 10, 10, 50], score: 0.9, label: 'person' },
        det(200, 0),
        det(400, 0, NaN),
      ],
      0,
    );
    expect(ids(u)).toEqual([0, 0, 1, 0]);
    expect(u.active).toHaveLength(1);
  });

  it('returns frozen snapshots that later updates do not change', () => {
    const t = createTracker();
    const first = t.update([det(0, 0)], 0).active[0]!;
    t.update([det(5, 0)], 33);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.box)).toBe(true);
    expect(first).toMatchObject({ lastTs: 0, hits: 1, box: [0, 0, 40, 80] });
  });

  it('rejects bad options naming the key, and a non-finite ts', () => {
    expect(() => createTracker({ minHits: 0 })).toThrow(/minHits/);
    expect(() => createTracker({ lowThreshold: 0.6, highThreshold: 0.5 })).toThrow(/lowThreshold/);
    expect(() => createTracker({ matchIouThreshold: 1.5 })).toThrow(
      expect.objectContaining({ code: 'INFER_BAD_CONFIG' }),
    );
    expect(() => createTracker().update([], Number.NaN)).toThrow(RangeError);
  });
});
