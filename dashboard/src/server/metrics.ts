// Prometheus metrics of one server instance, in its own Registry (two servers in one process, as in
// tests, never share or clash). Per-source numbers are read from the manager when scraped rather
// than pushed on every frame.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GpuPool } from '../gpu/types.ts';
import type { JobService } from '../job-service/types.ts';
import type { SourceManager } from '../sources/types.ts';
import type { WorkerHub } from '../workers/types.ts';

/** The control plane's services whose state is exported too, when the server has them. */
export interface MetricsSources {
  readonly workers?: WorkerHub | undefined;
  readonly jobs?: JobService | undefined;
  readonly gpu?: GpuPool | undefined;
}

export interface ServerMetrics {
  readonly registry: Registry;
  /** Open live WebSocket connections. */
  readonly wsClients: Gauge;
  /** Frame messages not sent to a slow WebSocket client. */
  readonly wsFramesSkipped: Counter;
  /** Stops listening to the manager. */
  close(): void;
}

type PerSource = SourceManager['stats']['perSource'][number];

export function createMetrics(manager: SourceManager, services: MetricsSources = {}): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  registerServiceMetrics(registry, services);

  // Counters mirrored from the manager's own totals: reset and re-filled at each scrape, so removed
  // sources disappear and a value never runs ahead of the manager's count.
  const perSourceCounter = (name: string, help: string, pick: (s: PerSource) => number): void => {
    new Counter({
      name,
      help,
      labelNames: ['source'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of manager.stats.perSource) this.inc({ source: s.id }, pick(s));
      },
    });
  };
  perSourceCounter('aima_frames_in_total', 'Frames decoded from each source', (s) => s.framesIn);
  perSourceCounter('aima_frames_analysed_total', 'Frames analysed for each source', (s) => s.analysed);
  perSourceCounter(
    'aima_frames_dropped_total',
    'Frames dropped because analysis fell behind a live source',
    (s) => s.dropped,
  );
  new Gauge({
    name: 'aima_queue_depth',
    help: 'Frames waiting for analysis, per source',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of manager.stats.perSource) this.set({ source: s.id }, s.queueDepth);
    },
  });
  perSourceCounter('aima_source_reconnects_total', 'Reconnections of each live source', (s) => s.reconnects);
  // One series per (source, state), 1 for the current one: alert on state="stalled" or "reconnecting".
  new Gauge({
    name: 'aima_source_connection',
    help: 'Connection state of each running live source (1 = current state)',
    labelNames: ['source', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of manager.stats.perSource) {
        if (s.connection !== null) this.set({ source: s.id, state: s.connection }, 1);
      }
    },
  });
  new Gauge({
    name: 'aima_sources_running',
    help: 'Sources being analysed now',
    registers: [registry],
    collect() {
      this.set(manager.stats.running);
    },
  });

  const inference = new Histogram({
    name: 'aima_inference_ms',
    help: 'Model inference time per frame, ms',
    buckets: [1, 2, 5, 10, 20, 35, 50, 75, 100, 150, 250, 500, 1000, 2500],
    registers: [registry],
  });
  const storeWrite = new Histogram({
    name: 'aima_store_write_ms',
    help: 'Time to write one batch of results to the store, ms',
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
    registers: [registry],
  });
  const offTiming = manager.onTiming((kind, ms) => (kind === 'infer' ? inference : storeWrite).observe(ms));

  const wsClients = new Gauge({
    name: 'aima_ws_clients',
    help: 'Open live WebSocket connections',
    registers: [registry],
  });
  const wsFramesSkipped = new Counter({
    name: 'aima_ws_frames_skipped_total',
    help: 'Frame previews not sent because a WebSocket client was not keeping up',
    registers: [registry],
  });

  return { registry, wsClients, wsFramesSkipped, close: offTiming };
}

/** Workers online, jobs per state, GPU instances per state and what they cost: read when scraped. */
function registerServiceMetrics(registry: Registry, { workers, jobs, gpu }: MetricsSources): void {
  if (workers) {
    new Gauge({
      name: 'aima_workers',
      help: 'Inference workers known to this control plane, per state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const w of workers.workers()) this.inc({ state: w.state });
      },
    });
  }
  if (jobs) {
    new Gauge({
      name: 'aima_jobs',
      help: 'Jobs per state',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const j of await jobs.list().catch(() => [])) this.inc({ state: j.state });
      },
    });
  }
  if (gpu) {
    const instances = (): ReturnType<GpuPool['instances']> => gpu.instances().catch(() => []);
    new Gauge({
      name: 'aima_gpu_instances',
      help: 'GPU pool instances per provider and state',
      labelNames: ['provider', 'state'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const i of await instances()) this.inc({ provider: i.provider, state: i.state });
      },
    });
    new Gauge({
      name: 'aima_gpu_cost_usd',
      help: 'Billed cost of the GPU pool instances this control plane knows, per provider (USD)',
      labelNames: ['provider'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const i of await instances()) this.inc({ provider: i.provider }, i.costUsd);
      },
    });
  }
}
