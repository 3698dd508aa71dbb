// Rented GPU instances and their cost ledger (migration v9). Provider API keys are never stored
// here: they live in `<dataDir>/secrets/gpu-keys.json` (mode 0600), outside any query's reach.
import type { Driver } from './driver.ts';
import type { Run } from './run.ts';
import { fromMs, nextVersion, nullableDateTime64, nullableMs, toDateTime64 } from './time.ts';

/** DDL of this part of the schema (one migration step; see migrations.ts). */
export const GPU_DDL: readonly string[] = [
  // Mutable entity: every state change inserts the full row with a newer version; read with FINAL.
  `CREATE TABLE IF NOT EXISTS gpu_instances (
    id String,
    provider LowCardinality(String),
    provider_id String,
    job_id String,
    label String,
    gpu_type String,
    state LowCardinality(String),
    price_per_hour Float64,
    created_at DateTime64(3, 'UTC'),
    started_at Nullable(DateTime64(3, 'UTC')),
    terminated_at Nullable(DateTime64(3, 'UTC')),
    worker_id String,
    error_code LowCardinality(String),
    error_message String,
    version UInt64
  ) ENGINE = ReplacingMergeTree(version) ORDER BY id`,

  // Append-only: one row per billed slice of an instance; slices of one instance never overlap,
  // so sum(amount_usd) is the cost (see inference/src/gpu/ledger.ts for the rounding).
  `CREATE TABLE IF NOT EXISTS gpu_ledger (
    instance_id String,
    job_id String,
    provider LowCardinality(String),
    from_ts DateTime64(3, 'UTC'),
    to_ts DateTime64(3, 'UTC'),
    seconds UInt32,
    rate_per_hour Float64,
    amount_usd Float64
  ) ENGINE = MergeTree ORDER BY (job_id, instance_id, from_ts)`,
];

/** Where a rented instance is in its life. terminated and failed are final. */
export type GpuInstanceState = 'creating' | 'booting' | 'running' | 'terminating' | 'terminated' | 'failed';

export interface GpuInstanceRecord {
  /** AIMA's id (the worker's instanceId); provider_id is the provider's. */
  readonly id: string;
  readonly provider: string;
  readonly providerId: string;
  readonly jobId: string;
  readonly label: string;
  readonly gpuType: string;
  readonly state: GpuInstanceState;
  readonly pricePerHour: number;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly terminatedAt: number | null;
  readonly workerId: string;
  readonly errorCode: string;
  readonly errorMessage: string;
}

export interface GpuLedgerRecord {
  readonly instanceId: string;
  readonly jobId: string;
  readonly provider: string;
  readonly fromTs: number;
  readonly toTs: number;
  readonly seconds: number;
  readonly ratePerHour: number;
  readonly amountUsd: number;
}

export interface GpuLedgerQuery {
  readonly jobId?: string;
  readonly instanceId?: string;
  /** Rows whose slice ends at or after this epoch ms. */
  readonly since?: number;
  readonly signal?: AbortSignal;
}

/** The gpu part of the Store. */
export interface GpuStoreMethods {
  /** Inserts the full row (a newer version replaces the older one). */
  upsertGpuInstance(rec: GpuInstanceRecord): Promise<void>;
  /** Newest first; at most `limit` (default 500). */
  listGpuInstances(q?: {
    readonly jobId?: string;
    readonly active?: boolean;
    readonly limit?: number;
    readonly signal?: AbortSignal;
  }): Promise<GpuInstanceRecord[]>;
  insertGpuLedger(rows: readonly GpuLedgerRecord[]): Promise<void>;
  listGpuLedger(q?: GpuLedgerQuery): Promise<GpuLedgerRecord[]>;
  /** sum(amount_usd) and sum(seconds) of the matching rows. */
  gpuLedgerTotal(q?: GpuLedgerQuery): Promise<{ amountUsd: number; seconds: number }>;
  /** The same totals per instance. */
  gpuLedgerByInstance(
    q?: GpuLedgerQuery,
  ): Promise<{ instanceId: string; amountUsd: number; seconds: number }[]>;
}

interface InstanceRow {
  id: string;
  provider: string;
  provider_id: string;
  job_id: string;
  label: string;
  gpu_type: string;
  state: string;
  price_per_hour: number;
  created_ms: number | string;
  started_ms: number | string | null;
  terminated_ms: number | string | null;
  worker_id: string;
  error_code: string;
  error_message: string;
}

interface LedgerRow {
  instance_id: string;
  job_id: string;
  provider: string;
  from_ms: number | string;
  to_ms: number | string;
  seconds: number | string;
  rate_per_hour: number;
  amount_usd: number;
}

