// The one interface every GPU provider client implements (RunPod, Vast.ai, local), so the pool and
// the cost guard never see a provider's wire format. Contract fixed in the issue-10 design notes.

export type ProviderName = 'local' | 'runpod' | 'vastai';

export interface GpuOffer {
  readonly provider: ProviderName;
  /** What create() takes as offerId: RunPod GPU type id, Vast ask id, 'local'. */
  readonly id: string;
  /** Normalised short type, e.g. 'RTX 4090' (RunPod display name, Vast gpu_name). */
  readonly gpuType: string;
  /** Provider's full name, e.g. 'NVIDIA GeForce RTX 4090'. */
  readonly gpuName: string;
  readonly memoryGb: number;
  /** USD per hour for the whole instance (one GPU). */
  readonly pricePerHour: number;
  /** RunPod NONE|LOW|MEDIUM|HIGH, Vast 'rentable', local 'local'. A hint, never a reservation. */
  readonly availability: string;
}

export type InstanceState = 'pending' | 'running' | 'stopped' | 'failed' | 'terminated';

export interface ProviderInstance {
  readonly provider: ProviderName;
  readonly id: string;
  readonly label: string;
  readonly state: InstanceState;
  /** The provider's own status string ('PROVISIONING', 'loading', 'null' for Vast null, …). */
  readonly rawStatus: string;
  /** USD per hour the provider reports now (RunPod `cost`, Vast `dph_total`). */
  readonly pricePerHour: number;
  /** Epoch ms the instance started running, null before. */
  readonly startedAt: number | null;
  readonly env: Readonly<Record<string, string>>;
}

export interface CreateInstanceRequest {
  /** Name/label of the instance; AIMA uses `aima-<installation>-<job>` so orphans are findable. */
  readonly label: string;
  readonly offerId: string;
  readonly image: string;
  readonly env: Readonly<Record<string, string>>;
  readonly diskGb?: number;
  /** Hard cap: the client refuses a dearer offer, and terminates at once (GPU_PRICE_ABOVE_CAP)
   *  when the created instance reports a higher rate. */
  readonly maxPricePerHour?: number;
}

export interface GpuProvider {
  readonly name: ProviderName;
  offers(q?: { gpuType?: string; signal?: AbortSignal }): Promise<GpuOffer[]>;
  create(req: CreateInstanceRequest, signal?: AbortSignal): Promise<ProviderInstance>;
  /** null when the provider no longer knows the instance. */
  get(id: string, signal?: AbortSignal): Promise<ProviderInstance | null>;
  /** All instances of the account, all pages. */
  list(signal?: AbortSignal): Promise<ProviderInstance[]>;
  /** Idempotent: an instance that is already gone is fine. */
  terminate(id: string, signal?: AbortSignal): Promise<void>;
  /** USD billed so far, when the API has it; null when unknown. */
  billing?(id: string, signal?: AbortSignal): Promise<number | null>;
}

/** What a boot hook gets: the instance as the worker inside it would see it. */
export interface BootInstance {
  readonly id: string;
  readonly label: string;
  readonly env: Readonly<Record<string, string>>;
}

/** A running "box": the local provider and the emulators call kill() on terminate. */
export interface BootedProcess {
  kill(): Promise<void>;
  /** Optional: resolves when the process exits by itself (the box "died"). */
  readonly exited?: Promise<unknown>;
}

export type BootHook = (instance: BootInstance) => Promise<BootedProcess>;

/** Options shared by the HTTP provider clients. */
export interface HttpProviderOptions {
  readonly apiKey: string;
  readonly baseUrl?: string;
  readonly fetch?: typeof fetch;
  /** Per-request timeout (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** Retries after the first try on 429/5xx/connection errors (default 3). */
  readonly maxRetries?: number;
  /** Upper bound for one wait, Retry-After included (default 30 s). */
  readonly maxRetryDelayMs?: number;
  /** Base of the exponential backoff (RunPod default 500 ms, Vast 150 ms ×1.5). */
  readonly backoffMs?: number;
}
