import type { JobItemRecord, JobRecord } from '@aima/storage';
import type { Placement } from '../sources/executor.ts';
import { loadThroughput, type ThroughputTable } from './estimate.ts';
import type { JobView } from './schemas.ts';
import { createJobInputVault, type JobInputVault } from './secrets.ts';
import type { JobPayload, JobQueueLease, JobServiceOptions, JobState } from './types.ts';
import { toJobView, type LiveItem } from './views.ts';

/** Why a running item was stopped by the service itself (its attempt is not counted). */
export type Interrupt = 'pause' | 'cancel' | 'close';

export interface RunningItem {
  readonly lease: JobQueueLease<JobPayload>;
  readonly sourceId: string;
  readonly startedAt: number;
  interrupt: Interrupt | null;
}

export const TERMINAL_JOB: ReadonlySet<string> = new Set(['done', 'failed', 'cancelled']);
export const SETTLED_ITEM: ReadonlySet<string> = new Set(['done', 'failed', 'cancelled']);
const DEFAULT_RETRY_DELAYS = [2_000, 8_000, 30_000];

/** The queue entry of one item. */
export const entryId = (jobId: string, index: number): string => `${jobId}:${index}`;

export const isPaid = (job: JobRecord): boolean => job.provider === 'runpod' || job.provider === 'vastai';

/** A thrown value's stable code and one-line message (INTERNAL when it has no code). */
export function codeOf(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return {
    code: typeof e.code === 'string' ? e.code : 'INTERNAL',
    message: typeof e.message === 'string' ? e.message.split('\n')[0]! : 'internal error',
  };
}

/**
 * The state the parts of the job service share: every job in memory (the service is the only
 * writer of the jobs tables, one control plane per store), the items running in this process,
 * and the writes that keep the store and the listeners in step with memory.
 */
export interface JobCore {
  readonly opts: JobServiceOptions;
  readonly owner: string;
  readonly fps: number;
  readonly retryDelays: readonly number[];
  readonly table: ThroughputTable;
  readonly vault: JobInputVault;
  readonly jobs: Map<string, JobState>;
  /** By queue entry id. */
  readonly running: Map<string, RunningItem>;
  /** Every run in flight, until it has completed, failed or released its entry. */
  readonly runs: Map<JobQueueLease<JobPayload>, Promise<void>>;
  /** Media ms analysed and since when, per job, in this process (for the ETA). */
  readonly measured: Map<string, { mediaMs: number; since: number }>;
  readonly listeners: Set<(job: JobView) => void>;
  closed: boolean;
  /** Full-row writes: memory first, then the store, then listeners. */
  saveJob(st: JobState, patch: Partial<JobRecord>): Promise<void>;
  saveItem(st: JobState, index: number, patch: Partial<JobItemRecord>): Promise<void>;
  viewOf(st: JobState): Promise<JobView>;
  placementOf(job: JobRecord): Placement;
  /** The analyzers a job runs (its choice, else the default set), dependencies included. */
  analyzerIds(job: JobRecord): string[];
  /** Every item settled: the job ends done (maybe with failed items) or failed (none done). */
  maybeFinish(st: JobState): Promise<void>;
  /** The job holds no more work: its rented GPU goes; a finished job's secret inputs go. */
  drained(st: JobState): Promise<void>;
  /** Queue entries for every item not settled (idempotent); pending items become queued. */
  enqueue(st: JobState): Promise<void>;
  /** Stops the job's running items with `why` and waits until each has been handed back. */
  interruptRunning(jobId: string, why: Interrupt): Promise<void>;
}

