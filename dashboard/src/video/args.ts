// The ffmpeg command line of a live video feed (pure, so it is easy to test and read).
import type { SourceRef } from '@aima/ingest';
import type { RtpTarget } from '../rtc/types.ts';

/** What the feed reads; `videoInput` in ServerDeps produces it. */
export interface VideoInput {
  readonly input: SourceRef;
  /** A file read at its native rate, as if it were live (`-re`). */
  readonly realtime: boolean;
  /** Wall-clock ms of the source's media time 0 (what detection timestamps are based on). */
  readonly epochMs: number;
  /**
   * How far a live source's clock (its detections' ts) runs ahead of the moment its frames arrive,
   * now: the live view maps what it shows by arrival time plus this. Omitted: 0.
   */
  readonly clockOffsetMs?: () => number;
}

/** Where the feed also sends RTP for the WebRTC live view (issue 12). */
export interface FeedRtp {
  readonly video: RtpTarget;
  /** Opus; only when the input has audio. */
  readonly audio: RtpTarget | null;
  /** The MSE output copies the video but browsers cannot take it over RTP (High profile): encode it. */
  readonly transcodeVideo: boolean;
}

export interface FeedArgsOptions {
  /** Copy the video stream (it is H.264 already) instead of encoding it. */
  readonly copy: boolean;
  /** Start this many ms into a file (a file shown as live is joined where its analysis is). */
  readonly startMs?: number;
  /** Also send RTP to mediasoup; omitted: the fMP4 output alone, exactly as before issue 12. */
  readonly rtp?: FeedRtp;
}

/** Fragments of at most this long (µs): the latency floor of the feed. */
export const FRAGMENT_US = 200_000;
/** Keyframe interval when encoding: a joining client waits at most this long (s). */
export const KEYFRAME_SECONDS = 2;
/**
 * Keyframe interval of encoded RTP (s). ffmpeg cannot answer a viewer's PLI/FIR (mediasoup forwards
 * them to the producer, which is a PlainTransport fed one way), so a new or lossy viewer waits
 * for the next scheduled keyframe: keep it short.
 */
export const RTP_KEYFRAME_SECONDS = 1;
/** RTP packet size: below any path MTU once SRTP and TURN-less UDP headers are added. */
const RTP_PACKET_BYTES = 1200;

const MP4_FLAGS = 'frag_keyframe+empty_moov+default_base_moof';

export function feedArgs(src: VideoInput, opts: FeedArgsOptions): string[] {
  const file = src.input.kind === 'file';
  const start = file && opts.startMs !== undefined && opts.startMs > 0 ? opts.startMs : 0;
  const input = [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'],
    ...(file && src.realtime ? ['-re'] : []),
    ...(src.input.kind === 'rtsp' ? ['-rtsp_transport', 'tcp'] : []),
    ...(src.input.live ? ['-fflags', '+genpts+discardcorrupt'] : []),
    // Input seeking: with an encoder this is frame-exact (ffmpeg decodes from the keyframe before
    // and drops what precedes `start`), and -re reads those dropped packets at full speed.
    ...(start > 0 ? ['-ss', (start / 1000).toFixed(3)] : []),
    ...['-i', src.input.input],
  ];
  if (opts.rtp) return [...input, ...rtpOutputs(opts.copy, opts.rtp)];
  const codec = opts.copy ? ['-c:v', 'copy'] : encodeArgs(KEYFRAME_SECONDS, false);
  return [
    ...input,
    ...['-map', '0:v:0', '-an', '-sn', '-dn'],
    ...codec,
    ...['-f', 'mp4', '-movflags', MP4_FLAGS],
    ...['-frag_duration', String(FRAGMENT_US), 'pipe:1'],
  ];
}

function encodeArgs(keyframeSeconds: number, baseline: boolean): string[] {
  return [
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p'],
    ...(baseline ? ['-profile:v', 'baseline'] : []),
    ...['-force_key_frames', `expr:gte(t,n_forced*${keyframeSeconds})`],
  ];
}

/**
 * The outputs with RTP:
 *  - copy, browser-decodable H.264: the fMP4 output and plain RTP outputs, all copies (video to
 *    Annex B with SPS/PPS at keyframes; audio encoded to Opus once);
 *  - encode (files, other codecs): one baseline encode (1 s keyframes), teed to fMP4 and RTP;
 *  - copy but High profile: the fMP4 output copies; a second output encodes baseline for RTP.
 * Tee slaves carry onfail=ignore (a write to a closed router port stops only that slave); in every
 * case a router that goes away ends the feed anyway (RtpOutputs.onLost), and the next one starts
 * with new outputs.
 */
