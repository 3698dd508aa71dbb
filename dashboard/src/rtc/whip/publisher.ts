// One WHIP publisher in mediasoup: its Router, the WebRtcTransport the browser (or OBS) sends to,
// a producer per accepted track, and the relay (a PlainTransport + consumer per track into one
// ffmpeg). close() tears it all down; it closes itself when the publisher's transport fails.
import type { types } from 'mediasoup';
import { DashboardError } from '../../errors.ts';
import type { RtcPeerStatsView } from '../../protocol.ts';
import { peerStats } from '../stats.ts';
import { reservePortPair, startRelay, type Relay, type RelayTrack } from './relay.ts';
import { buildWhipAnswer, parseWhipOffer } from './sdp.ts';

/** The publisher's ICE/DTLS failed or closed and did not come back within this long. */
export const TRANSPORT_GRACE_MS = 5000;
/** A publisher that never connects (no ICE/DTLS) is given up after this long. */
export const CONNECT_TIMEOUT_MS = 30_000;
/** Keyframes from the publisher this often: the ingest and the recorder join at one. */
export const KEYFRAME_EVERY_MS = 2000;

export type PublisherEnd = 'deleted' | 'failed' | 'closed';

export interface Publisher {
  readonly answer: string;
  readonly relay: Relay;
  readonly router: types.Router;
  readonly transport: types.WebRtcTransport;
  readonly tracks: ReadonlyArray<{ readonly kind: types.MediaKind; readonly codec: string }>;
  readonly closed: boolean;
  /** The publisher's transport as GET /api/v1/sources/:id/rtc shows it. */
  stats(): Promise<RtcPeerStatsView>;
  /** Closes the router (transports, producers, consumers go with it) and the relay. Idempotent. */
  close(): Promise<void>;
}

export interface PublisherOptions {
  readonly router: types.Router;
  readonly offer: string;
  readonly transportOptions: types.WebRtcTransportOptions;
  /** Called once when the publisher ends by itself (transport failed, relay died): why. */
  readonly onFailed: (message: string) => void;
}

export async function createPublisher(opts: PublisherOptions): Promise<Publisher> {
  const { router } = opts;
  const closeRouter = (): void => {
    if (!router.closed) router.close();
  };
  let relay: Relay | null = null;
  try {
    const offer = parseWhipOffer(opts.offer, router.rtpCapabilities);
    const transport = await router.createWebRtcTransport(opts.transportOptions);
    await transport.connect({ dtlsParameters: offer.remoteDtls });
    const producers: types.Producer[] = [];
    for (const t of offer.tracks) {
      try {
        producers.push(await transport.produce({ kind: t.kind, rtpParameters: t.rtpParameters }));
      } catch (err) {
        throw new DashboardError('WHIP_BAD_OFFER', `track ${t.mid} (${t.codec}): ${(err as Error).message}`);
      }
    }
    const answer = buildWhipAnswer(offer, transport);

    // The relay's consumers take the producers' codecs only (no rtx: ffmpeg sends no NACKs).
    const caps: types.RtpCapabilities = {
      ...router.rtpCapabilities,
      codecs: (router.rtpCapabilities.codecs ?? []).filter((c) => !/\/rtx$/i.test(c.mimeType)),
    };
    const consumers: types.Consumer[] = [];
    const relayTracks: RelayTrack[] = [];
    for (const producer of producers) {
      const plain = await router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
        rtcpMux: false,
        comedia: false,
      });
      const port = await reservePortPair();
      await plain.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
      const consumer = await plain.consume({ producerId: producer.id, rtpCapabilities: caps, paused: true });
      const codec = consumer.rtpParameters.codecs[0]!;
      consumers.push(consumer);
      relayTracks.push({
        kind: producer.kind,
        port,
        payloadType: codec.payloadType,
        codecName: codec.mimeType.split('/')[1]!,
        clockRate: codec.clockRate,
        channels: codec.channels,
        parameters: codec.parameters ?? {},
      });
    }
    relay = await startRelay(relayTracks);
    const started = relay;
    for (const c of consumers) await c.resume();

    const keyframes = (): void => {
      for (const c of consumers)
        if (c.kind === 'video' && !c.closed) void c.requestKeyFrame().catch(() => undefined);
    };
    // A browser tab that closes sends no DTLS close and ICE consent expires only after 30 s: media
    // that stops arriving for TRANSPORT_GRACE_MS ends the publisher as well.
    let lastBytes = -1;
    let quietSince = Date.now();
    const watchMedia = async (): Promise<void> => {
      const [stats] = await transport.getStats();
      const bytes = stats?.bytesReceived ?? 0;
      if (bytes !== lastBytes) {
        lastBytes = bytes;
        quietSince = Date.now();
      } else if (bytes > 0 && Date.now() - quietSince >= TRANSPORT_GRACE_MS) {
        fail(`the publisher sent no media for ${TRANSPORT_GRACE_MS / 1000} s`);
      }
    };
    // The first keyframes soon (ffmpeg needs a moment to bind its ports), then every KEYFRAME_EVERY_MS.
    const early = [setTimeout(keyframes, 300), setTimeout(keyframes, 1000)];
    const ticker = setInterval(keyframes, KEYFRAME_EVERY_MS);
    const watcher = setInterval(() => void watchMedia().catch(() => undefined), 1000);

    let closed: Promise<void> | null = null;
    // Set before anything closes: the router's own 'close' must not read as a failure.
    let closing = false;
    let failed = false;
    const fail = (message: string): void => {
      if (failed || closing) return;
      failed = true;
      opts.onFailed(message);
    };
    let grace: NodeJS.Timeout | null = null;
    const connectTimer = setTimeout(
      () => fail(`the publisher did not connect within ${CONNECT_TIMEOUT_MS / 1000} s`),
      CONNECT_TIMEOUT_MS,
    );
    const watchState = (): void => {
      const bad =
        transport.iceState === 'disconnected' ||
        transport.iceState === 'closed' ||
        transport.dtlsState === 'failed' ||
        transport.dtlsState === 'closed';
      if (transport.dtlsState === 'connected') clearTimeout(connectTimer);
      if (bad && grace === null) {
        grace = setTimeout(
          () =>
            fail(`the publisher's connection ended (ICE ${transport.iceState}, DTLS ${transport.dtlsState})`),
          TRANSPORT_GRACE_MS,
        );
      } else if (!bad && grace !== null) {
        clearTimeout(grace);
        grace = null;
      }
    };
    transport.on('icestatechange', watchState);
    transport.on('dtlsstatechange', watchState);
    void started.ended.then((e) => {
      if (!e.killed) fail(e.message);
    });
    // The worker died or the service closed: everything of this publisher is gone already.
    router.observer.once('close', () => fail('the WebRTC router closed'));

    return {
      answer,
      relay: started,
      router,
      transport,
      tracks: offer.tracks.map((t) => ({ kind: t.kind, codec: t.codec })),
      get closed() {
        return closing;
      },
      stats: () => peerStats(transport.id, 'publisher', transport, producers),
      close() {
        closing = true;
        closed ??= (async () => {
          for (const t of early) clearTimeout(t);
          clearInterval(ticker);
          clearInterval(watcher);
          clearTimeout(connectTimer);
          if (grace) clearTimeout(grace);
          closeRouter();
          await started.close();
        })();
        return closed;
      },
    };
  } catch (err) {
    closeRouter();
    await relay?.close();
    throw err;
  }
}
