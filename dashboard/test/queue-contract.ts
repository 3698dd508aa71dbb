import { describe, expect, it } from 'vitest';
import type { JobQueue, Lease } from '../src/queue/index.ts';

// Behaviour every JobQueue adapter must show. Each test uses its own queue name, so tests stay
// independent on shared storage. No test depends on how fast the machine is: "not yet due" and
// "not yet expired" use delays of a minute, and expiry is asked about a later `now`.

export interface Payload {
  readonly n: number;
  readonly tag?: string;
}

export interface QueueHarness {
  /** A new adapter instance over the shared storage. */
  open(name: string, opts?: { maxPending?: number }): Promise<JobQueue<Payload>>;
  /** Restart the storage itself (close and reopen chDB; SIGKILL and restart redis-server). */
  restartStorage(): Promise<void>;
  /** Whether opening a queue hands back the entries a previous instance had leased. */
  readonly recoversOnOpen: boolean;
}

let seq = 0;
const MINUTE = 60_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Claims until null (at most `max`), returning the claimed ids in order. */
async function drain(q: JobQueue<Payload>, owner: string, max = 50): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < max; i++) {
    const l = await q.claim(owner, { leaseMs: MINUTE });
    if (l === null) break;
    ids.push(l.id);
  }
  return ids;
}

/** Polls claim() until it returns an entry (real time passing), failing after `ms`. */
async function claimWithin(q: JobQueue<Payload>, owner: string, ms: number): Promise<Lease<Payload>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const l = await q.claim(owner, { leaseMs: MINUTE });
    if (l !== null) return l;
    if (Date.now() > deadline) throw new Error(`nothing became claimable within ${ms} ms`);
    await sleep(25);
  }
}

