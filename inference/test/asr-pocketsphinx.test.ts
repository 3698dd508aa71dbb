// pocketsphinx end to end: real speech, real ffmpeg, the real Silero VAD analyzer feeding the
// `asr` analyzer its speech segments, real pocketsphinx_continuous processes.
import { afterAll, describe, expect, it } from 'vitest';
import { vadAnalyzer } from '../src/audio/index.ts';
import {
  asrAnalyzer,
  createPocketsphinxTranscriber,
  normalizeWords,
  wordErrorRate,
  type TranscriptSegmentRow,
} from '../src/asr/index.ts';
import type { TranscriptLiveData } from '../src/asr/types.ts';
import type { AudioInput } from '../src/analyzers/contract.ts';
import { InferenceError } from '../src/errors.ts';
import { createHarness, type Harness } from './helpers-analyzer.ts';
import { chunksOf, decodeSpeech, feed, referenceTranscript, SPEECH_FILES } from './asr-media.ts';

const EPOCH = 1_700_000_000_000;

/** A live source delivers audio as it is spoken: chunks paced at twice real time. */
async function* paced(chunks: Iterable<AudioInput>): AsyncGenerator<AudioInput> {
  for (const c of chunks) {
    await new Promise((r) => setTimeout(r, (c.samples.length / 16000) * 500));
    yield c;
  }
}

async function transcribeFile(rel: string, live = false): Promise<{ asr: Harness; vad: Harness }> {
  const asr = await createHarness(asrAnalyzer, { engine: 'pocketsphinx' }, { live, epochMs: EPOCH });
  const vad = await createHarness(
    vadAnalyzer,
    {},
    { live, epochMs: EPOCH, onEmit: (b) => asr.instance.results?.('vad', b) },
  );
  const chunks = chunksOf(decodeSpeech(rel), EPOCH);
  await feed([vad.instance, asr.instance], live ? paced(chunks) : chunks);
  return { asr, vad };
}

