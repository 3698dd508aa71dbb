import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  coalesceInserts,
  createBatchWriter,
  createStore,
  type DetectionRecord,
  type Store,
} from '../index.ts';
import { DAY, det, uid } from './fixtures.ts';

let dir: string;
let real: Store;
/** INSERTs that reached the real store, per method: what coalescing is meant to reduce. */
const reached: Record<string, number> = {};
let observed: Store;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'aima-coalesce-'));
  real = await createStore({ dataDir: dir });
  await real.migrate();
  observed = new Proxy(real, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (typeof prop === 'string' && prop.startsWith('insert')) reached[prop] = (reached[prop] ?? 0) + 1;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
});
afterAll(async () => {
  await real.close();
  await rm(dir, { recursive: true, force: true });
});

describe('coalesceInserts: one INSERT for many sources, nothing lost', () => {
  it('merges concurrent inserts of eight sources into one, every row stored', async () => {
    const store = coalesceInserts(observed);
    const ids = Array.from({ length: 8 }, () => uid('co'));
    reached['insertDetections'] = 0;
    await Promise.all(
      ids.map((id, i) => store.insertDetections([det(id, DAY + i * 10), det(id, DAY + i * 10 + 1)])),
    );
    expect(reached['insertDetections']).toBe(1);
    for (const id of ids) expect(await store.countDetections({ sourceId: id })).toBe(2);
  });

  it("a merged INSERT that fails is retried call by call: only the bad call's rows fail", async () => {
    const store = coalesceInserts(observed);
    const good = uid('good');
    const bad = uid('bad');
    // A timestamp ClickHouse cannot take: the INSERT of these rows fails for real.
    const broken = { ...det(bad, DAY), ts: Number.NaN } as DetectionRecord;
    const results = await Promise.allSettled([
      store.insertDetections([det(good, DAY + 1)]),
      store.insertDetections([broken]),
      store.insertDetections([det(good, DAY + 2)]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.countDetections({ sourceId: good })).toBe(2);
    expect(await store.countDetections({ sourceId: bad })).toBe(0);
  });

  it('batch writers of different sources flush on the same clock tick, so their inserts merge', async () => {
    const store = coalesceInserts(observed);
    const ids = [uid('w'), uid('w'), uid('w')];
    const writers = ids.map(() =>
      createBatchWriter((rows: DetectionRecord[]) => store.insertDetections(rows), { maxDelayMs: 200 }),
    );
    reached['insertDetections'] = 0;
    // The writers get their first rows at different moments within one 200 ms slot.
    for (const [i, w] of writers.entries()) {
      await w.push([det(ids[i]!, DAY + i)]);
      await new Promise((r) => setTimeout(r, 30));
    }
    // Their timers fire at the next multiple of 200 ms on the wall clock.
    await new Promise((r) => setTimeout(r, 400));
    await Promise.all(writers.map((w) => w.close()));
    for (const id of ids) expect(await store.countDetections({ sourceId: id })).toBe(1);
    // One INSERT when all three timers fired on the same tick; never one per writer and slot.
    expect(reached['insertDetections']).toBeLessThanOrEqual(2);
  });

  it('leaves every other method as it was', async () => {
    const store = coalesceInserts(observed);
    expect(await store.countDetections({ sourceId: uid('none') })).toBe(0);
    expect(typeof store.close).toBe('function');
  });
});
