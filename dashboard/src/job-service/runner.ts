import { randomBytes } from 'node:crypto';
import { isTransientFailure, retryDelay } from './classify.ts';
import { codeOf, isPaid, SETTLED_ITEM, TERMINAL_JOB, type JobCore, type RunningItem } from './core.ts';
import type { JobPayload, JobProvider, JobQueueLease, JobState } from './types.ts';

/**
 * Runs one claimed item to its end: completes, retries (transient failures, with backoff), fails,
 * or, when the service interrupted it (pause, cancel, shutdown), hands the entry back with its
 * attempt not counted.
 *
 * Each attempt runs as a fresh source (`<job>-<index>-<hex>`); the previous attempt's source and
 * every result it stored are deleted before the next one starts, so a retried or resumed item
 * never counts anything twice. (Re-adding the same id is not possible: the source manager refuses
 * ids it has seen, and its remove() would also delete an uploaded input file.)
 */
export async function runItem(core: JobCore, lease: JobQueueLease<JobPayload>): Promise<void> {
  const { store, manager, queue, guard } = core.opts;
  const { owner } = core;
  const { jobId, index } = lease.payload;
  const st = core.jobs.get(jobId);
  const item = st?.items[index];
  if (!st || !item || SETTLED_ITEM.has(item.state) || TERMINAL_JOB.has(st.job.state)) {
    await queue.complete(lease.id, owner);
    if (st) await core.maybeFinish(st);
    return;
  }
  if (st.job.state === 'paused' || core.closed) {
    await queue.release(lease.id, owner);
    return;
  }
  const sourceId = `${jobId}-${index}-${randomBytes(3).toString('hex')}`;
  const attempts = item.attempts + 1;
  // Registered before the first await: a pause or cancel from now on reaches this run.
  const run: RunningItem = { lease, sourceId, startedAt: Date.now(), interrupt: null };
  core.running.set(lease.id, run);
  if (!core.measured.has(jobId)) core.measured.set(jobId, { mediaMs: 0, since: Date.now() });
  let failure: { code: string; message: string } | null = null;
  let mediaMs = 0;
  try {
    if (item.sourceId !== '') await store.deleteSource(item.sourceId).catch(() => undefined);
    await core.saveItem(st, index, { state: 'running', sourceId, attempts, progress: 0 });
    if (st.job.state === 'queued') {
      await core.saveJob(st, { state: 'running', startedAt: st.job.startedAt ?? Date.now() });
    }
    const input =
      item.input !== '' ? item.input : ((await core.vault.get(jobId, index)) ?? item.inputDisplay);
    if (run.interrupt !== null) throw new Error('interrupted before it started');
    // Checked again right before it runs (names may resolve elsewhere now); a rented GPU box
    // may reach public addresses only.
    await guard?.check(input, { target: isPaid(st.job) ? 'rented' : 'local' });
    try {
      await manager.add({
        id: sourceId,
        input,
        fps: core.fps,
        realtime: false,
        analyzers: st.job.analyzers.length > 0 ? st.job.analyzers : undefined,
        jobId,
        placement: core.placementOf(st.job),
      });
    } catch (err) {
      await core.saveItem(st, index, { sourceId: '' });
      throw err;
    }
    // Paused or cancelled while the source was being added: stop it here.
    if (run.interrupt !== null) await manager.stop(sourceId).catch(() => undefined);
    const view = await manager.settled(sourceId);
    mediaMs = view?.stats.mediaMs ?? 0;
    if (view?.status !== 'done') {
      failure = view?.errorCode
        ? { code: view.errorCode, message: view.errorMessage }
        : { code: 'SOURCE_INTERRUPTED', message: `analysis of item ${index} was stopped` };
    }
  } catch (err) {
    failure = codeOf(err);
  } finally {
    core.running.delete(lease.id);
  }
  const m = core.measured.get(jobId);
  if (m) m.mediaMs += mediaMs;

  if (run.interrupt !== null || (core.closed && failure !== null)) {
    // Paused, cancelled or shut down: the attempt does not count.
    if (run.interrupt === 'cancel') {
      await queue.complete(lease.id, owner).catch(() => undefined);
      await core.saveItem(st, index, { state: 'cancelled', attempts: item.attempts });
    } else {
      await queue.release(lease.id, owner).catch(() => undefined);
      await core.saveItem(st, index, { state: 'queued', attempts: item.attempts, progress: 0 });
    }
    return;
  }
  // The item's new state is stored before the queue hears of it: should the queue call fail,
  // the lease runs out, the sweep hands the entry back, and a settled item is only completed.
  try {
    if (failure === null) {
      await core.saveItem(st, index, { state: 'done', progress: 1, errorCode: '', errorMessage: '' });
      await queue.complete(lease.id, owner);
    } else if (isTransientFailure(failure.code) && attempts <= core.retryDelays.length) {
      const { code, message } = failure;
      await core.saveItem(st, index, {
        state: 'queued',
        progress: 0,
        errorCode: code,
        errorMessage: message,
      });
      await queue.fail(lease.id, owner, { retry: true, delayMs: retryDelay(attempts, core.retryDelays) });
    } else {
      await core.saveItem(st, index, {
        state: 'failed',
        errorCode: failure.code,
        errorMessage: failure.message,
      });
      await queue.fail(lease.id, owner, { retry: false });
    }
  } catch {
    return;
  }
  await core.maybeFinish(st);
}

/**
 * Rents the job's GPU (explicit start or resume only); its entries wait in a paused group until
 * the instance's worker is online. A failed boot fails the job and its items with the pool's code.
 */
export async function bootGpu(
  core: JobCore,
  st: JobState,
  budgetUsd: number,
  wake: () => void,
): Promise<void> {
  const { queue, gpu } = core.opts;
  const id = st.job.id;
  try {
    const { instanceId } = await gpu!.startForJob(id, {
      provider: st.job.provider as JobProvider,
      ...(st.job.gpuType ? { gpuType: st.job.gpuType } : {}),
      budgetUsd,
    });
    await core.saveJob(st, { instanceId });
    if (st.job.state === 'queued' || st.job.state === 'running') {
      await queue.resumeGroup(id);
      wake();
    } else {
      gpu!.jobDrained(id); // paused or cancelled while it booted
    }
  } catch (err) {
    if (TERMINAL_JOB.has(st.job.state) || st.job.state === 'paused') return;
    const { code, message } = codeOf(err);
    await queue.removeGroup(id).catch(() => undefined);
    for (const item of st.items) {
      if (SETTLED_ITEM.has(item.state)) continue;
      await core.saveItem(st, item.index, { state: 'failed', errorCode: code, errorMessage: message });
    }
    await core.saveJob(st, {
      state: 'failed',
      errorCode: code,
      errorMessage: message,
      finishedAt: Date.now(),
    });
    await core.drained(st);
  }
}
