// The WebRTC side of the live view (issue 12): a mediasoup worker, one Router per viewed source fed
// by the source's live-view ffmpeg over a PlainTransport (RTP), a WebRtcTransport per viewer, and
// WHIP publishers whose media becomes a live source.
import type { types as ms } from 'mediasoup';
import type { RtcClock, RtcPeerStatsView, RtcSourceStatsView, RtcStatusView } from '../protocol.ts';
import type { FeedWatcher } from '../video/feed.ts';

/** Installation settings (env, see config.ts). `enabled: false` = the live view never tries WebRTC. */
export interface RtcConfig {
  readonly enabled: boolean;
  /** mediasoup-worker binary; null = mediasoup's own (node_modules/mediasoup/worker/out/...). */
  readonly workerBin: string | null;
  /** Address the RTC sockets bind (AIMA_RTC_LISTEN_IP; default 127.0.0.1, 0.0.0.0 with an announced IP). */
  readonly listenIp: string;
  /** Address put in ICE candidates (AIMA_WEBRTC_ANNOUNCED_IP), null = listenIp. */
  readonly announcedIp: string | null;
  /** UDP/TCP port range of the worker (AIMA_RTC_MIN_PORT / AIMA_RTC_MAX_PORT). */
  readonly minPort: number;
  readonly maxPort: number;
  /** Viewers of one source at once (AIMA_RTC_MAX_VIEWERS); the next gets RTC_VIEWER_LIMIT. */
  readonly maxViewersPerSource: number;
  /** Routers (viewed or published sources) per worker (AIMA_RTC_MAX_ROUTERS). */
  readonly maxRouters: number;
  /** Offer ICE over TCP too (fallback where UDP is blocked). */
  readonly tcp: boolean;
}

/** Where the live-view ffmpeg sends one stream's RTP (a PlainTransport, comedia, no rtcp-mux). */
export interface RtpTarget {
  readonly port: number;
  readonly rtcpPort: number;
  readonly payloadType: number;
  readonly ssrc: number;
}

/** What a feed learned about its input before starting ffmpeg. */
export interface RtpMedia {
  /** The source clock minus arrival time, now (VideoInput.clockOffsetMs): added to clock anchors. */
  readonly clockOffsetMs?: () => number;
  /** H.264 profile of the input when it is H.264 and copied ("Constrained Baseline", "Main", ...), else null. */
  readonly h264Profile: string | null;
  /** The feed copies the video (true) or encodes it (false). */
  readonly copy: boolean;
  readonly audio: boolean;
}

/** The RTP outputs of one feed, opened when its ffmpeg starts and closed when it ends. */
export interface RtpOutputs {
  readonly video: RtpTarget;
  /** Whether ffmpeg must encode the RTP video (baseline H.264) although the feed copies for MSE. */
  readonly transcodeVideo: boolean;
  readonly audio: RtpTarget | null;
  /** Closes the source's producers, its viewers' consumers and transports, and its router. */
  close(reason: 'ended' | 'failed' | 'closed' | 'unavailable', message: string): void;
  /**
   * Called (once) when the router goes away under a running feed (the worker died, the source was
   * quarantined): its RTP has nowhere to go, so the feed ends and the next one gets new outputs.
   */
  onLost(listener: (message: string) => void): void;
}

/** What the video hub asks for when a feed starts (null: no WebRTC for this feed). */
export interface RtpSink {
  openOutputs(sourceId: string, media: RtpMedia): Promise<RtpOutputs | null>;
}

/** One signalling connection's view of the service (a live WebSocket), for server/live.ts. */
export interface RtcSignalPeer {
  /** Sends one server message to this connection. */
  send(message: unknown): void;
}

/** What the server binds into the service: the live video feeds and the gate. */
export interface RtcFeeds {
  /** Keeps a source's feed running while it has RTC viewers (the VideoHub's watch). */
  watch(sourceId: string, watcher: FeedWatcher): () => void;
  /** Throws a coded error (SOURCE_NOT_FOUND, SOURCE_QUARANTINED) when a source may not be viewed. */
  admit?(sourceId: string): Promise<void>;
  /** Subscribes to sources becoming quarantined (their viewers are closed at once). */
  onQuarantine?(listener: (sourceId: string) => void): () => void;
}

export interface RtcService extends RtpSink {
  /** Binds the feeds (buildServer does; the service is created first, so it can be shared with WHIP). */
  attach(feeds: RtcFeeds): void;
  status(): RtcStatusView;
  /** Handles one rtc-* client message of a live WebSocket; replies through peer.send. */
  handle(peer: RtcSignalPeer, message: { type: `rtc-${string}` } & Record<string, unknown>): Promise<void>;
  /** Drops every viewer of this connection (its socket closed). */
  disconnect(peer: RtcSignalPeer): void;
  stats(sourceId: string): Promise<RtcSourceStatsView>;
  /** Sources with a router or a publisher now (for the per-peer metrics). */
  sources(): string[];
  /** The latest clock anchor of a source's video, or null. */
  clock(sourceId: string): RtcClock | null;
  /**
   * A new Router on the service's worker (for WHIP publishers); it counts against maxRouters until
   * it closes. Throws DashboardError RTC_DISABLED / RTC_WORKER_MISSING / RTC_WORKER_DIED /
   * RTC_UNAVAILABLE / RTC_ROUTER_LIMIT.
   */
  createRouter(): Promise<ms.Router>;
  /** Options of a WebRtcTransport on this installation's addresses, ports and TCP setting. */
  webRtcTransportOptions(): ms.WebRtcTransportOptions;
  /** Adds a publisher's stats to GET /api/v1/sources/:id/rtc (WHIP); returns the function that removes it. */
  addPublisher(sourceId: string, stats: () => Promise<RtcPeerStatsView>): () => void;
  /** Closes every transport, router and the worker. Idempotent. */
  close(): Promise<void>;
}
