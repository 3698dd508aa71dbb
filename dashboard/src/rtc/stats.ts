// mediasoup's stats → our RtcPeerStatsView (at the boundary), and the Prometheus gauges of the
// WebRTC side, read from the service when scraped.
import { Gauge, type Registry } from 'prom-client';
import type { types } from 'mediasoup';
import type { RtcPeerStatsView } from '../protocol.ts';
import type { RtcService } from './types.ts';

/** One transport's stats and those of its consumers (or producers) → one peer line. */
export async function peerStats(
  id: string,
  role: RtcPeerStatsView['role'],
  transport: types.WebRtcTransport,
  streams: readonly (types.Consumer | types.Producer)[],
): Promise<RtcPeerStatsView> {
  const [t] = await transport.getStats().catch(() => []);
  const perStream = await Promise.all(streams.map((s) => s.getStats().catch(() => [])));
  let packetsLost = 0;
  let fractionLost = 0;
  let rttMs: number | null = t?.roundTripTime ?? null;
  let jitterMs: number | null = null;
  for (const [i, list] of perStream.entries()) {
    const clockRate = streams[i]?.kind === 'audio' ? 48 : 90; // RTP units per ms
    // A consumer reports its outbound stream (what the viewer told us in RTCP receiver reports);
    // a producer its inbound stream.
    const s = list.find((x) => x.type === (role === 'viewer' ? 'outbound-rtp' : 'inbound-rtp'));
    if (!s) continue;
    packetsLost += s.packetsLost;
    // RTCP's fraction lost is 8-bit fixed point.
    fractionLost = Math.max(fractionLost, s.fractionLost / 256);
    if (s.roundTripTime !== undefined && s.roundTripTime > 0) rttMs = Math.max(rttMs ?? 0, s.roundTripTime);
    jitterMs = Math.max(jitterMs ?? 0, s.jitter / clockRate);
  }
  return {
    id,
    role,
    bitrate: t ? (role === 'viewer' ? t.sendBitrate : t.recvBitrate) : 0,
    packetsLost,
    fractionLost,
    rttMs,
    jitterMs,
    iceState: transport.iceState,
    dtlsState: transport.dtlsState,
  };
}

/** aima_rtc_* gauges. Per-peer series carry source and peer labels (bounded by the caps). */
export function registerRtcMetrics(registry: Registry, rtc: RtcService | null): void {
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  };
  gauge('aima_rtc_available', 'Whether the live view can use WebRTC (1) or falls back to MSE (0)', () =>
    rtc?.status().available ? 1 : 0,
  );
  gauge(
    'aima_rtc_routers',
    'mediasoup routers (viewed and published sources)',
    () => rtc?.status().routers ?? 0,
  );
  gauge('aima_rtc_viewers', 'WebRTC live-view viewers', () => rtc?.status().viewers ?? 0);
  gauge(
    'aima_rtc_producers',
    'mediasoup producers (source video and audio tracks)',
    () => rtc?.status().producers ?? 0,
  );
  // One stats round (a worker round trip per transport and stream) serves the four per-peer
  // gauges of a scrape: they are collected concurrently.
  let round: { at: number; peers: Promise<{ source: string; peer: RtcPeerStatsView }[]> } | null = null;
  const peers = (): Promise<{ source: string; peer: RtcPeerStatsView }[]> => {
    if (round && Date.now() - round.at < 1000) return round.peers;
    const list = async (): Promise<{ source: string; peer: RtcPeerStatsView }[]> => {
      if (!rtc) return [];
      const out: { source: string; peer: RtcPeerStatsView }[] = [];
      for (const source of rtc.sources()) {
        const s = await rtc.stats(source).catch(() => null);
        for (const peer of s?.peers ?? []) out.push({ source, peer });
      }
      return out;
    };
    round = { at: Date.now(), peers: list() };
    return round.peers;
  };
  const perPeer = (name: string, help: string, pick: (p: RtcPeerStatsView) => number | null): void => {
    new Gauge({
      name,
      help,
      labelNames: ['source', 'peer', 'role'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const { source, peer } of await peers()) {
          const v = pick(peer);
          if (v !== null) this.set({ source, peer: peer.id, role: peer.role }, v);
        }
      },
    });
  };
  perPeer(
    'aima_rtc_peer_bitrate_bps',
    'Bits per second sent to a viewer or received from a publisher',
    (p) => p.bitrate,
  );
  perPeer(
    'aima_rtc_peer_fraction_lost',
    'Fraction of packets lost, as the receiver last reported',
    (p) => p.fractionLost,
  );
  perPeer('aima_rtc_peer_packets_lost', 'Packets lost, as the receiver reported', (p) => p.packetsLost);
  perPeer('aima_rtc_peer_rtt_ms', 'Round-trip time to a peer, ms', (p) => p.rttMs);
  perPeer('aima_rtc_peer_jitter_ms', 'Interarrival jitter a peer reports, ms', (p) => p.jitterMs);
}
