// Pure parts of the audio analyzers: arithmetic and DSP checked against known answers.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createSoundEventTracker,
  createUpsampler2x,
  DEFAULT_TRACKER_OPTIONS,
  kaldiMelBanks,
  loadAudioSetLabels,
  loadVocabulary,
  parseAudioSetLabels,
  resolveVocabulary,
  speechRate,
  speechRateAnalyzer,
  type EnergyTrack,
  type ScoredWindow,
  type VocabularyEvent,
} from '../src/audio/index.ts';
import type { SpeechRateRow } from '../src/audio/records.ts';
import { createSampleQueue } from '../src/audio/sample-queue.ts';
import { createHarness } from './helpers-analyzer.ts';
import { MODELS_DIR } from './helpers.ts';

const word = (w: string, startTs: number, endTs: number) => ({ word: w, startTs, endTs, confidence: 1 });

describe('speech rate', () => {
  it('counts words per minute over the words and pauses over 250 ms', () => {
    // 6 words over 3 s (10.0–13.0 s); gaps 100, 300, 0, 600, 250 ms → pauses 300 and 600.
    const seg = {
      segmentId: 'seg-1',
      startTs: 9_800,
      endTs: 13_200,
      text: 'ask not what your country can',
      words: [
        word('ask', 10_000, 10_300),
        word('not', 10_400, 10_700),
        word('what', 11_000, 11_300),
        word('your', 11_300, 11_600),
        word('country', 12_200, 12_600),
        word('can', 12_850, 13_000),
      ],
    };
    expect(speechRate('src', seg)).toEqual({
      sourceId: 'src',
      segmentId: 'seg-1',
      startTs: 9_800,
      endTs: 13_200,
      words: 6,
      wordsPerMinute: 120,
      pauses: 2,
      meanPauseMs: 450,
      maxPauseMs: 600,
    });
    expect(speechRate('src', seg, { pauseMs: 500 })?.pauses).toBe(1);
  });

  it('falls back to the text over the segment span, skips punctuation and empty segments', () => {
    const row = speechRate('s', {
      segmentId: 'a',
      startTs: 0,
      endTs: 4000,
      text: 'Hello , world . How are you ?',
      words: [],
    });
    expect(row).toMatchObject({ words: 5, wordsPerMinute: 75, pauses: 0, meanPauseMs: 0, maxPauseMs: 0 });
    expect(speechRate('s', { segmentId: 'b', startTs: 0, endTs: 1000, text: ' ... ', words: [] })).toBeNull();
  });

  it('as an analyzer: consumes asr segments, skips unchanged re-emissions and bad rows', async () => {
    const h = await createHarness(speechRateAnalyzer, {});
    const seg = {
      sourceId: 'test-source',
      segmentId: 'seg-1',
      startTs: 0,
      endTs: 2000,
      text: 'one two three four',
      language: 'en',
      confidence: 0.9,
      engine: 'test',
      speakerId: '',
      personId: '',
      words: [
        word('one', 0, 400),
        word('two', 500, 900),
        word('three', 1300, 1700),
        word('four', 1700, 2000),
      ],
    };
    await h.instance.results?.('asr', { table: 'transcript_segments', rows: [seg] });
    await h.instance.results?.('asr', { table: 'transcript_segments', rows: [seg, { nonsense: true }] });
    await h.instance.results?.('asr', { table: 'transcript_words', rows: [seg] });
    await h.instance.results?.('asr', {
      table: 'transcript_segments',
      rows: [{ ...seg, text: 'one two three', words: seg.words.slice(0, 3) }],
    });
    await h.instance.finish();
    const rows = h.rows<SpeechRateRow>('speech_rate');
    expect(rows.map((r) => [r.segmentId, r.words, r.wordsPerMinute, r.pauses, r.maxPauseMs])).toEqual([
      ['seg-1', 4, 120, 1, 400],
      ['seg-1', 3, 105.9, 1, 400],
    ]);
    expect(h.instance.summary?.()).toMatchObject({ segments: 1, words: 3, invalidRows: 1 });
    await h.close();
  });
});

describe('16 → 32 kHz upsampler', () => {
  it('keeps the input samples and interpolates a 1 kHz sine to within -70 dB, with no delay', () => {
    const n = 16000;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 16000);
    const up = createUpsampler2x();
    const parts = [up.push(x.subarray(0, 777)), up.push(x.subarray(777)), up.flush()];
    const y = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) {
      y.set(p, at);
      at += p.length;
    }
    expect(y.length).toBe(2 * n);
    let err = 0;
    let changed = 0;
    for (let k = 200; k < 2 * n - 200; k++) {
      if (k % 2 === 0 && y[k] !== x[k / 2]) changed++;
      err = Math.max(err, Math.abs((y[k] as number) - 0.5 * Math.sin((2 * Math.PI * 1000 * k) / 32000)));
    }
    expect(changed).toBe(0);
    expect(20 * Math.log10(err / 0.5)).toBeLessThan(-70);
  });
});

