// WHIP offer/answer (RFC 9725 over RFC 8829 SDP), pure: a publisher's offer becomes the producers'
// RTP parameters, and mediasoup's transport parameters become the answer. mediasoup speaks no SDP;
// sdp-transform reads and writes it.
import type { types } from 'mediasoup';
import sdpTransform, { type MediaDescription, type SessionDescription } from 'sdp-transform';
import { DashboardError } from '../../errors.ts';

type Media = SessionDescription['media'][number];

/** One published track the answer accepts. */
export interface OfferTrack {
  readonly mid: string;
  readonly kind: types.MediaKind;
  /** 'h264' is copied by the relay; 'vp8' is encoded to H.264; 'opus' is copied. */
  readonly codec: 'h264' | 'vp8' | 'opus';
  /** For transport.produce(): the chosen codec (+ its rtx), the offer's SSRCs, mid and extensions. */
  readonly rtpParameters: types.RtpParameters;
}

export interface ParsedOffer {
  /** Every m-line of the offer in order; `track` null = rejected in the answer (port 0). */
  readonly sections: ReadonlyArray<{ readonly media: Media; readonly track: OfferTrack | null }>;
  readonly tracks: readonly OfferTrack[];
  /** For webRtcTransport.connect(): the publisher's fingerprints and DTLS role. */
  readonly remoteDtls: types.DtlsParameters;
}

/** The answer's transport side: a WebRtcTransport's ICE and DTLS parameters. */
export interface AnswerTransport {
  readonly iceParameters: types.IceParameters;
  readonly iceCandidates: readonly types.IceCandidate[];
  readonly dtlsParameters: types.DtlsParameters;
}

const bad = (message: string): DashboardError => new DashboardError('WHIP_BAD_OFFER', message);

/**
 * Reads a WHIP offer against the router's capabilities. Per video m-line the first codec of the
 * router's list the offer has wins (H.264 Constrained Baseline, then Main, then VP8: the relay copies
 * H.264 and must encode VP8); audio takes Opus. Throws WHIP_BAD_OFFER (not an offer we can read) or
 * WHIP_NO_CODEC (no m-line has a codec the router takes).
 */
export function parseWhipOffer(sdp: string, caps: types.RtpCapabilities): ParsedOffer {
  if (!/^v=0\r?\n/.test(sdp)) throw bad('the body is not an SDP offer (it must start with v=0)');
  let session: SessionDescription;
  try {
    session = sdpTransform.parse(sdp);
  } catch {
    throw bad('the SDP offer cannot be parsed');
  }
  if (session.media.length === 0) throw bad('the SDP offer has no media (m=) lines');
  if (session.media.length > 4) throw bad('at most 4 m-lines (one video and one audio track are used)');

  const fingerprint = session.fingerprint ?? session.media.find((m) => m.fingerprint)?.fingerprint;
  if (!fingerprint) throw bad('the SDP offer has no DTLS fingerprint');
  const setup = session.media.find((m) => m.setup)?.setup ?? session.setup ?? 'actpass';
  // We answer passive to actpass/active (the publisher is the DTLS client), active to passive.
  const remoteRole: types.DtlsRole = setup === 'passive' ? 'server' : 'client';

  let haveVideo = false;
  let haveAudio = false;
  const sections = session.media.map((media) => {
    if (media.mid === undefined) throw bad('every m-line needs an a=mid (BUNDLE)');
    if (media.port === 0 || media.direction === 'recvonly' || media.direction === 'inactive')
      return { media, track: null };
    if (media.type === 'video' && !haveVideo) {
      const track = videoTrack(media, caps, session);
      haveVideo = track !== null;
      return { media, track };
    }
    if (media.type === 'audio' && !haveAudio) {
      const track = audioTrack(media, caps, session);
      haveAudio = track !== null;
      return { media, track };
    }
    return { media, track: null };
  });
  const tracks = sections.flatMap((s) => (s.track ? [s.track] : []));
  if (tracks.length === 0) {
    throw new DashboardError('WHIP_NO_CODEC', 'no offered codec is one AIMA takes (H.264, VP8, Opus)');
  }
  return {
    sections,
    tracks,
    remoteDtls: {
      role: remoteRole,
      fingerprints: [
        { algorithm: fingerprint.type.toLowerCase() as types.FingerprintAlgorithm, value: fingerprint.hash },
      ],
    },
  };
}

interface Offered {
  readonly pt: number;
  readonly mimeType: string;
  readonly clockRate: number;
  readonly channels: number | undefined;
  readonly parameters: Record<string, string | number>;
  readonly feedback: types.RtcpFeedback[];
}

function offeredCodecs(media: Media): Offered[] {
  return media.rtp.map((r) => {
    const fmtp = media.fmtp.find((f) => f.payload === r.payload);
    const parameters = fmtp ? (sdpTransform.parseParams(fmtp.config) as Record<string, string | number>) : {};
    const feedback = (media.rtcpFb ?? [])
      .filter((f) => String(f.payload) === String(r.payload))
      .map((f) => (f.subtype ? { type: f.type, parameter: f.subtype } : { type: f.type }));
    return {
      pt: r.payload,
      mimeType: `${media.type}/${r.codec}`,
      clockRate: r.rate ?? 0,
      channels: r.encoding === undefined ? undefined : Number(r.encoding),
      parameters,
      feedback,
    };
  });
}

