// The orphan sweep: every instance at a provider whose label carries this installation's prefix
// and that no live instance of this pool owns is terminated. It also closes the rows a previous
// run of the control plane left active (crash, kill -9): nobody meters those any more.
import type { ProviderName } from '@aima/inference';
import { ledgerSlice } from '@aima/inference';
import type { GpuStoreMethods } from '@aima/storage';
import type { ProviderSource } from './types.ts';

export interface SweeperOptions {
  readonly providers: ProviderSource;
  readonly store: GpuStoreMethods;
  /** `aima-<installationId>-`: instances of other installations (or none of ours) stay untouched. */
  readonly prefix: string;
  readonly now: () => number;
  /** True when a live, unfinished instance of the pool is this provider instance. */
  owned(provider: ProviderName, providerId: string): boolean;
  /** A create request is in flight at this provider (its instance has no id of ours yet). */
  creating(provider: ProviderName): boolean;
  /** The pool tracks this instance id in memory. */
  isLive(id: string): boolean;
}

export interface Sweeper {
  sweep(): Promise<{ terminated: number }>;
  /** At start: closes rows of instances from an earlier run, then sweeps. */
  recover(): Promise<void>;
}

/** Bounds the memory of instances terminated again while the provider still lists them. */
const MAX_REMEMBERED = 10_000;

export function createSweeper(o: SweeperOptions): Sweeper {
  const reterminated = new Set<string>();

  async function sweepProvider(name: ProviderName): Promise<number> {
    const c = o.providers.get(name);
    // A create in flight would look like an orphan until it returns its id: skip this round.
    if (c === null || o.creating(name)) return 0;
    let n = 0;
    for (const p of await c.list()) {
      if (!p.label.startsWith(o.prefix) || o.owned(name, p.id)) continue;
      const key = `${name}:${p.id}`;
      // Listed as terminated and already terminated again once: it is on its way out.
      if (p.state === 'terminated' && reterminated.has(key)) continue;
      await c.terminate(p.id);
      if (reterminated.size >= MAX_REMEMBERED) reterminated.clear();
      reterminated.add(key);
      n++;
    }
    return n;
  }

  async function sweep(): Promise<{ terminated: number }> {
    let terminated = 0;
    let failure: unknown = null;
    // One provider failing must not spare the other's orphans.
    for (const name of o.providers.configured()) {
      try {
        terminated += await sweepProvider(name);
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== null) throw failure;
    return { terminated };
  }

  async function recover(): Promise<void> {
    const stale = (await o.store.listGpuInstances({ active: true })).filter((r) => !o.isLive(r.id));
    try {
      await sweep();
    } finally {
      for (const r of stale) {
        const at = o.now();
        // Close its ledger from where the earlier run stopped writing up to now, at its rate:
        // the time in between was billed, and nobody watched it.
        if (r.startedAt !== null) {
          const rows = await o.store.listGpuLedger({ instanceId: r.id });
          const from = rows.reduce((m, x) => Math.max(m, x.toTs), r.startedAt);
          const s = ledgerSlice(r.startedAt, from, at, r.pricePerHour);
          if (s.toTs > from) {
            await o.store.insertGpuLedger([{ instanceId: r.id, jobId: r.jobId, provider: r.provider, ...s }]);
          }
        }
        await o.store.upsertGpuInstance({
          ...r,
          state: r.providerId === '' ? 'failed' : 'terminated',
          terminatedAt: at,
          errorCode: 'GPU_ORPHAN',
          errorMessage: 'left running by an earlier run of the control plane; terminated by the orphan sweep',
        });
      }
    }
  }

  return { sweep, recover };
}
