// One rented instance as the pool tracks it in memory, and its conversions to the stored row and
// the API view. The pool mutates these records only from its own serialized paths.
import type { InstanceState, ProviderName } from '@aima/inference';
import { ledgerSlice } from '@aima/inference';
import type { GpuInstanceRecord, GpuInstanceState } from '@aima/storage';
import type { GpuInstanceView, GpuStats, PoolWorkerView } from './types.ts';

/** How waiting for a boot ends: ready, try the next offer, or give up with this error. */
export type BootOutcome =
  { readonly kind: 'ready' } | { readonly kind: 'retry' | 'fail'; readonly error: Error };

export interface LiveInstance {
  readonly id: string;
  readonly jobId: string;
  readonly provider: ProviderName;
  readonly label: string;
  readonly gpuType: string;
  readonly budgetUsd: number;
  /** When the create request was sent: the conservative meter starts here. */
  readonly createdAt: number;
  providerId: string;
  state: GpuInstanceState;
  pricePerHour: number;
  /** The provider's start (billing starts here); null until seen. */
  startedAt: number | null;
  /** Terminate confirmed (billing ended); null while it may cost. */
  endedAt: number | null;
  workerId: string;
  errorCode: string;
  errorMessage: string;
  /** The ledger is written up to here (null: nothing yet). */
  billedTo: number | null;
  lastFlush: number;
  /** performance.now() of the last provider poll (real time, not the billing clock). */
  lastPoll: number;
  providerState: InstanceState | null;
  providerLost: boolean;
  drainedAt: number | null;
  idleSince: number | null;
  stats: GpuStats | null;
  /** Set once the pool decided to end it; the code/reason it ends with. */
  ending: { readonly code: string; readonly reason: string } | null;
  /** A terminate attempt is running. */
  terminating: boolean;
  /** Serializes ledger writes and state persists of this instance. */
  chain: Promise<void>;
  /** Settles startForJob's wait. */
  resolveBoot: (o: BootOutcome) => void;
  readonly boot: Promise<BootOutcome>;
}

export function newLive(init: {
  id: string;
  jobId: string;
  provider: ProviderName;
  label: string;
  gpuType: string;
  budgetUsd: number;
  createdAt: number;
  pricePerHour: number;
}): LiveInstance {
  let resolveBoot: (o: BootOutcome) => void = () => undefined;
  const boot = new Promise<BootOutcome>((r) => (resolveBoot = r));
  return {
    ...init,
    providerId: '',
    state: 'creating',
    startedAt: null,
    endedAt: null,
    workerId: '',
    errorCode: '',
    errorMessage: '',
    billedTo: null,
    lastFlush: init.createdAt,
    lastPoll: -Infinity,
    providerState: null,
    providerLost: false,
    drainedAt: null,
    idleSince: null,
    stats: null,
    ending: null,
    terminating: false,
    chain: Promise.resolve(),
    resolveBoot,
    boot,
  };
}

export function isFinal(state: GpuInstanceState): boolean {
  return state === 'terminated' || state === 'failed';
}

export function toRecord(l: LiveInstance): GpuInstanceRecord {
  return {
    id: l.id,
    provider: l.provider,
    providerId: l.providerId,
    jobId: l.jobId,
    label: l.label,
    gpuType: l.gpuType,
    state: l.state,
    pricePerHour: l.pricePerHour,
    createdAt: l.createdAt,
    startedAt: l.startedAt,
    terminatedAt: l.endedAt,
    workerId: l.workerId,
    errorCode: l.errorCode,
    errorMessage: l.errorMessage,
  };
}

/**
 * Billed cost of an instance the pool tracks, from its start up to `at` (or its end). Computed
 * from memory, not from the ledger rows: a row being written must not count twice or not at all.
 */
export function billedUsd(l: LiveInstance, at: number): number {
  if (l.startedAt === null) return 0;
  return ledgerSlice(l.startedAt, l.startedAt, l.endedAt ?? at, l.pricePerHour).amountUsd;
}

export function toView(
  r: GpuInstanceRecord,
  extra: { costUsd: number; live?: LiveInstance },
): GpuInstanceView {
  return {
    ...r,
    costUsd: extra.costUsd,
    budgetUsd: extra.live?.budgetUsd ?? null,
    stats: extra.live?.stats ?? null,
  };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function pick(o: Record<string, unknown>, keys: readonly string[]): number | null {
  for (const k of keys) {
    const v = num(o[k]);
    if (v !== null) return v;
  }
  return null;
}

/**
 * GPU utilisation/memory/temperature from a worker's heartbeat stats. Read by field name and
 * tolerant of nesting (`stats.gpu.util` or `stats.gpuUtil`), so the hub's view may grow freely.
 */
export function gpuStats(w: PoolWorkerView): GpuStats | null {
  if (typeof w.stats !== 'object' || w.stats === null) return null;
  const s = w.stats as Record<string, unknown>;
  const g = typeof s.gpu === 'object' && s.gpu !== null ? (s.gpu as Record<string, unknown>) : s;
  const out: GpuStats = {
    gpuUtil: pick(g, ['gpuUtil', 'util', 'utilization', 'gpuUtilization']),
    gpuMemUsedMb: pick(g, ['gpuMemUsedMb', 'memUsedMb', 'memoryUsedMb']),
    gpuMemTotalMb: pick(g, ['gpuMemTotalMb', 'memTotalMb', 'memoryTotalMb']),
    gpuTempC: pick(g, ['gpuTempC', 'tempC', 'temperatureC', 'temperature']),
  };
  return Object.values(out).every((v) => v === null) ? null : out;
}
