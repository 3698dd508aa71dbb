// Jobs on a paid provider, against a small working GPU pool that keeps the GpuPool contract (the
// real pool and its provider emulators are tested by their own suites): nothing is rented before
// an explicit start with a budget, items are placed on the job's instance, the instance goes when
// the job drains, a budget stop pauses the job with its reason, a failed boot fails the job.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSourceGuard } from '@aima/ingest';
import type { JobView } from '../src/job-service/schemas.ts';
import type { JobGpuPool, JobProvider } from '../src/job-service/types.ts';
import { clip, openJobsEnv, type JobsEnv } from './jobs-support.ts';
import { waitFor } from './server-helpers.ts';

interface Instance {
  id: string;
  jobId: string;
  state: 'running' | 'terminated';
}

/** Instances in memory; boots take 100 ms; a GPU type named 'none' has no capacity. */
function createTestPool() {
  const instances: Instance[] = [];
  const budget = new Set<(jobId: string, reason: string) => void>();
  const ended = new Set<(e: { jobId: string; instanceId: string; code: string; reason: string }) => void>();
  const pool: JobGpuPool = {
    offers: async (_p: JobProvider, gpuType?: string) =>
      gpuType === 'none' ? [] : [{ gpuType: 'RTX 4090', gpuName: 'NVIDIA RTX 4090', pricePerHour: 0.44 }],
    async startForJob(jobId, o) {
      await new Promise((r) => setTimeout(r, 100));
      if (o.gpuType === 'none') {
        throw Object.assign(new Error('no machine free'), { code: 'GPU_NO_CAPACITY' });
      }
      const inst: Instance = { id: `inst-${instances.length + 1}`, jobId, state: 'running' };
      instances.push(inst);
      return { instanceId: inst.id };
    },
    jobDrained(jobId) {
      for (const i of instances) if (i.jobId === jobId) i.state = 'terminated';
    },
    onBudgetExceeded(l) {
      budget.add(l);
      return () => void budget.delete(l);
    },
    onInstanceEnded(l) {
      ended.add(l);
      return () => void ended.delete(l);
    },
    jobCost: async (jobId) => (instances.some((i) => i.jobId === jobId) ? 0.0123 : 0),
  };
  /** The instance of `jobId` dies (as the pool reports a provider's fault). */
  const die = (jobId: string): void => {
    const inst = instances.find((i) => i.jobId === jobId && i.state === 'running')!;
    inst.state = 'terminated';
    const e = {
      jobId,
      instanceId: inst.id,
      code: 'GPU_INSTANCE_LOST',
      reason: 'the instance stopped answering',
    };
    ended.forEach((l) => l(e));
  };
  return {
    pool,
    instances,
    die,
    exceed: (jobId: string, reason: string) => budget.forEach((l) => l(jobId, reason)),
  };
}

let tmp: string;
let env: JobsEnv;
let a: string;
let long: string;
const gpu = createTestPool();

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-jobs-gpu-'));
  [a, long] = await Promise.all([clip(tmp, 'a.mp4', 2), clip(tmp, 'long.mp4', 30, 20)]);
  const guard = createSourceGuard({ policy: 'self-hosted', mediaRoots: null });
  env = await openJobsEnv(path.join(tmp, 'data'), { gpu: gpu.pool, guard });
});
afterAll(async () => {
  await env?.close();
  await rm(tmp, { recursive: true, force: true });
});

const settled = (id: string): Promise<JobView> =>
  waitFor(async () => {
    const j = await env.jobs.get(id);
    return ['done', 'failed', 'cancelled'].includes(j.state) ? j : undefined;
  });

