// One WebRTC viewer of a source: a WebRtcTransport and its consumers (created paused; resumed
// with a keyframe request when the client is ready). A viewer whose transport never connects, or
// whose ICE/DTLS fails or stays disconnected, is closed within seconds.
import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import type { RtcPeerStatsView } from '../protocol.ts';
import { DashboardError } from '../errors.ts';
import { peerStats } from './stats.ts';

type CloseReason = 'unavailable' | 'ended' | 'failed' | 'closed';

/** A transport must be connected (DTLS) this soon after the join. */
export const CONNECT_TIMEOUT_MS = 30_000;
/** ICE 'disconnected' this long (the browser went away without a word) closes the viewer. */
export const DISCONNECTED_GRACE_MS = 5_000;

export interface ViewerHooks {
  /** Closed, with the reason when the server closed it (null: the client left). */
  readonly onClose: (viewer: Viewer, reason: CloseReason | null, message: string) => void;
}

export interface ConsumerInfo {
  readonly id: string;
  readonly producerId: string;
  readonly kind: 'audio' | 'video';
  readonly rtpParameters: Record<string, unknown>;
}

export interface Viewer {
  readonly id: string;
  readonly transport: types.WebRtcTransport;
  readonly consumers: readonly types.Consumer[];
  readonly closed: boolean;
  connect(dtlsParameters: Record<string, unknown>): Promise<void>;
  /** Consumers (paused) of these producers the client can receive; replaces earlier ones. */
  consume(
    router: types.Router,
    producers: readonly types.Producer[],
    rtpCapabilities: Record<string, unknown>,
  ): Promise<ConsumerInfo[]>;
  resume(): Promise<void>;
  stats(): Promise<RtcPeerStatsView>;
  /** Closes the transport (and its consumers). `reason` null: the client asked. Idempotent. */
  close(reason: CloseReason | null, message: string): void;
}

export function createViewer(transport: types.WebRtcTransport, hooks: ViewerHooks): Viewer {
  const id = randomUUID();
  let consumers: types.Consumer[] = [];
  let closed = false;
  let disconnectTimer: ReturnType<typeof setTimeout> | undefined;
  const connectTimer = setTimeout(() => {
    if (transport.dtlsState !== 'connected')
      viewer.close('failed', 'the WebRTC connection was not established in time');
  }, CONNECT_TIMEOUT_MS);
  connectTimer.unref();

  transport.on('dtlsstatechange', (state) => {
    if (state === 'connected') clearTimeout(connectTimer);
    if (state === 'failed' || state === 'closed') viewer.close('failed', `DTLS ${state}`);
  });
  transport.on('icestatechange', (state) => {
    clearTimeout(disconnectTimer);
    if (state === 'disconnected') {
      disconnectTimer = setTimeout(() => viewer.close('failed', 'ICE disconnected'), DISCONNECTED_GRACE_MS);
      disconnectTimer.unref();
    } else if (state === 'closed') viewer.close('failed', 'ICE closed');
  });
  // The room closes its viewers before its router; a router closing under them is the worker
  // dying (mediasoup closes the transports before it says 'died').
  transport.on('routerclose', () => viewer.close('failed', 'the mediasoup worker died'));

  const viewer: Viewer = {
    id,
    transport,
    get consumers() {
      return consumers;
    },
    get closed() {
      return closed;
    },
    async connect(dtlsParameters) {
      await transport.connect({ dtlsParameters: dtlsParameters as unknown as types.DtlsParameters });
    },
    async consume(router, producers, rtpCapabilities) {
      const caps = rtpCapabilities as unknown as types.RtpCapabilities;
      for (const c of consumers) c.close();
      consumers = [];
      const out: ConsumerInfo[] = [];
      for (const p of producers) {
        if (!router.canConsume({ producerId: p.id, rtpCapabilities: caps })) {
          if (p.kind === 'video') {
            throw new DashboardError('RTC_BAD_REQUEST', 'this browser cannot receive the H.264 video');
          }
          continue; // no Opus: video alone
        }
        const c = await transport.consume({ producerId: p.id, rtpCapabilities: caps, paused: true });
        if (closed) {
          c.close();
          throw new DashboardError('RTC_VIEWER_NOT_FOUND', 'the viewer closed');
        }
        consumers.push(c);
        out.push({
          id: c.id,
          producerId: p.id,
          kind: c.kind,
          rtpParameters: c.rtpParameters as unknown as Record<string, unknown>,
        });
      }
      return out;
    },
    async resume() {
      for (const c of consumers) {
        await c.resume();
        // A new viewer starts at once from a fresh keyframe (where the producer can give one).
        if (c.kind === 'video') await c.requestKeyFrame();
      }
    },
    stats() {
      return peerStats(id, 'viewer', transport, consumers);
    },
    close(reason, message) {
      if (closed) return;
      closed = true;
      clearTimeout(connectTimer);
      clearTimeout(disconnectTimer);
      consumers = [];
      transport.close();
      hooks.onClose(viewer, reason, message);
    },
  };
  return viewer;
}
