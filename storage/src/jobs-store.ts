import type { Driver } from './driver.ts';
import { StoreError } from './errors.ts';
import type { Run } from './run.ts';
import { fromMs, nextVersion, nullableDateTime64, nullableMs, toDateTime64 } from './time.ts';
import { uint } from './values.ts';

/**
 * DDL of this part of the schema (migration v6, after `sources.job_id`). Jobs and their items are
 * mutable entities: every change is a full-row insert with a fresh store-side version, read with
 * FINAL. No partitions: ReplacingMergeTree only replaces within one, and a job lives for days.
 * An item keeps its real input only when it carries no credentials; otherwise `input` is '' and
 * the job service keeps the input in an owner-only file (the store never holds a secret).
 */
export const JOBS_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS jobs (
    id String,
    name String,
    state LowCardinality(String),
    priority Int32,
    analyzers Array(String),
    context String,
    provider LowCardinality(String),
    gpu_type String,
    instance_id String,
    budget_usd Float64,
    estimate String,
    cost_usd Float64,
    paused_reason String,
    error_code LowCardinality(String),
    error_message String,
    created_at DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC'),
    started_at Nullable(DateTime64(3, 'UTC')),
    finished_at Nullable(DateTime64(3, 'UTC')),
    version UInt64
  ) ENGINE = ReplacingMergeTree(version) ORDER BY id`,

  `CREATE TABLE IF NOT EXISTS job_items (
    job_id String,
    idx UInt32,
    input_display String,
    input String,
    kind LowCardinality(String),
    source_id String,
    state LowCardinality(String),
    attempts UInt32,
    duration_ms Nullable(UInt64),
    progress Float32,
    error_code LowCardinality(String),
    error_message String,
    version UInt64
  ) ENGINE = ReplacingMergeTree(version) ORDER BY (job_id, idx)`,
];

export type JobState = 'created' | 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';
export type JobItemState = 'pending' | 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** A job row. Optional JSON columns travel as strings ('' = none): the store does not interpret them. */
export interface JobRecord {
  readonly id: string;
  readonly name: string;
  readonly state: JobState;
  /** Higher runs first. */
  readonly priority: number;
  /** Analyzer ids; empty = the server's default set. */
  readonly analyzers: readonly string[];
  /** JSON of the user's context ({names?, notes?}), '' when none. */
  readonly context: string;
  /** 'local' | 'runpod' | 'vastai', '' before start. */
  readonly provider: string;
  readonly gpuType: string;
  /** The GPU pool instance the job runs on ('' for local). */
  readonly instanceId: string;
  /** 0 = no budget (local jobs). */
  readonly budgetUsd: number;
  /** JSON of the last estimate, '' when none. */
  readonly estimate: string;
  readonly costUsd: number;
  readonly pausedReason: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

/** One media item of a job (one source when it runs). */
export interface JobItemRecord {
  readonly jobId: string;
  readonly index: number;
  /** The input with credentials redacted: what is shown. */
  readonly inputDisplay: string;
  /** The real input when it holds no credentials; '' when it is kept outside the store. */
  readonly input: string;
  /** Source kind (file, images, http, ...). */
  readonly kind: string;
  /** The source of the latest attempt, '' before the first. */
  readonly sourceId: string;
  readonly state: JobItemState;
  readonly attempts: number;
  /** Media duration from probing, null when unknown. */
  readonly durationMs: number | null;
  /** 0..1 */
  readonly progress: number;
  readonly errorCode: string;
  readonly errorMessage: string;
}

/** The job part of the Store. */
export interface JobStoreMethods {
  /** Full-row upserts; the later call wins. */
  upsertJob(job: JobRecord): Promise<void>;
  upsertJobItems(items: readonly JobItemRecord[]): Promise<void>;
  getJob(id: string, signal?: AbortSignal): Promise<JobRecord | null>;
  /** Every job, newest first. */
  listJobs(signal?: AbortSignal): Promise<JobRecord[]>;
  /** Items of one job (or of every job), in index order. */
  listJobItems(jobId?: string, signal?: AbortSignal): Promise<JobItemRecord[]>;
}

interface JobSelectRow {
  id: string;
  name: string;
  state: string;
  priority: number | string;
  analyzers: string[];
  context: string;
  provider: string;
  gpu_type: string;
  instance_id: string;
  budget_usd: number | string;
  estimate: string;
  cost_usd: number | string;
  paused_reason: string;
  error_code: string;
  error_message: string;
  created_ms: number | string;
  updated_ms: number | string;
  started_ms: number | string | null;
  finished_ms: number | string | null;
}

interface ItemSelectRow {
  job_id: string;
  idx: number | string;
  input_display: string;
  input: string;
  kind: string;
  source_id: string;
  state: string;
  attempts: number | string;
  duration_ms: number | string | null;
  progress: number | string;
  error_code: string;
  error_message: string;
}

const JOB_COLUMNS = `id, name, state, priority, analyzers, context, provider, gpu_type, instance_id,
  budget_usd, estimate, cost_usd, paused_reason, error_code, error_message,
  toUnixTimestamp64Milli(created_at) AS created_ms, toUnixTimestamp64Milli(updated_at) AS updated_ms,
  toUnixTimestamp64Milli(started_at) AS started_ms, toUnixTimestamp64Milli(finished_at) AS finished_ms`;

const ITEM_COLUMNS = `job_id, idx, input_display, input, kind, source_id, state, attempts, duration_ms,
  progress, error_code, error_message`;

function finite(what: string, n: number): number {
  if (!Number.isFinite(n)) throw new StoreError('STORE_QUERY_FAILED', `invalid ${what}: ${n}`);
  return n;
}

function jobRow(j: JobRecord, version: number): object {
  if (!Number.isSafeInteger(j.priority)) {
    throw new StoreError('STORE_QUERY_FAILED', `invalid job priority: ${j.priority}`);
  }
  return {
    id: j.id,
    name: j.name,
    state: j.state,
    priority: j.priority,
    analyzers: [...j.analyzers],
    context: j.context,
    provider: j.provider,
    gpu_type: j.gpuType,
    instance_id: j.instanceId,
    budget_usd: finite('budget', j.budgetUsd),
    estimate: j.estimate,
    cost_usd: finite('cost', j.costUsd),
    paused_reason: j.pausedReason,
    error_code: j.errorCode,
    error_message: j.errorMessage,
    created_at: toDateTime64(j.createdAt),
    updated_at: toDateTime64(j.updatedAt),
    started_at: nullableDateTime64(j.startedAt),
    finished_at: nullableDateTime64(j.finishedAt),
    version,
  };
}

function itemRow(i: JobItemRecord, version: number): object {
  return {
    job_id: i.jobId,
    idx: uint('item index', i.index),
    input_display: i.inputDisplay,
    input: i.input,
    kind: i.kind,
    source_id: i.sourceId,
    state: i.state,
    attempts: uint('attempts', i.attempts),
    duration_ms: i.durationMs === null ? null : uint('duration', Math.round(i.durationMs)),
    progress: finite('progress', i.progress),
    error_code: i.errorCode,
    error_message: i.errorMessage,
    version,
  };
}

function toJob(r: JobSelectRow): JobRecord {
  return {
    id: r.id,
    name: r.name,
    state: r.state as JobState,
    priority: Number(r.priority),
    analyzers: r.analyzers,
    context: r.context,
    provider: r.provider,
    gpuType: r.gpu_type,
    instanceId: r.instance_id,
    budgetUsd: Number(r.budget_usd),
    estimate: r.estimate,
    costUsd: Number(r.cost_usd),
    pausedReason: r.paused_reason,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    createdAt: fromMs(r.created_ms),
    updatedAt: fromMs(r.updated_ms),
    startedAt: nullableMs(r.started_ms),
    finishedAt: nullableMs(r.finished_ms),
  };
}

function toItem(r: ItemSelectRow): JobItemRecord {
  return {
    jobId: r.job_id,
    index: Number(r.idx),
    inputDisplay: r.input_display,
    input: r.input,
    kind: r.kind,
    sourceId: r.source_id,
    state: r.state as JobItemState,
    attempts: Number(r.attempts),
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    progress: Number(r.progress),
    errorCode: r.error_code,
    errorMessage: r.error_message,
  };
}

export function createJobMethods(driver: Driver, run: Run): JobStoreMethods {
  return {
    // Rows are mapped inside run(): a bad value rejects the call before anything is sent.
    upsertJob: (job) => run(() => driver.insert('jobs', [jobRow(job, nextVersion())])),
    upsertJobItems: (items) =>
      run(async () => {
        if (items.length > 0)
          await driver.insert(
            'job_items',
            items.map((i) => itemRow(i, nextVersion())),
          );
      }),
    getJob: (id, signal) =>
      run(async () => {
        const rows = await driver.query<JobSelectRow>(
          { sql: `SELECT ${JOB_COLUMNS} FROM jobs FINAL WHERE id = {id:String}`, params: { id } },
          signal,
        );
        return rows[0] === undefined ? null : toJob(rows[0]);
      }),
    listJobs: (signal) =>
      run(async () =>
        (
          await driver.query<JobSelectRow>(
            { sql: `SELECT ${JOB_COLUMNS} FROM jobs FINAL ORDER BY created_at DESC, id`, params: {} },
            signal,
          )
        ).map(toJob),
      ),
    listJobItems: (jobId, signal) =>
      run(async () =>
        (
          await driver.query<ItemSelectRow>(
            jobId === undefined
              ? { sql: `SELECT ${ITEM_COLUMNS} FROM job_items FINAL ORDER BY job_id, idx`, params: {} }
              : {
                  sql: `SELECT ${ITEM_COLUMNS} FROM job_items FINAL WHERE job_id = {jobId:String} ORDER BY idx`,
                  params: { jobId },
                },
            signal,
          )
        ).map(toItem),
      ),
  };
}
