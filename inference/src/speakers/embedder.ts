// Voice embeddings from 16 kHz mono samples, through one of two engines over the same model file:
// 'sherpa' (sherpa-onnx's SpeakerEmbeddingExtractor: its own fbank and ORT, in this thread) or
// 'ort' (our Kaldi-compatible fbank, the runtime's shared ORT worker session). Both read the
// model's sherpa metadata; the test checks they agree on a fixture model.
import { loadSherpa } from '../asr/sherpa/addon.ts';
import { InferenceError } from '../errors.ts';
import type { ModelSession } from '../ort/session.ts';
import { createFbank } from './fbank.ts';
import { loadSpeakerModelMeta, type SpeakerModelMeta } from './model-meta.ts';

export type EmbeddingEngine = 'sherpa' | 'ort';

export interface SpeakerEmbedder {
  readonly engine: EmbeddingEngine;
  readonly dim: number;
  readonly meta: SpeakerModelMeta;
  /** Unit-length embedding of `samples` (16 kHz mono, [-1, 1]); at least one 25 ms frame. */
  embed(samples: Float32Array): Promise<Float32Array>;
  /** Idempotent; never closes a shared session. */
  close(): Promise<void>;
}

/** The part of sherpa-onnx-node this module uses (it ships no TypeScript types). */
interface SherpaStream {
  acceptWaveform(o: { sampleRate: number; samples: Float32Array }): void;
  inputFinished(): void;
}
interface SherpaExtractor {
  readonly dim: number;
  createStream(): SherpaStream;
  isReady(s: SherpaStream): boolean;
  compute(s: SherpaStream, enableExternalBuffer?: boolean): Float32Array;
}
// The addon is loaded by asr/sherpa/addon.ts, which types only what ASR calls.
interface SherpaSpeakerModule {
  SpeakerEmbeddingExtractor: new (c: {
    model: string;
    numThreads?: number;
    debug?: number;
    provider?: string;
  }) => SherpaExtractor;
}

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s);
  if (!(n > 0)) throw new InferenceError('MODEL_BAD_OUTPUT', 'speaker embedding is zero or not finite');
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / n;
  return out;
}

const MIN_SAMPLES = 400; // one 25 ms frame

const tooShort = (n: number): InferenceError =>
  new InferenceError('INFER_BAD_CONFIG', `speaker embedding needs at least ${MIN_SAMPLES} samples, got ${n}`);

/** sherpa-onnx's extractor over `modelPath` (metadata checked first: its loader exits on bad models). */
export async function createSherpaEmbedder(
  modelPath: string,
  opts: { readonly label?: string; readonly numThreads?: number } = {},
): Promise<SpeakerEmbedder> {
  const label = opts.label ?? modelPath;
  const meta = await loadSpeakerModelMeta(modelPath, label);
  const sherpa = loadSherpa() as unknown as SherpaSpeakerModule;
  let extractor: SherpaExtractor | null;
  try {
    extractor = new sherpa.SpeakerEmbeddingExtractor({
      model: modelPath,
      numThreads: opts.numThreads ?? 1,
      debug: 0,
      provider: 'cpu',
    });
  } catch (err) {
    throw new InferenceError('MODEL_LOAD_FAILED', `speaker model ${label}: ${String(err)}`, { cause: err });
  }
  if (extractor.dim !== meta.outputDim)
    throw new InferenceError('MODEL_LOAD_FAILED', `speaker model ${label}: dim ${extractor.dim} ≠ metadata`);
  return {
    engine: 'sherpa',
    dim: meta.outputDim,
    meta,
    async embed(samples) {
      if (!extractor) throw new InferenceError('INFER_CLOSED', `speaker model ${label}: embedder is closed`);
      if (samples.length < MIN_SAMPLES) throw tooShort(samples.length);
      const stream = extractor.createStream();
      stream.acceptWaveform({ sampleRate: 16000, samples });
      stream.inputFinished();
      if (!extractor.isReady(stream)) throw tooShort(samples.length);
      const v = extractor.compute(stream, false);
      if (v.length !== meta.outputDim)
        throw new InferenceError(
          'MODEL_BAD_OUTPUT',
          `speaker model ${label}: ${v.length} values, expected ${meta.outputDim}`,
        );
      return l2normalize(v);
    },
    async close() {
      // The addon frees the native extractor when it is collected; dropping the reference is all.
      extractor = null;
    },
  };
}

/** Our fbank and a shared ORT session (`session` belongs to the runtime: never closed here). */
export async function createOrtEmbedder(
  session: ModelSession,
  modelPath: string,
  opts: { readonly label?: string } = {},
): Promise<SpeakerEmbedder> {
  const label = opts.label ?? session.label;
  const meta = await loadSpeakerModelMeta(modelPath, label);
  const input = session.inputs[0];
  const output = session.outputs[0];
  if (!input || !output)
    throw new InferenceError('MODEL_LOAD_FAILED', `speaker model ${label}: no input/output`);
  const fbank = createFbank({ sampleRate: meta.sampleRate });
  const bins = fbank.numBins;
  let closed = false;
  return {
    engine: 'ort',
    dim: meta.outputDim,
    meta,
    async embed(samples) {
      if (closed) throw new InferenceError('INFER_CLOSED', `speaker model ${label}: embedder is closed`);
      if (samples.length < MIN_SAMPLES) throw tooShort(samples.length);
      const scaled = meta.normalizeSamples ? samples : Float32Array.from(samples, (x) => x * 32768);
      const feats = fbank.compute(scaled);
      const frames = feats.length / bins;
      if (meta.featureNormalizeType === 'global-mean') subtractBinMeans(feats, frames, bins);
      const res = await session.run({
        [input.name]: { type: 'float32', data: feats, dims: [1, frames, bins] },
      });
      const out = res.outputs[output.name];
      if (!out || !(out.data instanceof Float32Array) || out.data.length < meta.outputDim)
        throw new InferenceError(
          'MODEL_BAD_OUTPUT',
          `speaker model ${label}: output ${output.name} is not ${meta.outputDim} floats`,
        );
      return l2normalize(out.data.subarray(0, meta.outputDim));
    },
    async close() {
      closed = true;
    },
  };
}

function subtractBinMeans(feats: Float32Array, frames: number, bins: number): void {
  const mean = new Float64Array(bins);
  for (let t = 0; t < frames; t++) for (let b = 0; b < bins; b++) mean[b]! += feats[t * bins + b]!;
  for (let b = 0; b < bins; b++) mean[b]! /= frames;
  for (let t = 0; t < frames; t++) for (let b = 0; b < bins; b++) feats[t * bins + b]! -= mean[b]!;
}
