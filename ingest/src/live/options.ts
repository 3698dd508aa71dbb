// LiveSourceOptions → a frozen, checked config. Bad values are programming errors (RangeError),
// found when the source is opened rather than on the first reconnect.
import { isDecodeMode } from '../decode-mode.ts';
import { isNetworkSource } from '../source.ts';
import type { DecodeVideoOptions, SourceRef } from '../types.ts';
import { backoffPolicy } from './backoff.ts';
import type { BackoffPolicy } from './backoff.ts';
import type { ConnectionDecode, ConnectionTiming } from './connection.ts';
import type { LiveSourceOptions } from './types.ts';

export interface LiveConfig {
  readonly decode: Pick<
    DecodeVideoOptions,
    'fps' | 'maxWidth' | 'maxHeight' | 'pixelFormat' | 'threads' | 'decode'
  >;
  /** What each connection decodes: the video options above, plus audio when asked for. */
  readonly connection: ConnectionDecode;
  readonly highWaterMark: number;
  /** Audio chunks buffered for a slow consumer (0 when audio is off). */
  readonly audioHighWaterMark: number;
  readonly timing: ConnectionTiming;
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
  readonly random: () => number;
}

export const DEFAULT_STALL_TIMEOUT_MS = 5000;
// HLS arrives a segment at a time: ffmpeg decodes a segment in a burst, then waits for the next
// one to be published. With the common 6 s segments, 6 s without a frame is normal, not a stall.
export const HLS_STALL_TIMEOUT_MS = 20_000;
// 'keyframes' delivers one frame per GOP: cameras use 1-4 s GOPs, "smart" codecs up to ~10 s.
export const KEYFRAMES_STALL_TIMEOUT_MS = 20_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
export const DEFAULT_HIGH_WATER_MARK = 8;
// 16 chunks of the default 0.5 s: 8 s of audio for a consumer (ASR) that works in bursts.
export const DEFAULT_AUDIO_HIGH_WATER_MARK = 16;

export function liveConfig(src: SourceRef, opts: LiveSourceOptions): LiveConfig {
  for (const key of ['maxWidth', 'maxHeight'] as const) {
    const v = opts[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 2))
      throw new RangeError(`${key} must be an integer >= 2`);
  }
  if (opts.fps !== undefined && !(opts.fps > 0 && opts.fps <= 1000)) {
    throw new RangeError('fps must be in (0, 1000]');
  }
  if (opts.decode !== undefined && !isDecodeMode(opts.decode)) {
    throw new RangeError(`decode must be 'full', 'fast' or 'keyframes'`);
  }
  const highWaterMark = opts.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  if (!(Number.isInteger(highWaterMark) && highWaterMark >= 1)) {
    throw new RangeError('highWaterMark must be an integer >= 1');
  }
  const stallTimeoutMs = positive(
    'stallTimeoutMs',
    opts.stallTimeoutMs ??
      (src.kind === 'hls'
        ? HLS_STALL_TIMEOUT_MS
        : opts.decode === 'keyframes'
          ? KEYFRAMES_STALL_TIMEOUT_MS
          : DEFAULT_STALL_TIMEOUT_MS),
  );
  const connectTimeoutMs = positive('connectTimeoutMs', opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  // A camera is expected to come back; a file that fails once fails the same way again.
  const maxAttempts = opts.maxAttempts ?? (isNetworkSource(src) ? Infinity : 1);
  if (!(maxAttempts === Infinity || (Number.isInteger(maxAttempts) && maxAttempts >= 1))) {
    throw new RangeError('maxAttempts must be an integer >= 1 or Infinity');
  }
  const audio = opts.audio ?? null;
  if (audio !== null) {
    const { chunkSamples, highWaterMark: audioHwm } = audio;
    if (chunkSamples !== undefined && !(Number.isInteger(chunkSamples) && chunkSamples >= 1)) {
      throw new RangeError('audio.chunkSamples must be an integer >= 1');
    }
    if (audioHwm !== undefined && !(Number.isInteger(audioHwm) && audioHwm >= 1)) {
      throw new RangeError('audio.highWaterMark must be an integer >= 1');
    }
  }
  const decode = Object.freeze({
    ...(opts.fps !== undefined ? { fps: opts.fps } : {}),
    ...(opts.maxWidth !== undefined ? { maxWidth: opts.maxWidth } : {}),
    ...(opts.maxHeight !== undefined ? { maxHeight: opts.maxHeight } : {}),
    ...(opts.pixelFormat !== undefined ? { pixelFormat: opts.pixelFormat } : {}),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
    ...(opts.decode !== undefined ? { decode: opts.decode } : {}),
  });
  return Object.freeze({
    decode,
    connection: Object.freeze({
      video: decode,
      audio:
        audio === null
          ? null
          : Object.freeze(audio.chunkSamples !== undefined ? { chunkSamples: audio.chunkSamples } : {}),
    }),
    highWaterMark,
    audioHighWaterMark: audio === null ? 0 : (audio.highWaterMark ?? DEFAULT_AUDIO_HIGH_WATER_MARK),
    timing: Object.freeze({ stallTimeoutMs, connectTimeoutMs }),
    maxAttempts,
    backoff: backoffPolicy(opts.backoff),
    random: opts.random ?? Math.random,
  });
}

/** > 0; Infinity switches the timeout off. */
function positive(key: string, value: number): number {
  if (!(value > 0)) throw new RangeError(`${key} must be > 0 (Infinity for none)`);
  return value;
}
