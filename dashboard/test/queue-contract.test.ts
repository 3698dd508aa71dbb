import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '@aima/storage';
import type { Store } from '@aima/storage';
import { freePort } from '../../test-support/servers/net.ts';
import { redisMissing, startRedis } from '../../test-support/redis.ts';
import type { RedisServer } from '../../test-support/redis.ts';
import { createEmbeddedQueue, createRedisQueue, openJobQueue } from '../src/queue/index.ts';
import { queueContract } from './queue-contract.ts';
import type { Payload } from './queue-contract.ts';

// The one JobQueue contract, run on both adapters: embedded (state in chDB, this file's own
// data directory) and Redis (a real redis-server from Debian on 127.0.0.1, persisting to an
// append-only file so a SIGKILL + restart of the server is a real restart).

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
  describe('JobQueue contract: redis', () => {
    it.skip(`skipped: ${noRedis} (scripts/ensure-system-deps.sh installs it)`, () => {});
  });
} else {
  queueContract('redis', () => ({
    open: (name, opts) => createRedisQueue<Payload>({ url: (redis as RedisServer).url, name, ...opts }),
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
    await viaRedis.close();
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
    const err = await createRedisQueue({ url: `redis://user:s3cret@127.0.0.1:${port}`, name: 'x' }).catch(
      (e) => e,
    );
    expect(err).toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    expect(String(err.message)).toContain(`127.0.0.1:${port}`);
    expect(String(err.message)).not.toContain('s3cret');
  });

  it.skipIf(noRedis !== null)('redis: an open queue rides out a redis-server crash and restart', async () => {
    const server = redis as RedisServer;
    const q = await createRedisQueue<Payload>({ url: server.url, name: 'crash' });
    try {
      await q.add({ id: 'c1', group: 'g', payload: { n: 1 } });
      const other = await createRedisQueue<Payload>({ url: server.url, name: 'crash' });
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
        createRedisQueue<Payload>({ url, name: 'shared' }),
        createRedisQueue<Payload>({ url, name: 'shared' }),
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
});
