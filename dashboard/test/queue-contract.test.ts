import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '@aima/storage';
import type { Store } from '@aima/storage';
import { freePort } from '../../test-support/servers/net.ts';
import { redisMissing, startRedis } from '../../test-support/redis.ts';
import type { RedisServer } from '../../test-support/redis.ts';
import { createBullmqQueue, createEmbeddedQueue, openJobQueue } from '../src/queue/index.ts';
import { queueContract } from './queue-contract.ts';
import type { Payload } from './queue-contract.ts';
import type { JobQueue } from '../src/queue/index.ts';

// The one JobQueue contract, run on both adapters: embedded (state in chDB, this file's own
// data directory) and Redis through BullMQ (a real redis-server from Debian on 127.0.0.1,
// persisting to an append-only file so a SIGKILL + restart of the server is a real restart).

let tmp: string;
let dataDir: string;
let store: Store;
let redis: RedisServer | null = null;
const noRedis = redisMissing();

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-queue-'));
  dataDir = path.join(tmp, 'clickhouse');
  store = await createStore({ dataDir });
  await store.migrate();
  if (noRedis === null) redis = await startRedis({ persist: true });
});
afterAll(async () => {
  await store?.close();
  await redis?.stop();
  await rm(tmp, { recursive: true, force: true });
});

queueContract('embedded (chDB)', () => ({
  open: (name, opts) => createEmbeddedQueue<Payload>(store, { name, ...opts }),
  restartStorage: async () => {
    await store.close();
    store = await createStore({ dataDir });
  },
  recoversOnOpen: true,
}));

if (noRedis !== null) {
  describe('JobQueue contract: redis (BullMQ)', () => {
    it.skip(`skipped: ${noRedis} (scripts/ensure-system-deps.sh installs it)`, () => {});
  });
} else {
  queueContract('redis (BullMQ)', () => ({
    open: (name, opts) => createBullmqQueue<Payload>({ url: (redis as RedisServer).url, name, ...opts }),
    restartStorage: async () => {
      await redis?.kill();
      await redis?.restart();
    },
    recoversOnOpen: false,
  }));
}