function rtpOutputs(copy: boolean, rtp: FeedRtp): string[] {
  const audioMap = rtp.audio ? ['-map', '0:a:0?'] : ['-an'];
  const audioCodec = rtp.audio ? ['-c:a', 'libopus', '-ar', '48000', '-ac', '2', '-b:a', '64k'] : [];
  const mp4Slave = `[select=v:f=mp4:movflags=${MP4_FLAGS}:frag_duration=${FRAGMENT_US}]pipe:1`;
  // The browser never sees an SDP from ffmpeg: SPS/PPS must be in-band at every keyframe (the
  // encoder writes them as global headers; dump_extra repeats them).
  const videoSlave = (): string =>
    `[select=v:f=rtp:onfail=ignore:payload_type=${rtp.video.payloadType}:ssrc=${rtp.video.ssrc}` +
    `:bsfs/v=dump_extra=freq=keyframe]${rtpUrl(rtp.video)}`;
  const audioSlave = rtp.audio
    ? [
        `[select=a:f=rtp:onfail=ignore:payload_type=${rtp.audio.payloadType}:ssrc=${rtp.audio.ssrc}]` +
          rtpUrl(rtp.audio),
      ]
    : [];
  // Audio and video share the tee, and libavformat holds packets back to interleave them (up to
  // 10 s by default) when one stream runs late: RTP needs no interleaving, so keep that short.
  const interleave = rtp.audio ? ['-max_interleave_delta', '100000'] : [];
  const tee = (slaves: string[]): string[] => [...interleave, '-f', 'tee', slaves.join('|')];
  if (copy && !rtp.transcodeVideo) {
    // Not through the tee: its RTP slave would keep the input's avcC extradata (RTMP, MP4) while
    // its bitstream filter makes the packets Annex B, and ffmpeg 5.1's RTP writer would then cut
    // them as length-prefixed (a 1-byte SPS, garbage FU-As). A plain output takes the filter's
    // extradata. Copying costs nothing; each output is the same packets.
    const rtpOut = (t: RtpTarget): string[] => [
      ...['-f', 'rtp', '-payload_type', String(t.payloadType), '-ssrc', String(t.ssrc), rtpUrl(t)],
    ];
    return [
      // The input's codec tag (MPEG-TS's 0x1b from HLS, http-ts, WHIP's relay) is not MP4's.
      ...['-map', '0:v:0', '-an', '-sn', '-dn', '-c:v', 'copy', '-tag:v', 'avc1'],
      ...['-f', 'mp4', '-movflags', MP4_FLAGS, '-frag_duration', String(FRAGMENT_US), 'pipe:1'],
      ...['-map', '0:v:0', '-an', '-sn', '-dn', '-c:v', 'copy'],
      // The browser never sees an SDP from ffmpeg: SPS/PPS must be in-band at every keyframe.
      ...['-bsf:v', 'h264_mp4toannexb,dump_extra=freq=keyframe', ...rtpOut(rtp.video)],
      ...(rtp.audio ? ['-map', '0:a:0?', '-vn', '-sn', '-dn', ...audioCodec, ...rtpOut(rtp.audio)] : []),
    ];
  }
  if (!copy) {
    return [
      ...['-map', '0:v:0', ...audioMap, '-sn', '-dn'],
      ...encodeArgs(RTP_KEYFRAME_SECONDS, true),
      ...audioCodec,
      ...['-flags', '+global_header'],
      ...tee([mp4Slave, videoSlave(), ...audioSlave]),
    ];
  }
  return [
    ...['-map', '0:v:0', '-an', '-sn', '-dn', '-c:v', 'copy'],
    ...['-f', 'mp4', '-movflags', MP4_FLAGS, '-frag_duration', String(FRAGMENT_US), 'pipe:1'],
    ...['-map', '0:v:0', ...audioMap, '-sn', '-dn'],
    ...encodeArgs(RTP_KEYFRAME_SECONDS, true),
    ...audioCodec,
    ...['-flags', '+global_header'],
    ...tee([videoSlave(), ...audioSlave]),
  ];
}

function rtpUrl(t: RtpTarget): string {
  return `rtp://127.0.0.1:${t.port}?rtcpport=${t.rtcpPort}&pkt_size=${RTP_PACKET_BYTES}`;
}