describe('asr analyzer with pocketsphinx (real VAD, real speech)', () => {
  const table: Array<{ file: string; wer: number; ref: number; hyp: string }> = [];
  let errors = 0;
  let refWords = 0;

  afterAll(() => {
    if (table.length === 0) return;
    console.log(
      `pocketsphinx WER per file (VAD-segmented):\n${table
        .map(
          (r) =>
            `  ${r.file.padEnd(62)} WER ${(r.wer * 100).toFixed(1).padStart(5)}%  (${r.ref} words)  "${r.hyp}"`,
        )
        .join('\n')}\n  overall WER ${((errors / refWords) * 100).toFixed(1)}% over ${refWords} words`,
    );
  });

  for (const rel of SPEECH_FILES) {
    it(`transcribes ${rel}`, async () => {
      const { asr, vad } = await transcribeFile(rel);
      try {
        expect(asr.failures).toEqual([]);
        expect(vad.rows('speech_segments').length).toBeGreaterThan(0);
        const rows = asr.rows<TranscriptSegmentRow>('transcript_segments');
        expect(rows.length).toBeGreaterThan(0);
        rows.forEach((r, i) => {
          expect(r.segmentId).toBe(`seg-${i + 1}`);
          expect(r.engine).toBe('pocketsphinx');
          expect(r.language).toBe('en');
          expect(r.sourceId).toBe('test-source');
          expect(r.confidence).toBeGreaterThanOrEqual(0);
          expect(r.confidence).toBeLessThanOrEqual(1);
          expect(r.endTs).toBeGreaterThan(r.startTs);
          expect(r.words.map((w) => w.word).join(' ')).toBe(r.text);
          // Words inside their utterance, on the wall clock, in increasing time.
          for (let k = 0; k < r.words.length; k++) {
            const w = r.words[k]!;
            expect(w.startTs).toBeGreaterThanOrEqual(r.startTs - 1);
            expect(w.endTs).toBeLessThanOrEqual(r.endTs + 20);
            expect(w.endTs).toBeGreaterThan(w.startTs);
            if (k > 0) expect(w.startTs).toBeGreaterThanOrEqual(r.words[k - 1]!.endTs - 1);
          }
        });
        // Final live messages mirror the rows.
        const finals = asr.lives.filter(
          (l) => l.kind === 'transcript' && !(l.data as TranscriptLiveData).partial,
        );
        expect(finals.map((l) => (l.data as TranscriptLiveData).segmentId)).toEqual(
          rows.map((r) => r.segmentId),
        );
        const hyp = rows.map((r) => r.text).join(' ');
        const w = wordErrorRate(referenceTranscript(rel), hyp);
        table.push({ file: rel, wer: w.wer, ref: w.refWords, hyp });
        errors += w.substitutions + w.deletions + w.insertions;
        refWords += w.refWords;
        // pocketsphinx is weak: JFK's 1961 recording comes out near 100% WER; LibriVox ≈ 25-45%.
        expect(w.wer).toBeLessThan(rel.includes('jfk') ? 1.3 : 0.6);
        // Some reference words are always found.
        const refSet = new Set(normalizeWords(referenceTranscript(rel)));
        expect(normalizeWords(hyp).filter((x) => refSet.has(x)).length).toBeGreaterThan(0);
        const s = asr.instance.summary?.();
        expect(s?.utterances).toBe(rows.length);
      } finally {
        await asr.close();
        await vad.close();
      }
    });
  }

  it("finds goforward's words at their times", async () => {
    const { asr, vad } = await transcribeFile('speech/goforward.wav');
    try {
      const words = asr.rows<TranscriptSegmentRow>('transcript_segments').flatMap((r) => r.words);
      expect(words.map((w) => w.word)).toEqual(['go', 'forward', 'ten', 'meters']);
      // pocketsphinx puts "go" at ≈0.46 s and "meters" ending ≈2.12 s into the 2.79 s file.
      expect(words[0]!.startTs - EPOCH).toBeGreaterThan(250);
      expect(words[0]!.startTs - EPOCH).toBeLessThan(700);
      expect(words[3]!.endTs - EPOCH).toBeGreaterThan(1800);
      expect(words[3]!.endTs - EPOCH).toBeLessThan(2700);
    } finally {
      await asr.close();
      await vad.close();
    }
  });

  it('overall WER stays within the bound observed for pocketsphinx 0.8 en-us', () => {
    expect(refWords).toBeGreaterThan(60);
    // Observed here: 57% (goforward 0%, LibriVox 25-45%, JFK ≈105%).
    expect(errors / refWords).toBeLessThan(0.7);
  });

  it('pushes partial results while a live utterance is open, then the final with the same id', async () => {
    const { asr, vad } = await transcribeFile(
      'speech/librivox/sense_and_sensibility_01_austen_64kb-0870.wav',
      true,
    );
    try {
      const msgs = asr.lives.filter((l) => l.kind === 'transcript').map((l) => l.data as TranscriptLiveData);
      const partials = msgs.filter((m) => m.partial);
      const finals = msgs.filter((m) => !m.partial);
      expect(partials.length).toBeGreaterThan(0);
      expect(finals.length).toBeGreaterThan(0);
      expect(partials.every((p) => p.text.length > 0)).toBe(true);
      // Every partial names a segment that later got its final.
      const finalIds = new Set(finals.map((f) => f.segmentId));
      for (const p of partials) expect(finalIds.has(p.segmentId)).toBe(true);
    } finally {
      await asr.close();
      await vad.close();
    }
  });
});

describe('pocketsphinx adapter', () => {
  it('a missing binary is MODEL_LOAD_FAILED, and close() is idempotent', async () => {
    const t = createPocketsphinxTranscriber({ binary: '/nonexistent/pocketsphinx_continuous' });
    const err = await t.transcribe(new Float32Array(1600), 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InferenceError);
    expect((err as InferenceError).code).toBe('MODEL_LOAD_FAILED');
    await t.close();
    await t.close();
    expect(t.closed).toBe(true);
    const after = await t.transcribe(new Float32Array(1600), 0).catch((e: unknown) => e);
    expect((after as InferenceError).code).toBe('INFER_CLOSED');
  });

  it('abort kills the run in flight (INFER_CLOSED)', async () => {
    const t = createPocketsphinxTranscriber();
    const ac = new AbortController();
    const run = t.transcribe(decodeSpeech('speech/jfk.wav'), 0, ac.signal);
    ac.abort();
    const err = await run.catch((e: unknown) => e);
    expect((err as InferenceError).code).toBe('INFER_CLOSED');
    await t.close();
  });

  it('an engine that cannot run fails the analyzer alone with a coded error', async () => {
    const asr = await createHarness(asrAnalyzer, { engine: 'pocketsphinx', language: 'de' });
    try {
      expect(asr.failures).toHaveLength(1);
      expect((asr.failures[0] as InferenceError).code).toBe('INFER_BAD_CONFIG');
      // The inert instance takes input without throwing.
      for (const c of chunksOf(new Float32Array(16000), 0)) await asr.instance.audio?.(c);
      await asr.instance.finish();
      expect(asr.batches).toEqual([]);
    } finally {
      await asr.close();
    }
  });
});