describe('JobQueue: adapter specifics', () => {
  it('openJobQueue picks Redis only when a URL is given', async () => {
    const embedded = await openJobQueue<Payload>(store, { name: 'pick-embedded', redisUrl: '' });
    expect(embedded.kind).toBe('embedded');
    await embedded.close();
    if (redis === null) return;
    const viaRedis = await openJobQueue<Payload>(store, { name: 'pick-redis', redisUrl: redis.url });
    expect(viaRedis.kind).toBe('redis');
    try {
      // It is BullMQ's queue: a plain BullMQ Queue over the same keys sees the entry, by its priority.
      await viaRedis.add({ id: 'job:1', group: 'g', payload: { n: 1 }, priority: 7 });
      const conn = new Redis(redis.url);
      const plain = new Queue('pick-redis', { connection: conn, prefix: 'aima' });
      try {
        expect(await plain.getJobCounts('prioritized')).toEqual({ prioritized: 1 });
        const [job] = await plain.getPrioritized();
        expect(job?.data).toMatchObject({ i: 'job:1', g: 'g', p: { n: 1 } });
      } finally {
        await plain.close();
        conn.disconnect();
      }
    } finally {
      await viaRedis.close();
    }
  });

  it('embedded: one instance per queue name in a process', async () => {
    const a = await createEmbeddedQueue<Payload>(store, { name: 'single' });
    await expect(createEmbeddedQueue<Payload>(store, { name: 'single' })).rejects.toMatchObject({
      code: 'QUEUE_UNAVAILABLE',
    });
    await a.close();
    const b = await createEmbeddedQueue<Payload>(store, { name: 'single' });
    await b.close();
  });

  it('embedded: finished entries beyond the memory bound are still known (looked up in the table)', async () => {
    const q = await createEmbeddedQueue<Payload>(store, { name: 'forget', maxFinished: 2 });
    try {
      for (const id of ['f1', 'f2', 'f3']) {
        await q.add({ id, group: 'g', payload: { n: 1 } });
        expect((await q.claim('w'))?.id).toBe(id);
        await q.complete(id, 'w');
      }
      expect(await q.counts()).toMatchObject({ done: 2, waiting: 0 });
      await q.add({ id: 'f1', group: 'g', payload: { n: 2 } }); // forgotten in memory, found in the table
      expect(await q.claim('w')).toBeNull();
    } finally {
      await q.close();
    }
  });

  it('embedded: a failed write rejects with QUEUE_UNAVAILABLE and is retried with the next one', async () => {
    // The real store, with one insert made to fail (as a full disk would).
    let failNext = false;
    const flaky = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'upsertQueueEntries') {
          return async (rows: Parameters<Store['upsertQueueEntries']>[0]) => {
            if (failNext) {
              failNext = false;
              throw new Error('disk full');
            }
            return target.upsertQueueEntries(rows);
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const a = await createEmbeddedQueue<Payload>(flaky, { name: 'flaky' });
    failNext = true;
    await expect(a.add({ id: 'x', group: 'g', payload: { n: 1 } })).rejects.toMatchObject({
      code: 'QUEUE_UNAVAILABLE',
      message: expect.stringContaining('disk full'),
    });
    await a.add({ id: 'y', group: 'g', payload: { n: 2 } });
    await a.close();
    const b = await createEmbeddedQueue<Payload>(store, { name: 'flaky' });
    try {
      expect(await b.counts()).toMatchObject({ waiting: 2 });
    } finally {
      await b.close();
    }
  });

  it('redis: an unreachable server is QUEUE_UNAVAILABLE, without the credentials', async () => {
    const port = await freePort(); // closed: nothing listens there
    const err = await createBullmqQueue({ url: `redis://user:s3cret@127.0.0.1:${port}`, name: 'x' }).catch(
      (e) => e,
    );
    expect(err).toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    expect(String(err.message)).toContain(`127.0.0.1:${port}`);
    expect(String(err.message)).not.toContain('s3cret');
  });

  it.skipIf(noRedis !== null)('redis: an open queue rides out a redis-server crash and restart', async () => {
    const server = redis as RedisServer;
    const q = await createBullmqQueue<Payload>({ url: server.url, name: 'crash' });
    try {
      await q.add({ id: 'c1', group: 'g', payload: { n: 1 } });
      const other = await createBullmqQueue<Payload>({ url: server.url, name: 'crash' });
      await server.kill();
      await expect(q.counts()).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
      await other.close(); // does not wait for a server that is gone
      await server.restart();
      // ioredis reconnects by itself; poll until it has.
      const deadline = Date.now() + 15_000;
      let counts = await q.counts().catch(() => null);
      while (counts === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        counts = await q.counts().catch(() => null);
      }
      expect(counts).toMatchObject({ waiting: 1 }); // the append-only file kept it
      expect(await q.claim('w')).toMatchObject({ id: 'c1', payload: { n: 1 } });
    } finally {
      await q.close();
    }
  });

  it.skipIf(noRedis !== null)(
    'redis: two connections (as two processes) share one queue without double claims',
    async () => {
      const url = (redis as RedisServer).url;
      const [a, b] = await Promise.all([
        createBullmqQueue<Payload>({ url, name: 'shared' }),
        createBullmqQueue<Payload>({ url, name: 'shared' }),
      ]);
      try {
        for (let i = 0; i < 40; i++)
          await (i % 2 ? a : b).add({ id: `s${i}`, group: 'g', payload: { n: i } });
        const claims = await Promise.all(
          Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).claim(`w${i}`, { leaseMs: 60_000 })),
        );
        const ids = claims.filter((l) => l !== null).map((l) => l.id);
        expect(ids).toHaveLength(40);
        expect(new Set(ids).size).toBe(40);
        expect(await a.counts()).toMatchObject({ active: 40, waiting: 0 });
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    },
  );

  it.skipIf(noRedis !== null)(
    'redis: another instance of the same owner settles its lease (a restarted process releasing)',
    async () => {
      const url = (redis as RedisServer).url;
      const a = await createBullmqQueue<Payload>({ url, name: 'same-owner' });
      const b = await createBullmqQueue<Payload>({ url, name: 'same-owner' });
      try {
        await a.add({ id: 'o:1', group: 'g', payload: { n: 1 } });
        expect(await a.claim('owner-1')).toMatchObject({ id: 'o:1', attempts: 1 });
        await expect(b.release('o:1', 'owner-2')).rejects.toMatchObject({ code: 'QUEUE_LEASE_LOST' });
        await b.release('o:1', 'owner-1');
        // The first instance's token is void now.
        await expect(a.complete('o:1', 'owner-1')).rejects.toMatchObject({ code: 'QUEUE_LEASE_LOST' });
        expect(await b.claim('owner-1')).toMatchObject({ id: 'o:1', attempts: 1 });
        await a.complete('o:1', 'owner-1');
        expect(await b.counts('g')).toMatchObject({ done: 1, active: 0, waiting: 0 });

        // A stale settle (lease recovered, then claimed by another) leaves the new lease's records.
        await a.add({ id: 'o:2', group: 'g', payload: { n: 2 } });
        expect(await a.claim('x', { leaseMs: 60_000 })).toMatchObject({ id: 'o:2' });
        expect(await b.recoverExpired(Date.now() + 120_000)).toBe(1);
        expect(await b.claim('y', { leaseMs: 60_000 })).toMatchObject({ id: 'o:2', attempts: 2 });
        await expect(a.complete('o:2', 'x')).rejects.toMatchObject({ code: 'QUEUE_LEASE_LOST' });
        await expect(a.release('o:2', 'x')).rejects.toMatchObject({ code: 'QUEUE_LEASE_LOST' });
        expect(await a.recoverExpired(Date.now() + 120_000)).toBe(1);
        await expect(b.complete('o:2', 'y')).rejects.toMatchObject({ code: 'QUEUE_LEASE_LOST' });
        expect(await a.claim('z')).toMatchObject({ id: 'o:2', attempts: 3 });
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    },
  );

  it.skipIf(noRedis !== null)(
    'redis: a group-limited claim does not count the entries it passes over; a paused delayed entry stays delayed',
    async () => {
      const q = await createBullmqQueue<Payload>({ url: (redis as RedisServer).url, name: 'passing' });
      try {
        await q.add({ id: 'a1', group: 'A', payload: { n: 1 }, priority: 5 });
        await q.add({ id: 'a2', group: 'A', payload: { n: 2 }, priority: 5 });
        await q.add({ id: 'b1', group: 'B', payload: { n: 3 } });
        expect(await q.claim('w', { groups: ['B'] })).toMatchObject({ id: 'b1', attempts: 1 });
        expect(await q.claim('w', { groups: ['C'] })).toBeNull();
        expect(await q.claim('w')).toMatchObject({ id: 'a1', attempts: 1 });
        expect(await q.claim('w')).toMatchObject({ id: 'a2', attempts: 1 });

        await q.add({ id: 'd1', group: 'D', payload: { n: 4 }, delayMs: 60_000 });
        await q.add({ id: 'd2', group: 'D', payload: { n: 5 } });
        await q.pauseGroup('D');
        expect(await q.counts('D')).toMatchObject({ delayed: 1, paused: 1, waiting: 0 });
        await q.resumeGroup('D');
        expect(await q.counts('D')).toMatchObject({ delayed: 1, paused: 0, waiting: 1 });
        expect(await q.claim('w')).toMatchObject({ id: 'd2' });
        expect(await q.claim('w')).toBeNull();
      } finally {
        await q.close();
      }
    },
  );

  it.skipIf(noRedis !== null)(
    'redis: two instances under concurrent claims, pauses, retries and lost leases lose and repeat nothing',
    async () => {
      const url = (redis as RedisServer).url;
      const qs = await Promise.all([0, 1].map(() => createBullmqQueue<Payload>({ url, name: 'stress' })));
      const [a, b] = qs as [JobQueue<Payload>, JobQueue<Payload>];
      const N = 400;
      const done = new Map<string, number>();
      const finish = (id: string): void => void done.set(id, (done.get(id) ?? 0) + 1);
      const pick = (): JobQueue<Payload> => qs[Math.floor(Math.random() * 2)] as JobQueue<Payload>;
      let stop = false;
      try {
        const adding = (async () => {
          for (let i = 0; i < N; i++)
            await (qs[i % 2] as JobQueue<Payload>).add({
              id: `s:${i}`,
              group: `g${i % 5}`,
              payload: { n: i },
              priority: i % 3,
            });
        })();
        const pausing = (async () => {
          while (!stop) {
            const g = `g${Math.floor(Math.random() * 5)}`;
            await pick().pauseGroup(g);
            await new Promise((r) => setTimeout(r, 5));
            await pick().resumeGroup(g);
          }
        })();
        const recovering = (async () => {
          while (!stop) {
            await b.recoverExpired();
            await new Promise((r) => setTimeout(r, 15));
          }
        })();
        const workers = Array.from({ length: 8 }, async (_, w) => {
          const q = qs[w % 2] as JobQueue<Payload>;
          const groups = w % 3 === 0 ? { groups: ['g1', 'g2'] } : {};
          for (let idle = 0; idle < 40;) {
            const l = await q.claim(`w${w}`, { leaseMs: 5_000, ...groups });
            if (l === null) {
              idle++;
              await new Promise((r) => setTimeout(r, 10));
              continue;
            }
            idle = 0;
            const r = Math.random();
            if (r < 0.05)
              await q.extend(l.id, `w${w}`, 20); // then never settled: a lost lease
            else if (r < 0.1) await q.release(l.id, `w${w}`);
            else if (r < 0.2) await q.fail(l.id, `w${w}`, { retry: true, delayMs: 5 });
            else {
              await q.complete(l.id, `w${w}`);
              finish(l.id);
            }
          }
        });
        await adding;
        await Promise.all(workers);
        stop = true;
        await Promise.all([pausing, recovering]);
        for (let i = 0; i < 5; i++) await a.resumeGroup(`g${i}`);
        for (let l = await a.claim('last'); l !== null; l = await a.claim('last')) {
          await a.complete(l.id, 'last');
          finish(l.id);
        }
        expect(done.size).toBe(N);
        expect([...done.values()].filter((n) => n !== 1)).toEqual([]);
        expect(await b.counts()).toEqual({
          waiting: 0,
          active: 0,
          delayed: 0,
          done: N,
          failed: 0,
          paused: 0,
        });
      } finally {
        stop = true;
        await Promise.all([a.close(), b.close()]);
      }
    },
  );
});
