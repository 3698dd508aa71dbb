import type { QueueEntryRecord, Store } from '@aima/storage';
import { createQueueIndex, toItem, toRecord, toWaiting } from './embedded-index.ts';
import type { Item } from './embedded-index.ts';
import type { JobQueue, Lease } from './types.ts';
import {
  MAX_FINISHED,
  MAX_PENDING,
  checkDelay,
  checkLease,
  checkName,
  checkPriority,
  encodePayload,
  queueError,
} from './types.ts';
import { createWriteThrough } from './write-through.ts';

/**
 * The embedded queue: state in ClickHouse (the Store), claims decided in this process.
 *
 * ClickHouse has no transactions, so the in-memory index is the source of truth and every state
 * change is written through (coalesced while a write is in flight: many calls at once cost one
 * insert; each call resolves once its change is stored). That makes it a single-process queue:
 * one control-plane process owns a queue name on a data directory (a second open in this process
 * is refused); several processes need the Redis adapter. On open the index is rebuilt from the
 * table: every entry that was active belongs to a previous process's lease and goes back to
 * waiting (its attempt counted, as a crash counts), unless `recoverOnOpen: false`.
 *
 * Should a write fail, the call rejects with QUEUE_UNAVAILABLE but memory keeps the change and the
 * row is written with the next batch. Claims scan the pending entries (≤ MAX_PENDING).
 */
export interface EmbeddedQueueOptions {
  readonly name: string;
  readonly recoverOnOpen?: boolean;
  /** Bound on unfinished entries (default MAX_PENDING); add() beyond it throws QUEUE_FULL. */
  readonly maxPending?: number;
  /** Finished entries kept in memory (default MAX_FINISHED); older ones are looked up in the table. */
  readonly maxFinished?: number;
}

const open = new WeakMap<Store, Set<string>>();

export async function createEmbeddedQueue<P>(store: Store, opts: EmbeddedQueueOptions): Promise<JobQueue<P>> {
  const name = checkName('queue name', opts.name);
  const names = open.get(store) ?? new Set<string>();
  if (names.has(name)) throw queueError('QUEUE_UNAVAILABLE', `queue ${name} is already open in this process`);
  names.add(name);
  open.set(store, names);
  try {
    return await build<P>(store, name, opts, () => names.delete(name));
  } catch (e) {
    names.delete(name);
    throw e;
  }
}

