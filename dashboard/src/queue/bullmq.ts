import { randomUUID } from 'node:crypto';
import { Job, Queue, Worker, createRedisBackend } from 'bullmq';
import { Redis } from 'ioredis';
import { DashboardError } from '../errors.ts';
import type { JobQueue, Lease, QueueCounts } from './types.ts';
import {
  DEFAULT_LEASE_MS,
  MAX_FINISHED,
  MAX_PENDING,
  MAX_PRIORITY,
  checkDelay,
  checkLease,
  checkName,
  checkPriority,
  encodePayload,
  lostLease,
  queueError,
} from './types.ts';

/**
 * The Redis queue (REDIS_URL, several control-plane processes) on BullMQ. BullMQ's own primitives
 * do the queueing: Queue.add (jobId = entry id, so adds are idempotent; BullMQ priorities; delays),
 * a Worker without a processor (autorun off) whose getNextJob() is our claim, the job lock as the
 * lease (the token names the owner; moveToCompleted / moveToFailed / moveToDelayed / moveToWait /
 * extendLock all check it in Redis), removeOnComplete/removeOnFail bounds, getJobCounts.
 *
 * What open-source BullMQ lacks is layered on top, with a few keys of our own beside BullMQ's:
 *  - groups and per-group pause: the group is in the job data; `x.grp:<g>` indexes a group's ids;
 *    a paused group's waiting and delayed entries leave BullMQ (Queue.remove) for the hash
 *    `x.stash` and come back with Queue.add on resume. A claim that meets an entry of a paused
 *    group (a pause racing with it) parks it there too.
 *  - claims limited to groups: BullMQ hands out the queue's next job, so a limited claim holds the
 *    entries of other groups it meets (at most SCAN) and puts them back (moveToWait) when done.
 *  - a lease per claim and recovery on demand: the real lock is set to the lease plus GRACE_MS
 *    (so an expired, not yet recovered lease can still complete), and the lease end is kept in the
 *    zset `x.leases` (with its token in `x.owners`, so another instance of the same owner can
 *    settle it). recoverExpired(now) moves expired leases back with BullMQ's moveJobFromActiveToWait
 *    (checked against the token); the attempt stays counted (BullMQ's attemptsStarted). BullMQ's
 *    stalled-jobs check runs too, as a backstop for leases lost before they reached `x.leases`.
 *    One Worker fetches for all claims with its lockDuration (LOCK_MS, the default lease plus
 *    grace); a claim for another lease length sets its lock with extendLock right after the fetch.
 *    Settling drops a lease's records only when they are still that lease's (FORGET, our one
 *    script: compare-and-delete), so a stale settle never drops a later claim's records. A stash
 *    entry is likewise dropped only while it is the one read (HDEL_IF).
 *  - attempts: BullMQ's attemptsStarted (+1 on each fetch), plus attempts carried over a park,
 *    minus the claims given back (release, a group-limited claim passing over), kept in the data.
 *
 * Differences from the Lua adapter it replaced (none is in the contract suite):
 *  - order within one priority: an entry retried with a delay, or resumed after a pause, queues
 *    behind entries of the same priority that arrived meanwhile (BullMQ numbers it anew); one put
 *    back (release, immediate retry, recovery) goes in front of its priority.
 *  - a claim limited to groups looks past at most SCAN entries of other groups (and holds them
 *    while it looks); beyond them it answers null.
 *  - bounds are checked before the add, not atomically with it: concurrent adds from several
 *    processes can overshoot maxPending by their number.
 *  - counts() reports a due retry as delayed until a claim promotes it.
 *  - stricter leases: a lease is its token, so a settle by the same owner name from an instance
 *    whose lease was recovered and claimed again fails (the Lua adapter matched owner names only).
 *  - keys are BullMQ's (`<prefix>:<name>:…`), without a hash tag: one Redis, not a Cluster.
 *  - slower: a claim + complete is 4–5 round trips (two BullMQ scripts); about 1.3–2.6k/s against
 *    the Lua adapter's 9–16k/s on one test machine, ample for media items that take seconds.
 */
export interface BullmqQueueOptions {
  readonly url: string;
  readonly name: string;
  /** BullMQ key prefix (default `aima`): keys are `<prefix>:<name>:…`. */
  readonly prefix?: string;
  /** Bound on unfinished entries (default MAX_PENDING). */
  readonly maxPending?: number;
}

