// The speakers analyzer on the real test host: real speech concatenated by ffmpeg, real VAD
// turns (Silero through the vad analyzer), the fixture voice embedder through sherpa-onnx.
import { afterEach, describe, expect, it } from 'vitest';
import type { ResultBatch } from '../src/analyzers/contract.ts';
import { vadAnalyzer } from '../src/audio/index.ts';
import { InferenceError } from '../src/errors.ts';
import { DEFAULT_SPEAKER_EMBEDDER_ID } from '../src/models/manifest-speakers.ts';
import {
  speakersAnalyzer,
  type SpeakerRow,
  type SpeakerTurnRow,
  type TranscriptSegmentRow,
} from '../src/speakers/index.ts';
import { createHarness, type Harness } from './helpers-analyzer.ts';
import {
  decodedMs,
  decodeSpeech,
  ESPEAK,
  FIXTURE_META,
  JFK,
  segmentationFixtureResolved,
  speakerFixtureResolved,
} from './speakers-fixtures.ts';

// Thresholds for the fixture embedder (spectral shape, not a trained model): measured on these
// files, JFK's turns score >= 0.89 with each other and <= 0.46 with eSpeak's 1.5 s windows.
const FIXTURE_CONFIG = { threshold: 0.7, changeThreshold: 0.5 };
const fixture = speakerFixtureResolved();
const models = new Map([[fixture.spec.id, fixture]]);
const open: Harness[] = [];

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

async function speakers(config: Record<string, unknown> = {}, m = models): Promise<Harness> {
  const h = await createHarness(speakersAnalyzer, { ...FIXTURE_CONFIG, ...config }, { models: m });
  open.push(h);
  return h;
}

/** Feeds `x` in 100 ms chunks to the speakers harness and, when given, to a real VAD forwarding its turns. */
async function feed(spk: Harness, x: Float32Array, withVad: boolean): Promise<void> {
  const vad = withVad
    ? await createHarness(vadAnalyzer, {}, { onEmit: (b: ResultBatch) => spk.instance.results!('vad', b) })
    : null;
  if (vad) open.push(vad);
  for (let i = 0, seq = 0; i < x.length; i += 1600, seq++) {
    const chunk = { seq, ptsMs: i / 16, ts: i / 16, sampleRate: 16000, samples: x.slice(i, i + 1600) };
    await spk.instance.audio!(chunk);
    await vad?.instance.audio!(chunk);
  }
  await vad?.instance.finish();
  await spk.instance.finish();
}

const speakerIds = (h: Harness): string[] => [
  ...new Set(h.rows<SpeakerTurnRow>('speaker_turns').map((t) => t.speakerId)),
];

