// sherpa-onnx engines with fixture Whisper graphs (test/asr-onnx.ts): the real native recognizer
// loads them, runs features → encoder → greedy decoder → token table, and must return exactly
// what the graphs force. Model sets resolve through the real registry (sha256-checked).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vadAnalyzer } from '../src/audio/index.ts';
import {
  createAsrAnalyzer,
  createSherpaWhisperTranscriber,
  createTranscriber,
  type AsrModelSet,
  type TranscriptSegmentRow,
} from '../src/asr/index.ts';
import type { InferenceError } from '../src/errors.ts';
import type { ModelSpec } from '../src/models/manifest.ts';
import { createModelRegistry } from '../src/models/registry.ts';
import { sha256File } from '../src/models/hash.ts';
import { writeWhisperFixture, WHISPER_FIXTURE as F } from './asr-onnx.ts';
import { chunksOf, decodeSpeech, feed } from './asr-media.ts';
import { createHarness } from './helpers-analyzer.ts';

let dir: string;
let en: { encoder: string; decoder: string; tokens: string };
let multi: { encoder: string; decoder: string; tokens: string };
const speech = (): Float32Array => decodeSpeech('speech/goforward.wav');

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'aima-asr-sherpa-'));
  await mkdir(path.join(dir, 'en'));
  await mkdir(path.join(dir, 'multi'));
  // "hello world from aima", then EOT.
  en = await writeWhisperFixture(path.join(dir, 'en'), { multilingual: false, say: [0, 1, 2, 3] });
  // Multilingual: favours <|de|> after SOT, then says "aima hello".
  multi = await writeWhisperFixture(path.join(dir, 'multi'), {
    multilingual: true,
    say: [3, 0],
    language: 'de',
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sherpa-onnx Whisper with fixture graphs', () => {
  it('decodes exactly the tokens the decoder forces, with estimated word times', async () => {
    const t = await createSherpaWhisperTranscriber({ paths: en, multilingual: false });
    const samples = speech();
    const r = await t.transcribe(samples, 5000);
    expect(r.text).toBe('hello world from aima');
    expect(r.language).toBe('en');
    expect(r.words.map((w) => w.word)).toEqual(['hello', 'world', 'from', 'aima']);
    const dur = (samples.length / 16000) * 1000;
    expect(r.words[0]!.startTs).toBe(5000);
    expect(r.words[3]!.endTs).toBe(Math.round(5000 + dur));
    for (let i = 1; i < r.words.length; i++) expect(r.words[i]!.startTs).toBe(r.words[i - 1]!.endTs);
    expect(t.info).toMatchObject({
      engine: 'sherpa-whisper',
      wordTimes: false,
      streaming: false,
      languages: ['en'],
    });
    await t.close();
    await t.close();
    expect(((await t.transcribe(samples, 0).catch((e: unknown) => e)) as InferenceError).code).toBe(
      'INFER_CLOSED',
    );
  });

  it("detects the language from Whisper's own language token, or takes the one given", async () => {
    const auto = await createSherpaWhisperTranscriber({ paths: multi, multilingual: true, language: 'auto' });
    const r = await auto.transcribe(speech(), 0);
    expect(r.text).toBe('aima hello');
    expect(r.language).toBe('de');
    const forced = await createSherpaWhisperTranscriber({ paths: multi, multilingual: true, language: 'en' });
    expect((await forced.transcribe(speech(), 0)).language).toBe('en');
  });

  it('identifies the language with SpokenLanguageIdentification when asked', async () => {
    const t = await createSherpaWhisperTranscriber({
      paths: multi,
      multilingual: true,
      language: 'auto',
      languageId: { encoder: multi.encoder, decoder: multi.decoder },
    });
    expect((await t.transcribe(speech(), 0)).language).toBe('de');
  });

  it('refuses languages the model cannot take before sherpa sees them', async () => {
    const a = await createSherpaWhisperTranscriber({ paths: en, multilingual: false, language: 'de' }).catch(
      (e: unknown) => e,
    );
    expect((a as InferenceError).code).toBe('INFER_BAD_CONFIG');
    const b = await createSherpaWhisperTranscriber({
      paths: multi,
      multilingual: true,
      language: 'xx',
    }).catch((e: unknown) => e);
    expect((b as InferenceError).code).toBe('INFER_BAD_CONFIG');
  });
});

