// Real speech for the asr tests: decoded by real ffmpeg to 16 kHz mono float, with the reference
// transcripts from shared/media/labels.json.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AnalyzerInstance, AudioInput } from '../src/analyzers/contract.ts';
import { decodeF32 } from './audio-helpers.ts';
import { MEDIA_DIR } from './helpers.ts';

export const SPEECH_FILES = [
  'speech/goforward.wav',
  'speech/jfk.wav',
  'speech/librivox/sense_and_sensibility_01_austen_64kb-0870.wav',
  'speech/librivox/sense_and_sensibility_01_austen_64kb-0880.wav',
  'speech/librivox/sense_and_sensibility_01_austen_64kb-0890.wav',
] as const;

export function referenceTranscript(rel: string): string {
  const labels = JSON.parse(readFileSync(path.join(MEDIA_DIR, 'labels.json'), 'utf8')) as {
    speech: Record<string, string>;
  };
  const ref = labels.speech[rel];
  if (ref === undefined) throw new Error(`no reference transcript for ${rel}`);
  return ref;
}

/** The whole file as 16 kHz mono float32 (real ffmpeg). */
export function decodeSpeech(rel: string): Float32Array {
  return decodeF32(path.join(MEDIA_DIR, rel), 16000);
}

/** Audio chunks of `chunkMs` on the wall clock starting at `epochMs`. */
export function* chunksOf(samples: Float32Array, epochMs: number, chunkMs = 100): Generator<AudioInput> {
  const n = (16000 * chunkMs) / 1000;
  for (let i = 0, seq = 0; i < samples.length; i += n, seq++) {
    yield {
      seq,
      ptsMs: (i / 16000) * 1000,
      ts: epochMs + (i / 16000) * 1000,
      sampleRate: 16000,
      samples: samples.subarray(i, Math.min(samples.length, i + n)),
    };
  }
}

/** Feeds every chunk to each instance in order (VAD first, so its segments reach ASR), then finishes. */
export async function feed(
  instances: readonly AnalyzerInstance[],
  chunks: Iterable<AudioInput> | AsyncIterable<AudioInput>,
): Promise<void> {
  for await (const c of chunks) for (const inst of instances) await inst.audio?.(c);
  for (const inst of instances) await inst.finish();
}
