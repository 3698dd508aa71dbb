import { randomBytes } from 'node:crypto';
import type { JobItemRecord, JobRecord } from '@aima/storage';
import { DashboardError } from '../errors.ts';
import { createJobCore, isPaid, SETTLED_ITEM, TERMINAL_JOB } from './core.ts';
import { createDispatcher, type Dispatcher } from './dispatcher.ts';
import { estimateJob } from './estimate.ts';
import { expandMedia } from './media.ts';
import { recoverJobs } from './recover.ts';
import { bootGpu, runItem } from './runner.ts';
import type { EstimateView } from './schemas.ts';
import type { JobPayload, JobService, JobServiceOptions, JobState } from './types.ts';

const badState = (id: string, state: string, what: string): DashboardError =>
  new DashboardError('JOB_BAD_STATE', `job ${id} is ${state}; ${what}`);

/**
 * Jobs: media grouped under one id, run item by item through the queue and the source manager.
 * States: created → queued → running → done | failed | cancelled, and paused (from queued or
 * running; resume → queued). A job whose items all settled is `done` when at least one item is
 * done (failed items are named in errorCode JOB_ITEMS_FAILED: "done with errors"), else `failed`.
 * One queue entry per item (id `<job>:<index>`, group = job, priority = job priority). Nothing is
 * claimed before recover() ran; nothing is rented before an explicit start with a budget.
 */