function ledgerWhere(q: GpuLedgerQuery): { sql: string; params: Record<string, unknown> } {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  if (q.jobId !== undefined) {
    parts.push('job_id = {jid:String}');
    params.jid = q.jobId;
  }
  if (q.instanceId !== undefined) {
    parts.push('instance_id = {iid:String}');
    params.iid = q.instanceId;
  }
  if (q.since !== undefined) {
    parts.push(`to_ts >= {since:DateTime64(3, 'UTC')}`);
    params.since = toDateTime64(q.since);
  }
  return { sql: parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`, params };
}

export function createGpuMethods(driver: Driver, run: Run): GpuStoreMethods {
  return {
    upsertGpuInstance: (r) =>
      run(() =>
        driver.insert('gpu_instances', [
          {
            id: r.id,
            provider: r.provider,
            provider_id: r.providerId,
            job_id: r.jobId,
            label: r.label,
            gpu_type: r.gpuType,
            state: r.state,
            price_per_hour: r.pricePerHour,
            created_at: toDateTime64(r.createdAt),
            started_at: nullableDateTime64(r.startedAt),
            terminated_at: nullableDateTime64(r.terminatedAt),
            worker_id: r.workerId,
            error_code: r.errorCode,
            error_message: r.errorMessage,
            version: nextVersion(),
          },
        ]),
      ),
    listGpuInstances: (q = {}) =>
      run(async () => {
        const parts: string[] = [];
        const params: Record<string, unknown> = {};
        if (q.jobId !== undefined) {
          parts.push('job_id = {jid:String}');
          params.jid = q.jobId;
        }
        if (q.active === true) parts.push(`state NOT IN ('terminated', 'failed')`);
        const rows = await driver.query<InstanceRow>(
          {
            sql: `SELECT id, provider, provider_id, job_id, label, gpu_type, state, price_per_hour,
                toUnixTimestamp64Milli(created_at) AS created_ms,
                toUnixTimestamp64Milli(started_at) AS started_ms,
                toUnixTimestamp64Milli(terminated_at) AS terminated_ms,
                worker_id, error_code, error_message
              FROM gpu_instances FINAL ${parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`}
              ORDER BY created_at DESC, id LIMIT {limit:UInt32}`,
            params: { ...params, limit: Math.max(0, Math.floor(q.limit ?? 500)) },
          },
          q.signal,
        );
        return rows.map((r) => ({
          id: r.id,
          provider: r.provider,
          providerId: r.provider_id,
          jobId: r.job_id,
          label: r.label,
          gpuType: r.gpu_type,
          state: r.state as GpuInstanceState,
          pricePerHour: Number(r.price_per_hour),
          createdAt: fromMs(r.created_ms),
          startedAt: nullableMs(r.started_ms),
          terminatedAt: nullableMs(r.terminated_ms),
          workerId: r.worker_id,
          errorCode: r.error_code,
          errorMessage: r.error_message,
        }));
      }),
    insertGpuLedger: (rows) =>
      run(async () => {
        if (rows.length === 0) return;
        await driver.insert(
          'gpu_ledger',
          rows.map((r) => ({
            instance_id: r.instanceId,
            job_id: r.jobId,
            provider: r.provider,
            from_ts: toDateTime64(r.fromTs),
            to_ts: toDateTime64(r.toTs),
            seconds: r.seconds,
            rate_per_hour: r.ratePerHour,
            amount_usd: r.amountUsd,
          })),
        );
      }),
    listGpuLedger: (q = {}) =>
      run(async () => {
        const w = ledgerWhere(q);
        const rows = await driver.query<LedgerRow>(
          {
            sql: `SELECT instance_id, job_id, provider,
                toUnixTimestamp64Milli(from_ts) AS from_ms, toUnixTimestamp64Milli(to_ts) AS to_ms,
                seconds, rate_per_hour, amount_usd
              FROM gpu_ledger ${w.sql} ORDER BY from_ts, instance_id LIMIT 100000`,
            params: w.params,
          },
          q.signal,
        );
        return rows.map((r) => ({
          instanceId: r.instance_id,
          jobId: r.job_id,
          provider: r.provider,
          fromTs: fromMs(r.from_ms),
          toTs: fromMs(r.to_ms),
          seconds: Number(r.seconds),
          ratePerHour: Number(r.rate_per_hour),
          amountUsd: Number(r.amount_usd),
        }));
      }),
    gpuLedgerTotal: (q = {}) =>
      run(async () => {
        const w = ledgerWhere(q);
        const [row] = await driver.query<{ usd: number | null; s: number | string | null }>(
          {
            sql: `SELECT sum(amount_usd) AS usd, sum(seconds) AS s FROM gpu_ledger ${w.sql}`,
            params: w.params,
          },
          q.signal,
        );
        return { amountUsd: Number(row?.usd ?? 0), seconds: Number(row?.s ?? 0) };
      }),
    gpuLedgerByInstance: (q = {}) =>
      run(async () => {
        const w = ledgerWhere(q);
        const rows = await driver.query<{ instance_id: string; usd: number; s: number | string }>(
          {
            sql: `SELECT instance_id, sum(amount_usd) AS usd, sum(seconds) AS s FROM gpu_ledger ${w.sql}
              GROUP BY instance_id ORDER BY instance_id`,
            params: w.params,
          },
          q.signal,
        );
        return rows.map((r) => ({
          instanceId: r.instance_id,
          amountUsd: Number(r.usd),
          seconds: Number(r.s),
        }));
      }),
  };
}
