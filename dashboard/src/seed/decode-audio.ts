// Seed audio → 16 kHz mono float32, as audio analyzers get it. Clips are checked (rates, length,
// encoding, sample values) before anything runs, then each is resampled and mixed down by real
// ffmpeg and the clips are joined in order.
import { DashboardError } from '../errors.ts';
import { decodeBase64 } from './bytes.ts';
import { ffmpegPipe } from './ffmpeg-pipe.ts';
import { SEED_LIMITS } from './limits.ts';
import type { AudioClipInput, SeedAudioInput } from './types.ts';

export const ANALYSIS_RATE = 16_000;

interface ClipPlan {
  readonly what: string;
  /** Interleaved little-endian samples as ffmpeg reads them. */
  readonly bytes: Uint8Array;
  readonly format: 'f32le' | 's16le';
  readonly rate: number;
  readonly frames: number;
}

function checkRate(rate: number | undefined, what: string): number {
  if (rate === undefined) {
    throw new DashboardError('ANALYZE_BAD_SAMPLE_RATE', `${what}: audio needs its sample rate`);
  }
  if (!Number.isInteger(rate) || rate < SEED_LIMITS.minSampleRate || rate > SEED_LIMITS.maxSampleRate) {
    throw new DashboardError(
      'ANALYZE_BAD_SAMPLE_RATE',
      `${what}: sample rate ${rate} Hz is outside ${SEED_LIMITS.minSampleRate}–${SEED_LIMITS.maxSampleRate} Hz`,
    );
  }
  return rate;
}

/** Float samples → float32 bytes; throws ANALYZE_BAD_AUDIO at the first one outside [-1, 1]. */
export function floatsToBytes(values: readonly number[], what: string): Uint8Array {
  const f = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v) || v < -1 || v > 1) {
      throw new DashboardError('ANALYZE_BAD_AUDIO', `${what}[${i}]: ${v} is not a sample in [-1, 1]`);
    }
    f[i] = v;
  }
  return new Uint8Array(f.buffer);
}

function planClip(clip: AudioClipInput, rate: number, audio: SeedAudioInput, what: string): ClipPlan {
  const width = typeof clip === 'string' && audio.encoding === 's16' ? 2 : 4;
  const bytes =
    typeof clip === 'string' ? decodeBase64(clip, 'ANALYZE_BAD_AUDIO', what) : floatsToBytes(clip, what);
  if (bytes.length === 0 || bytes.length % (width * audio.channels) !== 0) {
    throw new DashboardError(
      'ANALYZE_BAD_AUDIO',
      `${what}: ${bytes.length} bytes is not a whole number of ${audio.channels}-channel ${width * 8}-bit samples`,
    );
  }
  if (width === 4) {
    const f = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const bad = f.findIndex((v) => !Number.isFinite(v) || v < -1 || v > 1);
    if (bad >= 0) throw new DashboardError('ANALYZE_BAD_AUDIO', `${what}: sample ${bad} is not in [-1, 1]`);
  }
  const format = width === 2 ? 's16le' : 'f32le';
  return { what, bytes, format, rate, frames: bytes.length / (width * audio.channels) };
}

/** Checks every clip (rates, encoding, total length) without decoding. */
export function planAudio(audio: SeedAudioInput): ClipPlan[] {
  if (!Number.isInteger(audio.channels) || audio.channels < 1 || audio.channels > SEED_LIMITS.maxChannels) {
    throw new DashboardError('ANALYZE_BAD_AUDIO', `audio_channels: 1..${SEED_LIMITS.maxChannels}`);
  }
  const { clips, sampleRates } = audio;
  if (sampleRates.length !== 1 && sampleRates.length !== clips.length) {
    throw new DashboardError(
      'ANALYZE_BAD_SAMPLE_RATE',
      `${sampleRates.length} sample rates for ${clips.length} audio clips: give one, or one per clip`,
    );
  }
  const rates = clips.map((_, i) =>
    checkRate(sampleRates.length === 1 ? sampleRates[0] : sampleRates[i], `sample_rate of clip ${i}`),
  );
  // Length first (cheap), before any sample is converted.
  const seconds = clips.reduce((s, c, i) => {
    const n = typeof c === 'string' ? (c.length * 3) / 4 / (audio.encoding === 's16' ? 2 : 4) : c.length;
    return s + n / audio.channels / rates[i]!;
  }, 0);
  if (seconds > SEED_LIMITS.maxAudioSeconds + 0.01) {
    throw new DashboardError(
      'ANALYZE_AUDIO_TOO_LONG',
      `${seconds.toFixed(1)} s of audio, at most ${SEED_LIMITS.maxAudioSeconds} s`,
    );
  }
  return clips.map((c, i) =>
    planClip(c, rates[i]!, audio, clips.length === 1 ? 'audio_data' : `audio_data[${i}]`),
  );
}

/** Resamples and mixes down each checked clip; the clips are joined in order. */
export async function decodeAudio(plans: readonly ClipPlan[], signal?: AbortSignal): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (const p of plans) {
    const channels = p.bytes.length / p.frames / (p.format === 's16le' ? 2 : 4);
    // A little headroom over the exact count: the resampler may round up by a few samples.
    const expected = Math.ceil((p.frames * ANALYSIS_RATE) / p.rate) + 64;
    const r = await ffmpegPipe(
      [
        '-f', p.format, '-ar', String(p.rate), '-ac', String(channels), '-i', 'pipe:0',
        '-ac', '1', '-ar', String(ANALYSIS_RATE), '-f', 'f32le', 'pipe:1',
      ], // prettier-ignore
      p.bytes,
      { maxOutBytes: expected * 4, ...(signal ? { signal } : {}) },
    );
    if (!r.ok || r.out.length % 4 !== 0) {
      throw new DashboardError(
        'ANALYZE_BAD_AUDIO',
        `${p.what}: cannot be resampled (${r.stderr.slice(0, 160)})`,
      );
    }
    parts.push(new Float32Array(r.out.buffer.slice(r.out.byteOffset, r.out.byteOffset + r.out.length)));
  }
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
