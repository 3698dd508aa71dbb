// The codecs of AIMA's routers and the RTP parameters of the producers fed by ffmpeg (pure).
import type { types } from 'mediasoup';

/** Payload types ffmpeg writes (and the producers declare). */
export const VIDEO_PAYLOAD_TYPE = 102;
export const AUDIO_PAYLOAD_TYPE = 101;

/** H.264 profiles Chromium decodes from RTP here: Constrained Baseline and Main, not High. */
const BROWSER_H264 = new Set(['constrained baseline', 'baseline', 'main']);

/** Whether copied H.264 of this ffprobe profile can go to browsers as is (else it is encoded). */
export function browserCanDecode(h264Profile: string | null): boolean {
  return h264Profile !== null && BROWSER_H264.has(h264Profile.toLowerCase());
}

/** profile-level-id of the stream ffmpeg sends: Main when a Main stream is copied, else baseline. */
export function profileLevelId(h264Profile: string | null, copy: boolean): string {
  return copy && h264Profile?.toLowerCase() === 'main' ? '4d001f' : '42e01f';
}

const videoFeedback: types.RtcpFeedback[] = [
  { type: 'nack' },
  { type: 'nack', parameter: 'pli' },
  { type: 'ccm', parameter: 'fir' },
  { type: 'goog-remb' },
  { type: 'transport-cc' },
];

/** Every router's codecs: H.264 baseline and main (what browsers decode), VP8 (WHIP), Opus. */
export const ROUTER_CODECS: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
    rtcpFeedback: videoFeedback,
  },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '4d001f', 'level-asymmetry-allowed': 1 },
    rtcpFeedback: videoFeedback,
  },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: videoFeedback },
];

export function videoProducerParameters(ssrc: number, profile: string): types.RtpParameters {
  return {
    codecs: [
      {
        mimeType: 'video/H264',
        clockRate: 90000,
        payloadType: VIDEO_PAYLOAD_TYPE,
        parameters: { 'packetization-mode': 1, 'profile-level-id': profile, 'level-asymmetry-allowed': 1 },
        rtcpFeedback: [
          { type: 'nack' },
          { type: 'nack', parameter: 'pli' },
          { type: 'ccm', parameter: 'fir' },
        ],
      },
    ],
    encodings: [{ ssrc }],
  };
}

export function audioProducerParameters(ssrc: number): types.RtpParameters {
  return {
    codecs: [{ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: AUDIO_PAYLOAD_TYPE }],
    encodings: [{ ssrc }],
  };
}

/** A random SSRC in 1..2^31-1 (ffmpeg's rtp muxer takes a signed int). */
export function randomSsrc(): number {
  return 1 + Math.floor(Math.random() * 0x7ffffffe);
}
