// One viewed source on the WebRTC side: its Router, the PlainTransports and producers the feed's
// ffmpeg sends RTP into, and its viewers (a WebRtcTransport each, with their consumers).
//
// Close chain: room.close() closes the router, which closes every transport, producer and consumer
// in the worker; each viewer is told why (rtc-closed). A viewer's close() closes its transport
// (and with it its consumers). The room closes itself when its last viewer left and no feed sends
// into it, or when its feed's outputs are closed.
import type { types } from 'mediasoup';
import type { RtcClock } from '../protocol.ts';
import { DashboardError } from '../errors.ts';
import {
  AUDIO_PAYLOAD_TYPE,
  VIDEO_PAYLOAD_TYPE,
  audioProducerParameters,
  browserCanDecode,
  profileLevelId,
  randomSsrc,
  videoProducerParameters,
} from './codecs.ts';
import type { RtpMedia, RtpOutputs, RtpTarget } from './types.ts';
import { createViewer, type Viewer, type ViewerHooks } from './viewer.ts';

export type CloseReason = 'unavailable' | 'ended' | 'failed' | 'closed';

/** How long rtc-consume waits for the feed's producer. */
export const PRODUCER_WAIT_MS = 15_000;

export interface RoomOptions {
  readonly sourceId: string;
  readonly router: types.Router;
  /** Where PlainTransports for ffmpeg listen (loopback, ports from the RTC range). */
  readonly plainListen: types.TransportListenInfo;
  /** A keyframe of the video producer gave a new clock anchor. */
  readonly onClock: (room: Room, clock: RtcClock) => void;
  /** The room has closed (once). */
  readonly onClose: (room: Room) => void;
}

export interface RoomOutputsInfo {
  readonly video: 'copy' | 'transcode';
  readonly audio: boolean;
}

export interface Room {
  readonly sourceId: string;
  readonly router: types.Router;
  readonly viewers: ReadonlyMap<string, Viewer>;
  readonly producers: readonly types.Producer[];
  readonly outputs: RoomOutputsInfo | null;
  readonly clock: RtcClock | null;
  readonly closed: boolean;
  openOutputs(media: RtpMedia): Promise<RtpOutputs>;
  addViewer(transport: types.WebRtcTransport, hooks: ViewerHooks): Viewer;
  /** Resolves with the video producer once the feed's RTP outputs exist (≤ PRODUCER_WAIT_MS). */
  videoProducer(): Promise<types.Producer>;
  close(reason: CloseReason, message: string): void;
}

