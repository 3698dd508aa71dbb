// The pure parts of speech recognition: scoring, pocketsphinx output, the audio ring's clock,
// sherpa configs and result conversion, and the pinned model manifest.
import { describe, expect, it } from 'vitest';
import {
  ASR_MODEL_SETS,
  clockAt,
  createAudioRing,
  parsePocketsphinxOutput,
  splitSpan,
  transducerResultToTranscript,
  whisperRecognizerConfig,
  wordErrorRate,
  zipformerRecognizerConfig,
} from '../src/asr/index.ts';
import { pocketsphinxArgs, floatToS16le } from '../src/asr/pocketsphinx/process.ts';
import { ASR_MODELS } from '../src/models/manifest-asr.ts';
import { DOWNLOAD_ONLY_MODELS } from '../src/models/manifest.ts';

describe('wordErrorRate', () => {
  it('counts substitutions, deletions and insertions over normalised words', () => {
    expect(wordErrorRate('Go forward, ten meters.', 'go forward ten meters').wer).toBe(0);
    const w = wordErrorRate('a b c d', 'a x c d e');
    expect(w).toMatchObject({ substitutions: 1, deletions: 0, insertions: 1, refWords: 4, hypWords: 5 });
    expect(w.wer).toBe(0.5);
    expect(wordErrorRate('a b c', '').wer).toBe(1);
    expect(wordErrorRate('', '').wer).toBe(0);
    expect(wordErrorRate("you're here", "you're here").wer).toBe(0);
  });
});

describe('pocketsphinx output', () => {
  const out = [
    'go forward ten meters',
    '<s> 0.000 0.240 1.000000',
    '<sil> 0.250 0.450 0.706282',
    'go 0.460 0.630 0.997303',
    'forward(2) 0.640 1.160 0.996207',
    '[NOISE] 1.161 1.165 0.5',
    'ten 1.170 1.520 0.243981',
    'meters 1.530 2.110 1.0003',
    '</s> 2.120 2.600 1.000000',
  ].join('\n');

  it('becomes words on the wall clock without fillers or pronunciation marks', () => {
    const r = parsePocketsphinxOutput(out, 10_000);
    expect(r.text).toBe('go forward ten meters');
    expect(r.words).toEqual([
      { word: 'go', startTs: 10_460, endTs: 10_640, confidence: 0.997303 },
      { word: 'forward', startTs: 10_640, endTs: 11_170, confidence: 0.996207 },
      { word: 'ten', startTs: 11_170, endTs: 11_530, confidence: 0.243981 },
      { word: 'meters', startTs: 11_530, endTs: 12_120, confidence: 1 },
    ]);
    expect(r.confidence).toBeCloseTo((0.997303 + 0.996207 + 0.243981 + 1) / 4, 6);
    expect(parsePocketsphinxOutput('', 0)).toEqual({ text: '', language: 'en', confidence: 0, words: [] });
  });

  it('is driven with raw s16le input and the Debian models by default', () => {
    expect(pocketsphinxArgs('/tmp/x.raw')).toEqual([
      '-infile',
      '/tmp/x.raw',
      '-time',
      'yes',
      '-logfn',
      '/dev/null',
      '-samprate',
      '16000',
    ]);
    expect(pocketsphinxArgs('/x', { hmm: '/h', dict: '/d' })).toContain('-hmm');
    const b = floatToS16le(new Float32Array([0, 1, -1, 2, 0.5]));
    expect([0, 1, 2, 3, 4].map((i) => b.readInt16LE(i * 2))).toEqual([0, 32767, -32768, 32767, 16384]);
  });
});

