// Prometheus metrics of one server instance, in its own Registry (two servers in one process, as in
// tests, never share or clash). Per-source numbers are read from the manager when scraped rather
// than pushed on every frame.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SourceManager } from '../sources/types.ts';

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

export function createMetrics(manager: SourceManager): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

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
