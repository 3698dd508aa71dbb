// Fixtures for the speakers tests: a speaker-embedding ONNX graph sherpa-onnx's extractor accepts
// (its metadata keys in the model's metadata_props), whose output is known — the per-band mean of the
// 80-bin fbank over time, minus its mean over bands (a spectral-shape vector: different voices
// give different vectors, loudness does not matter) — and real speech decoded by ffmpeg.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ModelSpec, ResolvedModel } from '@aima/inference';
import {
  DEFAULT_SPEAKER_EMBEDDER_ID,
  DEFAULT_SPEAKER_SEGMENTATION_ID,
} from '../src/models/manifest-speakers.ts';
import { createFbank } from '../src/speakers/fbank.ts';
import { decodeSpeech as decodeFile } from './asr-media.ts';
import { encodeOnnxModel } from './helpers-onnx.ts';

export const FIXTURE_DIM = 80;

/** sherpa-onnx metadata of a WeSpeaker-style model (int16-scaled samples, no feature normalisation). */
export const FIXTURE_META: Readonly<Record<string, string>> = Object.freeze({
  framework: 'wespeaker',
  sample_rate: '16000',
  output_dim: String(FIXTURE_DIM),
  normalize_samples: '0',
  language: 'English',
});

/** feats [1, T, 80] → mean over T → minus its mean over the 80 bands → embs [1, 80]. */
export function speakerFixtureModel(meta: Readonly<Record<string, string>> = FIXTURE_META): Uint8Array {
  return encodeOnnxModel({
    inputs: [{ name: 'feats', dims: [1, 'T', FIXTURE_DIM] }],
    outputs: [{ name: 'embs', dims: [1, FIXTURE_DIM] }],
    initializers: [],
    nodes: [
      { op: 'ReduceMean', inputs: ['feats'], outputs: ['band'], attrs: { axes: [1], keepdims: 0 } },
      { op: 'ReduceMean', inputs: ['band'], outputs: ['level'], attrs: { axes: [1], keepdims: 1 } },
      { op: 'Sub', inputs: ['band', 'level'], outputs: ['embs'] },
    ],
    metadata: meta,
  });
}

/** Writes the fixture to a temp dir and returns it as the registry would resolve the default embedder. */
export function speakerFixtureResolved(
  meta: Readonly<Record<string, string>> = FIXTURE_META,
  id = DEFAULT_SPEAKER_EMBEDDER_ID,
): ResolvedModel {
  return writeFixtureModel(speakerFixtureModel(meta), 'speaker-fixture.onnx', {
    id,
    task: 'speaker-embedding',
    decoder: 'speaker-embedding',
  });
}

/** `bytes` written to a fresh temp dir as `name`, resolved as the registry would resolve `spec.id`. */
function writeFixtureModel(
  bytes: Uint8Array,
  name: string,
  spec: Pick<ModelSpec, 'id' | 'task' | 'decoder'>,
): ResolvedModel {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aima-speakers-'));
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return {
    spec: {
      ...spec,
      file,
      url: 'file://fixture',
      sha256: '',
      bytes: bytes.length,
      license: 'test fixture',
      input: null,
    },
    path: file,
    origin: 'file',
  };
}

/** The fixture's output for `samples`, computed here (float64, from our fbank), unit length. */
export function fixtureReference(samples: Float32Array): Float64Array {
  const fb = createFbank();
  const feats = fb.compute(Float32Array.from(samples, (x) => x * 32768));
  const frames = feats.length / FIXTURE_DIM;
  const band = new Float64Array(FIXTURE_DIM);
  for (let t = 0; t < frames; t++)
    for (let b = 0; b < FIXTURE_DIM; b++) band[b]! += feats[t * FIXTURE_DIM + b]! / frames;
  const level = band.reduce((a, b) => a + b, 0) / FIXTURE_DIM;
  for (let b = 0; b < FIXTURE_DIM; b++) band[b]! -= level;
  const norm = Math.hypot(...band);
  return band.map((x) => x / norm);
}

/** 16 kHz mono float32 of media files (relative to AIMA_MEDIA_DIR), decoded by ffmpeg, concatenated. */
export function decodeSpeech(...files: string[]): Float32Array {
  const parts = files.map((f) => decodeFile(f));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Media durations in ms as ffmpeg decodes them (for turn boundaries of concatenations). */
export function decodedMs(file: string): number {
  return (decodeFile(file).length / 16000) * 1000;
}

export const JFK = 'speech/jfk.wav';
export const ESPEAK = 'synthetic/speech_espeak.wav';

/**
 * A pyannote-shaped segmentation fixture sherpa-onnx's offline diarization accepts: x [1, 1, 10 s]
 * → 100 frames of 100 ms → powerset logits [none = 1e-4, speaker 0 = frame energy, speaker 1 = -1]:
 * "speaker 0" wherever the frame's mean square exceeds 1e-4. It knows speech, not voices: which
 * voice is which is left to the embedder and sherpa's clustering.
 */
export function segmentationFixtureResolved(): ResolvedModel {
  const W = 160_000;
  const F = 100;
  const S = W / F;
  const bytes = encodeOnnxModel({
    inputs: [{ name: 'x', dims: [1, 1, W] }],
    outputs: [{ name: 'y', dims: [1, F, 3] }],
    initializers: [
      { name: 'shape', dims: [3], data: new BigInt64Array([1n, BigInt(F), BigInt(S)]) },
      { name: 'w', dims: [1, 3], data: new Float32Array([0, 1, 0]) },
      { name: 'b', dims: [3], data: new Float32Array([1e-4, 0, -1]) },
    ],
    nodes: [
      { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['frames'] },
      { op: 'Mul', inputs: ['frames', 'frames'], outputs: ['sq'] },
      { op: 'ReduceMean', inputs: ['sq'], outputs: ['energy'], attrs: { axes: [2], keepdims: 1 } },
      { op: 'MatMul', inputs: ['energy', 'w'], outputs: ['mixed'] },
      { op: 'Add', inputs: ['mixed', 'b'], outputs: ['y'] },
    ],
    metadata: {
      model_type: 'pyannote',
      sample_rate: '16000',
      window_size: String(W),
      receptive_field_size: String(S),
      receptive_field_shift: String(S),
      num_speakers: '2',
      powerset_max_classes: '1',
      num_classes: '3',
    },
  });
  return writeFixtureModel(bytes, 'segmentation-fixture.onnx', {
    id: DEFAULT_SPEAKER_SEGMENTATION_ID,
    task: 'speaker-segmentation',
    decoder: 'pyannote-segmentation',
  });
}
