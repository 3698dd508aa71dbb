// The metadata sherpa-onnx's speaker-embedding loader reads from a model (ModelProto
// metadata_props). Its native loader calls exit() when a key is missing or unsupported, which
// would take the whole AIMA process down, so we read and check the same keys first and turn a bad
// model into a coded MODEL_LOAD_FAILED. The ORT engine uses the same facts to build its features.
import { readFile, stat } from 'node:fs/promises';
import { InferenceError } from '../errors.ts';

/** What a speaker embedder needs to know about its model (sherpa-onnx's metadata keys). */
export interface SpeakerModelMeta {
  /** 'wespeaker' (raw int16-scaled samples) or '3d-speaker' (normalised samples, mean-normalised features). */
  readonly framework: 'wespeaker' | '3d-speaker';
  readonly outputDim: number;
  readonly sampleRate: number;
  /** 1: samples in [-1, 1]; 0: scaled by 32768 before the filterbank. */
  readonly normalizeSamples: boolean;
  /** 'global-mean': each feature bin minus its mean over the segment. */
  readonly featureNormalizeType: '' | 'global-mean';
  readonly language: string;
}

/** Reads the key/value metadata of an ONNX model (ModelProto field 14) without loading it. */
export function readOnnxMetadata(bytes: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const r = reader(bytes, 0, bytes.length);
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 14 && wire === 2) {
      const [s, e] = r.span();
      const entry = reader(bytes, s, e);
      let key = '';
      let value = '';
      while (!entry.done()) {
        const t = entry.tag();
        if (t.wire !== 2) {
          entry.skip(t.wire);
          continue;
        }
        const [a, b] = entry.span();
        const text = new TextDecoder().decode(bytes.subarray(a, b));
        if (t.field === 1) key = text;
        else if (t.field === 2) value = text;
      }
      out.set(key, value);
    } else r.skip(wire);
  }
  return out;
}

/** Checks the metadata as sherpa-onnx's loader would; MODEL_LOAD_FAILED names the bad key. */
export function parseSpeakerModelMeta(meta: ReadonlyMap<string, string>, label: string): SpeakerModelMeta {
  const bad = (why: string): never => {
    throw new InferenceError('MODEL_LOAD_FAILED', `speaker model ${label}: ${why}`);
  };
  const int = (key: string): number => {
    const v = meta.get(key);
    if (v === undefined || !/^-?\d+$/.test(v.trim()))
      return bad(`metadata '${key}' missing or not an integer`);
    return Number(v);
  };
  const framework = meta.get('framework');
  if (framework !== 'wespeaker' && framework !== '3d-speaker')
    bad(`metadata 'framework' is '${framework ?? ''}', expected 'wespeaker' or '3d-speaker'`);
  const outputDim = int('output_dim');
  const sampleRate = int('sample_rate');
  const normalize = int('normalize_samples');
  const language = meta.get('language');
  const fnt = meta.get('feature_normalize_type') ?? '';
  if (!(outputDim > 0)) bad(`metadata 'output_dim' must be positive`);
  if (sampleRate !== 16000) bad(`metadata 'sample_rate' is ${sampleRate}, AIMA feeds 16000 Hz`);
  if (!language) bad(`metadata 'language' missing`);
  if (fnt !== '' && fnt !== 'global-mean') bad(`unsupported feature_normalize_type '${fnt}'`);
  return Object.freeze({
    framework: framework as SpeakerModelMeta['framework'],
    outputDim,
    sampleRate,
    normalizeSamples: normalize !== 0,
    featureNormalizeType: fnt as SpeakerModelMeta['featureNormalizeType'],
    language: language!,
  });
}

const cache = new Map<string, { key: string; meta: Promise<SpeakerModelMeta> }>();

/** Reads and checks a model file's metadata (remembered per path, size and mtime). */
export async function loadSpeakerModelMeta(path: string, label: string): Promise<SpeakerModelMeta> {
  const st = await stat(path).catch((err: unknown) => {
    throw new InferenceError('MODEL_NOT_FOUND', `speaker model ${label}: cannot read ${path}`, {
      cause: err,
    });
  });
  const key = `${st.size}:${st.mtimeMs}`;
  const hit = cache.get(path);
  if (hit && hit.key === key) return hit.meta;
  const meta = readFile(path).then((b) => parseSpeakerModelMeta(readOnnxMetadata(b), label));
  cache.set(path, { key, meta });
  meta.catch(() => cache.delete(path));
  return meta;
}

/** A minimal protobuf reader over bytes[start, end). */
function reader(b: Uint8Array, start: number, end: number) {
  let p = start;
  const corrupt = (): never => {
    throw new InferenceError('MODEL_LOAD_FAILED', 'not an ONNX model (bad protobuf)');
  };
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (p >= end) corrupt();
      const x = b[p++]!;
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 128;
      if (mul > 2 ** 63) corrupt();
    }
  };
  return {
    done: () => p >= end,
    tag() {
      const t = varint();
      return { field: Math.floor(t / 8), wire: t % 8 };
    },
    span(): [number, number] {
      const n = varint();
      if (p + n > end) corrupt();
      const s = p;
      p += n;
      return [s, p];
    },
    skip(wire: number) {
      if (wire === 0) varint();
      else if (wire === 1) p += 8;
      else if (wire === 2) this.span();
      else if (wire === 5) p += 4;
      else corrupt();
      if (p > end) corrupt();
    },
  };
}
