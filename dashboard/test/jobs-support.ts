// Shared set-up of the job tests: a real runtime (chDB + YOLOX-Nano on CPU), a real source manager
// whose executor can be made to lose its "worker" once (a transient failure, as the worker hub
// reports it: the source row failed with WORKER_LOST), the embedded queue in the same store, the
// job service and the HTTP server over them.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createJobService } from '../src/job-service/service.ts';
import type { JobPayload, JobService, JobServiceOptions } from '../src/job-service/types.ts';
import { createEmbeddedQueue, type JobQueue } from '../src/queue/index.ts';
import type { Runtime } from '../src/runtime.ts';
import { buildServer } from '../src/server/index.ts';
import { localExecutor, type Executor, type Placement } from '../src/sources/executor.ts';
import { createSourceManager } from '../src/sources/manager.ts';
import type { SourceManager } from '../src/sources/types.ts';
import { VTEST, cutClip, openTestRuntime, testServerDeps } from './server-helpers.ts';

/** Cuts `seconds` of vtest from `start` into `<dir>/<name>` (re-encoded: exact length, no audio). */
export const clip = (dir: string, name: string, seconds: number, start = 0): Promise<string> =>
  cutClip(VTEST, dir, name, seconds, start);

export interface JobsEnv {
  readonly runtime: Runtime;
  readonly manager: SourceManager;
  readonly queue: JobQueue<JobPayload>;
  readonly jobs: JobService;
  readonly app: FastifyInstance;
  /** Basenames whose next run loses its worker (once each). */
  readonly flaky: Set<string>;
  /** Where each source was asked to run (source id → placement). */
  readonly placements: Map<string, Placement>;
  /** Closes in the documented order: server, jobs, manager, queue, runtime. */
  close(): Promise<void>;
}

export async function openJobsEnv(
  dataDir: string,
  over: Partial<JobServiceOptions> = {},
  openQueue: (store: Runtime['store']) => Promise<JobQueue<JobPayload>> = (store) =>
    createEmbeddedQueue<JobPayload>(store, { name: 'jobs' }),
): Promise<JobsEnv> {
  const runtime = await openTestRuntime(dataDir, { faces: { enabled: false } });
  const flaky = new Set<string>();
  const placements = new Map<string, Placement>();
  const local = localExecutor(runtime);
  const executor: Executor = async (opts) => {
    placements.set(opts.sourceId, opts.placement ?? { kind: 'any' });
    const name = path.basename(opts.source.input);
    if (flaky.delete(name)) {
      const rec = await runtime.store.getSource(opts.sourceId);
      if (rec) {
        await runtime.store.upsertSource({
          ...rec,
          status: 'failed',
          errorCode: 'WORKER_LOST',
          errorMessage: 'the worker went away',
          updatedAt: Date.now(),
        });
      }
      throw Object.assign(new Error('the worker went away'), { code: 'WORKER_LOST', exitCode: 1 });
    }
    return local(opts);
  };
  const manager = createSourceManager({ runtime, dataDir, executor });
  const queue = await openQueue(runtime.store);
  const jobs = createJobService({
    store: runtime.store,
    manager,
    queue,
    dataDir,
    analyzers: runtime.analyzers,
    defaultAnalyzers: ['detect'],
    fps: 2,
    maxConcurrent: 1,
    retryDelaysMs: [200, 400, 800],
    pollMs: 100,
    leaseMs: 3_000,
    ...over,
  });
  // As serve does: sources cut off by a restart are settled first (a job's are failed as
  // interrupted), then the jobs take their items back.
  await manager.recover();
  await jobs.recover();
  const app = await buildServer({ ...testServerDeps(runtime, manager, dataDir), jobs });
  return {
    runtime,
    manager,
    queue,
    jobs,
    app,
    flaky,
    placements,
    async close() {
      await app.close();
      await jobs.close();
      await manager.close();
      await queue.close();
      await runtime.close();
    },
  };
}