describe('jobs on a rented GPU', () => {
  it('rents nothing without a budget, runs on its instance after an explicit start, and gives it back', async () => {
    const j = await env.jobs.create({ media: [a], analyzers: ['detect'] });
    const est = await env.jobs.estimate(j.id, { provider: 'runpod' });
    expect(est).toMatchObject({
      provider: 'runpod',
      pricePerHour: 0.44,
      gpuType: 'RTX 4090',
      basis: 'estimated',
    });
    expect(est.usd).toBeGreaterThan(0);
    await expect(env.jobs.start(j.id, { provider: 'runpod' })).rejects.toMatchObject({
      code: 'JOB_BUDGET_REQUIRED',
    });
    await expect(env.jobs.start(j.id, { provider: 'runpod', budgetUsd: 0 })).rejects.toMatchObject({
      code: 'JOB_BUDGET_INVALID',
    });
    expect(gpu.instances).toEqual([]);
    expect((await env.jobs.get(j.id)).state).toBe('created');

    await env.jobs.start(j.id, { provider: 'runpod', budgetUsd: 1 });
    const done = await settled(j.id);
    expect(done).toMatchObject({ state: 'done', provider: 'runpod', budgetUsd: 1, costUsd: 0.0123 });
    const inst = gpu.instances.find((i) => i.jobId === j.id)!;
    expect(env.placements.get(done.items[0]!.sourceId!)).toEqual({ kind: 'instance', instanceId: inst.id });
    // The job is saved done first, then its drained queue is handed to the pool: wait for that.
    await waitFor(async () => (inst.state === 'terminated' ? true : undefined));
  });

  it('a budget stop pauses the job with its reason; a failed boot fails it with the provider code', async () => {
    const j = await env.jobs.create({ media: [long], analyzers: ['detect'] });
    await env.jobs.start(j.id, { provider: 'vastai', budgetUsd: 0.01 });
    await waitFor(async () => ((await env.jobs.get(j.id)).items[0]!.state === 'running' ? true : undefined));
    gpu.exceed(j.id, 'budget of $0.01 reached');
    const paused = await waitFor(async () => {
      const v = await env.jobs.get(j.id);
      return v.state === 'paused' && v.items[0]!.state === 'queued' ? v : undefined;
    });
    expect(paused.pausedReason).toBe('budget of $0.01 reached');
    await waitFor(async () =>
      gpu.instances.filter((i) => i.jobId === j.id).every((i) => i.state === 'terminated') ? true : undefined,
    );
    expect(gpu.instances.filter((i) => i.jobId === j.id).map((i) => i.state)).toEqual(['terminated']);
    // Resumed: a new instance is rented; it dies mid-item and the job pauses with the code.
    await env.jobs.resume(j.id);
    await waitFor(async () => ((await env.jobs.get(j.id)).items[0]!.state === 'running' ? true : undefined));
    expect(gpu.instances.filter((i) => i.jobId === j.id).map((i) => i.state)).toEqual([
      'terminated',
      'running',
    ]);
    gpu.die(j.id);
    const lost = await waitFor(async () => {
      const v = await env.jobs.get(j.id);
      return v.state === 'paused' && v.items[0]!.state === 'queued' ? v : undefined;
    });
    expect(lost.pausedReason).toBe('GPU_INSTANCE_LOST: the instance stopped answering');
    await env.jobs.cancel(j.id);

    // A camera on this machine's loopback never goes to a rented box: refused before renting.
    const cam = await env.jobs.create({ media: ['rtsp://user:pw@127.0.0.1:8554/cam'] });
    const before = gpu.instances.length;
    await expect(env.jobs.start(cam.id, { provider: 'runpod', budgetUsd: 1 })).rejects.toMatchObject({
      code: 'INGEST_SOURCE_BLOCKED',
    });
    expect(gpu.instances.length).toBe(before);
    expect((await env.jobs.get(cam.id)).state).toBe('created');

    const none = await env.jobs.create({ media: [a], analyzers: ['detect'] });
    await env.jobs.start(none.id, { provider: 'runpod', gpuType: 'none', budgetUsd: 1 });
    const failed = await settled(none.id);
    expect(failed).toMatchObject({ state: 'failed', errorCode: 'GPU_NO_CAPACITY' });
    expect(failed.items[0]).toMatchObject({ state: 'failed', errorCode: 'GPU_NO_CAPACITY', attempts: 0 });
  });
});
