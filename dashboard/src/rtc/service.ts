// The WebRTC service: a Room per viewed source fed by the source's live-view ffmpeg, the viewers'
// signalling (rtc-* messages of the live socket), routers for WHIP publishers, status and stats;
// all on the one mediasoup worker of worker.ts.
//
// Worker death: every room closes (viewers get rtc-closed; feeds sending into them end, so the
// next feed gets new outputs), the status says RTC_WORKER_DIED, and a new worker follows.
import type { types } from 'mediasoup';
import { DashboardError } from '../errors.ts';
import { ClientMessage, type RtcPeerStatsView, type RtcStatusView, type ServerMessage } from '../protocol.ts';
import { createRoom, type Room } from './room.ts';
import type { Viewer } from './viewer.ts';
import { createWorkerHost, firstLine } from './worker.ts';
import type { RtcConfig, RtcFeeds, RtcService, RtcSignalPeer } from './types.ts';

/** Viewers one live socket may hold (a dashboard shows a handful of sources). */
export const MAX_VIEWERS_PER_PEER = 32;

export interface RtcServiceOptions {
  readonly config: RtcConfig;
}

interface Entry {
  readonly viewer: Viewer;
  readonly room: Room;
  readonly peer: RtcSignalPeer;
  stopWatch: (() => void) | null;
}

type RtcMessage = Extract<ClientMessage, { type: `rtc-${string}` }>;

