import { entryId, isPaid, TERMINAL_JOB, type JobCore } from './core.ts';

/**
 * Start-up: what a dead (or stopped) process held comes back. Expired leases return to the queue;
 * items the store shows `running` go back to queued (their lease released; the source manager
 * has failed their sources as interrupted, and their partial results go when they run again).
 * Such an attempt counts: a file that brings the server down must not do so forever. Jobs on a
 * rented GPU wait paused (never rent again on our own after a restart); `running` jobs show
 * `queued` until an item runs again.
 */
export async function recoverJobs(core: JobCore): Promise<void> {
  const { queue } = core.opts;
  await queue.recoverExpired();
  for (const st of core.jobs.values()) {
    const { job } = st;
    if (TERMINAL_JOB.has(job.state) || job.state === 'created') continue;
    for (const item of st.items) {
      if (item.state !== 'running') continue;
      const id = entryId(job.id, item.index);
      await queue.release(id, core.owner).catch(() => undefined);
      if (item.attempts > core.retryDelays.length) {
        await queue.fail(id, core.owner, { retry: false }).catch(() => undefined);
        await core.saveItem(st, item.index, {
          state: 'failed',
          errorCode: 'SOURCE_INTERRUPTED',
          errorMessage: 'interrupted by restarts too often',
        });
      } else {
        await core.saveItem(st, item.index, { state: 'queued', progress: 0 });
      }
    }
    if (isPaid(job) && job.state !== 'paused') {
      await core.saveJob(st, {
        state: 'paused',
        pausedReason: 'the server restarted; resume to rent a GPU again',
        instanceId: '',
      });
    } else if (job.state === 'running') {
      await core.saveJob(st, { state: 'queued' });
    }
    if (st.job.state === 'paused') await queue.pauseGroup(job.id);
    await core.enqueue(st);
    await core.maybeFinish(st);
  }
}