async function build<P>(
  store: Store,
  name: string,
  opts: EmbeddedQueueOptions,
  onClose: () => void,
): Promise<JobQueue<P>> {
  const maxPending = opts.maxPending ?? MAX_PENDING;
  const maxFinished = opts.maxFinished ?? MAX_FINISHED;
  const index = createQueueIndex(maxFinished);
  const { pending, paused } = index;
  const adding = new Map<string, Promise<void>>();
  let closed = false;
  let lastSeq = 0;

  const unavailable = (what: string) => (e: unknown) => {
    throw queueError('QUEUE_UNAVAILABLE', `queue ${name}: ${what} failed: ${(e as Error).message}`, e);
  };
  const writer = createWriteThrough((rows: QueueEntryRecord[]) =>
    store.upsertQueueEntries(rows).catch(unavailable('storing entries')),
  );
  // Rows are taken when called: a finished entry's payload may be dropped from memory right after.
  const persist = (...items: Item[]): Promise<void> =>
    items.length === 0 ? Promise.resolve() : writer.write(items.map((it) => toRecord(name, it)));
  const alive = (): void => {
    if (closed) throw queueError('QUEUE_UNAVAILABLE', `queue ${name} is closed`);
  };
  const finish = async (it: Item, state: 'done' | 'failed'): Promise<void> => {
    index.finish(it, state);
    const stored = persist(it);
    it.payload = '';
    await stored;
  };

  try {
    const [rows, done, pausedGroups] = await Promise.all([
      store.listQueueEntries(name, { states: ['waiting', 'delayed', 'active'] }),
      store.listQueueEntries(name, { states: ['done', 'failed'], limit: maxFinished + 1 }),
      store.listPausedQueueGroups(name),
    ]);
    for (const r of [...rows, ...done]) lastSeq = Math.max(lastSeq, r.seq);
    index.forgotten = done.length > maxFinished;
    for (const r of done.slice(-maxFinished)) index.finished.set(r.id, toItem(r));
    for (const r of rows) pending.set(r.id, toItem(r));
    for (const g of pausedGroups) paused.add(g);
  } catch (e) {
    unavailable('loading')(e);
  }
  if (opts.recoverOnOpen ?? true) {
    const now = Date.now();
    const back = [...pending.values()].filter((it) => it.state === 'active');
    for (const it of back) toWaiting(it, now);
    await persist(...back);
  }

  async function addNew(e: { id: string; group: string }, payload: string, priority: number, delay: number) {
    if (index.forgotten) {
      const old = await store.getQueueEntry(name, e.id).catch(unavailable('looking up an entry'));
      if (old !== null && old.state !== 'removed') return;
    }
    if (index.has(e.id)) return;
    if (pending.size >= maxPending) {
      throw queueError('QUEUE_FULL', `queue ${name} holds ${maxPending} unfinished entries; add refused`);
    }
    const now = Date.now();
    lastSeq = Math.max(lastSeq + 1, now * 1000);
    const it: Item = {
      id: e.id,
      group: e.group,
      payload,
      priority,
      seq: lastSeq,
      createdAt: now,
      state: delay > 0 ? 'delayed' : 'waiting',
      attempts: 0,
      availableAt: now + delay,
      owner: '',
      leaseUntil: 0,
    };
    pending.set(it.id, it);
    await persist(it);
  }

  const setPaused = (group: string, on: boolean, what: string): Promise<void> =>
    store.setQueueGroupPaused(name, group, on).catch(unavailable(what));

  return {
    kind: 'embedded',
    async add(e) {
      alive();
      checkName('id', e.id);
      checkName('group', e.group);
      const priority = checkPriority(e.priority);
      const delay = checkDelay('delayMs', e.delayMs, 0);
      const payload = encodePayload(e.payload);
      if (index.has(e.id)) return;
      const running = adding.get(e.id);
      if (running !== undefined) return running;
      const p = addNew(e, payload, priority, delay).finally(() => adding.delete(e.id));
      adding.set(e.id, p);
      return p;
    },

    async claim(owner, o = {}) {
      alive();
      checkName('owner', owner);
      const leaseMs = checkLease(o.leaseMs);
      const now = Date.now();
      const recovered = index.expire(now);
      const it = index.next(now, o.groups === undefined ? null : new Set(o.groups));
      if (it !== undefined) {
        it.state = 'active';
        it.owner = owner;
        it.leaseUntil = now + leaseMs;
        it.attempts += 1;
      }
      await persist(...recovered, ...(it === undefined ? [] : [it]));
      if (it === undefined) return null;
      const lease: Lease<P> = {
        id: it.id,
        group: it.group,
        payload: JSON.parse(it.payload) as P,
        priority: it.priority,
        attempts: it.attempts,
        owner,
        leaseUntil: it.leaseUntil,
      };
      return lease;
    },

    async complete(id, owner) {
      alive();
      await finish(index.leased(id, owner), 'done');
    },

    async fail(id, owner, o) {
      alive();
      const it = index.leased(id, owner);
      const delay = checkDelay('delayMs', o.delayMs, 0);
      if (!o.retry) {
        await finish(it, 'failed');
        return 'failed';
      }
      toWaiting(it, Date.now());
      if (delay > 0) {
        it.state = 'delayed';
        it.availableAt = Date.now() + delay;
      }
      await persist(it);
      return 'retrying';
    },

    async release(id, owner) {
      alive();
      const it = index.leased(id, owner);
      toWaiting(it, Date.now());
      it.attempts = Math.max(0, it.attempts - 1);
      await persist(it);
    },

    async extend(id, owner, leaseMs) {
      alive();
      const it = index.leased(id, owner);
      it.leaseUntil = Date.now() + checkLease(leaseMs);
      await persist(it);
    },

    async pauseGroup(group) {
      alive();
      paused.add(checkName('group', group));
      await setPaused(group, true, 'pausing a group');
    },

    async resumeGroup(group) {
      alive();
      paused.delete(checkName('group', group));
      await setPaused(group, false, 'resuming a group');
    },

    async removeGroup(group) {
      alive();
      checkName('group', group);
      const gone = [...pending.values()].filter((it) => it.group === group && it.state !== 'active');
      for (const it of gone) pending.delete(it.id);
      const wasPaused = paused.delete(group);
      await Promise.all([
        gone.length === 0 ? undefined : writer.write(gone.map((it) => toRecord(name, it, 'removed'))),
        wasPaused ? setPaused(group, false, 'removing a group') : undefined,
      ]);
    },

    async recoverExpired(now = Date.now()) {
      alive();
      const back = index.expire(now);
      await persist(...back);
      return back.length;
    },

    async counts(group) {
      alive();
      return index.counts(group, Date.now());
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        await Promise.allSettled([...adding.values()]);
        await writer.idle();
      } finally {
        onClose();
      }
    },
  };
}
