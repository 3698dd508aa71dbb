import { AudioClock } from './audio-clock.ts';
import { createDecodeStream, createEmptyStream } from './decode-stream.ts';
import { abortedError, failureError } from './failure.ts';
import { audioArgs } from './ffmpeg/args.ts';
import type { FfmpegFeatures } from './ffmpeg/args.ts';
import { decodableCodecs } from './ffmpeg/codecs.ts';
import { detectFeatures } from './ffmpeg/features.ts';
import { resolveFfmpeg } from './ffmpeg/resolve.ts';
import { probeSource } from './probe.ts';
import type { ProbeResult } from './probe.ts';
import { checkOptions, launch } from './session-setup.ts';
import { audioTrack, trackCommon } from './tracks.ts';
import type { AudioChunk, DecodeAudioOptions, DecodeStream, SourceRef } from './types.ts';

/**
 * Decode a source's audio into 16 kHz mono float32 chunks of `chunkSamples` samples (the last
 * one may be shorter), probing it first. A file's `ptsMs` counts from the container's start, the
 * clock decodeVideo's frames use, so a sound and the frame showing its cause carry the same time
 * (audio starting after the video, or mp4 encoder priming, shows as a first ptsMs above 0). A live
 * source counts from its first chunk. Timestamps never run backwards and chunks never overlap, even
 * when the sample rate changes mid-stream.
 *
 * A source without audio yields an empty stream; an audio codec this ffmpeg cannot decode throws
 * INGEST_AUDIO_UNSUPPORTED; audio that fails to decode ends iteration with
 * INGEST_AUDIO_DECODE_FAILED (damaged packets in between are skipped and decoding goes on). Abort
 * and overflow behave as in decodeVideo: aborting makes iteration throw INGEST_ABORTED after ffmpeg
 * is reaped.
 *
 * Files are decoded by a process of their own even when their video is decoded too: reading a
 * file twice is cheap, and two processes keep backpressure independent (one ffmpeg writing two
 * pipes blocks both when either consumer stalls).
 */
export async function decodeAudio(
  src: SourceRef,
  opts: DecodeAudioOptions = {},
): Promise<DecodeStream<AudioChunk>> {
  checkOptions(opts);
  const chunkSamples = checkChunkSamples(opts.chunkSamples);
  if (opts.signal?.aborted) throw abortedError(src, opts.signal.reason);

  const { ffmpeg } = resolveFfmpeg();
  const { probed, features, codecs } = await probeForAudio(src, ffmpeg, opts.signal);
  const { info } = probed;
  if (info.audio === null) return createEmptyStream(info);
  assertAudioDecodable(src, probed, codecs);

  const live = src.live || info.durationMs === null;
  const clock = new AudioClock();
  const args = audioArgs(src, features, {
    streamIndex: info.audio.index,
    ...(opts.durationMs !== undefined ? { durationMs: opts.durationMs } : {}),
    copyTimestamps: !live,
    ...(opts.realtime ? { realtime: true } : {}),
  });
  const proc = await launch(src, ffmpeg, args, opts.signal, (line) => clock.onLine(line), 'audio');
  void proc.stderrDone.then(() => clock.end());

  return createDecodeStream(
    audioTrack({
      ...trackCommon(src, info, proc, live, opts, { toleranceMs: 1000, audio: true }),
      chunkSamples,
      clock,
      originMs: live ? undefined : probed.startMs,
    }),
  );
}

/** The probe, ffmpeg's features and the codecs it decodes, in parallel (audio decodes check codecs). */
export async function probeForAudio(
  src: SourceRef,
  ffmpeg: string,
  signal: AbortSignal | undefined,
): Promise<{ probed: ProbeResult; features: FfmpegFeatures; codecs: ReadonlySet<string> }> {
  const [probed, features, codecs] = await Promise.all([
    probeSource(src, signal ? { signal } : {}),
    detectFeatures(ffmpeg),
    decodableCodecs(ffmpeg),
  ]);
  return { probed, features, codecs };
}

/** Samples per chunk: default 8000 (0.5 s); RangeError unless an integer >= 1. */
export function checkChunkSamples(value: number | undefined): number {
  const n = value ?? 8000;
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError('chunkSamples must be an integer >= 1');
  return n;
}

/** INGEST_AUDIO_UNSUPPORTED when ffmpeg has no decoder for the probed audio codec. */
export function assertAudioDecodable(src: SourceRef, probed: ProbeResult, codecs: ReadonlySet<string>): void {
  const audio = probed.info.audio;
  if (audio === null) return;
  // An empty set means `-codecs` could not be read: let ffmpeg itself decide.
  if (probed.audioCodecKnown && (codecs.size === 0 || codecs.has(audio.codec))) return;
  const tag = probed.audioCodecKnown ? audio.codec : 'unknown codec';
  throw failureError(src, { code: 'INGEST_AUDIO_UNSUPPORTED', detail: `${tag} (stream ${audio.index})` });
}
