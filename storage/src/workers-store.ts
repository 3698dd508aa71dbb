import type { Driver } from './driver.ts';
import type { Run } from './run.ts';
import { fromMs, nextVersion, nullableDateTime64, nullableMs, toDateTime64 } from './time.ts';
import { uint } from './values.ts';

/** DDL of this part of the schema (migration v8: inference workers). */
export const WORKERS_DDL: readonly string[] = [
  // Mutable entity (state, last seen, capabilities): read FINAL, highest version wins.
  `CREATE TABLE IF NOT EXISTS workers (
    id String,
    name String,
    key_hash String,
    instance_id String,
    rented UInt8,
    state LowCardinality(String),
    capabilities String,
    created_at DateTime64(3, 'UTC'),
    last_seen DateTime64(3, 'UTC'),
    version UInt64
  ) ENGINE = ReplacingMergeTree(version) ORDER BY id`,
  // Only the sha256 of a token is stored: a leaked table does not let anyone join.
  `CREATE TABLE IF NOT EXISTS join_tokens (
    token_hash String,
    instance_id String,
    rented UInt8,
    created_at DateTime64(3, 'UTC'),
    expires_at DateTime64(3, 'UTC'),
    used_at Nullable(DateTime64(3, 'UTC')),
    worker_id String,
    version UInt64
  ) ENGINE = ReplacingMergeTree(version) ORDER BY token_hash`,
  // The dedupe ledger: one row per applied result write of a remote worker.
  `CREATE TABLE IF NOT EXISTS result_batches (
    source_id LowCardinality(String),
    attempt UInt32,
    seq UInt32,
    table LowCardinality(String),
    rows UInt32,
    worker_id String,
    at DateTime64(3, 'UTC')
  ) ENGINE = MergeTree ORDER BY (source_id, attempt, seq)`,
];

export interface WorkerRecord {
  readonly id: string;
  readonly name: string;
  /** sha256 hex of the worker's key (the key itself is only ever held by the worker). */
  readonly keyHash: string;
  readonly instanceId: string;
  readonly rented: boolean;
  readonly state: 'online' | 'offline';
  /** JSON of the capabilities the worker advertised. */
  readonly capabilities: string;
  readonly createdAt: number;
  readonly lastSeen: number;
}

export interface JoinTokenRecord {
  readonly tokenHash: string;
  readonly instanceId: string;
  readonly rented: boolean;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly usedAt: number | null;
  readonly workerId: string;
}

export interface ResultBatchRecord {
  readonly sourceId: string;
  readonly attempt: number;
  readonly seq: number;
  readonly table: string;
  readonly rows: number;
  readonly workerId: string;
  readonly at: number;
}

/** The worker part of the Store. */
export interface WorkerStoreMethods {
  upsertWorker(w: WorkerRecord): Promise<void>;
  listWorkers(signal?: AbortSignal): Promise<WorkerRecord[]>;
  insertJoinToken(t: JoinTokenRecord): Promise<void>;
  getJoinToken(tokenHash: string, signal?: AbortSignal): Promise<JoinTokenRecord | null>;
  /**
   * Marks an unused, unexpired token used by `workerId` and returns it; null when it is unknown,
   * used or expired. One-time within one control-plane process (callers serialise per token).
   */
  consumeJoinToken(tokenHash: string, workerId: string, now?: number): Promise<JoinTokenRecord | null>;
  insertResultBatches(rows: readonly ResultBatchRecord[]): Promise<void>;
  listResultBatches(q: { sourceId: string; signal?: AbortSignal }): Promise<ResultBatchRecord[]>;
}

interface WorkerRow {
  id: string;
  name: string;
  key_hash: string;
  instance_id: string;
  rented: number;
  state: string;
  capabilities: string;
  created_ms: number | string;
  seen_ms: number | string;
}
interface TokenRow {
  token_hash: string;
  instance_id: string;
  rented: number;
  created_ms: number | string;
  expires_ms: number | string;
  used_ms: number | string | null;
  worker_id: string;
}
interface BatchRow {
  source_id: string;
  attempt: number;
  seq: number;
  table: string;
  rows: number;
  worker_id: string;
  at_ms: number | string;
}

