// The process's one mediasoup worker: started on first need, its routers capped and counted (with
// their producers, from mediasoup's observer events, so WHIP's routers count too), replaced a few
// seconds after it dies. "We closed it" (close()) is told apart from "it died" ('died').
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { DashboardError } from '../errors.ts';
import { ROUTER_CODECS } from './codecs.ts';
import { resolveWorkerBin } from './config.ts';
import type { RtcConfig } from './types.ts';

const RESTART_AFTER_MS = 5_000;
/** Restarts in a row at most; a worker that ran STABLE_MS before dying resets the count. */
const MAX_RESTARTS = 5;
const STABLE_MS = 10 * 60_000;
/** After a failed start, the next try waits this long (every live view would retry). */
const START_RETRY_MS = 30_000;

export interface WorkerHost {
  /** Why no router can be had now (RTC_DISABLED, RTC_WORKER_MISSING, RTC_WORKER_DIED, ...), or null. */
  unavailable(): DashboardError | null;
  /** A new Router with AIMA's codecs (starting the worker if needed); RTC_ROUTER_LIMIT past the cap. */
  createRouter(): Promise<types.Router>;
  readonly routers: number;
  readonly producers: number;
  /** Closes the worker (with every router) and waits for its process to exit. Idempotent. */
  close(): Promise<void>;
}

export interface WorkerHostOptions {
  readonly config: RtcConfig;
  /** The worker died: every router is closed already. */
  readonly onDied: (message: string) => void;
}

export function createWorkerHost({ config, onDied }: WorkerHostOptions): WorkerHost {
  const bin = resolveWorkerBin(config);
  let worker: types.Worker | null = null;
  let starting: Promise<types.Worker> | null = null;
  let startError: { at: number; message: string } | null = null;
  let died: string | null = null;
  let restarts = 0;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const routers = new Set<types.Router>();
  /** Routers being created: counted against the cap so concurrent requests cannot pass it. */
  let pendingRouters = 0;
  let producers = 0;

  function unavailable(): DashboardError | null {
    if (!bin.ok) return new DashboardError(bin.code, bin.reason);
    if (closed) return new DashboardError('RTC_UNAVAILABLE', 'the server is shutting down');
    if (died !== null && !worker) return new DashboardError('RTC_WORKER_DIED', died);
    if (startError && !worker) return new DashboardError('RTC_UNAVAILABLE', startError.message);
    return null;
  }

  function getWorker(): Promise<types.Worker> {
    if (!bin.ok) return Promise.reject(new DashboardError(bin.code, bin.reason));
    if (closed) return Promise.reject(new DashboardError('RTC_UNAVAILABLE', 'the server is shutting down'));
    if (worker) return Promise.resolve(worker);
    if (startError && Date.now() - startError.at < START_RETRY_MS) {
      return Promise.reject(new DashboardError('RTC_UNAVAILABLE', startError.message));
    }
    starting ??= start(bin.path).finally(() => (starting = null));
    return starting;
  }

  async function start(workerBin: string): Promise<types.Worker> {
    let w: types.Worker;
    try {
      w = await mediasoup.createWorker({
        workerBin,
        rtcMinPort: config.minPort,
        rtcMaxPort: config.maxPort,
        logLevel: 'warn',
      });
    } catch (err) {
      const message = `the mediasoup worker did not start: ${firstLine(err)}`;
      startError = { at: Date.now(), message };
      throw new DashboardError('RTC_UNAVAILABLE', message, { cause: err });
    }
    if (closed) {
      w.close();
      throw new DashboardError('RTC_UNAVAILABLE', 'the server is shutting down');
    }
    worker = w;
    startError = null;
    died = null;
    const startedAt = Date.now();
    w.observer.on('newrouter', (router) => {
      routers.add(router);
      router.observer.once('close', () => routers.delete(router));
      router.observer.on('newtransport', (t) => {
        t.observer.on('newproducer', (p) => {
          producers++;
          p.observer.once('close', () => producers--);
        });
      });
    });
    w.on('died', (err) => {
      if (worker !== w) return;
      worker = null;
      died = `the mediasoup worker died (${firstLine(err)}); the live view uses MSE until it is back`;
      onDied(died);
      if (Date.now() - startedAt > STABLE_MS) restarts = 0;
      if (closed || restarts >= MAX_RESTARTS) return;
      restarts++;
      restartTimer = setTimeout(() => void getWorker().catch(() => undefined), RESTART_AFTER_MS);
      restartTimer.unref();
    });
    return w;
  }

  return {
    unavailable,
    async createRouter() {
      if (routers.size + pendingRouters >= config.maxRouters) {
        throw new DashboardError('RTC_ROUTER_LIMIT', `at most ${config.maxRouters} WebRTC sources at once`);
      }
      pendingRouters++;
      try {
        const w = await getWorker();
        return await w.createRouter({ mediaCodecs: ROUTER_CODECS });
      } finally {
        pendingRouters--;
      }
    },
    get routers() {
      return routers.size;
    },
    get producers() {
      return producers;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(restartTimer);
      const w = worker ?? (await starting?.catch(() => null)) ?? null;
      worker = null;
      if (w && !w.closed) {
        w.close();
        await processGone(w.pid);
      }
    },
  };
}

export function firstLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return (m.split('\n')[0] ?? '').slice(0, 200);
}

/** Waits (≤ 2 s) until the worker process has exited, so no UDP port outlives close(). */
async function processGone(pid: number): Promise<void> {
  for (let i = 0; i < 40; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
