import type { QueueEntryRecord } from '@aima/storage';
import type { QueueCounts } from './types.ts';
import { MAX_FINISHED, lostLease } from './types.ts';

/**
 * The embedded queue's in-memory index: pure state and rules, no I/O (embedded.ts stores what
 * changes). An entry stays `delayed` until claimed; whether it may be claimed is only a matter of
 * `availableAt <= now`.
 */
export interface Item {
  readonly id: string;
  readonly group: string;
  /** JSON text; '' once finished (the stored row keeps it; memory does not need it). */
  payload: string;
  readonly priority: number;
  readonly seq: number;
  readonly createdAt: number;
  state: 'waiting' | 'delayed' | 'active' | 'done' | 'failed';
  attempts: number;
  availableAt: number;
  owner: string;
  leaseUntil: number;
}

export function toItem(r: QueueEntryRecord): Item {
  return {
    id: r.id,
    group: r.group,
    payload: r.state === 'done' || r.state === 'failed' ? '' : r.payload,
    priority: r.priority,
    seq: r.seq,
    createdAt: r.createdAt,
    state: r.state === 'removed' ? 'failed' : r.state,
    attempts: r.attempts,
    availableAt: r.availableAt,
    owner: r.leaseOwner,
    leaseUntil: r.leaseUntil,
  };
}

export function toRecord(
  queue: string,
  it: Item,
  state: QueueEntryRecord['state'] = it.state,
): QueueEntryRecord {
  return {
    queue,
    id: it.id,
    group: it.group,
    payload: it.payload,
    priority: it.priority,
    state,
    attempts: it.attempts,
    seq: it.seq,
    availableAt: it.availableAt,
    leaseOwner: it.owner,
    leaseUntil: it.leaseUntil,
    createdAt: it.createdAt,
    updatedAt: Date.now(),
  };
}

export function toWaiting(it: Item, now: number): void {
  it.state = 'waiting';
  it.owner = '';
  it.leaseUntil = 0;
  it.availableAt = Math.min(it.availableAt, now);
}

export interface QueueIndex {
  /** waiting, delayed and active entries. */
  readonly pending: Map<string, Item>;
  /** done and failed entries, newest last, at most MAX_FINISHED. */
  readonly finished: Map<string, Item>;
  readonly paused: Set<string>;
  /** Whether finished entries exist that the index no longer holds (then add() asks the table). */
  forgotten: boolean;
  has(id: string): boolean;
  /** Moves a finished entry from pending to finished, forgetting the oldest beyond the bound. */
  finish(it: Item, state: 'done' | 'failed'): void;
  /** Leases that ended before `now`, put back to waiting. */
  expire(now: number): Item[];
  /** The entry `owner` holds, else QUEUE_LEASE_LOST. */
  leased(id: string, owner: string): Item;
  /** Highest priority, then oldest, among due entries of groups not paused (and in `only`). */
  next(now: number, only: ReadonlySet<string> | null): Item | undefined;
  counts(group: string | undefined, now: number): QueueCounts;
}

export function createQueueIndex(maxFinished = MAX_FINISHED): QueueIndex {
  const pending = new Map<string, Item>();
  const finished = new Map<string, Item>();
  const paused = new Set<string>();
  let forgotten = false;

  function tally(items: Iterable<Item>, group: string | undefined, now: number) {
    const c = { waiting: 0, active: 0, delayed: 0, done: 0, failed: 0, paused: 0 };
    for (const it of items) {
      if (group !== undefined && it.group !== group) continue;
      if (it.state === 'active' || it.state === 'done' || it.state === 'failed') c[it.state]++;
      else if (it.availableAt > now) c.delayed++;
      else if (paused.has(it.group)) c.paused++;
      else c.waiting++;
    }
    return c;
  }

  return {
    pending,
    finished,
    paused,
    get forgotten() {
      return forgotten;
    },
    set forgotten(v: boolean) {
      forgotten = v;
    },
    has: (id) => pending.has(id) || finished.has(id),
    finish(it, state) {
      it.state = state;
      it.owner = '';
      it.leaseUntil = 0;
      pending.delete(it.id);
      finished.set(it.id, it);
      if (finished.size > maxFinished) {
        finished.delete(finished.keys().next().value as string);
        forgotten = true;
      }
    },
    expire(now) {
      const out: Item[] = [];
      for (const it of pending.values()) {
        if (it.state === 'active' && it.leaseUntil < now) {
          toWaiting(it, now);
          out.push(it);
        }
      }
      return out;
    },
    leased(id, owner) {
      const it = pending.get(id);
      if (it === undefined || it.state !== 'active' || it.owner !== owner) throw lostLease(id, owner);
      return it;
    },
    next(now, only) {
      let best: Item | undefined;
      for (const it of pending.values()) {
        if (it.state === 'active' || it.availableAt > now || paused.has(it.group)) continue;
        if (only !== null && !only.has(it.group)) continue;
        if (
          best === undefined ||
          it.priority > best.priority ||
          (it.priority === best.priority && it.seq < best.seq)
        ) {
          best = it;
        }
      }
      return best;
    },
    counts(group, now) {
      const a = tally(pending.values(), group, now);
      const b = tally(finished.values(), group, now);
      return { ...a, done: b.done, failed: b.failed };
    },
  };
}