/** H.264 profile part of profile-level-id: profile_idc + the constraint flags (e.g. 42e0, 4d00). */
const h264Profile = (p: Record<string, string | number>): string =>
  String(p['profile-level-id'] ?? '42001f')
    .toLowerCase()
    .slice(0, 4);

function sameCodec(o: Offered, c: types.RtpCodecCapability): boolean {
  if (o.mimeType.toLowerCase() !== c.mimeType.toLowerCase() || o.clockRate !== c.clockRate) return false;
  if (c.mimeType.toLowerCase() === 'audio/opus') return (o.channels ?? 1) === 2;
  if (c.mimeType.toLowerCase() !== 'video/h264') return true;
  const cp = c.parameters ?? {};
  return (
    Number(o.parameters['packetization-mode'] ?? 0) === Number(cp['packetization-mode'] ?? 0) &&
    h264Profile(o.parameters) === h264Profile(cp as Record<string, string | number>)
  );
}

/** The first router codec of `kind` the offer has, in the router's order of preference. */
function choose(
  media: Media,
  caps: types.RtpCapabilities,
): { codec: Offered; cap: types.RtpCodecCapability } | null {
  const offered = offeredCodecs(media);
  for (const cap of caps.codecs ?? []) {
    if (cap.kind !== media.type || /\/(rtx|red|ulpfec)$/i.test(cap.mimeType)) continue;
    const codec = offered.find((o) => sameCodec(o, cap));
    if (codec) return { codec, cap };
  }
  return null;
}

function videoTrack(
  media: Media,
  caps: types.RtpCapabilities,
  session: SessionDescription,
): OfferTrack | null {
  const chosen = choose(media, caps);
  if (!chosen) return null;
  const { codec, cap } = chosen;
  const rtx = offeredCodecs(media).find(
    (o) => o.mimeType.toLowerCase() === 'video/rtx' && Number(o.parameters.apt) === codec.pt,
  );
  const ssrcs = primarySsrcs(media);
  const codecs: types.RtpCodecParameters[] = [
    {
      mimeType: cap.mimeType,
      payloadType: codec.pt,
      clockRate: codec.clockRate,
      parameters: codec.parameters,
      rtcpFeedback: feedbackFor(codec, cap),
    },
  ];
  if (rtx && ssrcs.rtx !== undefined) {
    codecs.push({
      mimeType: 'video/rtx',
      payloadType: rtx.pt,
      clockRate: rtx.clockRate,
      parameters: { apt: codec.pt },
      rtcpFeedback: [],
    });
  }
  return {
    mid: String(media.mid),
    kind: 'video',
    codec: cap.mimeType.toLowerCase() === 'video/vp8' ? 'vp8' : 'h264',
    rtpParameters: parameters(media, caps, session, codecs, ssrcs),
  };
}

function audioTrack(
  media: Media,
  caps: types.RtpCapabilities,
  session: SessionDescription,
): OfferTrack | null {
  const chosen = choose(media, caps);
  if (!chosen) return null;
  const { codec, cap } = chosen;
  const codecs: types.RtpCodecParameters[] = [
    {
      mimeType: cap.mimeType,
      payloadType: codec.pt,
      clockRate: codec.clockRate,
      channels: 2,
      parameters: codec.parameters,
      rtcpFeedback: feedbackFor(codec, cap),
    },
  ];
  return {
    mid: String(media.mid),
    kind: 'audio',
    codec: 'opus',
    rtpParameters: parameters(media, caps, session, codecs, primarySsrcs(media)),
  };
}

// Feedback both sides know: what the publisher offered and the router's codec supports.
function feedbackFor(codec: Offered, cap: types.RtpCodecCapability): types.RtcpFeedback[] {
  const known = cap.rtcpFeedback ?? [];
  return codec.feedback.filter((f) =>
    known.some((k) => k.type === f.type && (k.parameter ?? '') === (f.parameter ?? '')),
  );
}

/** The media source's SSRC and its retransmission SSRC (a=ssrc-group:FID primary rtx). */
function primarySsrcs(media: Media): { ssrc?: number; rtx?: number } {
  const fid = (media.ssrcGroups ?? []).find((g) => g.semantics === 'FID');
  if (fid) {
    const [ssrc, rtx] = fid.ssrcs.split(/\s+/).map(Number);
    return { ssrc, rtx };
  }
  const first = (media.ssrcs ?? [])[0];
  return first ? { ssrc: Number(first.id) } : {};
}