export function createRoom(opts: RoomOptions): Room {
  const { router, sourceId } = opts;
  const viewers = new Map<string, Viewer>();
  let producers: types.Producer[] = [];
  let plains: types.PlainTransport[] = [];
  let video: types.Producer | null = null;
  let info: RoomOutputsInfo | null = null;
  let clock: RtcClock | null = null;
  let closed = false;
  /** Outputs generation: closing an old feed's outputs must not close a newer feed's. */
  let generation = 0;
  /** Tells the current feed its outputs are gone (set while a feed sends into this room). */
  let onLost: ((message: string) => void) | null = null;
  const waiters = new Set<{ resolve: (p: types.Producer) => void; reject: (e: Error) => void }>();

  function closeOutputs(): void {
    for (const t of plains) t.close();
    plains = [];
    producers = [];
    video = null;
    info = null;
  }

  function maybeIdle(): void {
    if (!closed && viewers.size === 0 && info === null) room.close('closed', 'no viewers and no feed');
  }

  async function plainTarget(
    payloadType: number,
  ): Promise<{ transport: types.PlainTransport; target: RtpTarget }> {
    // comedia: the transport learns ffmpeg's address from its first packet. No rtcp-mux: ffmpeg
    // sends RTCP from another socket, which comedia would otherwise lock onto.
    const transport = await router.createPlainTransport({
      listenInfo: opts.plainListen,
      rtcpMux: false,
      comedia: true,
    });
    const rtcpPort = transport.rtcpTuple?.localPort;
    if (rtcpPort === undefined)
      throw new DashboardError('RTC_UNAVAILABLE', 'the RTP transport has no RTCP port');
    const target = { port: transport.tuple.localPort, rtcpPort, payloadType, ssrc: randomSsrc() };
    return { transport, target };
  }

  const room: Room = {
    sourceId,
    router,
    get viewers() {
      return viewers;
    },
    get producers() {
      return producers;
    },
    get outputs() {
      return info;
    },
    get clock() {
      return clock;
    },
    get closed() {
      return closed;
    },

    async openOutputs(media) {
      if (closed) throw new DashboardError('RTC_UNAVAILABLE', 'the router closed');
      closeOutputs();
      onLost = null;
      const gen = ++generation;
      const transcodeVideo = media.copy && !browserCanDecode(media.h264Profile);
      const profile = profileLevelId(media.h264Profile, media.copy && !transcodeVideo);
      const made: types.PlainTransport[] = [];
      try {
        const v = await plainTarget(VIDEO_PAYLOAD_TYPE);
        made.push(v.transport);
        const a = media.audio ? await plainTarget(AUDIO_PAYLOAD_TYPE) : null;
        if (a) made.push(a.transport);
        const vp = await v.transport.produce({
          kind: 'video',
          rtpParameters: videoProducerParameters(v.target.ssrc, profile),
        });
        const ap = a
          ? await a.transport.produce({
              kind: 'audio',
              rtpParameters: audioProducerParameters(a.target.ssrc),
            })
          : null;
        if (closed || gen !== generation) throw new DashboardError('RTC_UNAVAILABLE', 'the router closed');
        // Each keyframe anchors the RTP clock to the wall clock (the overlay's source clock).
        await vp.enableTraceEvent(['keyframe']);
        vp.on('trace', (trace) => {
          const ts = (trace.info as { rtpPacket?: { timestamp?: number } }).rtpPacket?.timestamp;
          if (trace.type !== 'keyframe' || typeof ts !== 'number') return;
          // Arrival here, moved onto the source's clock (live sources run ahead of arrival by
          // what ffmpeg buffered before their first frame; see VideoInput.clockOffsetMs).
          clock = { rtpTimestamp: ts, wallMs: Date.now() + (media.clockOffsetMs?.() ?? 0) };
          opts.onClock(room, clock);
        });
        plains = made;
        producers = ap ? [vp, ap] : [vp];
        video = vp;
        info = { video: media.copy && !transcodeVideo ? 'copy' : 'transcode', audio: ap !== null };
        for (const w of waiters) w.resolve(vp);
        waiters.clear();
        let lost: ((message: string) => void) | null = null;
        let lostMessage: string | null = null;
        onLost = (message) => {
          lostMessage = message;
          lost?.(message);
        };
        return {
          video: v.target,
          audio: a?.target ?? null,
          transcodeVideo,
          close(reason, message) {
            if (gen !== generation || closed) return;
            onLost = null;
            // The feed ended: its viewers have nothing left to watch.
            room.close(reason, message);
          },
          onLost(listener) {
            if (lostMessage !== null) return listener(lostMessage);
            lost = listener;
          },
        };
      } catch (err) {
        for (const t of made) t.close();
        throw err;
      }
    },

    addViewer(transport, hooks) {
      const viewer = createViewer(transport, {
        ...hooks,
        onClose: (v, reason, message) => {
          viewers.delete(v.id);
          hooks.onClose(v, reason, message);
          maybeIdle();
        },
      });
      viewers.set(viewer.id, viewer);
      return viewer;
    },

    videoProducer() {
      if (video) return Promise.resolve(video);
      if (closed) return Promise.reject(new DashboardError('RTC_NO_VIDEO', 'the source has no live video'));
      return new Promise((resolve, reject) => {
        const w = {
          resolve: (p: types.Producer) => {
            clearTimeout(timer);
            resolve(p);
          },
          reject: (e: Error) => {
            clearTimeout(timer);
            reject(e);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(
            new DashboardError(
              'RTC_NO_VIDEO',
              `no video from the source within ${PRODUCER_WAIT_MS / 1000} s`,
            ),
          );
        }, PRODUCER_WAIT_MS);
        waiters.add(w);
      });
    },

    close(reason, message) {
      if (closed) return;
      closed = true;
      for (const w of waiters) w.reject(new DashboardError('RTC_NO_VIDEO', message));
      waiters.clear();
      for (const v of [...viewers.values()]) v.close(reason, message);
      viewers.clear();
      closeOutputs();
      router.close();
      const tell = onLost;
      onLost = null;
      tell?.(message);
      opts.onClose(room);
    },
  };
  return room;
}
