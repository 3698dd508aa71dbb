import type { Driver } from './driver.ts';
import { StoreError } from './errors.ts';
import type { Run } from './run.ts';
import { fromMs, nextVersion, toDateTime64 } from './time.ts';
import { uint } from './values.ts';

/**
 * DDL of the embedded job queue (migration v7). The queue's process keeps its index in memory (the
 * source of truth for claims: ClickHouse has no transactions) and writes every state change here
 * as a full-row insert with a fresh store-side version; a restarted process rebuilds from the
 * highest-version row of each entry. `removed` rows are tombstones (a cancelled waiting entry).
 * No partitions: ReplacingMergeTree only replaces within one, and an entry may wait for days.
 */
export const QUEUE_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS queue_entries (
    queue LowCardinality(String),
    id String,
    grp String,
    payload String,
    priority Int32,
    state LowCardinality(String),
    attempts UInt32,
    seq UInt64,
    available_at DateTime64(3, 'UTC'),
    lease_owner String,
    lease_until DateTime64(3, 'UTC'),
    created_at DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC'),
    version UInt64
  ) ENGINE = ReplacingMergeTree(version) ORDER BY (queue, id)`,

  `CREATE TABLE IF NOT EXISTS queue_groups (
    queue LowCardinality(String),
    grp String,
    paused UInt8,
    version UInt64
  ) ENGINE = ReplacingMergeTree(version) ORDER BY (queue, grp)`,
];

export type QueueEntryState = 'waiting' | 'delayed' | 'active' | 'done' | 'failed' | 'removed';

/** One entry of a named queue as stored; times in epoch ms (0: none). */
export interface QueueEntryRecord {
  readonly queue: string;
  readonly id: string;
  readonly group: string;
  /** The payload as JSON text (the queue serialises it). */
  readonly payload: string;
  readonly priority: number;
  readonly state: QueueEntryState;
  readonly attempts: number;
  /** Arrival order (older first among equal priorities); kept across retries. */
  readonly seq: number;
  readonly availableAt: number;
  readonly leaseOwner: string;
  readonly leaseUntil: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The queue part of the Store. */
export interface QueueStoreMethods {
  /** Full-row upserts: a later call for the same (queue, id) replaces an earlier one. */
  upsertQueueEntries(rows: readonly QueueEntryRecord[]): Promise<void>;
  /**
   * Current rows of one queue in arrival order, optionally only those in `states` (tombstones only
   * if asked); with `limit`, the newest `limit` of them.
   */
  listQueueEntries(
    queue: string,
    opts?: { states?: readonly QueueEntryState[]; limit?: number; signal?: AbortSignal },
  ): Promise<QueueEntryRecord[]>;
  getQueueEntry(queue: string, id: string, signal?: AbortSignal): Promise<QueueEntryRecord | null>;
  setQueueGroupPaused(queue: string, group: string, paused: boolean): Promise<void>;
  listPausedQueueGroups(queue: string, signal?: AbortSignal): Promise<string[]>;
}

const STATES: ReadonlySet<string> = new Set(['waiting', 'delayed', 'active', 'done', 'failed', 'removed']);

interface EntryRow {
  queue: string;
  id: string;
  grp: string;
  payload: string;
  priority: number | string;
  state: string;
  attempts: number | string;
  seq: number | string;
  available_at: number | string;
  lease_owner: string;
  lease_until: number | string;
  created_at: number | string;
  updated_at: number | string;
}

const SELECT_ENTRY = `SELECT queue, id, grp, payload, priority, state, attempts, seq,
    toUnixTimestamp64Milli(available_at) AS available_at, lease_owner,
    toUnixTimestamp64Milli(lease_until) AS lease_until,
    toUnixTimestamp64Milli(created_at) AS created_at,
    toUnixTimestamp64Milli(updated_at) AS updated_at
  FROM queue_entries FINAL`;

function entryRow(r: QueueEntryRecord): object {
  if (!Number.isInteger(r.priority))
    throw new StoreError('STORE_QUERY_FAILED', `invalid priority: ${r.priority}`);
  return {
    queue: r.queue,
    id: r.id,
    grp: r.group,
    payload: r.payload,
    priority: r.priority,
    state: r.state,
    attempts: uint('attempts', r.attempts),
    seq: uint('seq', r.seq),
    available_at: toDateTime64(r.availableAt),
    lease_owner: r.leaseOwner,
    lease_until: toDateTime64(r.leaseUntil),
    created_at: toDateTime64(r.createdAt),
    updated_at: toDateTime64(r.updatedAt),
    version: nextVersion(),
  };
}

function toRecord(r: EntryRow): QueueEntryRecord {
  if (!STATES.has(r.state))
    throw new StoreError('STORE_QUERY_FAILED', `unknown queue entry state: ${r.state}`);
  return {
    queue: r.queue,
    id: r.id,
    group: r.grp,
    payload: r.payload,
    priority: Number(r.priority),
    state: r.state as QueueEntryState,
    attempts: Number(r.attempts),
    seq: Number(r.seq),
    availableAt: fromMs(r.available_at),
    leaseOwner: r.lease_owner,
    leaseUntil: fromMs(r.lease_until),
    createdAt: fromMs(r.created_at),
    updatedAt: fromMs(r.updated_at),
  };
}

export function createQueueMethods(driver: Driver, run: Run): QueueStoreMethods {
  return {
    upsertQueueEntries: (rows) =>
      run(async () => {
        if (rows.length > 0) await driver.insert('queue_entries', rows.map(entryRow));
      }),
    listQueueEntries: (queue, opts = {}) =>
      run(async () => {
        // The state filter applies to the outer query, after FINAL picked each entry's newest row.
        const states = opts.states ?? [...STATES].filter((s) => s !== 'removed');
        const limit = opts.limit === undefined ? '' : 'ORDER BY seq DESC LIMIT {limit:UInt32}';
        const rows = await driver.query<EntryRow>(
          {
            sql: `SELECT * FROM (SELECT * FROM (${SELECT_ENTRY} WHERE queue = {queue:String})
              WHERE has({states:Array(String)}, state) ${limit}) ORDER BY seq`,
            params:
              opts.limit === undefined
                ? { queue, states }
                : { queue, states, limit: uint('limit', opts.limit) },
          },
          opts.signal,
        );
        return rows.map(toRecord);
      }),
    getQueueEntry: (queue, id, signal) =>
      run(async () => {
        const rows = await driver.query<EntryRow>(
          { sql: `${SELECT_ENTRY} WHERE queue = {queue:String} AND id = {id:String}`, params: { queue, id } },
          signal,
        );
        return rows[0] === undefined ? null : toRecord(rows[0]);
      }),
    setQueueGroupPaused: (queue, group, paused) =>
      run(() =>
        driver.insert('queue_groups', [
          { queue, grp: group, paused: paused ? 1 : 0, version: nextVersion() },
        ]),
      ),
    listPausedQueueGroups: (queue, signal) =>
      run(async () => {
        const rows = await driver.query<{ grp: string }>(
          {
            sql: `SELECT grp FROM (SELECT grp, paused FROM queue_groups FINAL WHERE queue = {queue:String})
              WHERE paused = 1 ORDER BY grp`,
            params: { queue },
          },
          signal,
        );
        return rows.map((r) => r.grp);
      }),
  };
}