describe('speakers analyzer', () => {
  const jfkMs = decodedMs(JFK);

  it('two voices (JFK, then eSpeak) become two speakers; rows, live messages and summary follow', async () => {
    const h = await speakers();
    await feed(h, decodeSpeech(JFK, ESPEAK), true);
    expect(h.failures).toEqual([]);
    const turns = h.rows<SpeakerTurnRow>('speaker_turns');
    expect(turns.length).toBeGreaterThanOrEqual(2);
    for (const t of turns) expect(t.speakerId).toBe(t.startTs < jfkMs ? 'S1' : 'S2');
    expect(speakerIds(h)).toEqual(['S1', 'S2']);
    const rows = h.rows<SpeakerRow>('speakers');
    const last = new Map(rows.map((r) => [r.speakerId, r]));
    expect([...last.keys()].sort()).toEqual(['S1', 'S2']);
    for (const r of last.values()) {
      expect(r).toMatchObject({ sourceId: 'test-source', label: '', personId: '', link: 'none' });
      expect(r.embedding).toHaveLength(80);
      expect(Math.hypot(...r.embedding)).toBeCloseTo(1, 4);
      const own = turns.filter((t) => t.speakerId === r.speakerId);
      expect(r.turns).toBe(own.length);
      expect(r.speakingMs).toBeCloseTo(
        own.reduce((s, t) => s + t.endTs - t.startTs, 0),
        -1,
      );
    }
    const versions = rows.map((r) => r.version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(new Set(versions).size).toBe(versions.length);
    expect(h.lives.filter((l) => l.kind === 'speaker')).toHaveLength(turns.length);
    expect(h.instance.summary!()).toMatchObject({ speakers: 2, engine: 'sherpa', mode: 'vad' });
  });

  it('the same voice twice (JFK, JFK) stays one speaker', async () => {
    const h = await speakers();
    await feed(h, decodeSpeech(JFK, JFK), true);
    expect(h.failures).toEqual([]);
    expect(h.rows<SpeakerTurnRow>('speaker_turns').length).toBeGreaterThanOrEqual(4);
    expect(speakerIds(h)).toEqual(['S1']);
  });

  it('splits one long turn where the voice changes (sliding windows)', async () => {
    const h = await speakers();
    const x = decodeSpeech(JFK, ESPEAK);
    const startTs = 5000; // one "VAD turn" from JFK's middle to eSpeak's end, no pause at the join
    const endTs = (x.length / 16000) * 1000;
    await h.instance.results!('vad', {
      table: 'speech_segments',
      rows: [{ sourceId: 's', startTs, endTs, probability: 0.9 }],
    });
    await feed(h, x, false);
    expect(h.failures).toEqual([]);
    const turns = h.rows<SpeakerTurnRow>('speaker_turns');
    expect(turns.map((t) => t.speakerId)).toEqual(['S1', 'S2']);
    expect(turns[0]!.startTs).toBe(startTs);
    expect(Math.abs(turns[0]!.endTs - jfkMs)).toBeLessThanOrEqual(1000);
    expect(turns[1]!.startTs).toBe(turns[0]!.endTs);
    expect(turns[1]!.endTs).toBeCloseTo(endTs, 0);
  });

  it('re-emits transcript segments with speakerId, then personId once a face links the speaker', async () => {
    const h = await speakers();
    const seg = (segmentId: string, startTs: number, endTs: number): TranscriptSegmentRow => ({
      sourceId: 'test-source',
      segmentId,
      startTs,
      endTs,
      text: `words of ${segmentId}`,
      language: 'en',
      confidence: 0.8,
      engine: 'pocketsphinx',
      speakerId: '',
      personId: '',
      words: [{ word: 'words', startTs, endTs: startTs + 300, confidence: 0.8 }],
    });
    const segs = [seg('seg-1', 500, 2200), seg('seg-2', jfkMs + 1500, jfkMs + 6000)];
    await h.instance.results!('asr', { table: 'transcript_segments', rows: segs });
    // The eSpeak voice's face (person P7) is on screen alone while it speaks; JFK's face is unknown.
    await h.instance.results!('faces', {
      table: 'appearances',
      transient: true,
      rows: [
        { faceTrackId: 'ft-1', personId: '', startTs: 0, endTs: jfkMs },
        { faceTrackId: 'ft-2', personId: 'P7', startTs: jfkMs, endTs: jfkMs + 9000 },
      ],
    });
    await feed(h, decodeSpeech(JFK, ESPEAK), true);
    expect(h.failures).toEqual([]);
    const out = h.rows<TranscriptSegmentRow>('transcript_segments');
    const final = new Map(out.map((r) => [r.segmentId, r])); // storage keeps the later row
    expect(final.get('seg-1')).toEqual({ ...segs[0], speakerId: 'S1', personId: '' });
    expect(final.get('seg-2')).toEqual({ ...segs[1], speakerId: 'S2', personId: 'P7' });
    const s2 = h
      .rows<SpeakerRow>('speakers')
      .filter((r) => r.speakerId === 'S2')
      .at(-1)!;
    expect(s2).toMatchObject({ personId: 'P7', link: 'auto', label: '' });
    const s1 = h
      .rows<SpeakerRow>('speakers')
      .filter((r) => r.speakerId === 'S1')
      .at(-1)!;
    expect(s1).toMatchObject({ personId: '', link: 'none' });
    expect(h.lives.some((l) => (l.data as { personId: string }).personId === 'P7')).toBe(true);
  });

  it('the ORT engine (our fbank, shared session) finds the same speakers as sherpa-onnx', async () => {
    const x = decodeSpeech(JFK, ESPEAK);
    const a = await speakers({ engine: 'ort' });
    await feed(a, x, true);
    expect(a.failures).toEqual([]);
    expect(a.instance.summary!()).toMatchObject({ engine: 'ort', speakers: 2 });
    const b = await speakers();
    await feed(b, x, true);
    const strip = (h: Harness) =>
      h.rows<SpeakerTurnRow>('speaker_turns').map((t) => `${t.speakerId}@${t.startTs}`);
    expect(strip(a)).toEqual(strip(b));
  });

  it('files with a segmentation model go through sherpa-onnx offline diarization (fixture segmenter)', async () => {
    // The fixture segmenter only knows speech from silence, so this checks the plumbing (sherpa
    // accepts both models, its run-local speakers become S<n> turns on the wall clock), not accuracy.
    const seg = segmentationFixtureResolved();
    const h = await speakers({ segmentationModel: seg.spec.id }, new Map([...models, [seg.spec.id, seg]]));
    const x = decodeSpeech(JFK, ESPEAK);
    await feed(h, x, true);
    expect(h.failures).toEqual([]);
    expect(h.instance.summary!()).toMatchObject({ mode: 'offline', offlineRuns: 1 });
    const turns = h.rows<SpeakerTurnRow>('speaker_turns');
    expect(turns.length).toBeGreaterThanOrEqual(2);
    const totalMs = (x.length / 16000) * 1000;
    for (const t of turns) {
      expect(t.speakerId).toMatch(/^S\d+$/);
      expect(t.startTs).toBeGreaterThanOrEqual(0);
      expect(t.endTs).toBeLessThanOrEqual(totalMs + 1);
      expect(t.endTs).toBeGreaterThan(t.startTs);
    }
    // JFK's first words start ~0.3 s in: the segmenter's first speech frame is there.
    expect(turns[0]!.startTs).toBeGreaterThan(200);
    expect(turns[0]!.startTs).toBeLessThan(600);
    const speakers2 = new Set(turns.map((t) => t.speakerId));
    expect(new Set(h.rows<SpeakerRow>('speakers').map((r) => r.speakerId))).toEqual(speakers2);
  });

  it('fails closed with a coded error when the voice embedder is missing or unusable', async () => {
    const missing = await speakers({ embeddingModel: 'no-such-embedder' });
    expect(missing.failures).toHaveLength(1);
    expect(missing.failures[0]).toBeInstanceOf(InferenceError);
    expect((missing.failures[0] as InferenceError).code).toBe('MODEL_NOT_FOUND');
    await feed(missing, decodeSpeech(JFK).subarray(0, 32000), false); // ignored, no throw
    expect(missing.batches).toEqual([]);

    const noLanguage = { ...FIXTURE_META } as Record<string, string>;
    delete noLanguage.language;
    const bad = speakerFixtureResolved(noLanguage, DEFAULT_SPEAKER_EMBEDDER_ID);
    const broken = await speakers({}, new Map([[bad.spec.id, bad]]));
    expect((broken.failures[0] as InferenceError).code).toBe('MODEL_LOAD_FAILED');

    const noSeg = await speakers({ segmentationModel: 'pyannote-segmentation-3.0' });
    expect((noSeg.failures[0] as InferenceError).code).toBe('MODEL_NOT_FOUND');
  });
});