describe('Kaldi mel banks', () => {
  it('128 triangles over 0–15 kHz, increasing, each peaking near 1', () => {
    const bands = kaldiMelBanks();
    expect(bands).toHaveLength(128);
    let prev = -1;
    for (const b of bands) {
      expect(b.weights.length).toBeGreaterThan(0);
      expect(b.first).toBeGreaterThanOrEqual(prev);
      prev = b.first;
      expect(Math.max(...b.weights)).toBeLessThanOrEqual(1);
    }
    // The top band ends below 15 kHz (bin 480 = 15 kHz at 31.25 Hz per bin).
    const last = bands[127] as (typeof bands)[number];
    expect(last.first + last.weights.length).toBeLessThanOrEqual(481);
  });
});

describe('AudioSet labels and the vocabulary', () => {
  it('parses quoted names with commas, in index order', async () => {
    const labels = await loadAudioSetLabels(path.join(MODELS_DIR, 'audio-tag/audioset_labels.csv'));
    expect(labels).toHaveLength(527);
    expect(labels[1]?.name).toBe('Male speech, man speaking');
    expect(labels[396]?.name).toBe('Siren');
    expect(() => parseAudioSetLabels('index,mid,display_name\n1,/m/x,"A"\n')).toThrow(/out of order/);
  });

  it('resolves every class of the shipped vocabulary, and rejects unknown classes', async () => {
    const labels = await loadAudioSetLabels(path.join(MODELS_DIR, 'audio-tag/audioset_labels.csv'));
    const vocab = resolveVocabulary(await loadVocabulary(), labels);
    const names = vocab.map((v) => v.label);
    for (const l of [
      'scream',
      'crying',
      'glass-breaking',
      'siren',
      'gunshot',
      'dog',
      'music',
      'speech',
      'applause',
    ]) {
      expect(names).toContain(l);
    }
    for (const l of ['car-horn', 'engine', 'footsteps', 'rain', 'water', 'vehicle'])
      expect(names).toContain(l);
    expect(vocab.find((v) => v.label === 'glass-breaking')?.indices).toContain(443); // Shatter
    expect(() =>
      resolveVocabulary(
        { version: 1, events: [{ label: 'x', classes: ['No such class'], threshold: 0.5 }] },
        labels,
      ),
    ).toThrow(expect.objectContaining({ code: 'INFER_UNKNOWN_CLASS' }));
  });
});

describe('sound event tracker (pure)', () => {
  const vocab: VocabularyEvent[] = [{ label: 'glass', indices: [0], names: ['Glass'], threshold: 0.3 }];
  // 10 ms frames: silence (-90 dB) except a loud burst at frames [412, 530).
  const energy: EnergyTrack = { db: (f) => (f >= 412 && f < 530 ? -10 : -90) };
  const win = (i: number, p: number): ScoredWindow => ({
    firstFrame: i * 50,
    frames: 200,
    probs: new Float32Array([p]),
  });
  const run = (scores: number[]) => {
    const t = createSoundEventTracker(vocab, energy, DEFAULT_TRACKER_OPTIONS);
    return [...scores.flatMap((p, i) => t.push(win(i, p))), ...t.flush()];
  };

  it('opens on the median, refines start and end on the energy envelope', () => {
    // Windows 6..9 (frames 300–650) score high; one isolated high window (2) is ignored.
    const ems = run([0, 0, 0.9, 0, 0, 0, 0.5, 0.6, 0.8, 0.4, 0, 0, 0, 0]);
    const closes = ems.filter((e) => e.type === 'close');
    expect(closes).toHaveLength(1);
    const e = closes[0]?.type === 'close' ? closes[0].event : null;
    expect(e).toMatchObject({ label: 'glass', startFrame: 412, endFrame: 530, classes: ['Glass'] });
    expect(e?.peakScore).toBeCloseTo(0.8, 6);
    expect(e?.peakFrame).toBeGreaterThanOrEqual(412);
    expect(e?.peakFrame).toBeLessThan(530);
    expect(ems[0]).toMatchObject({ type: 'open', label: 'glass', startFrame: 412 });
  });

  it('keeps the window bounds where the envelope is silent and closes open events on flush', () => {
    const quiet: EnergyTrack = { db: () => -120 };
    const t = createSoundEventTracker(vocab, quiet, { ...DEFAULT_TRACKER_OPTIONS, medianWindows: 1 });
    const ems = [...[0, 0.9, 0.9].flatMap((p, i) => t.push(win(i, p))), ...t.flush()];
    const close = ems.find((e) => e.type === 'close');
    expect(close?.type === 'close' && [close.event.startFrame, close.event.endFrame]).toEqual([50, 300]);
  });
});

describe('sample queue', () => {
  it('hands out whole blocks across chunk boundaries and grows as needed', () => {
    const q = createSampleQueue(4);
    q.push(new Float32Array([1, 2, 3]));
    q.push(new Float32Array([4, 5, 6, 7]));
    expect([...q.take(5)]).toEqual([1, 2, 3, 4, 5]);
    q.push(new Float32Array([8]));
    expect(q.length).toBe(3);
    expect([...q.peek(2)]).toEqual([6, 7]);
    q.drop(1);
    expect([...q.take(2)]).toEqual([7, 8]);
    expect(q.length).toBe(0);
  });
});