export function createRtcService({ config }: RtcServiceOptions): RtcService {
  // Bound by the server (attach): the service is created before the video hub that feeds it.
  let feeds: RtcFeeds | null = null;
  let offQuarantine: (() => void) | undefined;
  const rooms = new Map<string, Room>();
  const roomStarts = new Map<string, Promise<Room>>();
  const entries = new Map<string, Entry>();
  const byPeer = new Map<RtcSignalPeer, Set<string>>();
  const publishers = new Map<string, Set<() => Promise<RtcPeerStatsView>>>();
  const host = createWorkerHost({
    config,
    onDied: () => {
      for (const room of [...rooms.values()]) room.close('failed', 'the mediasoup worker died');
    },
  });
  const unavailable = (): DashboardError | null => host.unavailable();
  const newRouter = (): Promise<types.Router> => host.createRouter();

  /** The source's room, created (with its router) if there is none. */
  async function getRoom(sourceId: string): Promise<Room> {
    const have = rooms.get(sourceId);
    if (have && !have.closed) return have;
    let p = roomStarts.get(sourceId);
    if (!p) {
      p = newRouter()
        .then((router) => {
          const room = createRoom({
            sourceId,
            router,
            plainListen: {
              protocol: 'udp',
              ip: '127.0.0.1',
              portRange: { min: config.minPort, max: config.maxPort },
            },
            onClock: (r, clock) => {
              for (const v of r.viewers.values()) {
                entries.get(v.id)?.peer.send({ type: 'rtc-clock', sourceId, clock } satisfies ServerMessage);
              }
            },
            onClose: (r) => {
              if (rooms.get(sourceId) === r) rooms.delete(sourceId);
            },
          });
          rooms.set(sourceId, room);
          return room;
        })
        .finally(() => roomStarts.delete(sourceId));
      roomStarts.set(sourceId, p);
    }
    return p;
  }

  function transportOptions(): types.WebRtcTransportOptions {
    const listen = (protocol: 'udp' | 'tcp'): types.TransportListenInfo => ({
      protocol,
      ip: config.listenIp,
      ...(config.announcedIp ? { announcedAddress: config.announcedIp } : {}),
      portRange: { min: config.minPort, max: config.maxPort },
    });
    return {
      listenInfos: config.tcp ? [listen('udp'), listen('tcp')] : [listen('udp')],
      preferUdp: true,
      initialAvailableOutgoingBitrate: 2_000_000,
    };
  }

  function entryOf(peer: RtcSignalPeer, viewerId: string): Entry {
    const e = entries.get(viewerId);
    // Another connection's viewer is as unknown to this one as a made-up id.
    if (!e || e.peer !== peer || e.viewer.closed) {
      throw new DashboardError(
        'RTC_VIEWER_NOT_FOUND',
        `no viewer ${JSON.stringify(viewerId)} on this connection`,
      );
    }
    return e;
  }

  function checkViewerCap(room: Room): void {
    if (room.viewers.size >= config.maxViewersPerSource) {
      throw new DashboardError(
        'RTC_VIEWER_LIMIT',
        `at most ${config.maxViewersPerSource} WebRTC viewers per source; use MSE`,
      );
    }
  }

  async function join(peer: RtcSignalPeer, req: number, sourceId: string): Promise<void> {
    const why = unavailable();
    if (why) throw why;
    const f = feeds;
    if (!f) throw new DashboardError('RTC_UNAVAILABLE', 'the live video is not attached to WebRTC');
    await f.admit?.(sourceId);
    const mine = byPeer.get(peer);
    if ((mine?.size ?? 0) >= MAX_VIEWERS_PER_PEER) {
      throw new DashboardError('RTC_VIEWER_LIMIT', `at most ${MAX_VIEWERS_PER_PEER} viewers per connection`);
    }
    const room = await getRoom(sourceId);
    let transport: types.WebRtcTransport | null = null;
    try {
      checkViewerCap(room);
      transport = await room.router.createWebRtcTransport(transportOptions());
      // Re-checked: other joins of this source ran while the transport was being made.
      checkViewerCap(room);
      if (room.closed || !byPeer.has(peer)) {
        throw new DashboardError('RTC_UNAVAILABLE', 'the source or the connection closed meanwhile');
      }
    } catch (err) {
      transport?.close();
      // A room this join created must not linger without viewers or a feed.
      if (room.viewers.size === 0 && room.outputs === null) room.close('closed', 'unused');
      throw err;
    }
    const viewer = room.addViewer(transport, {
      onClose: (v, reason, message) => {
        const e = entries.get(v.id);
        entries.delete(v.id);
        byPeer.get(peer)?.delete(v.id);
        e?.stopWatch?.();
        if (reason)
          peer.send({
            type: 'rtc-closed',
            sourceId,
            viewerId: v.id,
            reason,
            message,
          } satisfies ServerMessage);
      },
    });
    const entry: Entry = { viewer, room, peer, stopWatch: null };
    entries.set(viewer.id, entry);
    byPeer.get(peer)?.add(viewer.id);
    // The feed runs while the source has RTC viewers (and starts now if it was not running).
    const stop = f.watch(sourceId, {
      start: () => undefined,
      fragment: () => undefined,
      end: (reason, message) => viewer.close(reason, message),
    });
    if (viewer.closed) {
      stop();
      throw new DashboardError('RTC_NO_VIDEO', 'the source has no live video');
    }
    entry.stopWatch = stop;
    peer.send({
      type: 'rtc-joined',
      req,
      sourceId,
      viewerId: viewer.id,
      routerRtpCapabilities: room.router.rtpCapabilities as unknown as Record<string, unknown>,
      transport: {
        id: transport.id,
        iceParameters: transport.iceParameters as unknown as Record<string, unknown>,
        iceCandidates: transport.iceCandidates as unknown as Record<string, unknown>[],
        dtlsParameters: transport.dtlsParameters as unknown as Record<string, unknown>,
      },
    } satisfies ServerMessage);
  }

  async function consume(
    peer: RtcSignalPeer,
    req: number,
    viewerId: string,
    caps: Record<string, unknown>,
  ): Promise<void> {
    const { viewer, room } = entryOf(peer, viewerId);
    await room.videoProducer();
    if (viewer.closed) throw new DashboardError('RTC_VIEWER_NOT_FOUND', 'the viewer closed');
    const consumers = await viewer.consume(room.router, room.producers, caps);
    peer.send({ type: 'rtc-consumers', req, viewerId, consumers, clock: room.clock } satisfies ServerMessage);
  }

  async function handle(peer: RtcSignalPeer, raw: Record<string, unknown>): Promise<void> {
    if (!byPeer.has(peer)) byPeer.set(peer, new Set());
    const parsed = ClientMessage.safeParse(raw);
    const req = typeof raw.req === 'number' ? raw.req : null;
    try {
      if (!parsed.success || !parsed.data.type.startsWith('rtc-')) {
        const issue = parsed.success ? null : parsed.error.issues[0];
        throw new DashboardError(
          'RTC_BAD_REQUEST',
          issue ? `message.${issue.path.join('.')}: ${issue.message}` : 'not an rtc message',
        );
      }
      const m = parsed.data as RtcMessage;
      switch (m.type) {
        case 'rtc-join':
          return await join(peer, m.req, m.sourceId);
        case 'rtc-connect':
          await entryOf(peer, m.viewerId).viewer.connect(m.dtlsParameters);
          return peer.send({ type: 'rtc-ok', req: m.req, viewerId: m.viewerId } satisfies ServerMessage);
        case 'rtc-consume':
          return await consume(peer, m.req, m.viewerId, m.rtpCapabilities);
        case 'rtc-resume':
          await entryOf(peer, m.viewerId).viewer.resume();
          return peer.send({ type: 'rtc-ok', req: m.req, viewerId: m.viewerId } satisfies ServerMessage);
        case 'rtc-leave':
          entryOf(peer, m.viewerId).viewer.close(null, 'left');
          return peer.send({ type: 'rtc-ok', req: m.req, viewerId: m.viewerId } satisfies ServerMessage);
      }
    } catch (err) {
      const viewerId = typeof raw.viewerId === 'string' ? raw.viewerId : null;
      const sourceId =
        typeof raw.sourceId === 'string'
          ? raw.sourceId
          : viewerId
            ? (entries.get(viewerId)?.room.sourceId ?? null)
            : null;
      const coded =
        err instanceof DashboardError ||
        (err instanceof Error &&
          typeof (err as { code?: unknown }).code === 'string' &&
          typeof (err as { httpStatus?: unknown }).httpStatus === 'number');
      // mediasoup's own errors (bad DTLS parameters or capabilities from the client) name the
      // offending field and hold nothing secret.
      const code = coded ? (err as DashboardError).code : 'RTC_BAD_REQUEST';
      const message = coded ? (err as Error).message : firstLine(err);
      peer.send({ type: 'rtc-error', req, sourceId, viewerId, code, message } satisfies ServerMessage);
    }
  }

  return {
    attach(given) {
      offQuarantine?.();
      feeds = given;
      offQuarantine = given.onQuarantine?.((sourceId) =>
        rooms.get(sourceId)?.close('unavailable', 'the source is quarantined'),
      );
    },
    async openOutputs(sourceId, media) {
      const why = unavailable();
      // A dead worker is replaced on this need; missing or disabled: no RTP.
      if (why && why.code !== 'RTC_WORKER_DIED' && why.code !== 'RTC_UNAVAILABLE') return null;
      const room = await getRoom(sourceId);
      return room.openOutputs(media);
    },
    status(): RtcStatusView {
      const why = unavailable();
      return {
        available: why === null,
        code: why?.code ?? null,
        reason: why?.message ?? null,
        routers: host.routers,
        viewers: entries.size,
        producers: host.producers,
        maxViewersPerSource: config.maxViewersPerSource,
        maxRouters: config.maxRouters,
      };
    },
    handle: (peer, message) => handle(peer, message),
    disconnect(peer) {
      const ids = byPeer.get(peer);
      byPeer.delete(peer);
      for (const id of ids ?? []) entries.get(id)?.viewer.close(null, 'the connection closed');
    },
    async stats(sourceId) {
      const room = rooms.get(sourceId);
      const viewers = room ? [...room.viewers.values()] : [];
      const pubs = [...(publishers.get(sourceId) ?? [])];
      const peers = await Promise.all([...viewers.map((v) => v.stats()), ...pubs.map((f) => f())]);
      return {
        sourceId,
        producing: (room?.producers.length ?? 0) > 0,
        video: room?.outputs?.video ?? null,
        audio: room?.outputs?.audio ?? false,
        peers,
      };
    },
    sources() {
      return [...new Set([...rooms.keys(), ...publishers.keys()])];
    },
    clock: (sourceId) => rooms.get(sourceId)?.clock ?? null,
    createRouter: () => {
      const why = unavailable();
      if (why && why.code !== 'RTC_WORKER_DIED') return Promise.reject(why);
      return newRouter();
    },
    webRtcTransportOptions: transportOptions,
    addPublisher(sourceId, stats) {
      let set = publishers.get(sourceId);
      if (!set) publishers.set(sourceId, (set = new Set()));
      set.add(stats);
      return () => {
        set.delete(stats);
        if (set.size === 0 && publishers.get(sourceId) === set) publishers.delete(sourceId);
      };
    },
    async close() {
      offQuarantine?.();
      offQuarantine = undefined;
      for (const room of [...rooms.values()]) room.close('closed', 'the server is shutting down');
      await host.close();
    },
  };
}
