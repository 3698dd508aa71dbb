// A control plane with a worker hub on 127.0.0.1, and real `aima worker` child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../src/runtime.ts';
import { buildServer } from '../src/server/index.ts';
import { localExecutor } from '../src/sources/executor.ts';
import { createSourceManager } from '../src/sources/manager.ts';
import type { SourceManager } from '../src/sources/types.ts';
import { createWorkerHub, type WorkerHubInternal, type WorkerHubOptions } from '../src/workers/hub.ts';
import { listenLocal, openTestRuntime, testServerDeps, waitFor } from './server-helpers.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ControlPlane {
  readonly dir: string;
  readonly runtime: Runtime;
  readonly hub: WorkerHubInternal;
  readonly manager: SourceManager;
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

export async function startControlPlane(
  o: Partial<WorkerHubOptions> & { local?: boolean; faces?: boolean } = {},
): Promise<ControlPlane> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aima-workers-'));
  const runtime = await openTestRuntime(dir, { faces: { enabled: o.faces ?? false } });
  const hub = createWorkerHub({
    store: runtime.store,
    models: runtime.models,
    persons: runtime.faces?.persons ?? null,
    heartbeatTimeoutMs: 3000,
    reconnectGraceMs: 1500,
    waitForWorkerMs: 20_000,
    ...o,
  });
  const manager = createSourceManager({
    runtime,
    dataDir: dir,
    executor: hub.executor(o.local === false ? null : localExecutor(runtime)),
  });
  const app = await buildServer({ ...testServerDeps(runtime, manager, dir), workers: hub });
  const url = await listenLocal(app);
  return {
    dir,
    runtime,
    hub,
    manager,
    app,
    url,
    async close() {
      await app.close();
      await manager.close();
      await hub.close();
      await runtime.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly joined: Promise<string>;
  readonly exited: Promise<number | null>;
  output(): string;
  kill9(): void;
  stop(): Promise<void>;
}

/**
 * A real `aima worker` process (tsx via bin/aima), CPU only, models from AIMA_MODELS_DIR. Its data
 * directory (where it keeps its worker key) is a fresh one unless `env.AIMA_DATA_DIR` names one;
 * an empty `token` starts it without --token (a rejoin with the stored key).
 */
export function spawnWorker(
  server: string,
  token: string,
  name: string,
  env: Record<string, string> = {},
): WorkerProcess {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin/aima'),
      'worker',
      '--server',
      server,
      ...(token ? ['--token', token] : []),
      '--name',
      name,
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        AIMA_EP: 'cpu',
        AIMA_OFFLINE: '1',
        AIMA_FACES: 'off',
        AIMA_WORKER_HEARTBEAT_MS: '500',
        AIMA_JOIN_TOKEN: '',
        AIMA_DATA_DIR: env.AIMA_DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), `aima-worker-data-${name}-`)),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const joined = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = / as (w-\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`worker ${name} exited: ${out}`)));
  });
  joined.catch(() => undefined);
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    joined,
    exited,
    output: () => out,
    kill9: () => void child.kill('SIGKILL'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** waitFor with the description first (30 s by default), as the worker tests read best. */
export const until = <T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 30_000,
): Promise<T> => waitFor(check, ms, what);
