// The GPU pool and the workers (issue 10): REST client of /api/v1/gpu and /api/v1/workers, and
// the display helpers of the GPU page. Schemas mirror the server's views; extra fields pass through.
import { z } from 'zod';
import { request } from './api.ts';
import type { StateTone } from './format.ts';

export const GpuStats = z
  .object({
    gpuUtil: z.number().nullable(),
    gpuMemUsedMb: z.number().nullable(),
    gpuMemTotalMb: z.number().nullable(),
    gpuTempC: z.number().nullable(),
  })
  .passthrough();
export type GpuStats = z.infer<typeof GpuStats>;

export const GpuInstanceView = z
  .object({
    id: z.string(),
    provider: z.string(),
    providerId: z.string(),
    jobId: z.string(),
    label: z.string(),
    gpuType: z.string(),
    state: z.string(),
    pricePerHour: z.number(),
    createdAt: z.number(),
    startedAt: z.number().nullable(),
    terminatedAt: z.number().nullable(),
    costUsd: z.number(),
    budgetUsd: z.number().nullable(),
    workerId: z.string(),
    errorCode: z.string(),
    errorMessage: z.string(),
    stats: GpuStats.nullable(),
  })
  .passthrough();
export type GpuInstanceView = z.infer<typeof GpuInstanceView>;

export const LedgerEntry = z
  .object({
    instanceId: z.string(),
    jobId: z.string(),
    provider: z.string(),
    fromTs: z.number(),
    toTs: z.number(),
    seconds: z.number(),
    ratePerHour: z.number(),
    amountUsd: z.number(),
  })
  .passthrough();
export type LedgerEntry = z.infer<typeof LedgerEntry>;

/** GET /gpu/ledger: the rows (oldest first) with their totals. */
export const LedgerView = z
  .object({ totalUsd: z.number(), totalSeconds: z.number(), entries: z.array(LedgerEntry) })
  .passthrough();
export type LedgerView = z.infer<typeof LedgerView>;

export const GpuOffer = z
  .object({
    provider: z.string(),
    id: z.string(),
    gpuType: z.string(),
    gpuName: z.string(),
    memoryGb: z.number(),
    pricePerHour: z.number(),
    availability: z.string(),
  })
  .passthrough();
export type GpuOffer = z.infer<typeof GpuOffer>;

const WorkerGpuStats = z
  .object({
    utilization: z.number(),
    memoryUsedMb: z.number(),
    memoryTotalMb: z.number(),
    temperatureC: z.number(),
  })
  .passthrough();

export const WorkerView = z
  .object({
    id: z.string(),
    name: z.string(),
    instanceId: z.string().nullable(),
    rented: z.boolean(),
    state: z.string(),
    capabilities: z
      .object({
        executionProviders: z.array(z.string()).optional(),
        gpu: z
          .object({ name: z.string().optional(), memoryMb: z.number().optional() })
          .passthrough()
          .nullish(),
      })
      .passthrough(),
    stats: z
      .object({ gpu: WorkerGpuStats.nullish(), cpuLoad: z.number().optional() })
      .passthrough()
      .nullable(),
    lastSeen: z.number(),
    assignments: z.number(),
  })
  .passthrough();
export type WorkerView = z.infer<typeof WorkerView>;

/** Which providers have a key (the keys themselves are never sent back). */
export const KeyStatus = z.record(
  z.string(),
  z.union([z.boolean(), z.object({ set: z.boolean() }).passthrough()]),
);
export type KeyStatus = z.infer<typeof KeyStatus>;

export const PAID_PROVIDERS = ['runpod', 'vastai'] as const;
export type PaidProvider = (typeof PAID_PROVIDERS)[number];

async function getJson<T>(path: string, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
  const res = await request(path, { signal });
  return schema.parse(await res.json());
}

async function bodyOrNull<T>(res: Response, schema: z.ZodType<T>): Promise<T | null> {
  const text = await res.text();
  return text ? schema.parse(JSON.parse(text)) : null;
}

export const gpu = {
  instances: (signal?: AbortSignal) => getJson('/gpu/instances', z.array(GpuInstanceView), signal),
  ledger: (opts: { jobId?: string } = {}, signal?: AbortSignal) =>
    getJson(`/gpu/ledger${opts.jobId ? `?jobId=${encodeURIComponent(opts.jobId)}` : ''}`, LedgerView, signal),
  offers: (provider: string, gpuType?: string, signal?: AbortSignal) => {
    const q = new URLSearchParams({ provider });
    if (gpuType) q.set('gpuType', gpuType);
    return getJson(`/gpu/offers?${q.toString()}`, z.array(GpuOffer), signal);
  },
  /** Terminates every instance; answers how many were still running. */
  async stopAll(): Promise<number | null> {
    const body = await bodyOrNull(
      await request('/gpu/stop-all', { method: 'POST' }),
      z.object({ stopped: z.number() }).passthrough(),
    );
    return body?.stopped ?? null;
  },
  keys: (signal?: AbortSignal) => getJson('/gpu/keys', KeyStatus, signal),
  /** Sets (a string) or clears (null) provider keys; answers which are set now when the server says. */
  async setKeys(keys: Partial<Record<PaidProvider, string | null>>): Promise<KeyStatus | null> {
    return bodyOrNull(await request('/gpu/keys', { method: 'PUT', json: keys }), KeyStatus);
  },
};

export const workers = {
  list: (signal?: AbortSignal) => getJson('/workers', z.array(WorkerView), signal),
};

export function isKeySet(status: KeyStatus | null, provider: string): boolean | null {
  const v = status?.[provider];
  if (v === undefined) return null;
  return typeof v === 'boolean' ? v : v.set;
}

export function instanceTone(state: string): StateTone {
  switch (state) {
    case 'running':
      return 'ok';
    case 'creating':
    case 'booting':
    case 'pending':
      return 'info';
    case 'terminating':
      return 'warn';
    case 'failed':
      return 'bad';
    default:
      return 'muted';
  }
}

/** An instance that may still cost money (shown first; "Stop all" acts on these). */
export function isLive(i: Pick<GpuInstanceView, 'state'>): boolean {
  return i.state !== 'terminated' && i.state !== 'failed';
}

/** Instance stats, or the stats of the worker that joined from it (heartbeats every few seconds). */
export function statsOf(i: GpuInstanceView, byInstance: ReadonlyMap<string, WorkerView>): GpuStats | null {
  // A gone instance has no GPU: its last heartbeat would only look live.
  if (!isLive(i)) return null;
  if (i.stats && (i.stats.gpuUtil !== null || i.stats.gpuTempC !== null)) return i.stats;
  const g = byInstance.get(i.id)?.stats?.gpu;
  if (!g) return i.stats;
  return {
    gpuUtil: g.utilization,
    gpuMemUsedMb: g.memoryUsedMb,
    gpuMemTotalMb: g.memoryTotalMb,
    gpuTempC: g.temperatureC,
  };
}

export function formatMemory(usedMb: number | null, totalMb: number | null): string {
  if (usedMb === null) return '—';
  const gb = (mb: number) => (mb / 1024).toFixed(1);
  return totalMb ? `${gb(usedMb)} / ${gb(totalMb)} GB` : `${gb(usedMb)} GB`;
}

/** Billed seconds as h:mm:ss. */
export function formatSeconds(s: number): string {
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
}