const toWorker = (r: WorkerRow): WorkerRecord => ({
  id: r.id,
  name: r.name,
  keyHash: r.key_hash,
  instanceId: r.instance_id,
  rented: Number(r.rented) === 1,
  state: r.state === 'online' ? 'online' : 'offline',
  capabilities: r.capabilities,
  createdAt: fromMs(r.created_ms),
  lastSeen: fromMs(r.seen_ms),
});
const toToken = (r: TokenRow): JoinTokenRecord => ({
  tokenHash: r.token_hash,
  instanceId: r.instance_id,
  rented: Number(r.rented) === 1,
  createdAt: fromMs(r.created_ms),
  expiresAt: fromMs(r.expires_ms),
  usedAt: nullableMs(r.used_ms),
  workerId: r.worker_id,
});

export function createWorkerMethods(driver: Driver, run: Run): WorkerStoreMethods {
  const tokenRow = (t: JoinTokenRecord): object => ({
    token_hash: t.tokenHash,
    instance_id: t.instanceId,
    rented: t.rented ? 1 : 0,
    created_at: toDateTime64(t.createdAt),
    expires_at: toDateTime64(t.expiresAt),
    used_at: nullableDateTime64(t.usedAt),
    worker_id: t.workerId,
    version: nextVersion(),
  });
  const getJoinToken = (tokenHash: string, signal?: AbortSignal): Promise<JoinTokenRecord | null> =>
    run(async () => {
      const rows = await driver.query<TokenRow>(
        {
          sql: `SELECT token_hash, instance_id, rented,
              toUnixTimestamp64Milli(created_at) AS created_ms,
              toUnixTimestamp64Milli(expires_at) AS expires_ms,
              toUnixTimestamp64Milli(used_at) AS used_ms, worker_id
            FROM join_tokens FINAL WHERE token_hash = {h:String}`,
          params: { h: tokenHash },
        },
        signal,
      );
      return rows[0] ? toToken(rows[0]) : null;
    });

  return {
    upsertWorker: (w) =>
      run(async () => {
        await driver.insert('workers', [
          {
            id: w.id,
            name: w.name,
            key_hash: w.keyHash,
            instance_id: w.instanceId,
            rented: w.rented ? 1 : 0,
            state: w.state,
            capabilities: w.capabilities,
            created_at: toDateTime64(w.createdAt),
            last_seen: toDateTime64(w.lastSeen),
            version: nextVersion(),
          },
        ]);
      }),
    listWorkers: (signal) =>
      run(async () =>
        (
          await driver.query<WorkerRow>(
            {
              sql: `SELECT id, name, key_hash, instance_id, rented, state, capabilities,
                  toUnixTimestamp64Milli(created_at) AS created_ms,
                  toUnixTimestamp64Milli(last_seen) AS seen_ms
                FROM workers FINAL ORDER BY created_at, id`,
              params: {},
            },
            signal,
          )
        ).map(toWorker),
      ),
    insertJoinToken: (t) =>
      run(async () => {
        await driver.insert('join_tokens', [tokenRow(t)]);
      }),
    getJoinToken,
    async consumeJoinToken(tokenHash, workerId, now = Date.now()) {
      const t = await getJoinToken(tokenHash);
      if (!t || t.usedAt !== null || t.expiresAt <= now) return null;
      const used = { ...t, usedAt: now, workerId };
      await run(() => driver.insert('join_tokens', [tokenRow(used)]));
      return used;
    },
    insertResultBatches: (rows) =>
      run(async () => {
        if (rows.length === 0) return;
        await driver.insert(
          'result_batches',
          rows.map((r) => ({
            source_id: r.sourceId,
            attempt: uint('attempt', r.attempt),
            seq: uint('seq', r.seq),
            table: r.table,
            rows: uint('rows', r.rows),
            worker_id: r.workerId,
            at: toDateTime64(r.at),
          })),
        );
      }),
    listResultBatches: ({ sourceId, signal }) =>
      run(async () =>
        (
          await driver.query<BatchRow>(
            {
              sql: `SELECT source_id, attempt, seq, table, rows, worker_id,
                  toUnixTimestamp64Milli(at) AS at_ms
                FROM result_batches WHERE source_id = {s:String} ORDER BY attempt, seq`,
              params: { s: sourceId },
            },
            signal,
          )
        ).map((r) => ({
          sourceId: r.source_id,
          attempt: Number(r.attempt),
          seq: Number(r.seq),
          table: r.table,
          rows: Number(r.rows),
          workerId: r.worker_id,
          at: fromMs(r.at_ms),
        })),
      ),
  };
}
