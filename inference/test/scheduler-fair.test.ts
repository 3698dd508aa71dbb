import { describe, expect, it } from 'vitest';
import { createFairPicker } from '@aima/inference';
import { createDropOldestQueue } from '../src/scheduler/queue.ts';

const count = <K>(keys: readonly K[]): Map<K, number> => {
  const m = new Map<K, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
};

describe('deficit round robin picker', () => {
  it('alternates equal-weight sources one slot at a time, across batches', () => {
    const p = createFairPicker<string>();
    for (const k of ['a', 'b', 'c']) p.add(k, 1);
    const backlog = (): number => 100;
    expect(p.pick(4, backlog)).toEqual(['a', 'b', 'c', 'a']);
    expect(p.pick(1, backlog)).toEqual(['b']);
    expect(p.pick(5, backlog)).toEqual(['c', 'a', 'b', 'c', 'a']);
  });

  it('gives slots in proportion to weight, resuming a turn cut by a full batch', () => {
    const p = createFairPicker<string>();
    p.add('hi', 3);
    p.add('lo', 1);
    const picks: string[] = [];
    for (let i = 0; i < 40; i++) picks.push(...p.pick(1, () => 100));
    expect(picks.slice(0, 8)).toEqual(['hi', 'hi', 'hi', 'lo', 'hi', 'hi', 'hi', 'lo']);
    expect(count(picks)).toEqual(new Map([['hi', 30], ['lo', 10]])); // prettier-ignore
  });

  it('handles fractional weights', () => {
    const p = createFairPicker<string>();
    p.add('full', 1);
    p.add('half', 0.5);
    const picks = p.pick(30, () => 100);
    expect(count(picks)).toEqual(new Map([['full', 20], ['half', 10]])); // prettier-ignore
  });

  it('gives nothing to a source with nothing queued, and banks no credit for idle time', () => {
    const p = createFairPicker<string>();
    p.add('busy', 1);
    p.add('idle', 5);
    const queued = new Map([['busy', 100], ['idle', 0]]); // prettier-ignore
    expect(p.pick(6, (k) => queued.get(k)!)).toEqual(['busy', 'busy', 'busy', 'busy', 'busy', 'busy']);
    // 'idle' now has 2 frames: it gets its weight's worth of them, no catch-up for the idle time.
    queued.set('idle', 2);
    expect(p.pick(6, (k) => queued.get(k)!)).toEqual(['idle', 'idle', 'busy', 'busy', 'busy', 'busy']);
  });

  it('takes no more than what is available and stops when everything is taken', () => {
    const p = createFairPicker<string>();
    p.add('a', 1);
    p.add('b', 2);
    const avail = new Map([['a', 1], ['b', 2]]); // prettier-ignore
    expect(p.pick(8, (k) => avail.get(k)!)).toEqual(['a', 'b', 'b']);
    expect(p.pick(8, () => 0)).toEqual([]);
  });

  it('keeps the rotation consistent when sources leave', () => {
    const p = createFairPicker<string>();
    for (const k of ['a', 'b', 'c', 'd']) p.add(k, 1);
    expect(p.pick(2, () => 9)).toEqual(['a', 'b']);
    p.remove('a');
    p.remove('c');
    expect(p.pick(3, () => 9)).toEqual(['d', 'b', 'd']);
    p.add('e', 1);
    expect(p.pick(3, () => 9)).toEqual(['e', 'b', 'd']);
  });

  it('never starves a low-weight source among heavy ones', () => {
    const p = createFairPicker<string>();
    for (const k of ['h1', 'h2', 'h3']) p.add(k, 100);
    p.add('tiny', 0.01);
    const c = count(p.pick(30_100, () => 1_000_000));
    expect(c.get('tiny')).toBe(1);
  });
});

describe('drop-oldest queue', () => {
  it('keeps the newest items and hands back each evicted one', () => {
    const q = createDropOldestQueue<number>(3);
    const evicted: number[] = [];
    for (let i = 0; i < 7; i++) {
      const e = q.push(i);
      if (e !== undefined) evicted.push(e);
      expect(q.length).toBeLessThanOrEqual(3);
    }
    expect(evicted).toEqual([0, 1, 2, 3]);
    expect(q.shift()).toBe(4);
    q.push(7);
    expect(q.clear()).toEqual([5, 6, 7]);
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});