/** Entry fields kept in the BullMQ job's data. */
interface Data<P> {
  /** Entry id (the job id is an encoded form). */
  readonly i: string;
  readonly g: string;
  readonly p: P;
  readonly pr: number;
  /** Attempts counted before this BullMQ job existed (it was parked and re-added). */
  readonly b: number;
  /** Claims given back by release() (or a claim that only passed over it). */
  readonly r: number;
  /** Arrival order, to re-add parked entries in order. */
  readonly s: number;
}

/** An entry of a paused group, parked out of BullMQ. */
interface Parked<P> {
  readonly i: string;
  readonly g: string;
  readonly p: P;
  readonly pr: number;
  /** Attempts so far. */
  readonly a: number;
  /** Due time (ms), 0 when due. */
  readonly at: number;
  readonly s: number;
}

interface Held<P> {
  readonly job: Job<Data<P>>;
  readonly token: string;
}

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;
/** The real lock outlives the lease by this much. */
const GRACE_MS = 60_000;
const LOCK_MS = DEFAULT_LEASE_MS + GRACE_MS;
/** Entries of other groups a group-limited claim looks past. */
const SCAN = 64;
const BATCH = 500;
/**
 * A group's id index outlives its last add by this much (while not paused), then goes: finished
 * entries stay in it for counts(group) until BullMQ trims them (MAX_FINISHED) or it expires.
 */
const GROUP_TTL_S = 30 * 24 * 3600;
const JOB_NAME = 'entry';
const LEASE_CODES = new Set([-1, -2, -3, -6]);
/** KEYS: hash; ARGV: field, value. Compare-and-delete of one stash entry. */
const HDEL_IF = `if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
return redis.call('HDEL', KEYS[1], ARGV[1])`;
/** KEYS: owners, leases; ARGV: id, token. Compare-and-delete of one lease's records. */
const FORGET = `if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`;

/** How long close() waits for each step on the server. */
const CLOSE_MS = 1000;

/** p's value, or undefined after ms (p's rejection counts as undefined too). */
function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([p.catch(() => undefined), late]).finally(() => clearTimeout(timer));
}

/** The URL without credentials, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** BullMQ job ids may not contain ':' nor look like integers. */
function jobKey(id: string): string {
  return `e.${id.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'))}`;
}

/** BullMQ: 1 is the most urgent; ours: larger is more urgent. 0 (no priority) is never used. */
const toBull = (priority: number): number => MAX_PRIORITY - priority + 1;

const ownerOf = (token: string): string => token.slice(37);

function isLeaseError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'number' && LEASE_CODES.has(code);
}

