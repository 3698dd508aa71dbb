// Voice embeddings through sherpa-onnx's extractor and through our fbank + ORT, on real speech,
// with a fixture model whose output is known (speakers-fixtures.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelSession, type ModelSession } from '@aima/inference';
import { InferenceError } from '../src/errors.ts';
import { cosine } from '../src/speakers/changes.ts';
import { createOrtEmbedder, createSherpaEmbedder, type SpeakerEmbedder } from '../src/speakers/embedder.ts';
import { createFbank } from '../src/speakers/fbank.ts';
import { readOnnxMetadata } from '../src/speakers/model-meta.ts';
import {
  decodeSpeech,
  ESPEAK,
  FIXTURE_META,
  fixtureReference,
  JFK,
  speakerFixtureModel,
  speakerFixtureResolved,
} from './speakers-fixtures.ts';

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('speaker embeddings (fixture model on real speech)', () => {
  const fixture = speakerFixtureResolved();
  const jfk = decodeSpeech(JFK);
  const espeak = decodeSpeech(ESPEAK);
  let sherpa: SpeakerEmbedder;
  let session: ModelSession;
  let ort: SpeakerEmbedder;

  beforeAll(async () => {
    sherpa = await createSherpaEmbedder(fixture.path, { label: 'fixture' });
    session = await createModelSession(fixture.path, { executionProvider: 'cpu', intraOpThreads: 1 });
    ort = await createOrtEmbedder(session, fixture.path, { label: 'fixture' });
  });
  afterAll(async () => {
    await sherpa?.close();
    await ort?.close();
    await session?.close();
  });

  it('sherpa-onnx loads the fixture and computes exactly the reference (per-band fbank mean, centred)', async () => {
    expect(sherpa.dim).toBe(80);
    expect(sherpa.meta).toMatchObject({ framework: 'wespeaker', normalizeSamples: false, outputDim: 80 });
    for (const x of [jfk, espeak, jfk.subarray(16000, 16000 + 24000)]) {
      const got = await sherpa.embed(x);
      const want = fixtureReference(x);
      // kaldi-native-fbank in float32 vs our float64 fbank: measured max difference ~1e-6 here.
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-4);
      expect(Math.hypot(...got)).toBeCloseTo(1, 5);
    }
  });

  it('our fbank + ORT session gives the same embedding as sherpa-onnx', async () => {
    for (const x of [jfk, espeak]) {
      const a = await ort.embed(x);
      const b = await sherpa.embed(x);
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
      expect(maxAbsDiff(a, fixtureReference(x))).toBeLessThan(1e-4);
    }
  });

  it('the fixture tells JFK from eSpeak and keeps JFK with himself', async () => {
    const [a, b] = [jfk.subarray(0, 5 * 16000), jfk.subarray(5 * 16000)];
    const self = cosine(await sherpa.embed(a), await sherpa.embed(b));
    const other = cosine(await sherpa.embed(jfk), await sherpa.embed(espeak));
    expect(self).toBeGreaterThan(0.85);
    expect(other).toBeLessThan(0.5);
  });

  it('fbank frames follow Kaldi snip_edges=false (one per 10 ms, rounded)', () => {
    const fb = createFbank();
    expect(fb.numFrames(16000)).toBe(100);
    expect(fb.numFrames(jfk.length)).toBe(Math.floor((jfk.length + 80) / 160));
    expect(fb.compute(jfk.subarray(0, 1600)).length).toBe(10 * 80);
  });

  it('reads metadata_props and refuses models sherpa-onnx would exit() on, with a coded error', async () => {
    expect(Object.fromEntries(readOnnxMetadata(speakerFixtureModel()))).toEqual(FIXTURE_META);
    const noLanguage = { ...FIXTURE_META } as Record<string, string>;
    delete noLanguage.language;
    for (const meta of [
      noLanguage,
      { ...FIXTURE_META, framework: 'nemo' },
      { ...FIXTURE_META, sample_rate: '8000' },
    ]) {
      const bad = speakerFixtureResolved(meta);
      const err = await createSherpaEmbedder(bad.path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InferenceError);
      expect((err as InferenceError).code).toBe('MODEL_LOAD_FAILED');
    }
    const tooShort = await sherpa.embed(new Float32Array(100)).catch((e: unknown) => e);
    expect((tooShort as InferenceError).code).toBe('INFER_BAD_CONFIG');
  });
});
