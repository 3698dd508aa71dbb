// End to end on the provider emulators: create a job → estimate → start on runpod (and vastai)
// with a budget → the pool rents an instance → the emulator boots a real `aima worker` process
// that joins with the instance's one-time token → the worker runs the job (detections stored in
// ClickHouse, each traceable to the job) → the job drains → the instance is terminated → the
// ledger equals the emulator's bill to the second.
//
// Clock: billing (pool and emulator) runs on a test clock that moves 50× faster than real time
// while the job works, and stands still while the instance is created and booted and from the
// moment the job drains: a create or terminate request then lands on the same millisecond at both
// ends, so the comparison is exact (see dashboard/src/gpu/pool.ts for the billing model).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRunpodEmulator, startVastEmulator, type BootedChild } from '../../test-support/gpu/index.ts';
import { createGpuPool } from '../src/gpu/pool.ts';
import type { GpuPool } from '../src/gpu/types.ts';
import { createJobService } from '../src/job-service/index.ts';
import type { JobGpuPool, JobPayload, JobService } from '../src/job-service/types.ts';
import type { JobView } from '../src/job-service/schemas.ts';
import { createEmbeddedQueue } from '../src/queue/index.ts';
import type { JobQueue } from '../src/queue/index.ts';
import type { Runtime } from '../src/runtime.ts';
import { buildServer } from '../src/server/index.ts';
import { createSourceManager } from '../src/sources/manager.ts';
import type { SourceManager } from '../src/sources/types.ts';
import { createWorkerHub } from '../src/workers/hub.ts';
import type { WorkerHub } from '../src/workers/types.ts';
import type { FastifyInstance } from 'fastify';
import { bootRealWorker, emulatorProviders, manualClock } from './gpu-helpers.ts';
import { clip } from './jobs-support.ts';
import { bearer, listenLocal, openTestRuntime, testServerDeps, waitFor } from './server-helpers.ts';

