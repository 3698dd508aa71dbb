// The GPU pool's public shapes: the contract other parts code against (issue-10 design notes), the
// narrow view of the worker hub it needs, and its options.
import type { GpuOffer, GpuProvider, ProviderName } from '@aima/inference';
import type { GpuInstanceRecord, GpuLedgerRecord, GpuStoreMethods } from '@aima/storage';
import type { GpuKeyStore } from './keys.ts';

/** A rented instance as the API and the GPU page show it: its stored row, plus what it costs now. */
export interface GpuInstanceView extends GpuInstanceRecord {
  /** Billed cost so far (the ledger plus the open slice). */
  readonly costUsd: number;
  /** The job's budget while this pool knows it (null after a restart). */
  readonly budgetUsd: number | null;
  /** From the worker's last heartbeat; null until it joined. */
  readonly stats: GpuStats | null;
}

export interface GpuStats {
  readonly gpuUtil: number | null;
  readonly gpuMemUsedMb: number | null;
  readonly gpuMemTotalMb: number | null;
  readonly gpuTempC: number | null;
}

export type LedgerEntry = GpuLedgerRecord;

/** Why an instance ended (code '' = normal: its job drained). */
export interface InstanceEnded {
  readonly jobId: string;
  readonly instanceId: string;
  readonly code: string;
  readonly reason: string;
}

export interface GpuPool {
  offers(provider: ProviderName, gpuType?: string): Promise<GpuOffer[]>;
  /** Creates an instance for the job (explicit start only), joins its worker with a one-time token,
   *  resolves with the instance id once its worker is online; terminates on boot timeout. */
  startForJob(
    jobId: string,
    opts: { provider: ProviderName; gpuType?: string; budgetUsd: number },
  ): Promise<{ instanceId: string }>;
  /** The job's work drained: terminate its instance within 60 s. */
  jobDrained(jobId: string): void;
  onBudgetExceeded(l: (jobId: string, reason: string) => void): () => void;
  /** Every end of an instance, the normal one included (code ''). */
  onInstanceEnded(l: (e: InstanceEnded) => void): () => void;
  instances(): Promise<GpuInstanceView[]>;
  ledger(opts?: { jobId?: string }): Promise<LedgerEntry[]>;
  jobCost(jobId: string): Promise<number>;
  /** Providers with a key now. */
  configured(): ProviderName[];
  /** Which providers have a key (keys themselves are never returned). */
  keyStatus(): { runpod: boolean; vastai: boolean };
  /** Sets (string) or removes (null) provider keys from the settings page. */
  setKeys(keys: { runpod?: string | null; vastai?: string | null }): Promise<void>;
  /** Runs the orphan sweep now (also runs at start and every sweep interval). */
  sweep(): Promise<{ terminated: number }>;
  stopAll(): Promise<void>;
  close(): Promise<void>;
}

/** What the pool reads of a worker (a structural subset of the hub's WorkerView). */
export interface PoolWorkerView {
  readonly id: string;
  readonly instanceId: string | null;
  readonly state: 'online' | 'offline';
  readonly assignments: number;
  readonly stats?: unknown;
}

/** The part of the WorkerHub the pool uses. */
export interface PoolWorkerHub {
  createJoinToken(opts?: {
    ttlMs?: number;
    instanceId?: string;
    rented?: boolean;
  }): Promise<{ token: string; expiresAt: number }>;
  workers(): readonly PoolWorkerView[];
  onChange(l: (w: PoolWorkerView) => void): () => void;
}

/** The provider clients the pool may use now (keys can change at runtime). */
export interface ProviderSource {
  get(name: ProviderName): GpuProvider | null;
  configured(): ProviderName[];
}

export interface GpuPoolOptions {
  readonly store: GpuStoreMethods;
  readonly hub: PoolWorkerHub;
  readonly providers: ProviderSource;
  /** Provider keys (settings page); omitted: setKeys refuses with GPU_UNAVAILABLE. */
  readonly keys?: GpuKeyStore;
  /** Tags every instance `aima-<installationId>-<jobId>`; the sweep only touches these. */
  readonly installationId: string;
  /** Worker image instances run (AIMA_WORKER_IMAGE). */
  readonly image: string;
  /** The control plane URL workers connect to (AIMA_PUBLIC_URL); '' refuses every start (GPU_UNAVAILABLE). */
  readonly serverUrl: string;
  /** Daily budget over all jobs, USD (AIMA_GPU_DAILY_BUDGET_USD); null = none. */
  readonly dailyBudgetUsd?: number | null;
  /** Clock in epoch ms (billing maths); default Date.now. Timers stay real. */
  readonly now?: () => number;
  /** Guard tick: budget, drain and idle checks (default 1 s). */
  readonly tickMs?: number;
  /** Provider status polls per instance (default 5 s). */
  readonly pollMs?: number;
  /** Ledger rows are written this often per instance, and at terminate (default 10 s). */
  readonly ledgerFlushMs?: number;
  /** Create request → worker online, else GPU_BOOT_TIMEOUT (default 10 min). */
  readonly bootTimeoutMs?: number;
  /** A ready worker without assignments this long is terminated (default 5 min). */
  readonly idleTimeoutMs?: number;
  /** Time from jobDrained to terminate (default 0: the next tick; must stay ≤ 60 s). */
  readonly drainGraceMs?: number;
  /** Orphan sweep interval (default 60 s). */
  readonly sweepMs?: number;
  /** Worst-case time of one terminate call, added to the budget look-ahead (default 5 s). */
  readonly terminateMarginMs?: number;
  /** Offers tried per start on GPU_NO_CAPACITY / GPU_OFFER_GONE / a failed boot (default 3). */
  readonly maxCandidates?: number;
  readonly diskGb?: number;
  /** Where unexpected background errors go (default: dropped after counting). */
  readonly onError?: (err: unknown) => void;
}