export async function createBullmqQueue<P>(opts: BullmqQueueOptions): Promise<JobQueue<P>> {
  if (!NAME.test(opts.name)) throw queueError('QUEUE_INVALID', 'queue name must match [A-Za-z0-9_.-]{1,128}');
  const where = redactRedisUrl(opts.url);
  const maxPending = opts.maxPending ?? MAX_PENDING;
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

  const prefix = opts.prefix ?? 'aima';
  const queue = new Queue<Data<P>>(opts.name, { connection: client, prefix });
  // The worker only fetches, never blocking (no processor, no loop): it shares the one connection.
  const worker = new Worker<Data<P>>(
    opts.name,
    null,
    {
      connection: client,
      prefix,
      autorun: false,
      lockDuration: LOCK_MS,
      // A stalled entry goes back to waiting however often it stalls (the job service counts attempts).
      maxStalledCount: 1_000_000_000,
    },
    (name, o) => createRedisBackend(name, o, { withBlockingConnection: false }),
  );
  queue.on('error', (e: Error) => {
    lastError = e.message;
  });
  worker.on('error', (e: Error) => {
    lastError = e.message;
  });
  const k = {
    stash: queue.toKey('x.stash'),
    paused: queue.toKey('x.paused'),
    seq: queue.toKey('x.seq'),
    leases: queue.toKey('x.leases'),
    owners: queue.toKey('x.owners'),
    group: (g: string) => queue.toKey(`x.grp:${g}`),
  };
  /** Leases this instance handed out, by entry id. */
  const mine = new Map<string, Held<P>>();
  let closed = false;
  let lastSweep = 0;

  async function guard<T>(fn: () => Promise<T>): Promise<T> {
    if (closed) throw queueError('QUEUE_UNAVAILABLE', `queue ${opts.name} is closed`);
    try {
      return await fn();
    } catch (e) {
      if (e instanceof DashboardError) throw e;
      const why = (e as Error).message || lastError;
      throw queueError('QUEUE_UNAVAILABLE', `redis at ${where}: ${why}`, e);
    }
  }

  const attemptsOf = (job: Job<Data<P>>): number => job.data.b + (job.attemptsStarted ?? 0) - job.data.r;

  function bullAdd(d: Data<P>, delayMs: number): Promise<Job<Data<P>>> {
    return queue.add(JOB_NAME, d, {
      jobId: jobKey(d.i),
      priority: toBull(d.pr),
      delay: delayMs,
      removeOnComplete: { count: MAX_FINISHED },
      removeOnFail: { count: MAX_FINISHED },
    });
  }

  /** The lease `owner` holds on `id` (this instance's, or one another instance of the owner took). */
  async function holder(id: string, owner: string): Promise<Held<P>> {
    const local = mine.get(id);
    if (local !== undefined) {
      if (ownerOf(local.token) !== owner) throw lostLease(id, owner);
      return local;
    }
    const token = await client.hget(k.owners, id);
    if (token === null || ownerOf(token) !== owner) throw lostLease(id, owner);
    const job = (await Job.fromId(queue, jobKey(id))) as Job<Data<P>> | undefined;
    if (job === undefined) throw lostLease(id, owner);
    return { job, token };
  }

  /**
   * Drops the records of the lease with this token (not of a later claim of the same entry);
   * 1 when they were there. Of several processes recovering one lease, one gets the 1.
   */
  async function forget(id: string, token: string): Promise<number> {
    if (mine.get(id)?.token === token) mine.delete(id);
    return Number(await client.eval(FORGET, 2, k.owners, k.leases, id, token));
  }

  /** A settle step BullMQ checks against the lock (lost: QUEUE_LEASE_LOST); then the records go. */
  async function settle<T>(id: string, owner: string, h: Held<P>, fn: () => Promise<T>): Promise<T> {
    const r = await locked(id, owner, fn).catch(async (e: unknown) => {
      if (e instanceof DashboardError && e.code === 'QUEUE_LEASE_LOST') await forget(id, h.token);
      throw e;
    });
    await forget(id, h.token);
    return r;
  }

  /** Runs a settle step that BullMQ checks against the lock: a lost lock is QUEUE_LEASE_LOST. */
  async function locked<T>(id: string, owner: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isLeaseError(e)) throw lostLease(id, owner);
      throw e;
    }
  }

  /** Moves a waiting or delayed entry of a paused group out of BullMQ; false when someone claimed it. */
  async function park(job: Job<Data<P>>, attempts: number, at: number): Promise<boolean> {
    const d = job.data;
    const entry: Parked<P> = { i: d.i, g: d.g, p: d.p, pr: d.pr, a: Math.max(0, attempts), at, s: d.s };
    const v = JSON.stringify(entry);
    // HSETNX: of several processes parking one entry, one goes on (a stash entry is never overwritten).
    const res = await client.multi().hsetnx(k.stash, d.i, v).sadd(k.group(d.g), d.i).exec();
    if (res?.[0]?.[1] !== 1) return false;
    // Queue.remove takes a job in any state but a locked one: look again right before it.
    const st = await queue.getJobState(jobKey(d.i));
    if (
      !(st === 'waiting' || st === 'prioritized' || st === 'delayed') ||
      (await queue.remove(jobKey(d.i))) !== 1
    ) {
      await unstash(d.i, v);
      return false;
    }
    // A resume that ran meanwhile did not see this entry: put it back itself.
    if ((await client.sismember(k.paused, d.g)) === 0) await unpark(d.i, v);
    return true;
  }

  /** Drops a stash entry if it is still `v` (not a later park's). */
  async function unstash(id: string, v: string): Promise<void> {
    await client.eval(HDEL_IF, 1, k.stash, id, v);
  }

  /** A parked entry back into BullMQ, then out of the stash. */
  async function unpark(id: string, v: string): Promise<void> {
    const p = JSON.parse(v) as Parked<P>;
    const delay = Math.max(0, p.at - Date.now());
    await bullAdd({ i: p.i, g: p.g, p: p.p, pr: p.pr, b: p.a, r: 0, s: p.s }, delay);
    await unstash(id, v);
  }

  /** Back to waiting from a lease we hold; parked instead when its group is paused. */
  async function requeue(h: Held<P>, attempts: number, delayMs: number): Promise<void> {
    const { job, token } = h;
    const now = Date.now();
    if ((await client.sismember(k.paused, job.data.g)) === 1) {
      await job.moveToWait(token);
      await park(job, attempts, delayMs > 0 ? now + delayMs : 0);
    } else if (delayMs > 0) {
      await job.moveToDelayed(now + delayMs, token);
    } else {
      await job.moveToWait(token);
    }
  }

  /** Entries a group-limited claim passed over go back, their claim not counted. */
  async function putBack(held: readonly Held<P>[]): Promise<void> {
    // Best effort: one that fails to go back keeps its lock until LOCK_MS, then the stalled check
    // returns it; the claim's own result is not lost to it.
    await Promise.allSettled(
      held.map(async ({ job, token }) => {
        await job.updateData({ ...job.data, r: job.data.r + 1 });
        await job.moveToWait(token);
      }),
    );
  }

  async function statesOf(ids: readonly string[]): Promise<string[]> {
    return Promise.all(ids.map((id) => queue.getJobState(jobKey(id))));
  }

  async function recover(now: number): Promise<number> {
    let total = 0;
    for (;;) {
      const ids = await client.zrangebyscore(k.leases, '-inf', `(${now}`, 'LIMIT', 0, BATCH);
      if (ids.length === 0) break;
      const tokens = await client.hmget(k.owners, ...ids);
      const moved = await Promise.all(
        ids.map(async (id, n) => {
          const token = tokens[n];
          if (token === null || token === undefined || (await forget(id, token)) !== 1) return 0;
          try {
            await queue.backend.moveJobFromActiveToWait(jobKey(id), token);
          } catch (e) {
            if (isLeaseError(e)) return 0; // settled meanwhile
            throw e;
          }
          return 1;
        }),
      );
      total += moved.reduce<number>((a, b) => a + b, 0);
      if (ids.length < BATCH) break;
    }
    // The backstop: BullMQ's stalled check (entries whose lock ran out with no lease recorded).
    const stalled = await worker.backend.moveStalledJobsToWait();
    total += stalled.length;
    if (total > 0) await parkPausedWaiting();
    return total;
  }

  /** After recovery: entries of paused groups that came back to waiting go to the stash. */
  async function parkPausedWaiting(): Promise<void> {
    const groups = await client.smembers(k.paused);
    for (const g of groups) await parkGroup(g);
  }

  async function parkGroup(g: string): Promise<void> {
    const ids = await client.smembers(k.group(g));
    for (let i = 0; i < ids.length; i += BATCH) {
      const part = ids.slice(i, i + BATCH);
      const states = await statesOf(part);
      await Promise.all(
        part.map(async (id, n) => {
          const st = states[n];
          if (st === 'unknown') {
            if ((await client.hexists(k.stash, id)) === 0) await client.srem(k.group(g), id);
            return;
          }
          if (st !== 'waiting' && st !== 'prioritized' && st !== 'delayed') return;
          const job = (await Job.fromId(queue, jobKey(id))) as Job<Data<P>> | undefined;
          if (job === undefined) return;
          const at = st === 'delayed' ? job.timestamp + job.delay : 0;
          await park(job, attemptsOf(job), at);
        }),
      );
    }
  }

  async function claimOne(
    owner: string,
    leaseMs: number,
    groups?: ReadonlySet<string>,
  ): Promise<Lease<P> | null> {
    const held: Held<P>[] = [];
    let swept = false;
    try {
      for (let round = 0; round < SCAN + 32; round++) {
        const token = `${randomUUID()}:${owner}`;
        const job = (await worker.getNextJob(token, { block: false })) as Job<Data<P>> | undefined;
        if (job === undefined) {
          // Nothing due: expired leases come back by themselves on the next claim.
          if (swept || held.length > 0) return null;
          swept = true;
          const expired = await client.zrangebyscore(k.leases, '-inf', `(${Date.now()}`, 'LIMIT', 0, 1);
          if (expired.length === 0 || (await recover(Date.now())) === 0) return null;
          continue;
        }
        const d = job.data;
        if (groups !== undefined && !groups.has(d.g)) {
          held.push({ job, token });
          if (held.length >= SCAN) return null;
          continue;
        }
        const leaseUntil = Date.now() + leaseMs;
        const res = await client
          .multi()
          .sismember(k.paused, d.g)
          .zadd(k.leases, leaseUntil, d.i)
          .hset(k.owners, d.i, token)
          .exec();
        if (res?.[0]?.[1] === 1) {
          // Its group was paused after it was queued: park it, this claim not counted.
          await forget(d.i, token);
          await job.moveToWait(token);
          await park(job, attemptsOf(job) - 1, 0);
          continue;
        }
        if (leaseMs + GRACE_MS !== LOCK_MS) await job.extendLock(token, leaseMs + GRACE_MS);
        mine.set(d.i, { job, token });
        return {
          id: d.i,
          group: d.g,
          payload: d.p,
          priority: d.pr,
          attempts: attemptsOf(job),
          owner,
          leaseUntil,
        };
      }
      return null;
    } finally {
      if (held.length > 0) await putBack(held);
    }
  }

  const api: JobQueue<P> = {
    kind: 'redis',

    async add(e) {
      checkName('id', e.id);
      checkName('group', e.group);
      const priority = checkPriority(e.priority);
      const delay = checkDelay('delayMs', e.delayMs, 0);
      encodePayload(e.payload);
      await guard(async () => {
        const [c, pre] = await Promise.all([
          queue.getJobCounts('wait', 'prioritized', 'delayed', 'active'),
          client.multi().sismember(k.paused, e.group).hexists(k.stash, e.id).hlen(k.stash).exec(),
        ]);
        const [paused, stashed, parked] = (pre ?? []).map(([, v]) => Number(v));
        if (stashed === 1) return;
        const pending = Object.values(c).reduce((a, b) => a + b, 0) + (parked ?? 0);
        if (pending >= maxPending || paused === 1) {
          if ((await queue.getJobState(jobKey(e.id))) !== 'unknown') return;
          if (pending >= maxPending) {
            throw queueError(
              'QUEUE_FULL',
              `queue ${opts.name} holds ${maxPending} unfinished entries; add refused`,
            );
          }
        }
        const s = await client.incr(k.seq);
        const d: Data<P> = { i: e.id, g: e.group, p: e.payload, pr: priority, b: 0, r: 0, s };
        if (paused === 1) {
          const entry: Parked<P> = {
            i: e.id,
            g: e.group,
            p: e.payload,
            pr: priority,
            a: 0,
            at: delay > 0 ? Date.now() + delay : 0,
            s,
          };
          await client
            .multi()
            .hsetnx(k.stash, e.id, JSON.stringify(entry))
            .sadd(k.group(e.group), e.id)
            .exec();
          return;
        }
        await client.multi().sadd(k.group(e.group), e.id).expire(k.group(e.group), GROUP_TTL_S).exec();
        await bullAdd(d, delay);
      });
    },

    async claim(owner, o = {}) {
      checkName('owner', owner);
      const leaseMs = checkLease(o.leaseMs);
      if (o.groups !== undefined && o.groups.length === 0) return guard(async () => null);
      return guard(async () => {
        const now = Date.now();
        if (now - lastSweep > 1000) {
          lastSweep = now;
          const expired = await client.zrangebyscore(k.leases, '-inf', `(${now}`, 'LIMIT', 0, 1);
          if (expired.length > 0) await recover(now);
        }
        return claimOne(owner, leaseMs, o.groups === undefined ? undefined : new Set(o.groups));
      });
    },

    async complete(id, owner) {
      await guard(async () => {
        const h = await holder(id, owner);
        await settle(id, owner, h, () => h.job.moveToCompleted(undefined, h.token, false));
      });
    },

    async fail(id, owner, o) {
      const delay = checkDelay('delayMs', o.delayMs, 0);
      return guard(async () => {
        const h = await holder(id, owner);
        if (!o.retry) {
          await settle(id, owner, h, () => h.job.moveToFailed(new Error('failed'), h.token, false));
          return 'failed' as const;
        }
        await settle(id, owner, h, () => requeue(h, attemptsOf(h.job), delay));
        return 'retrying' as const;
      });
    },

    async release(id, owner) {
      await guard(async () => {
        const h = await holder(id, owner);
        await settle(id, owner, h, async () => {
          // updateData does not check the lock: check it first, so a lost lease is not changed.
          if ((await h.job.extendLock(h.token, LOCK_MS)) !== 1) throw lostLease(id, owner);
          await h.job.updateData({ ...h.job.data, r: h.job.data.r + 1 });
          await requeue(h, attemptsOf(h.job), 0);
        });
      });
    },

    async extend(id, owner, leaseMs) {
      const ms = checkLease(leaseMs);
      await guard(async () => {
        const h = await holder(id, owner);
        if ((await h.job.extendLock(h.token, ms + GRACE_MS)) !== 1) throw lostLease(id, owner);
        await client.zadd(k.leases, 'XX', Date.now() + ms, id);
      });
    },

    async pauseGroup(group) {
      checkName('group', group);
      await guard(async () => {
        // A paused group's index must last as long as its parked entries (it is how they are found).
        await client.multi().sadd(k.paused, group).persist(k.group(group)).exec();
        await parkGroup(group);
      });
    },

    async resumeGroup(group) {
      checkName('group', group);
      await guard(async () => {
        await client.multi().srem(k.paused, group).expire(k.group(group), GROUP_TTL_S).exec();
        const ids = await client.smembers(k.group(group));
        const entries: { id: string; v: string; s: number }[] = [];
        for (let i = 0; i < ids.length; i += BATCH) {
          const part = ids.slice(i, i + BATCH);
          (await client.hmget(k.stash, ...part)).forEach((v, n) => {
            if (v !== null) entries.push({ id: part[n] as string, v, s: (JSON.parse(v) as Parked<P>).s });
          });
        }
        entries.sort((a, b) => a.s - b.s);
        for (const e of entries) await unpark(e.id, e.v);
      });
    },

    async removeGroup(group) {
      checkName('group', group);
      await guard(async () => {
        await client.multi().srem(k.paused, group).expire(k.group(group), GROUP_TTL_S).exec();
        const ids = await client.smembers(k.group(group));
        for (let i = 0; i < ids.length; i += BATCH) {
          const part = ids.slice(i, i + BATCH);
          const [states, stashed] = await Promise.all([statesOf(part), client.hmget(k.stash, ...part)]);
          await Promise.all(
            part.map(async (id, n) => {
              if (stashed[n] !== null) await client.hdel(k.stash, id);
              const st = states[n];
              if (st === 'waiting' || st === 'prioritized' || st === 'delayed') {
                // 0: claimed meanwhile, so it is active and finishes.
                if ((await queue.remove(jobKey(id))) === 1) await client.srem(k.group(group), id);
              } else if (st === 'unknown') {
                await client.srem(k.group(group), id);
              }
            }),
          );
        }
      });
    },

    async recoverExpired(now = Date.now()) {
      return guard(() => recover(Math.round(now)));
    },

    async counts(group): Promise<QueueCounts> {
      const g = group === undefined ? undefined : checkName('group', group);
      return guard(async () => {
        const now = Date.now();
        const out = { waiting: 0, active: 0, delayed: 0, done: 0, failed: 0, paused: 0 };
        const countParked = (v: string | null): void => {
          if (v === null) return;
          if ((JSON.parse(v) as Parked<P>).at > now) out.delayed++;
          else out.paused++;
        };
        if (g === undefined) {
          const c = await queue.getJobCounts(
            'wait',
            'prioritized',
            'active',
            'delayed',
            'completed',
            'failed',
          );
          out.waiting = (c.wait ?? 0) + (c.prioritized ?? 0);
          out.active = c.active ?? 0;
          out.delayed = c.delayed ?? 0;
          out.done = c.completed ?? 0;
          out.failed = c.failed ?? 0;
          for (const v of await client.hvals(k.stash)) countParked(v);
          return out;
        }
        const ids = await client.smembers(k.group(g));
        for (let i = 0; i < ids.length; i += BATCH) {
          const part = ids.slice(i, i + BATCH);
          const [states, stashed] = await Promise.all([statesOf(part), client.hmget(k.stash, ...part)]);
          part.forEach((_, n) => {
            if (stashed[n] !== null) return countParked(stashed[n] ?? null);
            const st = states[n];
            if (st === 'waiting' || st === 'prioritized') out.waiting++;
            else if (st === 'active') out.active++;
            else if (st === 'delayed') out.delayed++;
            else if (st === 'completed') out.done++;
            else if (st === 'failed') out.failed++;
          });
        }
        return out;
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      mine.clear();
      // BullMQ's close waits on the server; with none there (down, not yet noticed) it could wait
      // for ever. So each step has a bound, and the socket is dropped when it runs out.
      if (client.status !== 'ready') client.disconnect();
      await within(Promise.allSettled([worker.close(true), queue.close()]), CLOSE_MS);
      if (
        client.status === 'ready' &&
        !(await within(
          client.quit().then(() => true),
          CLOSE_MS,
        ))
      ) {
        client.disconnect();
      }
      if (client.status !== 'end') client.disconnect();
    },
  };
  return api;
}