export function queueContract(label: string, harness: () => QueueHarness): void {
  describe(`JobQueue contract: ${label}`, () => {
    async function withQueue(
      fn: (q: JobQueue<Payload>, name: string) => Promise<void>,
      opts?: { maxPending?: number },
    ): Promise<void> {
      const name = `q${++seq}-${Date.now().toString(36)}`;
      const q = await harness().open(name, opts);
      try {
        await fn(q, name);
      } finally {
        await q.close();
      }
    }

    it('adds idempotently by id and validates input with coded errors', () =>
      withQueue(async (q) => {
        await q.add({ id: 'a', group: 'g', payload: { n: 1, tag: 'first' } });
        await q.add({ id: 'a', group: 'g', payload: { n: 2, tag: 'second' }, priority: 9 });
        expect(await q.counts()).toEqual({
          waiting: 1,
          active: 0,
          delayed: 0,
          done: 0,
          failed: 0,
          paused: 0,
        });
        const l = await q.claim('w1');
        expect(l).toMatchObject({
          id: 'a',
          group: 'g',
          payload: { n: 1, tag: 'first' },
          priority: 0,
          attempts: 1,
        });
        // Adding an id that is active (or later done) changes nothing either.
        await q.add({ id: 'a', group: 'g', payload: { n: 3 } });
        expect(await q.claim('w2')).toBeNull();
        await q.complete('a', 'w1');
        await q.add({ id: 'a', group: 'g', payload: { n: 4 } });
        expect(await q.claim('w2')).toBeNull();

        await expect(q.add({ id: 'b', group: 'g', payload: { n: 1 }, priority: 1.5 })).rejects.toMatchObject({
          code: 'QUEUE_INVALID',
        });
        await expect(q.add({ id: '', group: 'g', payload: { n: 1 } })).rejects.toMatchObject({
          code: 'QUEUE_INVALID',
        });
        await expect(q.add({ id: 'c', group: 'g', payload: { n: 1 }, delayMs: -5 })).rejects.toMatchObject({
          code: 'QUEUE_INVALID',
        });
      }));

    it('claims by priority (larger first), then oldest first', () =>
      withQueue(async (q) => {
        const order: [string, number][] = [
          ['low-1', 0],
          ['high-1', 5],
          ['neg', -3],
          ['high-2', 5],
          ['low-2', 0],
          ['top', 1000],
        ];
        for (const [id, priority] of order)
          await q.add({ id, group: id.startsWith('low') ? 'L' : 'H', payload: { n: 0 }, priority });
        expect(await drain(q, 'w')).toEqual(['top', 'high-1', 'high-2', 'low-1', 'low-2', 'neg']);
      }));

    it('leases to one owner; complete needs that owner', () =>
      withQueue(async (q) => {
        await q.add({ id: 'x', group: 'g', payload: { n: 7, tag: 'ü ☃ "quoted"' } });
        const before = Date.now();
        const l = await q.claim('w1', { leaseMs: MINUTE });
        expect(l).toMatchObject({
          id: 'x',
          owner: 'w1',
          attempts: 1,
          payload: { n: 7, tag: 'ü ☃ "quoted"' },
        });
        expect(l?.leaseUntil).toBeGreaterThanOrEqual(before + MINUTE);
        expect(await q.claim('w2')).toBeNull();
        await expect(q.complete('x', 'w2')).rejects.toMatchObject({ code: 'QUEUE_LEASE_LOST' });
        await expect(q.complete('nope', 'w1')).rejects.toMatchObject({ code: 'QUEUE_LEASE_LOST' });
        expect(await q.counts('g')).toMatchObject({ active: 1, waiting: 0 });
        await q.complete('x', 'w1');
        expect(await q.counts('g')).toEqual({
          waiting: 0,
          active: 0,
          delayed: 0,
          done: 1,
          failed: 0,
          paused: 0,
        });
        await expect(q.complete('x', 'w1')).rejects.toMatchObject({ code: 'QUEUE_LEASE_LOST' });
        await expect(q.extend('x', 'w1', MINUTE)).rejects.toMatchObject({ code: 'QUEUE_LEASE_LOST' });
      }));

    it('hands out concurrent claims once each', () =>
      withQueue(async (q) => {
        for (let i = 0; i < 20; i++) await q.add({ id: `c${i}`, group: 'g', payload: { n: i } });
        const got = await Promise.all(Array.from({ length: 25 }, (_, i) => q.claim(`w${i}`)));
        const ids = got.filter((l) => l !== null).map((l) => l.id);
        expect(ids).toHaveLength(20);
        expect(new Set(ids).size).toBe(20);
      }));

    it('fails with retry (delay respected, attempts counted) and without', () =>
      withQueue(async (q) => {
        await q.add({ id: 'later', group: 'g', payload: { n: 1 }, priority: 5 });
        await q.add({ id: 'soon', group: 'g', payload: { n: 2 } });
        await q.add({ id: 'dead', group: 'g', payload: { n: 3 }, priority: -1 });
        expect((await q.claim('w'))?.id).toBe('later');
        expect(await q.fail('later', 'w', { retry: true, delayMs: 10 * MINUTE })).toBe('retrying');
        expect(await q.counts()).toMatchObject({ delayed: 1, waiting: 2, active: 0 });

        expect((await q.claim('w'))?.id).toBe('soon');
        await expect(q.fail('soon', 'other', { retry: true })).rejects.toMatchObject({
          code: 'QUEUE_LEASE_LOST',
        });
        expect(await q.fail('soon', 'w', { retry: true, delayMs: 150 })).toBe('retrying');

        expect((await q.claim('w'))?.id).toBe('dead');
        expect(await q.fail('dead', 'w', { retry: false })).toBe('failed');
        expect(await q.counts()).toMatchObject({ failed: 1 });

        // Only 'soon' becomes due (after real time passes); 'later' waits its ten minutes.
        const again = await claimWithin(q, 'w', 10_000);
        expect(again).toMatchObject({ id: 'soon', attempts: 2, payload: { n: 2 } });
        expect(await q.fail('soon', 'w', { retry: true })).toBe('retrying');
        expect(await q.claim('w')).toMatchObject({ id: 'soon', attempts: 3 });
        expect(await q.claim('w')).toBeNull();
        expect(await q.counts()).toEqual({
          waiting: 0,
          active: 1,
          delayed: 1,
          done: 0,
          failed: 1,
          paused: 0,
        });
      }));

    it('release gives the entry back without counting the attempt; extend keeps the lease', () =>
      withQueue(async (q) => {
        await q.add({ id: 'r', group: 'g', payload: { n: 1 } });
        expect(await q.claim('w1')).toMatchObject({ attempts: 1 });
        await expect(q.release('r', 'w2')).rejects.toMatchObject({ code: 'QUEUE_LEASE_LOST' });
        await q.release('r', 'w1');
        expect(await q.counts()).toMatchObject({ waiting: 1, active: 0 });
        expect(await q.claim('w2', { leaseMs: MINUTE })).toMatchObject({ id: 'r', attempts: 1, owner: 'w2' });
        await q.extend('r', 'w2', 10 * MINUTE);
        expect(await q.recoverExpired(Date.now() + 2 * MINUTE)).toBe(0);
        expect(await q.recoverExpired(Date.now() + 11 * MINUTE)).toBe(1);
      }));

    it('pauses and resumes a group; claims can be limited to groups', () =>
      withQueue(async (q) => {
        await q.add({ id: 'j1-a', group: 'job1', payload: { n: 1 }, priority: 5 });
        await q.add({ id: 'j1-b', group: 'job1', payload: { n: 2 }, priority: 5 });
        await q.add({ id: 'j2-a', group: 'job2', payload: { n: 3 } });
        await q.pauseGroup('job1');
        await q.add({ id: 'j1-c', group: 'job1', payload: { n: 4 }, priority: 9 }); // added while paused
        expect(await q.counts('job1')).toEqual({
          waiting: 0,
          active: 0,
          delayed: 0,
          done: 0,
          failed: 0,
          paused: 3,
        });
        expect(await q.counts()).toMatchObject({ waiting: 1, paused: 3 });
        expect(await q.claim('w', { groups: ['job1'] })).toBeNull();
        expect((await q.claim('w'))?.id).toBe('j2-a');
        expect(await q.claim('w')).toBeNull();

        await q.resumeGroup('job1');
        await q.resumeGroup('job1'); // twice is harmless
        expect(await q.counts('job1')).toMatchObject({ waiting: 3, paused: 0 });
        await q.add({ id: 'j3-a', group: 'job3', payload: { n: 5 }, priority: 100 });
        expect(await q.claim('w', { groups: [] })).toBeNull();
        expect((await q.claim('w', { groups: ['job1', 'nothing'] }))?.id).toBe('j1-c');
        expect(await drain(q, 'w')).toEqual(['j3-a', 'j1-a', 'j1-b']);

        // A lease taken before the pause stays valid; its retry waits for the resume.
        await q.add({ id: 'j4-a', group: 'job4', payload: { n: 6 } });
        expect((await q.claim('w'))?.id).toBe('j4-a');
        await q.pauseGroup('job4');
        expect(await q.fail('j4-a', 'w', { retry: true })).toBe('retrying');
        expect(await q.claim('w')).toBeNull();
        await q.resumeGroup('job4');
        expect(await q.claim('w')).toMatchObject({ id: 'j4-a', attempts: 2 });
      }));

    it('removeGroup cancels waiting and delayed entries; active ones still finish', () =>
      withQueue(async (q) => {
        await q.add({ id: 'k-1', group: 'kill', payload: { n: 1 }, priority: 9 });
        await q.add({ id: 'k-2', group: 'kill', payload: { n: 2 } });
        await q.add({ id: 'k-3', group: 'kill', payload: { n: 3 }, delayMs: 10 * MINUTE });
        await q.add({ id: 'keep', group: 'keep', payload: { n: 4 } });
        expect((await q.claim('w'))?.id).toBe('k-1');
        await q.pauseGroup('kill');
        await q.removeGroup('kill');
        expect(await q.counts('kill')).toEqual({
          waiting: 0,
          active: 1,
          delayed: 0,
          done: 0,
          failed: 0,
          paused: 0,
        });
        expect(await drain(q, 'w')).toEqual(['keep']);
        await q.complete('k-1', 'w');
        expect(await q.counts('kill')).toMatchObject({ done: 1, active: 0 });
        // Gone means gone: the same id can be queued anew.
        await q.add({ id: 'k-2', group: 'kill', payload: { n: 22 } });
        expect(await q.claim('w')).toMatchObject({ id: 'k-2', payload: { n: 22 }, attempts: 1 });
      }));

    it('recovers expired leases of a crashed owner', () =>
      withQueue(async (q) => {
        await q.add({ id: 'e1', group: 'g', payload: { n: 1 } });
        await q.add({ id: 'e2', group: 'g', payload: { n: 2 } });
        expect((await q.claim('crashed', { leaseMs: MINUTE }))?.id).toBe('e1');
        expect(await q.recoverExpired()).toBe(0);
        expect(await q.recoverExpired(Date.now() + 2 * MINUTE)).toBe(1);
        expect(await q.counts()).toMatchObject({ waiting: 2, active: 0 });
        await expect(q.complete('e1', 'crashed')).rejects.toMatchObject({ code: 'QUEUE_LEASE_LOST' });
        // The crashed claim used up an attempt.
        expect(await q.claim('w2')).toMatchObject({ id: 'e1', attempts: 2, owner: 'w2' });

        // A short lease that really runs out: the next claim takes the entry back by itself.
        expect((await q.claim('crashed', { leaseMs: 30 }))?.id).toBe('e2');
        const l = await claimWithin(q, 'w3', 10_000);
        expect(l).toMatchObject({ id: 'e2', owner: 'w3', attempts: 2 });
      }));

    it('an expired lease not yet recovered can still be settled by its owner', () =>
      withQueue(async (q) => {
        await q.add({ id: 'late', group: 'g', payload: { n: 1 } });
        expect((await q.claim('slow', { leaseMs: 20 }))?.id).toBe('late');
        await sleep(60);
        await q.extend('late', 'slow', MINUTE);
        await q.complete('late', 'slow');
        expect(await q.counts()).toMatchObject({ done: 1, active: 0, waiting: 0 });
      }));

    it('refuses adds beyond the bound with QUEUE_FULL', () =>
      withQueue(
        async (q) => {
          await q.add({ id: 'f1', group: 'g', payload: { n: 1 } });
          await q.add({ id: 'f2', group: 'g', payload: { n: 2 }, delayMs: MINUTE });
          await expect(q.add({ id: 'f3', group: 'g', payload: { n: 3 } })).rejects.toMatchObject({
            code: 'QUEUE_FULL',
          });
          await q.add({ id: 'f1', group: 'g', payload: { n: 1 } }); // idempotent add is not refused
          await q.claim('w');
          await q.complete('f1', 'w');
          await q.add({ id: 'f3', group: 'g', payload: { n: 3 } });
        },
        { maxPending: 2 },
      ));

    it('restart: a new instance over the same storage sees waiting entries and recovers active ones', async () => {
      const h = harness();
      const name = `restart-${++seq}-${Date.now().toString(36)}`;
      const a = await h.open(name);
      await a.add({ id: 'r1', group: 'g1', payload: { n: 1 }, priority: 3 });
      await a.add({ id: 'r2', group: 'g1', payload: { n: 2 } });
      await a.add({ id: 'r3', group: 'g2', payload: { n: 3 }, priority: 50 });
      await a.add({ id: 'r4', group: 'g1', payload: { n: 4 } });
      expect(await a.claim('old-process', { leaseMs: MINUTE })).toMatchObject({ id: 'r3' });
      expect(await a.claim('old-process', { leaseMs: MINUTE })).toMatchObject({ id: 'r1' });
      await a.complete('r1', 'old-process');
      await a.pauseGroup('g2');
      await a.close();
      await a.close(); // idempotent
      await expect(a.claim('w')).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });

      await h.restartStorage();
      const b = await h.open(name);
      try {
        if (!h.recoversOnOpen) {
          expect(await b.counts()).toMatchObject({ active: 1 });
          expect(await b.recoverExpired(Date.now() + 2 * MINUTE)).toBe(1);
        }
        expect(await b.counts()).toEqual({
          waiting: 2,
          active: 0,
          delayed: 0,
          done: 1,
          failed: 0,
          paused: 1,
        });
        await b.add({ id: 'r1', group: 'g1', payload: { n: 9 } }); // done before the restart: still known
        expect(await drain(b, 'new-process')).toEqual(['r2', 'r4']);
        await b.resumeGroup('g2');
        expect(await b.claim('new-process')).toMatchObject({ id: 'r3', attempts: 2, payload: { n: 3 } });
      } finally {
        await b.close();
      }
    });
  });
}