function parameters(
  media: Media,
  caps: types.RtpCapabilities,
  session: SessionDescription,
  codecs: types.RtpCodecParameters[],
  ssrcs: { ssrc?: number; rtx?: number },
): types.RtpParameters {
  const cname = (media.ssrcs ?? []).find((s) => s.attribute === 'cname')?.value;
  const encoding: types.RtpEncodingParameters =
    ssrcs.ssrc === undefined
      ? {}
      : {
          ssrc: ssrcs.ssrc,
          ...(ssrcs.rtx !== undefined && codecs.length > 1 ? { rtx: { ssrc: ssrcs.rtx } } : {}),
        };
  return {
    mid: String(media.mid),
    codecs,
    headerExtensions: extensions(media, caps, session),
    encodings: [encoding],
    rtcp: { ...(cname ? { cname } : {}), reducedSize: media.rtcpRsize !== undefined },
  };
}

// The offer's header extensions (with the offer's ids: they are in the packets) the router knows.
function extensions(
  media: Media,
  caps: types.RtpCapabilities,
  session: SessionDescription,
): types.RtpHeaderExtensionParameters[] {
  const known = (caps.headerExtensions ?? []).filter(
    (h) => h.kind === media.type && h.direction !== 'sendonly',
  );
  const offered = [...(media.ext ?? []), ...((session as { ext?: MediaDescription['ext'] }).ext ?? [])];
  return offered
    .filter((e) => known.some((k) => k.uri === e.uri))
    .map((e) => ({ uri: e.uri as types.RtpHeaderExtensionUri, id: e.value }));
}

/**
 * The answer to `offer`: ICE-lite with mediasoup's ufrag/pwd and candidates, its DTLS fingerprint,
 * per accepted m-line the same mid, recvonly, the chosen codec (+ rtx), rtcp-mux and rtcp-rsize
 * and the accepted extensions; rejected m-lines get port 0.
 */
export function buildWhipAnswer(offer: ParsedOffer, transport: AnswerTransport): string {
  const fp =
    transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256') ??
    transport.dtlsParameters.fingerprints[0];
  if (!fp) throw new Error('the transport has no DTLS fingerprint');
  const setup = offer.remoteDtls.role === 'client' ? 'passive' : 'active';
  const accepted = offer.sections.filter((s) => s.track).map((s) => String(s.media.mid));
  const candidates = transport.iceCandidates.map((c, i) => ({
    foundation: c.foundation,
    component: 1,
    transport: c.protocol,
    priority: c.priority,
    ip: c.address,
    port: c.port,
    type: c.type,
    ...(c.tcpType ? { tcptype: c.tcpType } : {}),
    generation: 0,
    'network-id': i + 1,
  }));
  const media = offer.sections.map(({ media: m, track }): Media => {
    if (!track) {
      return {
        type: m.type,
        port: 0,
        protocol: m.protocol,
        payloads: String(m.rtp[0]?.payload ?? 0),
        connection: { version: 4, ip: '0.0.0.0' },
        mid: m.mid,
        direction: 'inactive',
        rtp: m.rtp.slice(0, 1),
        fmtp: [],
      };
    }
    const { codecs, headerExtensions = [] } = track.rtpParameters;
    return {
      type: m.type,
      port: 7,
      protocol: 'UDP/TLS/RTP/SAVPF',
      payloads: codecs.map((c) => c.payloadType).join(' '),
      connection: { version: 4, ip: '127.0.0.1' },
      mid: m.mid,
      direction: 'recvonly',
      iceUfrag: transport.iceParameters.usernameFragment,
      icePwd: transport.iceParameters.password,
      candidates,
      endOfCandidates: 'end-of-candidates',
      setup,
      rtcpMux: 'rtcp-mux',
      ...(m.rtcpRsize !== undefined ? { rtcpRsize: 'rtcp-rsize' } : {}),
      rtp: codecs.map((c) => ({
        payload: c.payloadType,
        codec: c.mimeType.split('/')[1]!,
        rate: c.clockRate,
        ...(c.channels && c.channels > 1 ? { encoding: c.channels } : {}),
      })),
      fmtp: codecs
        .filter((c) => c.parameters && Object.keys(c.parameters).length > 0)
        .map((c) => ({
          payload: c.payloadType,
          config: Object.entries(c.parameters ?? {})
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(';'),
        })),
      rtcpFb: codecs.flatMap((c) =>
        (c.rtcpFeedback ?? []).map((f) => ({
          payload: c.payloadType,
          type: f.type,
          ...(f.parameter ? { subtype: f.parameter } : {}),
        })),
      ),
      ext: headerExtensions.map((h) => ({ value: h.id, uri: h.uri })),
    } as Media;
  });
  const answer: SessionDescription = {
    version: 0,
    origin: {
      username: '-',
      sessionId: String(Date.now()),
      sessionVersion: 1,
      netType: 'IN',
      ipVer: 4,
      address: '127.0.0.1',
    },
    name: '-',
    timing: { start: 0, stop: 0 },
    icelite: 'ice-lite',
    fingerprint: { type: fp.algorithm, hash: fp.value },
    groups: [{ type: 'BUNDLE', mids: accepted.join(' ') }],
    msidSemantic: { semantic: 'WMS', token: '*' },
    media,
  };
  return sdpTransform.write(answer);
}
