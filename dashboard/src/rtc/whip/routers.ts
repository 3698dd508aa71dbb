// Where WHIP publishers get their Router. The SFU's RtcService owns the process's one mediasoup
// worker and lends routers (serviceRouters); without one (tests of WHIP alone), WHIP runs a worker
// of its own (ownWorkerRouters) with the same settings and the same cap on routers.
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { DashboardError } from '../../errors.ts';
import { ROUTER_CODECS } from '../codecs.ts';
import { resolveWorkerBin } from '../config.ts';
import type { RtcPeerStatsView } from '../../protocol.ts';
import type { RtcConfig, RtcService } from '../types.ts';

export interface RouterSource {
  /** A new Router with AIMA's codecs; RTC_ROUTER_LIMIT past the cap, RTC_* when no worker runs. */
  createRouter(): Promise<types.Router>;
  /** A publisher's WebRtcTransport: this installation's addresses, ports and TCP setting. */
  transportOptions(): types.WebRtcTransportOptions;
  /** Lists a publisher in GET /api/v1/sources/:id/rtc and the metrics; returns its removal. */
  addPublisher(sourceId: string, stats: () => Promise<RtcPeerStatsView>): () => void;
  /** Routers open now. */
  readonly open: number;
  /** Stops lending routers and closes what it owns (its worker, with every router). Idempotent. */
  close(): Promise<void>;
}

/** Routers of the SFU's worker (counted against its maxRouters); close() leaves the service open. */
export function serviceRouters(rtc: RtcService): RouterSource {
  const routers = new Set<types.Router>();
  return {
    async createRouter() {
      const router = await rtc.createRouter();
      routers.add(router);
      router.observer.once('close', () => routers.delete(router));
      return router;
    },
    transportOptions: () => rtc.webRtcTransportOptions(),
    addPublisher: (sourceId, stats) => rtc.addPublisher(sourceId, stats),
    get open() {
      return routers.size;
    },
    async close() {
      // The service (and its worker) is its creator's to close.
    },
  };
}

/** The WebRtcTransport options of `config` (what the SFU's service gives its viewers). */
export function transportOptionsOf(config: RtcConfig): types.WebRtcTransportOptions {
  const listen = (protocol: 'udp' | 'tcp'): types.TransportListenInfo => ({
    protocol,
    ip: config.listenIp,
    ...(config.announcedIp ? { announcedAddress: config.announcedIp } : {}),
    portRange: { min: config.minPort, max: config.maxPort },
  });
  return { listenInfos: config.tcp ? [listen('udp'), listen('tcp')] : [listen('udp')], preferUdp: true };
}

/** A lazily started worker of WHIP's own, routers counted against `config.maxRouters`. */
export function ownWorkerRouters(config: RtcConfig): RouterSource {
  let worker: Promise<types.Worker> | null = null;
  let died: string | null = null;
  let closed = false;
  const routers = new Set<types.Router>();

  const start = async (): Promise<types.Worker> => {
    const bin = resolveWorkerBin(config);
    if (!bin.ok) throw new DashboardError(bin.code, bin.reason);
    const w = await mediasoup.createWorker({
      workerBin: bin.path,
      rtcMinPort: config.minPort,
      rtcMaxPort: config.maxPort,
      logLevel: 'warn',
    });
    w.on('died', (err) => {
      died = `the mediasoup worker died: ${err.message}`;
      worker = null;
    });
    return w;
  };

  return {
    async createRouter() {
      if (closed) throw new DashboardError('RTC_UNAVAILABLE', 'WebRTC is shutting down');
      if (routers.size >= config.maxRouters) {
        throw new DashboardError('RTC_ROUTER_LIMIT', `at most ${config.maxRouters} WebRTC routers at once`);
      }
      if (died !== null && worker === null) died = null; // a new worker is tried once per request
      worker ??= start();
      let w: types.Worker;
      try {
        w = await worker;
      } catch (err) {
        worker = null;
        throw err instanceof DashboardError
          ? err
          : new DashboardError(
              'RTC_UNAVAILABLE',
              `the mediasoup worker cannot start: ${(err as Error).message}`,
            );
      }
      const router = await w.createRouter({ mediaCodecs: ROUTER_CODECS });
      routers.add(router);
      router.observer.once('close', () => routers.delete(router));
      return router;
    },
    transportOptions: () => transportOptionsOf(config),
    addPublisher: () => () => undefined,
    get open() {
      return routers.size;
    },
    async close() {
      if (closed) return;
      closed = true;
      const w = await worker?.catch(() => null);
      worker = null;
      w?.close();
    },
  };
}
