// The GPU pool: rents an instance when a job is explicitly started on a paid provider, waits for
// its worker to join, meters it per second, and terminates it when the job drains, idles, runs out
// of budget, boots too slowly or dies. Decisions are pure (inference/src/gpu/guard.ts); this file
// carries them out against the provider clients, the worker hub and the store.
//
// Billing model (what makes the ledger equal the provider's bill): the ledger bills the instance's
// rate per started second from the provider's own start time (RunPod `startedAt`, Vast
// `start_date`) until the terminate is confirmed (the provider no longer lists it as alive),
// written every ledgerFlushMs and at the end. The budget guard meters the same rate from the
// create request instead (never less), one tick plus a terminate margin ahead. Known gaps, both
// conservative for the budget: a Vast instance's disk (storage_total_cost, part of dph_total) is
// billed by Vast from creation, before the start the ledger begins at; and an instance that died
// stops billing at its death while the ledger runs until its terminate is confirmed.
// Scheduling (ticks, polls, sweeps) runs on real time; billing maths on the injectable clock.
import { randomBytes } from 'node:crypto';
import type { GpuOffer, GpuProvider, ProviderName } from '@aima/inference';
import {
  conservativeCost,
  dailyBudgetExceeded,
  decideInstance,
  decideStart,
  ledgerSlice,
  utcDayStart,
} from '@aima/inference';
import { DashboardError, dashboardErrorInfo, type DashboardErrorCode } from '../errors.ts';
import { gpuStats, isFinal, newLive, toRecord, type LiveInstance } from './live.ts';
import { instanceViews, jobCostOf } from './views.ts';
import { createSweeper } from './sweep.ts';
import type { GpuPool, GpuPoolOptions, InstanceEnded } from './types.ts';

/** How long a start waits for a failed candidate's terminate before it gives up retrying. */
const CLEANUP_WAIT_MS = 60_000;

/** Provider errors after which the next offer is tried (nothing of ours is left running). */
const NEXT_OFFER = new Set(['GPU_NO_CAPACITY', 'GPU_OFFER_GONE', 'GPU_PRICE_ABOVE_CAP', 'GPU_OFFER_UNKNOWN']);

const codeOf = (err: unknown): string => {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : 'GPU_PROVIDER_ERROR';
};
/** A guard/provider code as a dashboard error code (a drained job's boot ends as GPU_STOPPED). */
const dashboardCode = (code: string): DashboardErrorCode =>
  code in dashboardErrorInfo ? (code as DashboardErrorCode) : 'GPU_STOPPED';
const messageOf = (err: unknown): string =>
  err instanceof Error ? err.message.split('\n')[0]! : String(err);