describe('audio ring', () => {
  it('keeps each sample on its chunk clock across a jump, and extracts spans with anchors', () => {
    const ring = createAudioRing(10_000);
    ring.push(1000, new Float32Array(1600).fill(0.1)); // 1000..1100
    ring.push(1100, new Float32Array(1600).fill(0.2)); // 1100..1200
    ring.push(5000, new Float32Array(1600).fill(0.3)); // clock jump: 5000..5100
    expect(ring.latestTs).toBe(5100);
    const a = ring.extract(1050, 5050)!;
    expect(a.samples.length).toBe(800 + 1600 + 800);
    expect(a.anchors).toEqual([
      { index: 0, ts: 1050 },
      { index: 800, ts: 1100 },
      { index: 2400, ts: 5000 },
    ]);
    expect(a.startTs).toBe(1050);
    expect(a.endTs).toBe(5050);
    // 160 ms = sample 2560 of the extract: 160 samples into the chunk that starts at 5000.
    expect(clockAt(a.anchors, 160)).toBe(5010);
    expect(clockAt(a.anchors, 20)).toBe(1070);
    expect(ring.extract(2000, 3000)).toBeNull();
  });

  it('drops the oldest audio beyond its capacity and counts it', () => {
    const ring = createAudioRing(200);
    for (let i = 0; i < 5; i++) ring.push(i * 100, new Float32Array(1600));
    expect(ring.earliestTs).toBeGreaterThanOrEqual(200);
    expect(ring.droppedSamples).toBeGreaterThan(0);
    ring.clear();
    expect(ring.latestTs).toBe(-Infinity);
  });

  it('cuts long spans into equal pieces no longer than the maximum', () => {
    expect(splitSpan(0, 65_000, 30_000)).toEqual([
      [0, 65_000 / 3],
      [65_000 / 3, (2 * 65_000) / 3],
      [(2 * 65_000) / 3, 65_000],
    ]);
    expect(splitSpan(0, 1000, 30_000)).toEqual([[0, 1000]]);
    expect(splitSpan(5, 5, 1000)).toEqual([]);
  });
});

describe('sherpa configs and results', () => {
  const w = { encoder: 'e', decoder: 'd', tokens: 't' };
  it('builds Whisper configs, passing a language only to multilingual models', () => {
    const en = whisperRecognizerConfig(w, { multilingual: false, language: 'en' }) as {
      modelConfig: { whisper: { language: string }; tokens: string };
    };
    expect(en.modelConfig.whisper.language).toBe('');
    expect(en.modelConfig.tokens).toBe('t');
    const de = whisperRecognizerConfig(w, { multilingual: true, language: 'de' }) as typeof en;
    expect(de.modelConfig.whisper.language).toBe('de');
    expect(() => whisperRecognizerConfig(w, { multilingual: true, language: 'zz' })).toThrow(/does not know/);
  });

  it('builds a streaming zipformer config with endpointing', () => {
    const c = zipformerRecognizerConfig({ ...w, joiner: 'j' }, { trailingSilenceMs: 600 }) as Record<
      string,
      unknown
    >;
    expect(c).toMatchObject({
      enableEndpoint: 1,
      rule2MinTrailingSilence: 0.6,
      decodingMethod: 'greedy_search',
    });
    expect((c.modelConfig as { transducer: object }).transducer).toEqual({
      encoder: 'e',
      decoder: 'd',
      joiner: 'j',
    });
  });

  it('joins BPE pieces into words with token times and log-prob confidences', () => {
    const r = transducerResultToTranscript(
      {
        text: 'GO FORWARD',
        tokens: ['▁GO', '▁FOR', 'WARD'],
        timestamps: [0.4, 0.64, 0.8],
        ys_probs: [Math.log(0.9), Math.log(0.5), Math.log(0.5)],
      },
      1000,
      2000,
      'en',
    );
    expect(r.words.map((x) => [x.word, x.startTs, x.endTs])).toEqual([
      ['GO', 1400, 1640],
      ['FORWARD', 1640, 3000],
    ]);
    expect(r.words[0]!.confidence).toBeCloseTo(0.9, 6);
    expect(r.words[1]!.confidence).toBeCloseTo(0.5, 6);
    expect(r.text).toBe('GO FORWARD');
  });
});

describe('ASR model manifest', () => {
  it('pins every part by URL commit, sha256 and size, and every set names known parts', () => {
    const ids = new Set(DOWNLOAD_ONLY_MODELS.map((m) => m.id));
    for (const m of ASR_MODELS) {
      expect(ids.has(m.id)).toBe(true);
      expect(m.task).toBe('asr');
      expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(m.url).toMatch(/^https:\/\/huggingface\.co\/csukuangfj\/[^/]+\/resolve\/[0-9a-f]{40}\//);
      expect(m.bytes).toBeGreaterThan(0);
    }
    for (const s of ASR_MODEL_SETS) {
      for (const id of Object.values(s.parts)) expect(ids.has(id)).toBe(true);
    }
  });
});
