import type { JobItemRecord, JobRecord, Store } from '@aima/storage';
import type { SourceManager } from '../sources/types.ts';
import type { EstimateView, JobView } from './schemas.ts';

/** What the queue carries for one media item: the item's address, never its input. */
export interface JobPayload {
  readonly jobId: string;
  readonly index: number;
}

// The queue and GPU pool contracts of issue 10 (dashboard/src/queue, dashboard/src/gpu), as far as
// the job service uses them. Declared here structurally so the service depends on the contract,
// not on either implementation: the embedded and the Redis queue both fit.
export interface JobQueueEntry<P> {
  readonly id: string;
  readonly group: string;
  readonly payload: P;
  readonly priority: number;
  readonly attempts: number;
}
export interface JobQueueLease<P> extends JobQueueEntry<P> {
  readonly owner: string;
  readonly leaseUntil: number;
}
export interface JobQueueLike<P> {
  readonly kind: 'embedded' | 'redis';
  add(e: { id: string; group: string; payload: P; priority?: number; delayMs?: number }): Promise<void>;
  claim(
    owner: string,
    opts?: { leaseMs?: number; groups?: readonly string[] },
  ): Promise<JobQueueLease<P> | null>;
  complete(id: string, owner: string): Promise<void>;
  fail(id: string, owner: string, opts: { retry: boolean; delayMs?: number }): Promise<'retrying' | 'failed'>;
  release(id: string, owner: string): Promise<void>;
  extend(id: string, owner: string, leaseMs: number): Promise<void>;
  pauseGroup(group: string): Promise<void>;
  resumeGroup(group: string): Promise<void>;
  removeGroup(group: string): Promise<void>;
  recoverExpired(now?: number): Promise<number>;
}

export type JobProvider = 'local' | 'runpod' | 'vastai';

/** The GPU pool as the job service uses it (GpuPool of issue 10). */
export interface JobGpuPool {
  offers(
    provider: JobProvider,
    gpuType?: string,
  ): Promise<
    ReadonlyArray<{ readonly gpuType: string; readonly gpuName: string; readonly pricePerHour: number }>
  >;
  startForJob(
    jobId: string,
    opts: { provider: JobProvider; gpuType?: string; budgetUsd: number },
  ): Promise<{ instanceId: string }>;
  jobDrained(jobId: string): void;
  onBudgetExceeded(l: (jobId: string, reason: string) => void): () => void;
  /** Every end of an instance (code '' for the normal one). */
  onInstanceEnded?(
    l: (e: {
      readonly jobId: string;
      readonly instanceId: string;
      readonly code: string;
      readonly reason: string;
    }) => void,
  ): () => void;
  jobCost?(jobId: string): Promise<number>;
}

/** The source guard (ingest's SourceGuard), checked for every media input before it is stored. */
export interface JobSourceGuard {
  check(input: string, opts?: { target?: 'local' | 'rented'; signal?: AbortSignal }): Promise<unknown>;
}

export interface JobServiceOptions {
  readonly store: Store;
  readonly manager: SourceManager;
  readonly queue: JobQueueLike<JobPayload>;
  /** Where the owner-only file of secret inputs lives (`<dataDir>/secrets/job-inputs.json`). */
  readonly dataDir: string;
  readonly guard?: JobSourceGuard;
  readonly gpu?: JobGpuPool;
  /** Validates analyzer ids and resolves their dependencies (the runtime's registry). */
  readonly analyzers?: { select(ids: readonly string[] | null): ReadonlyArray<{ readonly id: string }> };
  /** Analyzers a job runs when it does not choose (AIMA_ANALYZERS); null: each one's default. */
  readonly defaultAnalyzers?: readonly string[] | null;
  /** Path of a throughput table replacing the built-in one (tests, a measured install). */
  readonly throughputFile?: string;
  /** Analysis frame rate of job items (default 5). */
  readonly fps?: number;
  /** Items analysed at once across all jobs (default 2). */
  readonly maxConcurrent?: number;
  /** Delays before retry 1, 2, 3 of a transient failure (default 2 s, 8 s, 30 s). */
  readonly retryDelaysMs?: readonly number[];
  /** How often the dispatcher looks for due entries when nothing woke it (default 1 s). */
  readonly pollMs?: number;
  /** Queue lease of a running item; renewed every third of it (default 60 s). */
  readonly leaseMs?: number;
  /** The queue owner name of this control plane (default 'aima-jobs'). */
  readonly owner?: string;
}

export interface CreateJobRequest {
  readonly name?: string;
  readonly media: readonly string[];
  readonly priority?: number;
  readonly analyzers?: readonly string[];
  readonly context?: { readonly names?: readonly string[]; readonly notes?: string };
}

export interface StartJobRequest {
  readonly provider?: JobProvider;
  readonly gpuType?: string;
  readonly budgetUsd?: number;
}

export interface JobService {
  create(req: CreateJobRequest, signal?: AbortSignal): Promise<JobView>;
  list(): Promise<JobView[]>;
  /** JOB_NOT_FOUND when unknown. */
  get(id: string): Promise<JobView>;
  /** Never starts anything: a price for the chosen provider and GPU type. */
  estimate(id: string, opts?: { provider?: JobProvider; gpuType?: string }): Promise<EstimateView>;
  start(id: string, req?: StartJobRequest): Promise<JobView>;
  pause(id: string, reason?: string): Promise<JobView>;
  resume(id: string): Promise<JobView>;
  cancel(id: string): Promise<JobView>;
  /** Start-up: leases of a dead process back to the queue, interrupted items re-queued, dispatching on. */
  recover(): Promise<void>;
  /** Called after every stored change of a job or one of its items (not for progress alone). */
  onChange(l: (job: JobView) => void): () => void;
  /** Stops dispatching; running items are stopped and re-queued (they resume after a restart). */
  close(): Promise<void>;
}

/** A job and its items as the service keeps them in memory (the store holds the same rows). */
export interface JobState {
  job: JobRecord;
  items: JobItemRecord[];
}
