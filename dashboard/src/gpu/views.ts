// What the pool reports: instance views with their cost so far, and a job's cost. Instances the
// pool tracks are costed from memory (a ledger row being written must not count twice or not at
// all); the others (ended and forgotten, or from an earlier run) from their ledger rows.
import type { GpuStoreMethods } from '@aima/storage';
import { billedUsd, toRecord, toView, type LiveInstance } from './live.ts';
import type { GpuInstanceView } from './types.ts';

export async function instanceViews(
  store: GpuStoreMethods,
  live: ReadonlyMap<string, LiveInstance>,
  at: number,
): Promise<GpuInstanceView[]> {
  const rows = await store.listGpuInstances();
  const totals = new Map<string, number>();
  for (const r of await store.gpuLedgerByInstance()) totals.set(r.instanceId, r.amountUsd);
  return rows.map((r) => {
    const l = live.get(r.id);
    if (l === undefined) return toView(r, { costUsd: totals.get(r.id) ?? 0 });
    return toView(toRecord(l), { costUsd: billedUsd(l, at), live: l });
  });
}

export async function jobCostOf(
  store: GpuStoreMethods,
  live: ReadonlyMap<string, LiveInstance>,
  jobId: string,
  at: number,
): Promise<number> {
  let usd = 0;
  for (const r of await store.gpuLedgerByInstance({ jobId })) {
    if (!live.has(r.instanceId)) usd += r.amountUsd;
  }
  for (const l of live.values()) if (l.jobId === jobId) usd += billedUsd(l, at);
  return usd;
}