let dir: string;
let dataDir: string;
let runtime: Runtime;
let hub: WorkerHub;
let manager: SourceManager;
let queue: JobQueue<JobPayload>;
let media: string;
const children: BootedChild[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'aima-gpu-e2e-'));
  dataDir = path.join(dir, 'data');
  runtime = await openTestRuntime(dataDir, { faces: { enabled: false } });
  hub = createWorkerHub({ store: runtime.store, models: runtime.models });
  // No local execution: the job's items can only run on its rented instance's worker.
  manager = createSourceManager({ runtime, dataDir, executor: hub.executor(null) });
  queue = await createEmbeddedQueue<JobPayload>(runtime.store, { name: 'jobs' });
  media = await clip(dir, 'people-4s.mp4', 4);
});
afterAll(async () => {
  await manager?.close();
  await queue?.close();
  await hub?.close();
  await runtime?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

for (const provider of ['runpod', 'vastai'] as const) {
  describe(`a job on ${provider}`, () => {
    it('estimate → start → worker runs it → results stored → terminated → ledger = bill', async () => {
      const clock = manualClock();
      let frozen = true;
      const ticker = setInterval(() => {
        if (!frozen) clock.advance(1000);
      }, 20);
      const opts = {
        now: clock.now,
        bootDelayMs: 100,
        onBoot: bootRealWorker(path.join(dir, `worker-${provider}`), (c) => children.push(c)),
      };
      const emu = provider === 'runpod' ? await startRunpodEmulator(opts) : await startVastEmulator(opts);
      const { keys, providers } = await emulatorProviders(dataDir, { [provider]: emu });
      // The job service sees the pool through this seam, which stops the clock around create and
      // terminate (see the header); everything else is the pool itself. It exists before the pool
      // because the pool needs the listening server's URL, and the server needs the job service.
      // eslint-disable-next-line prefer-const -- assigned once the server listens (see above)
      let pool: GpuPool | undefined;
      let drainedAt = 0;
      const budgetListeners = new Set<(jobId: string, reason: string) => void>();
      const endListeners = new Set<Parameters<GpuPool['onInstanceEnded']>[0]>();
      const gpu: JobGpuPool = {
        offers: (p, t) => pool!.offers(p, t),
        async startForJob(jobId, o) {
          frozen = true;
          try {
            return await pool!.startForJob(jobId, o);
          } finally {
            frozen = false;
          }
        },
        jobDrained(jobId) {
          frozen = true;
          drainedAt = Date.now();
          pool!.jobDrained(jobId);
        },
        onBudgetExceeded(l) {
          budgetListeners.add(l);
          return () => void budgetListeners.delete(l);
        },
        onInstanceEnded(l) {
          endListeners.add(l);
          return () => void endListeners.delete(l);
        },
        jobCost: (jobId) => pool!.jobCost(jobId),
      };
      const jobs: JobService = createJobService({
        store: runtime.store,
        manager,
        queue,
        dataDir,
        gpu,
        analyzers: runtime.analyzers,
        defaultAnalyzers: ['detect'],
        fps: 2,
        maxConcurrent: 1,
        pollMs: 100,
      });
      await jobs.recover();
      const app: FastifyInstance = await buildServer({
        ...testServerDeps(runtime, manager, dataDir),
        workers: hub,
        jobs,
        get gpu() {
          return pool;
        },
      });
      const url = await listenLocal(app);
      pool = createGpuPool({
        store: runtime.store,
        hub,
        providers,
        keys,
        installationId: 'e2e',
        image: 'ghcr.io/example/aima-worker:test',
        // What AIMA_PUBLIC_URL gives in serve: where rented workers connect.
        serverUrl: url,
        now: clock.now,
        tickMs: 50,
        pollMs: 100,
        ledgerFlushMs: 10_000,
      });
      pool.onBudgetExceeded((j, r) => budgetListeners.forEach((l) => l(j, r)));
      pool.onInstanceEnded((e) => endListeners.forEach((l) => l(e)));
      const api = async <T>(method: 'GET' | 'POST', url: string, payload?: object): Promise<T> => {
        const res = await app.inject({ method, url, headers: bearer(), ...(payload ? { payload } : {}) });
        expect(res.statusCode, `${method} ${url}: ${res.body.slice(0, 300)}`).toBeLessThan(300);
        return res.json() as T;
      };
      try {
        const job = await api<JobView>('POST', '/api/v1/jobs', { name: `e2e ${provider}`, media: [media] });
        const est = await api<{ usd: number; pricePerHour: number; provider: string }>(
          'GET',
          `/api/v1/jobs/${job.id}/estimate?provider=${provider}`,
        );
        expect(est.provider).toBe(provider);
        expect(est.pricePerHour).toBeGreaterThan(0);
        expect(emu.instances()).toEqual([]); // an estimate rents nothing

        await api('POST', `/api/v1/jobs/${job.id}/start`, { provider, budgetUsd: 1 });
        const done = await waitFor(
          async () => {
            const j = await api<JobView>('GET', `/api/v1/jobs/${job.id}`);
            if (j.state === 'failed' || j.state === 'paused') {
              throw new Error(
                `job ${j.state}: ${j.errorCode ?? j.pausedReason}: ${children.map((c) => c.tail()).join('\n')}`,
              );
            }
            return j.state === 'done' ? j : undefined;
          },
          90_000,
          'job done',
        );
        expect(done.items[0]?.state).toBe('done');

        // Results in ClickHouse, traceable to the job, analysed by the rented instance's worker.
        const sourceId = done.items[0]!.sourceId!;
        const source = await runtime.store.getSource(sourceId);
        expect(source?.jobId).toBe(job.id);
        const dets = await runtime.store.listDetections({ sourceId, limit: 100_000 });
        expect(dets.length).toBeGreaterThan(0);
        const [inst] = (await pool!.instances()).filter((i) => i.jobId === job.id);
        expect(inst?.workerId).not.toBe('');

        // Terminated after the drain (well inside 60 s), nothing left at the provider.
        const ended = await waitFor(
          async () => {
            const v = (await pool!.instances()).find((i) => i.jobId === job.id);
            return v?.state === 'terminated' ? v : undefined;
          },
          60_000,
          'instance terminated',
        );
        const terminateMs = Date.now() - drainedAt;
        console.log(`${provider}: instance terminated ${terminateMs} ms after the job drained`);
        expect(ended.errorCode).toBe('');
        expect(emu.liveInstances()).toEqual([]);

        const rows = await pool!.ledger({ jobId: job.id });
        const seconds = rows.reduce((s, r) => s + r.seconds, 0);
        const usd = rows.reduce((s, r) => s + r.amountUsd, 0);
        const billed = emu.instances()[0]!;
        console.log(
          `${provider}: ledger ${seconds} s $${usd.toFixed(6)}; emulator bill $${emu.billedUsd(billed.id).toFixed(6)}`,
        );
        expect(seconds).toBe(Math.ceil(((billed.endedAt ?? 0) - (billed.startedAt ?? 0)) / 1000));
        expect(usd).toBeCloseTo(emu.billedUsd(billed.id), 12);
        expect(usd).toBeLessThanOrEqual(1);
        // Once the terminate is confirmed the job's cost is read again: it equals the ledger.
        const shown = await waitFor(
          async () => {
            const v = await api<JobView>('GET', `/api/v1/jobs/${job.id}`);
            return Math.abs(v.costUsd - usd) < 1e-9 ? v : undefined;
          },
          10_000,
          'the job cost to match the ledger',
        );
        expect(shown.costUsd).toBeCloseTo(usd, 9);
      } finally {
        clearInterval(ticker);
        await app.close();
        await jobs.close();
        await pool?.close();
        await emu.close();
      }
    });
  });
}
