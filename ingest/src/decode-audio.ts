import { createDecodeStream, createEmptyStream } from './decode-stream.ts';
import { abortedError } from './failure.ts';
import { AUDIO_SAMPLE_RATE, audioArgs } from './ffmpeg/args.ts';
import { detectFeatures } from './ffmpeg/features.ts';
import { resolveFfmpeg } from './ffmpeg/resolve.ts';
import { probeSource } from './probe.ts';
import { readRecords } from './record-reader.ts';
import { checkOptions, endOfStreamError, launch } from './session-setup.ts';
import type { AudioChunk, DecodeAudioOptions, DecodeStream, SourceRef } from './types.ts';

interface RawChunk {
  readonly samples: Float32Array;
  readonly firstSample: number;
}

const BYTES_PER_SAMPLE = 4;

/**
 * Decode a source's audio into 16 kHz mono float32 chunks of `chunkSamples` samples (the last
 * one may be shorter), probing it first. `ptsMs` counts samples from the start (sample / 16).
 * A source without audio yields an empty stream. Abort and overflow behave as in decodeVideo:
 * aborting makes iteration throw INGEST_ABORTED after ffmpeg is reaped.
 */
export async function decodeAudio(
  src: SourceRef,
  opts: DecodeAudioOptions = {},
): Promise<DecodeStream<AudioChunk>> {
  checkOptions(opts);
  const chunkSamples = opts.chunkSamples ?? 8000;
  if (!(Number.isInteger(chunkSamples) && chunkSamples >= 1)) {
    throw new RangeError('chunkSamples must be an integer >= 1');
  }
  if (opts.signal?.aborted) throw abortedError(src, opts.signal.reason);

  const { ffmpeg } = resolveFfmpeg();
  const [probed, features] = await Promise.all([
    probeSource(src, opts.signal ? { signal: opts.signal } : {}),
    detectFeatures(ffmpeg),
  ]);
  const { info } = probed;
  if (info.audio === null) return createEmptyStream(info);

  const live = src.live || info.durationMs === null;
  const epochMs = opts.epochMs ?? Date.now();
  const args = audioArgs(src, features, {
    streamIndex: info.audio.index,
    ...(opts.durationMs !== undefined ? { durationMs: opts.durationMs } : {}),
  });
  const proc = await launch(src, ffmpeg, args, opts.signal);
  let samplesRead = 0;

  return createDecodeStream<RawChunk, AudioChunk>({
    src,
    info,
    proc,
    capacity: opts.highWaterMark ?? 8,
    policy: opts.overflow ?? (live ? 'drop-oldest' : 'block'),
    ...(opts.signal ? { signal: opts.signal } : {}),
    pump: (session) =>
      readRecords(
        proc.stdout,
        {
          recordBytes: chunkSamples * BYTES_PER_SAMPLE,
          partialTail: { alignBytes: BYTES_PER_SAMPLE },
          discarding: () => session.stopping,
        },
        async (bytes) => {
          // Each record is a fresh, 4-byte aligned buffer: view it, no copy. (f32le read as
          // native floats: every platform Node ships prebuilt binaries for is little-endian.)
          const samples = new Float32Array(
            bytes.buffer,
            bytes.byteOffset,
            bytes.byteLength / BYTES_PER_SAMPLE,
          );
          const firstSample = samplesRead;
          samplesRead += samples.length;
          await session.put({ samples, firstSample });
        },
      ),
    toItem: (raw, seq) => {
      const ptsMs = samplesToMs(raw.firstSample);
      return { seq, ptsMs, ts: epochMs + ptsMs, sampleRate: AUDIO_SAMPLE_RATE, samples: raw.samples };
    },
    finalize: (exit) =>
      endOfStreamError(src, proc, exit, {
        live,
        durationMs: info.durationMs,
        limitMs: opts.durationMs,
        lastMs: samplesRead === 0 ? null : samplesToMs(samplesRead),
        toleranceMs: 1000,
      }),
  });
}

/** Sample index → ms, rounded to 0.1 ms. */
function samplesToMs(sample: number): number {
  return Math.round((sample * 10_000) / AUDIO_SAMPLE_RATE) / 10;
}
