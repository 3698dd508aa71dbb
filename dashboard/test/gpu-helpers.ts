// Set-up shared by the GPU pool tests: a real control plane (runtime over chDB, source manager,
// the worker hub, the HTTP server listening on 127.0.0.1), provider clients pointed at the
// emulators, and a clock the test moves by hand so ledger and bill can be compared to the second.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { createRunpodProvider, createVastProvider, type GpuProvider } from '@aima/inference';
import { createKeyframes } from '../src/keyframes.ts';
import { openRuntime, type Runtime } from '../src/runtime.ts';
import { buildServer, type ServerDeps } from '../src/server/index.ts';
import { createSourceManager } from '../src/sources/manager.ts';
import type { SourceManager } from '../src/sources/types.ts';
import { recordingsRoot } from '../src/ui-dir.ts';
import { createWorkerHub } from '../src/workers/hub.ts';
import type { WorkerHub } from '../src/workers/types.ts';
import { openGpuKeyStore, type GpuKeyStore, type KeyedProvider } from '../src/gpu/keys.ts';
import { keyedProviders } from '../src/gpu/providers.ts';
import type { GpuPool, ProviderSource } from '../src/gpu/types.ts';
import { TOKEN } from './server-helpers.ts';

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
  const runtime = await openRuntime({
    dataDir,
    modelsDir: process.env.AIMA_MODELS_DIR ?? null,
    executionProvider: 'cpu',
    offline: true,
    modelId: 'yolox-nano',
    faces: { enabled: false },
  });
  const hub = createWorkerHub({ store: runtime.store, models: runtime.models });
  const manager = createSourceManager({ runtime, dataDir, executor: hub.executor(null) });
  const cp = { pool: undefined as GpuPool | undefined };
  const deps: ServerDeps = {
    manager,
    store: runtime.store,
    token: TOKEN,
    dataDir,
    uiDir: null,
    labels: runtime.detector.labels,
    keyframe: createKeyframes(runtime.store, recordingsRoot(dataDir)),
    workers: hub,
    // The routes read deps.gpu per request: a getter lets the test swap pools.
    get gpu() {
      return cp.pool;
    },
  };
  const app = await buildServer(deps);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return Object.assign(cp, {
    dir,
    dataDir,
    runtime,
    manager,
    hub,
    app,
    url: `http://127.0.0.1:${port}`,
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

/** Polls `check` every 25 ms until it returns something other than undefined. */
export async function until<T>(
  check: () => T | undefined | Promise<T | undefined>,
  ms = 20_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
