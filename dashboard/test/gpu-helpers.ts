// Set-up shared by the GPU pool tests: a real control plane (runtime over chDB, source manager,
// the worker hub, the HTTP server listening on 127.0.0.1), provider clients pointed at the
// emulators, and a clock the test moves by hand so ledger and bill can be compared to the second.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { createRunpodProvider, createVastProvider, type GpuProvider } from '@aima/inference';
import { processBoot, type BootedChild } from '../../test-support/gpu/index.ts';
import type { Runtime } from '../src/runtime.ts';
import { buildServer, type ServerDeps } from '../src/server/index.ts';
import { createSourceManager } from '../src/sources/manager.ts';
import type { SourceManager } from '../src/sources/types.ts';
import { createWorkerHub } from '../src/workers/hub.ts';
import type { WorkerHub } from '../src/workers/types.ts';
import { openGpuKeyStore, type GpuKeyStore, type KeyedProvider } from '../src/gpu/keys.ts';
import { keyedProviders } from '../src/gpu/providers.ts';
import type { GpuPool, ProviderSource } from '../src/gpu/types.ts';
import { listenLocal, openTestRuntime, testServerDeps } from './server-helpers.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const STANDIN_WORKER = path.join(here, 'gpu-standin-worker.mjs');
export const AIMA_BIN = path.join(here, '..', '..', 'bin', 'aima');

/** A clock only the test moves: the pool and the emulators bill with it, timers stay real. */
export function manualClock(start = Date.UTC(2026, 11, 6, 10, 0, 0)) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

export interface ControlPlane {
  readonly dir: string;
  readonly dataDir: string;
  readonly runtime: Runtime;
  readonly manager: SourceManager;
  readonly hub: WorkerHub;
  readonly app: FastifyInstance;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** The pool the server's GPU routes use (set it once created). */
  pool: GpuPool | undefined;
  close(): Promise<void>;
}

/** Runtime + manager + hub + server, listening on 127.0.0.1 (workers connect to `url`). */
export async function openControlPlane(): Promise<ControlPlane> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aima-gpu-'));
  const dataDir = path.join(dir, 'data');
  const runtime = await openTestRuntime(dataDir, { faces: { enabled: false } });
  const hub = createWorkerHub({ store: runtime.store, models: runtime.models });
  const manager = createSourceManager({ runtime, dataDir, executor: hub.executor(null) });
  const cp = { pool: undefined as GpuPool | undefined };
  const deps: ServerDeps = {
    ...testServerDeps(runtime, manager, dataDir),
    workers: hub,
    // The routes read deps.gpu per request: a getter lets the test swap pools.
    get gpu() {
      return cp.pool;
    },
  };
  const app = await buildServer(deps);
  const url = await listenLocal(app);
  return Object.assign(cp, {
    dir,
    dataDir,
    runtime,
    manager,
    hub,
    app,
    url,
    async close() {
      await cp.pool?.close();
      await app.close();
      await manager.close();
      await hub.close();
      await runtime.close();
      await rm(dir, { recursive: true, force: true });
    },
  });
}

/** Provider clients over the emulators; the keys come from a real key store in `dataDir`. */
export async function emulatorProviders(
  dataDir: string,
  emus: Partial<Record<KeyedProvider, { url: string; apiKey: string }>>,
  clientOpts: { maxRetryDelayMs?: number } = {},
): Promise<{ keys: GpuKeyStore; providers: ProviderSource }> {
  const keys = await openGpuKeyStore({
    dataDir,
    env: { runpod: emus.runpod?.apiKey, vastai: emus.vastai?.apiKey },
  });
  const make = (name: KeyedProvider, apiKey: string): GpuProvider =>
    name === 'runpod'
      ? createRunpodProvider({ apiKey, baseUrl: emus.runpod?.url ?? 'http://127.0.0.1:9', ...clientOpts })
      : createVastProvider({ apiKey, baseUrl: emus.vastai?.url ?? 'http://127.0.0.1:9', ...clientOpts });
  return { keys, providers: keyedProviders(keys, make) };
}

/** The real `aima worker` CLI, as a rented box would run it (CPU here; its data in `dataDir`). */
export function bootRealWorker(dataDir: string, onSpawn: (c: BootedChild) => void) {
  return processBoot({
    command: (i) => [
      'node',
      AIMA_BIN,
      'worker',
      '--server',
      i.env.AIMA_SERVER_URL!,
      '--token',
      i.env.AIMA_JOIN_TOKEN!,
    ],
    env: { AIMA_DATA_DIR: dataDir, AIMA_EP: 'cpu', AIMA_OFFLINE: '1', AIMA_WORKER_HEARTBEAT_MS: '500' },
    onSpawn,
  });
}