export function createJobCore(opts: JobServiceOptions): JobCore {
  const { store, manager, queue } = opts;
  const jobs = new Map<string, JobState>();
  const running = new Map<string, RunningItem>();
  const runs = new Map<JobQueueLease<JobPayload>, Promise<void>>();
  const measured = new Map<string, { mediaMs: number; since: number }>();
  const listeners = new Set<(job: JobView) => void>();

  const liveItems = async (st: JobState): Promise<Map<number, LiveItem>> => {
    const out = new Map<number, LiveItem>();
    for (const r of running.values()) {
      if (r.lease.payload.jobId !== st.job.id) continue;
      const view = await manager.get(r.sourceId).catch(() => null);
      out.set(r.lease.payload.index, { view, startedAt: r.startedAt });
    }
    return out;
  };

  const notify = (st: JobState): void => {
    if (listeners.size === 0) return;
    void core.viewOf(st).then(
      (v) => {
        for (const l of listeners) {
          try {
            l(v);
          } catch {
            // a listener's failure is its own
          }
        }
      },
      () => undefined,
    );
  };

  const core: JobCore = {
    opts,
    owner: opts.owner ?? 'aima-jobs',
    fps: opts.fps ?? 5,
    retryDelays: opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS,
    table: loadThroughput(opts.throughputFile),
    vault: createJobInputVault(opts.dataDir),
    jobs,
    running,
    runs,
    measured,
    listeners,
    closed: false,
    async saveJob(st, patch) {
      st.job = { ...st.job, ...patch, updatedAt: Date.now() };
      await store.upsertJob(st.job);
      notify(st);
    },
    async saveItem(st, index, patch) {
      const item = { ...st.items[index]!, ...patch };
      st.items[index] = item;
      await store.upsertJobItems([item]);
      notify(st);
    },
    async viewOf(st) {
      const live = await liveItems(st);
      const m = measured.get(st.job.id);
      let liveMediaMs = 0;
      for (const l of live.values()) liveMediaMs += l.view?.stats.mediaMs ?? 0;
      const rate = m ? { mediaMs: m.mediaMs + liveMediaMs, wallMs: Date.now() - m.since } : undefined;
      return toJobView(st.job, st.items, live, rate);
    },
    placementOf: (job) =>
      isPaid(job) && job.instanceId !== ''
        ? { kind: 'instance', instanceId: job.instanceId }
        : { kind: 'any' },
    analyzerIds(job) {
      const chosen = job.analyzers.length > 0 ? job.analyzers : (opts.defaultAnalyzers ?? null);
      if (opts.analyzers) return opts.analyzers.select(chosen).map((d) => d.id);
      return chosen ? [...chosen] : ['detect'];
    },
    async maybeFinish(st) {
      if (TERMINAL_JOB.has(st.job.state) || !st.items.every((i) => SETTLED_ITEM.has(i.state))) return;
      const failed = st.items.filter((i) => i.state === 'failed');
      const done = st.items.filter((i) => i.state === 'done').length;
      const first = failed[0];
      const cost = isPaid(st.job) ? await opts.gpu?.jobCost?.(st.job.id).catch(() => null) : null;
      await core.saveJob(st, {
        state: done > 0 ? 'done' : 'failed',
        errorCode: failed.length > 0 ? 'JOB_ITEMS_FAILED' : '',
        errorMessage:
          first === undefined
            ? ''
            : `${failed.length} of ${st.items.length} items failed (first: item ${first.index}, ${first.errorCode})`,
        finishedAt: Date.now(),
        ...(typeof cost === 'number' ? { costUsd: cost } : {}),
      });
      await core.drained(st);
    },
    async drained(st) {
      if (isPaid(st.job)) opts.gpu?.jobDrained(st.job.id);
      if (TERMINAL_JOB.has(st.job.state)) await core.vault.deleteJob(st.job.id).catch(() => undefined);
    },
    async enqueue(st) {
      for (const item of st.items) {
        if (SETTLED_ITEM.has(item.state)) continue;
        await queue.add({
          id: entryId(st.job.id, item.index),
          group: st.job.id,
          payload: { jobId: st.job.id, index: item.index },
          priority: st.job.priority,
        });
        if (item.state === 'pending') await core.saveItem(st, item.index, { state: 'queued' });
      }
    },
    async interruptRunning(jobId, why) {
      const mine = [...running.values()].filter((r) => r.lease.payload.jobId === jobId);
      for (const r of mine) r.interrupt = why;
      await Promise.all(mine.map((r) => manager.stop(r.sourceId).catch(() => undefined)));
      // Until each run has handed its entry back and saved its item.
      await Promise.all([...runs].filter(([lease]) => lease.payload.jobId === jobId).map(([, p]) => p));
    },
  };
  return core;
}