/** Creates the pool and starts its guard tick and orphan sweep (the first sweep runs at once). */
export function createGpuPool(opts: GpuPoolOptions): GpuPool {
  const now = opts.now ?? Date.now;
  const tickMs = opts.tickMs ?? 1000;
  const pollMs = opts.pollMs ?? 5000;
  const flushMs = opts.ledgerFlushMs ?? 10_000;
  const sweepMs = opts.sweepMs ?? 60_000;
  const maxCandidates = opts.maxCandidates ?? 3;
  const timings = {
    horizonMs: tickMs + (opts.terminateMarginMs ?? 5000),
    bootTimeoutMs: opts.bootTimeoutMs ?? 600_000,
    idleTimeoutMs: opts.idleTimeoutMs ?? 300_000,
    drainGraceMs: Math.min(opts.drainGraceMs ?? 0, 60_000),
  };
  const dailyBudget = opts.dailyBudgetUsd ?? null;
  const prefix = `aima-${opts.installationId}-`;
  const onError = opts.onError ?? (() => undefined);

  const live = new Map<string, LiveInstance>();
  const budgetListeners = new Set<(jobId: string, reason: string) => void>();
  const endListeners = new Set<(e: InstanceEnded) => void>();
  /** Conservative cost of ended instances, per job and per UTC day. */
  const jobSpent = new Map<string, number>();
  let day = { start: utcDayStart(now()), endedUsd: 0 };
  let closed = false;
  let ticking = false;
  let lastSweep = performance.now();

  const sweeper = createSweeper({
    providers: opts.providers,
    store: opts.store,
    prefix,
    now,
    owned: (provider, providerId) =>
      [...live.values()].some(
        (l) => l.provider === provider && l.providerId === providerId && !isFinal(l.state),
      ),
    creating: (provider) => [...live.values()].some((l) => l.provider === provider && l.state === 'creating'),
    isLive: (id) => live.has(id),
  });

  function emit<A extends unknown[]>(set: Set<(...a: A) => void>, ...args: A): void {
    for (const l of set) {
      try {
        l(...args);
      } catch (err) {
        onError(err); // one bad listener must not stop the guard
      }
    }
  }
  const metered = (l: LiveInstance) => ({
    createdAt: l.createdAt,
    ratePerHour: l.pricePerHour,
    endedAt: l.endedAt,
  });

  function persist(l: LiveInstance): Promise<void> {
    const rec = toRecord(l);
    l.chain = l.chain.then(() => opts.store.upsertGpuInstance(rec)).catch(onError);
    return l.chain;
  }

  /** Writes the billed slice up to `to` (serialized per instance; a failed write is retried later). */
  function flush(l: LiveInstance, to: number): Promise<void> {
    l.chain = l.chain
      .then(async () => {
        if (l.startedAt === null) return;
        const from = l.billedTo ?? l.startedAt;
        const s = ledgerSlice(l.startedAt, from, Math.min(to, l.endedAt ?? to), l.pricePerHour);
        if (s.toTs <= from) return;
        await opts.store.insertGpuLedger([{ instanceId: l.id, jobId: l.jobId, provider: l.provider, ...s }]);
        l.billedTo = s.toTs;
        l.lastFlush = now();
      })
      .catch(onError);
    return l.chain;
  }

  function dailySpent(at: number): number {
    let open = 0;
    for (const l of live.values()) if (l.endedAt === null) open += conservativeCost(metered(l), at);
    return day.endedUsd + open;
  }

  function client(name: ProviderName): GpuProvider {
    const c = opts.providers.get(name);
    if (c === null)
      throw new DashboardError('GPU_PROVIDER_NOT_CONFIGURED', `no API key for provider ${name}`);
    return c;
  }

  /** Decides to end an instance; the tick carries out the terminate until the provider confirms. */
  function end(l: LiveInstance, code: string, reason: string): void {
    if (l.ending !== null || isFinal(l.state)) return;
    l.ending = { code, reason };
    if (code === 'GPU_BUDGET_EXCEEDED' || code === 'GPU_DAILY_BUDGET_EXCEEDED')
      emit(budgetListeners, l.jobId, reason);
    const booting = l.state === 'creating' || l.state === 'booting';
    if (booting) {
      const retry = code === 'GPU_INSTANCE_LOST';
      l.resolveBoot({
        kind: retry ? 'retry' : 'fail',
        error: new DashboardError(dashboardCode(code), reason),
      });
    }
    // A create in flight: createOn terminates what it returns (or records the failure).
    if (l.providerId === '') return;
    l.state = 'terminating';
    void persist(l);
    void terminate(l);
  }

  async function terminate(l: LiveInstance): Promise<void> {
    if (l.terminating || isFinal(l.state) || l.providerId === '') return;
    l.terminating = true;
    try {
      const c = client(l.provider);
      if (l.startedAt === null) await poll(l).catch(onError); // learn when billing began before it is gone
      await c.terminate(l.providerId);
      // Confirmed only when the provider no longer lists it as alive: a provider that answers
      // success and keeps it running is terminated again at the next tick (and by the sweep).
      const p = await c.get(l.providerId);
      if (p === null || p.state === 'terminated') await finish(l, 'terminated');
    } catch (err) {
      onError(err); // retried at the next tick
    } finally {
      l.terminating = false;
    }
  }

  async function finish(l: LiveInstance, state: 'terminated' | 'failed'): Promise<void> {
    const at = now();
    l.endedAt = at;
    l.state = state;
    const code = l.ending?.code === 'GPU_JOB_DRAINED' ? '' : (l.ending?.code ?? '');
    l.errorCode = code;
    l.errorMessage = l.ending?.reason ?? '';
    const cost = conservativeCost(metered(l), at);
    jobSpent.set(l.jobId, (jobSpent.get(l.jobId) ?? 0) + cost);
    day.endedUsd += cost;
    await flush(l, at);
    await persist(l);
    emit(endListeners, { jobId: l.jobId, instanceId: l.id, code, reason: l.errorMessage });
  }

  /** Reads the provider's view of an instance into ours. */
  async function poll(l: LiveInstance): Promise<void> {
    l.lastPoll = performance.now(); // scheduling runs on real time; only billing uses the clock
    const p = await client(l.provider).get(l.providerId);
    if (p === null) {
      l.providerLost = true;
      l.providerState = null;
      return;
    }
    l.providerState = p.state;
    if (p.startedAt !== null && l.startedAt === null) {
      l.startedAt = p.startedAt;
      void persist(l);
    }
    if (p.pricePerHour > l.pricePerHour) l.pricePerHour = p.pricePerHour; // conservative
    if (p.state === 'failed' || p.state === 'stopped' || p.state === 'terminated') l.providerLost = true;
    checkReady(l);
  }

  function checkReady(l: LiveInstance): void {
    const w = opts.hub.workers().find((x) => x.instanceId === l.id);
    if (w !== undefined) {
      l.stats = gpuStats(w) ?? l.stats;
      if (w.state === 'online') l.workerId = w.id;
    }
    if (l.state !== 'booting' || l.ending !== null) {
      // Idle is counted only for a ready worker: no assignment (or not even connected).
      if (l.state === 'running')
        l.idleSince = w?.state === 'online' && w.assignments > 0 ? null : (l.idleSince ?? now());
      return;
    }
    if (l.providerState === 'running' && w?.state === 'online') {
      l.state = 'running';
      l.idleSince = null;
      void persist(l);
      l.resolveBoot({ kind: 'ready' });
    }
  }

  async function guard(l: LiveInstance, at: number): Promise<void> {
    if (isFinal(l.state)) return;
    if (l.ending !== null) return void (await terminate(l));
    if (l.providerId === '') return; // create still in flight
    if (performance.now() - l.lastPoll >= pollMs) await poll(l).catch(onError);
    checkReady(l);
    const d = decideInstance(
      {
        ...metered(l),
        jobId: l.jobId,
        providerLost: l.providerLost,
        drainedAt: l.drainedAt,
        idleSince: l.idleSince,
        phase: l.state === 'running' ? 'ready' : 'booting',
        jobBudgetUsd: l.budgetUsd,
        jobSpentUsd: jobSpent.get(l.jobId) ?? 0,
      },
      at,
      timings,
    );
    if (d.action === 'terminate') end(l, d.code, d.reason);
    else if (at - l.lastFlush >= flushMs) await flush(l, at);
  }

  async function tick(): Promise<void> {
    if (ticking) return;
    ticking = true;
    try {
      const at = now();
      if (utcDayStart(at) !== day.start) day = { start: utcDayStart(at), endedUsd: 0 };
      const open = [...live.values()].filter((l) => l.endedAt === null);
      if (dailyBudgetExceeded(dailyBudget, day.endedUsd, open.map(metered), at, timings.horizonMs)) {
        for (const l of open) end(l, 'GPU_DAILY_BUDGET_EXCEEDED', `daily GPU budget $${dailyBudget} reached`);
      }
      await Promise.all(open.map((l) => guard(l, at).catch(onError)));
      // Keep ended instances a while for the views, then forget them (the store has them).
      for (const [id, l] of live) if (l.endedAt !== null && at - l.endedAt > 600_000) live.delete(id);
      if (performance.now() - lastSweep >= sweepMs) {
        lastSweep = performance.now();
        await sweeper.sweep().catch(onError);
      }
    } finally {
      ticking = false;
    }
  }

  const timer = setInterval(() => void tick().catch(onError), tickMs);
  timer.unref();
  const unsubscribe = opts.hub.onChange((w) => {
    const l = w.instanceId === null ? undefined : live.get(w.instanceId);
    if (l === undefined || isFinal(l.state)) return;
    // A worker joined: ask the provider now rather than at the next poll.
    if (l.state === 'booting' && w.state === 'online') void poll(l).catch(onError);
    else checkReady(l);
  });
  // At start: close what an earlier run left, sweep orphans, then count what today already cost
  // (the ledger; before any instance of this run exists, so nothing is counted twice).
  const started = sweeper
    .recover()
    .catch(onError)
    .then(async () => {
      day.endedUsd += (await opts.store.gpuLedgerTotal({ since: day.start })).amountUsd;
    })
    .catch(onError);

  async function createOn(
    c: GpuProvider,
    jobId: string,
    offer: GpuOffer,
    budgetUsd: number,
  ): Promise<LiveInstance> {
    const id = `gpu-${randomBytes(6).toString('hex')}`;
    const l = newLive({
      id,
      jobId,
      provider: c.name,
      label: `${prefix}${jobId}`,
      gpuType: offer.gpuType,
      budgetUsd,
      createdAt: now(),
      pricePerHour: offer.pricePerHour,
    });
    live.set(id, l);
    await persist(l);
    try {
      const { token } = await opts.hub.createJoinToken({
        ttlMs: timings.bootTimeoutMs,
        instanceId: id,
        rented: true,
      });
      const p = await c.create({
        label: l.label,
        offerId: offer.id,
        image: opts.image,
        env: {
          AIMA_INSTALLATION_ID: opts.installationId,
          AIMA_JOB_ID: jobId,
          AIMA_INSTANCE_ID: id,
          AIMA_SERVER_URL: opts.serverUrl,
          AIMA_JOIN_TOKEN: token,
          AIMA_WORKER_RENTED: '1',
        },
        ...(opts.diskGb === undefined ? {} : { diskGb: opts.diskGb }),
        // A little slack over the listed price (Vast adds disk to dph_total); the guard meters the
        // real rate either way.
        maxPricePerHour: offer.pricePerHour * 1.1,
      });
      l.providerId = p.id;
      l.pricePerHour = Math.max(l.pricePerHour, p.pricePerHour);
      // Ended while the create was in flight (stop-all, daily budget): terminate it at once.
      l.state = l.ending === null ? 'booting' : 'terminating';
      if (p.startedAt !== null) l.startedAt = p.startedAt;
      await persist(l);
    } catch (err) {
      l.ending ??= { code: codeOf(err), reason: messageOf(err) };
      await finish(l, 'failed');
      throw err;
    }
    if (l.ending !== null) void terminate(l);
    else if (closed) end(l, 'GPU_POOL_CLOSED', 'the GPU pool closed');
    return l;
  }

  /** Resolves true once the instance is terminated or failed (false after `ms` of real time). */
  async function settled(l: LiveInstance, ms: number): Promise<boolean> {
    const until = performance.now() + ms;
    while (!isFinal(l.state)) {
      if (performance.now() > until || closed) return isFinal(l.state);
      await new Promise((r) => setTimeout(r, Math.min(tickMs, 200)));
    }
    return true;
  }

  async function startForJob(
    jobId: string,
    o: { provider: ProviderName; gpuType?: string; budgetUsd: number },
  ): Promise<{ instanceId: string }> {
    if (closed) throw new DashboardError('GPU_POOL_CLOSED', 'the GPU pool is closed');
    await started; // the start sweep must not meet a create of ours in flight
    if (opts.serverUrl === '') {
      throw new DashboardError(
        'GPU_UNAVAILABLE',
        'AIMA_PUBLIC_URL is not set: a rented worker could not reach this server',
      );
    }
    const existing = [...live.values()].find(
      (l) => l.jobId === jobId && l.ending === null && !isFinal(l.state),
    );
    if (existing !== undefined) {
      const r = await existing.boot;
      if (r.kind === 'ready') return { instanceId: existing.id };
    }
    // A budget of 0 refuses before any provider call.
    if (!(o.budgetUsd > 0)) {
      throw new DashboardError('GPU_BUDGET_EXCEEDED', `job budget $${o.budgetUsd} allows no GPU time`);
    }
    const c = client(o.provider);
    const offers = (await c.offers({ ...(o.gpuType === undefined ? {} : { gpuType: o.gpuType }) }))
      .filter((x) => o.gpuType === undefined || x.gpuType === o.gpuType || x.id === o.gpuType)
      .sort((a, b) => a.pricePerHour - b.pricePerHour);
    if (offers.length === 0) {
      throw new DashboardError(
        'GPU_NO_OFFER',
        `${o.provider} has no offer${o.gpuType ? ` for ${o.gpuType}` : ''}`,
      );
    }
    // What the job already cost counts against its budget (the ledger survives restarts).
    const spent = Math.max(jobSpent.get(jobId) ?? 0, (await opts.store.gpuLedgerTotal({ jobId })).amountUsd);
    jobSpent.set(jobId, spent);
    const check = (pricePerHour: number) =>
      decideStart({
        budgetUsd: o.budgetUsd - spent,
        pricePerHour,
        horizonMs: timings.horizonMs,
        dailyBudgetUsd: dailyBudget,
        dailySpentUsd: dailySpent(now()),
      });
    const affordable = offers.filter((x) => check(x.pricePerHour).ok);
    if (affordable.length === 0) {
      const d = check(offers[0]!.pricePerHour);
      throw d.ok
        ? new DashboardError('GPU_BUDGET_EXCEEDED', 'the budget covers no offer')
        : new DashboardError(dashboardCode(d.code), d.reason);
    }
    let last: unknown = null;
    for (const offer of affordable.slice(0, maxCandidates)) {
      if (closed) break;
      let l: LiveInstance;
      try {
        l = await createOn(c, jobId, offer, o.budgetUsd);
      } catch (err) {
        last = err;
        if (NEXT_OFFER.has(codeOf(err))) continue;
        throw err;
      }
      const r = await l.boot;
      if (r.kind === 'ready') return { instanceId: l.id };
      last = r.error;
      if (r.kind === 'fail') throw r.error;
      // The failed instance must be gone before the next offer is tried (never two at once).
      if (!(await settled(l, CLEANUP_WAIT_MS))) throw r.error;
    }
    if (closed) throw new DashboardError('GPU_POOL_CLOSED', 'the GPU pool closed');
    throw last ?? new DashboardError('GPU_NO_OFFER', `no ${o.provider} offer could be started`);
  }

  async function endAll(code: DashboardErrorCode, reason: string, deadlineMs: number): Promise<void> {
    for (const l of live.values()) end(l, code, reason);
    const until = Date.now() + deadlineMs;
    // Terminates are retried until confirmed (or the deadline: the sweep at the next start finds them).
    while ([...live.values()].some((l) => !isFinal(l.state)) && Date.now() < until) {
      await Promise.all([...live.values()].map((l) => terminate(l)));
      if ([...live.values()].some((l) => !isFinal(l.state))) await new Promise((r) => setTimeout(r, 200));
    }
  }

  let closing: Promise<void> | null = null;
  const pool: GpuPool = {
    offers: async (provider, gpuType) =>
      client(provider).offers({ ...(gpuType === undefined ? {} : { gpuType }) }),
    startForJob,
    jobDrained(jobId) {
      for (const l of live.values()) if (l.jobId === jobId && l.drainedAt === null) l.drainedAt = now();
    },
    onBudgetExceeded(l) {
      budgetListeners.add(l);
      return () => void budgetListeners.delete(l);
    },
    onInstanceEnded(l) {
      endListeners.add(l);
      return () => void endListeners.delete(l);
    },
    instances: () => instanceViews(opts.store, live, now()),
    ledger: (o = {}) => opts.store.listGpuLedger(o.jobId === undefined ? {} : { jobId: o.jobId }),
    jobCost: (jobId) => jobCostOf(opts.store, live, jobId, now()),
    configured: () => opts.providers.configured(),
    keyStatus: () => {
      const c = opts.providers.configured();
      return { runpod: c.includes('runpod'), vastai: c.includes('vastai') };
    },
    async setKeys(keys) {
      if (opts.keys === undefined)
        throw new DashboardError('GPU_UNAVAILABLE', 'provider keys cannot be set here');
      await opts.keys.set(keys);
      // A new key may reveal orphans at that account: sweep it now.
      void sweeper.sweep().catch(onError);
    },
    sweep: () => sweeper.sweep(),
    stopAll: () => endAll('GPU_STOPPED', 'emergency stop of all GPU instances', 60_000),
    close() {
      closing ??= (async () => {
        closed = true;
        // Nothing may keep billing once nobody watches it: end every instance, then stop.
        await started;
        await endAll('GPU_POOL_CLOSED', 'the control plane shut down', 30_000);
        clearInterval(timer);
        unsubscribe();
        await Promise.all([...live.values()].map((l) => l.chain));
      })();
      return closing;
    },
  };
  return pool;
}