export function createJobService(opts: JobServiceOptions): JobService {
  const { store, queue } = opts;
  const core = createJobCore(opts);
  const { jobs, fps, table, vault } = core;
  let recovered: Promise<void> | null = null;
  let dispatcher: Dispatcher | null = null;
  let sweep: ReturnType<typeof setInterval> | undefined;
  const wake = (): void => dispatcher?.wake();
  const leaseMs = opts.leaseMs ?? 60_000;

  const loaded = (async () => {
    const [rows, items] = await Promise.all([store.listJobs(), store.listJobItems()]);
    for (const job of rows) jobs.set(job.id, { job, items: [] });
    for (const item of items) jobs.get(item.jobId)?.items.push(item);
  })();
  loaded.catch(() => undefined);

  const unsubscribeBudget = opts.gpu?.onBudgetExceeded((jobId, reason) => {
    void service.pause(jobId, reason).catch(() => undefined);
  });
  // The job's instance died or was lost (provider fault, lying state): its items cannot run
  // there any more. Paused with the code, so the user decides whether to rent again.
  const unsubscribeEnded = opts.gpu?.onInstanceEnded?.((e) => {
    const st = jobs.get(e.jobId);
    if (!st || st.job.instanceId !== e.instanceId) return;
    if (e.code === '') {
      // A normal end after the job drained: its last seconds (until terminate was confirmed) are in
      // the ledger now, after the job's cost was last read. Read once more, so cost matches the ledger.
      void (async () => {
        const cost = await opts.gpu?.jobCost?.(e.jobId).catch(() => null);
        if (typeof cost === 'number' && cost !== st.job.costUsd) await core.saveJob(st, { costUsd: cost });
      })().catch(() => undefined);
      return;
    }
    if (st.job.state !== 'queued' && st.job.state !== 'running') return;
    void service.pause(e.jobId, `${e.code}: ${e.reason}`).catch(() => undefined);
  });

  const mustGet = async (id: string): Promise<JobState> => {
    await loaded;
    const st = jobs.get(id);
    if (!st) throw new DashboardError('JOB_NOT_FOUND', `no job with id '${id}'`);
    return st;
  };

  /** Once per process: hand back what a dead process held, then start dispatching. */
  const ensureRecovered = (): Promise<void> => {
    recovered ??= (async () => {
      await loaded;
      await recoverJobs(core);
      if (core.closed) return;
      dispatcher = createDispatcher<JobPayload>({
        queue,
        owner: core.owner,
        maxConcurrent: Math.max(1, opts.maxConcurrent ?? 2),
        leaseMs,
        pollMs: opts.pollMs ?? 1_000,
        run: (lease) => {
          const p = runItem(core, lease).finally(() => core.runs.delete(lease));
          core.runs.set(lease, p);
          return p;
        },
      });
      dispatcher.wake();
      // Leases this process lost (a settle that failed) come back; one process owns the queue.
      sweep = setInterval(() => {
        void queue.recoverExpired().then((n) => n > 0 && wake(), () => undefined); // prettier-ignore
      }, leaseMs);
      sweep.unref();
    })();
    return recovered;
  };

  /** Refused before anything is rented: no pool, no budget, a budget of 0, a stream a rented box must not reach. */
  const checkPaidStart = async (
    st: JobState,
    provider: string,
    budgetUsd: number | undefined,
  ): Promise<void> => {
    if (!opts.gpu)
      throw new DashboardError('JOB_GPU_UNAVAILABLE', `no GPU pool is configured for '${provider}'`);
    if (budgetUsd === undefined) {
      throw new DashboardError('JOB_BUDGET_REQUIRED', `a job on '${provider}' needs a budget (budgetUsd)`);
    }
    if (!(budgetUsd > 0)) {
      throw new DashboardError(
        'JOB_BUDGET_INVALID',
        `a budget of ${budgetUsd} USD cannot pay for any GPU time`,
      );
    }
    for (const item of opts.guard ? st.items : []) {
      if (item.kind === 'file' || item.kind === 'images') continue;
      const input = item.input !== '' ? item.input : await vault.get(st.job.id, item.index);
      if (input !== null) await opts.guard!.check(input, { target: 'rented' });
    }
  };

  const service: JobService = {
    async create(req, signal) {
      await loaded;
      if (core.closed) throw new DashboardError('API_BAD_REQUEST', 'the server is shutting down');
      // An unknown analyzer is the caller's mistake: refused before anything is stored.
      const analyzers = [...(req.analyzers ?? [])];
      if (analyzers.length > 0) opts.analyzers?.select(analyzers);
      const media = await expandMedia(req.media, { guard: opts.guard, fps, ...(signal ? { signal } : {}) });
      const id = `job-${randomBytes(6).toString('hex')}`;
      const now = Date.now();
      const secrets = new Map<number, string>();
      const items: JobItemRecord[] = media.map((m, index) => {
        if (m.input !== m.display) secrets.set(index, m.input);
        return {
          jobId: id, index, inputDisplay: m.display, input: m.input === m.display ? m.input : '', kind: m.kind,
          sourceId: '', state: 'pending', attempts: 0, durationMs: m.durationMs, progress: 0, errorCode: '', errorMessage: '',
        }; // prettier-ignore
      });
      const job: JobRecord = {
        id, name: req.name?.trim() || `job ${new Date(now).toISOString().slice(0, 16).replace('T', ' ')}`,
        state: 'created', priority: req.priority ?? 0, analyzers, context: req.context ? JSON.stringify(req.context) : '',
        provider: '', gpuType: '', instanceId: '', budgetUsd: 0, estimate: '', costUsd: 0, pausedReason: '',
        errorCode: '', errorMessage: '', createdAt: now, updatedAt: now, startedAt: null, finishedAt: null,
      }; // prettier-ignore
      // The local estimate asks no provider, so every job shows one from the start.
      const est = await estimateJob({
        table, gpu: undefined, provider: 'local', gpuType: null, analyzers: core.analyzerIds(job), fps,
        durationsMs: items.map((i) => i.durationMs),
      }); // prettier-ignore
      const st: JobState = { job: { ...job, estimate: JSON.stringify(est) }, items };
      await vault.setAll(id, secrets);
      // Items first: a job that is listed has its items.
      await store.upsertJobItems(items);
      await store.upsertJob(st.job);
      jobs.set(id, st);
      return core.viewOf(st);
    },
    async list() {
      await loaded;
      const all = [...jobs.values()].sort(
        (a, b) => b.job.createdAt - a.job.createdAt || a.job.id.localeCompare(b.job.id),
      );
      return Promise.all(all.map((st) => core.viewOf(st)));
    },
    async get(id) {
      const st = await mustGet(id);
      if (isPaid(st.job) && !TERMINAL_JOB.has(st.job.state) && opts.gpu?.jobCost) {
        const cost = await opts.gpu.jobCost(id).catch(() => null);
        if (cost !== null && cost !== st.job.costUsd) st.job = { ...st.job, costUsd: cost };
      }
      return core.viewOf(st);
    },
    async estimate(id, o = {}): Promise<EstimateView> {
      const st = await mustGet(id);
      const est = await estimateJob({
        table, gpu: opts.gpu, provider: o.provider ?? 'local', gpuType: o.gpuType ?? null,
        analyzers: core.analyzerIds(st.job), fps, durationsMs: st.items.map((i) => i.durationMs),
      }); // prettier-ignore
      if (!TERMINAL_JOB.has(st.job.state)) await core.saveJob(st, { estimate: JSON.stringify(est) });
      return est;
    },
    async start(id, req = {}) {
      const st = await mustGet(id);
      if (st.job.state !== 'created') throw badState(id, st.job.state, 'only a created job can be started');
      const provider = req.provider ?? 'local';
      const paid = provider !== 'local';
      if (paid) await checkPaidStart(st, provider, req.budgetUsd);
      await ensureRecovered();
      await core.saveJob(st, {
        state: 'queued', provider, gpuType: req.gpuType ?? '', budgetUsd: paid ? req.budgetUsd! : 0,
        errorCode: '', errorMessage: '', pausedReason: '',
      }); // prettier-ignore
      if (paid) await queue.pauseGroup(id);
      await core.enqueue(st);
      if (paid) void bootGpu(core, st, req.budgetUsd!, wake);
      else wake();
      return core.viewOf(st);
    },
    async pause(id, reason) {
      const st = await mustGet(id);
      if (st.job.state === 'paused') return core.viewOf(st);
      if (st.job.state !== 'queued' && st.job.state !== 'running') {
        throw badState(id, st.job.state, 'only a queued or running job can be paused');
      }
      await queue.pauseGroup(id);
      // A paused job holds no rented GPU (resume rents one again): given back first, billing stops.
      if (isPaid(st.job)) opts.gpu?.jobDrained(id);
      await core.saveJob(st, { state: 'paused', pausedReason: reason ?? 'paused by the user' });
      core.measured.delete(id); // the ETA measures running time only
      await core.interruptRunning(id, 'pause');
      return core.viewOf(st);
    },
    async resume(id) {
      const st = await mustGet(id);
      if (st.job.state !== 'paused') throw badState(id, st.job.state, 'only a paused job can be resumed');
      await ensureRecovered();
      await core.saveJob(st, { state: 'queued', pausedReason: '' });
      await core.enqueue(st);
      if (isPaid(st.job)) {
        await core.saveJob(st, { instanceId: '' });
        void bootGpu(core, st, st.job.budgetUsd, wake);
      } else {
        await queue.resumeGroup(id);
        wake();
      }
      return core.viewOf(st);
    },
    async cancel(id) {
      const st = await mustGet(id);
      if (TERMINAL_JOB.has(st.job.state)) throw badState(id, st.job.state, 'it cannot be cancelled');
      const prev = st.job.state;
      await core.saveJob(st, { state: 'cancelled', finishedAt: Date.now() });
      if (prev !== 'created') await queue.removeGroup(id);
      await core.interruptRunning(id, 'cancel');
      for (const item of st.items) {
        if (!SETTLED_ITEM.has(item.state)) await core.saveItem(st, item.index, { state: 'cancelled' });
      }
      await core.drained(st);
      return core.viewOf(st);
    },
    recover: () => ensureRecovered(),
    onChange(l) {
      core.listeners.add(l);
      return () => void core.listeners.delete(l);
    },
    async close() {
      if (core.closed) return;
      core.closed = true;
      unsubscribeBudget?.();
      unsubscribeEnded?.();
      clearInterval(sweep);
      await dispatcher?.halt();
      const jobIds = new Set([...core.running.values()].map((r) => r.lease.payload.jobId));
      await Promise.all([...jobIds].map((j) => core.interruptRunning(j, 'close')));
      await dispatcher?.stop();
      // Nothing runs any more: a job shown running would be a lie until the next start resumes it.
      for (const st of jobs.values()) {
        if (st.job.state === 'running') await core.saveJob(st, { state: 'queued' }).catch(() => undefined);
      }
      await recovered?.catch(() => undefined);
      await loaded.catch(() => undefined);
    },
  };
  return service;
}