describe('asr analyzer with a sherpa model set from the registry', () => {
  const set: AsrModelSet = {
    id: 'fixture-whisper',
    engine: 'sherpa-whisper',
    label: 'fixture Whisper',
    multilingual: false,
    language: 'en',
    parts: {
      encoder: 'fixture-whisper.encoder',
      decoder: 'fixture-whisper.decoder',
      tokens: 'fixture-whisper.tokens',
    },
  };
  const spec = (id: string, file: string, sha256: string): ModelSpec => ({
    id,
    task: 'asr',
    file,
    url: 'file://fixture',
    sha256,
    bytes: 0,
    license: 'test fixture',
    input: null,
    decoder: 'whisper',
  });
  const specs = async (tamper?: string): Promise<ModelSpec[]> => [
    spec(
      set.parts.encoder,
      'en/encoder.onnx',
      tamper === 'encoder' ? '0'.repeat(64) : await sha256File(en.encoder),
    ),
    spec(set.parts.decoder, 'en/decoder.onnx', await sha256File(en.decoder)),
    spec(set.parts.tokens, 'en/tokens.txt', await sha256File(en.tokens)),
  ];

  it('auto picks the set present in the models dir; VAD segments come out as Whisper rows', async () => {
    const registry = createModelRegistry({
      modelsDir: dir,
      cacheDir: path.join(dir, 'cache'),
      models: await specs(),
    });
    const def = createAsrAnalyzer({ registry, sets: [set] });
    const asr = await createHarness(def, { engine: 'auto' }, { epochMs: 1000 });
    const vad = await createHarness(
      vadAnalyzer,
      {},
      { epochMs: 1000, onEmit: (b) => asr.instance.results?.('vad', b) },
    );
    try {
      await feed([vad.instance, asr.instance], chunksOf(speech(), 1000));
      expect(asr.failures).toEqual([]);
      const rows = asr.rows<TranscriptSegmentRow>('transcript_segments');
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        expect(r).toMatchObject({ engine: 'sherpa-whisper', language: 'en', text: 'hello world from aima' });
        expect(r.words[0]!.startTs).toBe(r.startTs);
      }
      expect(asr.instance.summary?.()).toMatchObject({ engine: 'sherpa-whisper', label: 'fixture Whisper' });
    } finally {
      await asr.close();
      await vad.close();
    }
  });

  it('a model file with the wrong sha256 fails this analyzer alone with MODEL_HASH_MISMATCH', async () => {
    const registry = createModelRegistry({
      modelsDir: dir,
      cacheDir: path.join(dir, 'cache'),
      models: await specs('encoder'),
    });
    const asr = await createHarness(createAsrAnalyzer({ registry, sets: [set] }), {
      engine: 'sherpa-whisper',
    });
    try {
      expect(asr.failures.map((e) => (e as InferenceError).code)).toEqual(['MODEL_HASH_MISMATCH']);
      for (const c of chunksOf(speech(), 0)) await asr.instance.audio?.(c);
      await asr.instance.results?.('vad', { table: 'speech_segments', rows: [{ startTs: 0, endTs: 2000 }] });
      await asr.instance.finish();
      expect(asr.batches).toEqual([]);
    } finally {
      await asr.close();
    }
  });

  it('a missing set is MODEL_NOT_FOUND when named, and auto falls back to pocketsphinx', async () => {
    const empty = path.join(dir, 'empty');
    const registry = createModelRegistry({
      modelsDir: empty,
      cacheDir: path.join(dir, 'nocache'),
      models: await specs(),
    });
    const asr = await createHarness(createAsrAnalyzer({ registry, sets: [set] }), {
      engine: 'sherpa-whisper',
    });
    expect(asr.failures.map((e) => (e as InferenceError).code)).toEqual(['MODEL_NOT_FOUND']);
    await asr.close();
    const t = await createTranscriber({ engine: 'auto', registry, sets: [set] });
    expect(t.info.engine).toBe('pocketsphinx');
    expect(t.info.label).toBe('pocketsphinx (weak, English only)');
    await t.close();
  });
});

it('the fixture vocabulary keeps the layout sherpa derives timestamp tokens from', () => {
  expect(F.vocab).toBe(F.noTimestamps + 1 + 1501);
});
