import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { DashboardError } from '../errors.ts';
import * as lua from './redis-scripts.ts';
import type { JobQueue, Lease, QueueCounts } from './types.ts';
import {
  MAX_PENDING,
  checkDelay,
  checkLease,
  checkName,
  checkPriority,
  encodePayload,
  lostLease,
  queueError,
} from './types.ts';

/**
 * The Redis queue, for several control-plane processes (REDIS_URL). Written on ioredis with Lua
 * scripts (redis-scripts.ts), not BullMQ: the contract needs per-group pause, claims filtered by
 * group, a lease length per claim and recovery on demand, none of which BullMQ's open-source
 * version has (it pauses whole queues, hands out the next job of the queue, fixes the lock per
 * worker and recovers stalled jobs on its own timer). Every operation is one atomic script, so
 * any number of processes can share a queue.
 */
export interface RedisQueueOptions {
  readonly url: string;
  readonly name: string;
  /** Key prefix before `:q:{name}` (default `aima`). */
  readonly prefix?: string;
  /** Bound on unfinished entries (default MAX_PENDING). */
  readonly maxPending?: number;
}

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** The URL without credentials, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

export async function createRedisQueue<P>(opts: RedisQueueOptions): Promise<JobQueue<P>> {
  if (!NAME.test(opts.name)) throw queueError('QUEUE_INVALID', 'queue name must match [A-Za-z0-9_.-]{1,128}');
  const where = redactRedisUrl(opts.url);
  let lastError = '';
  let client: Redis;
  try {
    client = new Redis(opts.url, {
      lazyConnect: true,
      connectTimeout: 5000,
      maxRetriesPerRequest: 2,
      retryStrategy: (n) => Math.min(n * 200, 2000),
    });
  } catch (e) {
    throw queueError('QUEUE_UNAVAILABLE', `redis at ${where}: invalid URL`, e);
  }
  // Without a listener ioredis prints every connection error; keep the last one for messages.
  client.on('error', (e: Error) => {
    lastError = e.message;
  });
  try {
    await client.connect();
  } catch (e) {
    client.disconnect();
    throw queueError('QUEUE_UNAVAILABLE', `redis at ${where} unreachable: ${(e as Error).message}`, e);
  }

  const key = `${opts.prefix ?? 'aima'}:q:{${opts.name}}`;
  const maxPending = opts.maxPending ?? MAX_PENDING;
  let closed = false;

  function script(source: string) {
    const sha = createHash('sha1').update(source).digest('hex');
    return async (...args: (string | number)[]): Promise<unknown> => {
      if (closed) throw queueError('QUEUE_UNAVAILABLE', `queue ${opts.name} is closed`);
      try {
        try {
          return await client.evalsha(sha, 1, key, ...args);
        } catch (e) {
          if (!String((e as Error).message).startsWith('NOSCRIPT')) throw e;
          return await client.eval(source, 1, key, ...args);
        }
      } catch (e) {
        if (e instanceof DashboardError) throw e;
        const why = (e as Error).message || lastError;
        throw queueError('QUEUE_UNAVAILABLE', `redis at ${where}: ${why}`, e);
      }
    };
  }
  const run = {
    add: script(lua.ADD),
    claim: script(lua.CLAIM),
    complete: script(lua.COMPLETE),
    fail: script(lua.FAIL),
    release: script(lua.RELEASE),
    extend: script(lua.EXTEND),
    pause: script(lua.PAUSE),
    resume: script(lua.RESUME),
    removeGroup: script(lua.REMOVE_GROUP),
    recover: script(lua.RECOVER),
    counts: script(lua.COUNTS),
  };

  const queue: JobQueue<P> = {
    kind: 'redis',
    async add(e) {
      checkName('id', e.id);
      checkName('group', e.group);
      const priority = checkPriority(e.priority);
      const delay = checkDelay('delayMs', e.delayMs, 0);
      const payload = encodePayload(e.payload);
      const r = await run.add(e.id, e.group, payload, priority, delay, Date.now(), maxPending);
      if (r === -1) {
        throw queueError(
          'QUEUE_FULL',
          `queue ${opts.name} holds ${maxPending} unfinished entries; add refused`,
        );
      }
    },

    async claim(owner, o = {}) {
      checkName('owner', owner);
      const leaseMs = checkLease(o.leaseMs);
      const groups = o.groups === undefined ? ['0'] : ['1', ...o.groups];
      const r = (await run.claim(owner, leaseMs, Date.now(), ...groups)) as
        [string, string, string, string, number, string] | null;
      if (r === null) return null;
      const lease: Lease<P> = {
        id: r[0],
        group: r[1],
        payload: JSON.parse(r[2]) as P,
        priority: Number(r[3]),
        attempts: Number(r[4]),
        owner,
        leaseUntil: Number(r[5]),
      };
      return lease;
    },

    async complete(id, owner) {
      if ((await run.complete(id, owner, Date.now())) === 0) throw lostLease(id, owner);
    },

    async fail(id, owner, o) {
      const delay = checkDelay('delayMs', o.delayMs, 0);
      const r = await run.fail(id, owner, Date.now(), o.retry ? '1' : '0', delay);
      if (r === 0) throw lostLease(id, owner);
      return r === 2 ? 'retrying' : 'failed';
    },

    async release(id, owner) {
      if ((await run.release(id, owner, Date.now())) === 0) throw lostLease(id, owner);
    },

    async extend(id, owner, leaseMs) {
      const until = Date.now() + checkLease(leaseMs);
      if ((await run.extend(id, owner, until)) === 0) throw lostLease(id, owner);
    },

    async pauseGroup(group) {
      await run.pause(checkName('group', group));
    },
    async resumeGroup(group) {
      await run.resume(checkName('group', group));
    },
    async removeGroup(group) {
      await run.removeGroup(checkName('group', group));
    },

    async recoverExpired(now = Date.now()) {
      return Number(await run.recover(Math.round(now)));
    },

    async counts(group): Promise<QueueCounts> {
      const g = group === undefined ? '' : checkName('group', group);
      const [waiting, active, delayed, done, failed, paused] = (
        (await run.counts(Date.now(), g)) as number[]
      ).map(Number);
      return {
        waiting: waiting ?? 0,
        active: active ?? 0,
        delayed: delayed ?? 0,
        done: done ?? 0,
        failed: failed ?? 0,
        paused: paused ?? 0,
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      // quit() waits for the server; with none there (down, reconnecting) drop the socket instead.
      if (client.status !== 'ready') {
        client.disconnect();
        return;
      }
      await client.quit().catch(() => client.disconnect());
    },
  };
  return queue;
}
