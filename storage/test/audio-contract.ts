import { expect, it } from 'vitest';
import { ANALYZER_TABLES, MIGRATIONS, currentSchemaVersion } from '../index.ts';
import type { Store, TranscriptSegmentRecord } from '../index.ts';
import { loud, rareWord, rate, segment, soundEvent, speaker } from './audio-fixtures.ts';
import { DAY, det, source, uid } from './fixtures.ts';

// The audio part of the Store contract (migration v5), registered by storeContract inside its
// describe, so every adapter runs it. Source ids, person ids and searched words are unique to each
// test, so tests stay independent on the shared database.

/** Registers the audio tests; `getStore` returns the migrated store of the enclosing suite. */
export function audioContract(getStore: () => Store): void {
  it('has migration v5 for audio, and migrating again applies nothing', async () => {
    const store = getStore();
    expect(MIGRATIONS.find((m) => m.version === 5)?.name).toMatch(/^audio/);
    expect(await store.migrate()).toEqual({ applied: [], version: currentSchemaVersion() });
    expect(await store.listTranscript({ sourceId: uid('none') })).toEqual([]);
  });

  it('round-trips speech segments, loudness, sound events, turns and speech rate with ranges', async () => {
    const store = getStore();
    const id = uid('mic');
    const speech = [
      { sourceId: id, startTs: DAY + 1000, endTs: DAY + 2500, probability: 0.875 },
      { sourceId: id, startTs: DAY, endTs: DAY + 500, probability: 0.5 },
    ];
    await store.insertSpeechSegments(speech);
    await store.insertSpeechSegments([]);
    expect(await store.listSpeechSegments({ sourceId: id })).toEqual([speech[1], speech[0]]);
    // Overlap: end ≥ from and start < to.
    expect(await store.listSpeechSegments({ sourceId: id, fromTs: DAY + 600 })).toEqual([speech[0]]);
    expect(await store.listSpeechSegments({ sourceId: id, toTs: DAY + 1000 })).toEqual([speech[1]]);
    expect(await store.listSpeechSegments({ sourceId: id, limit: 1 })).toEqual([speech[1]]);

    const seconds = [loud(id, 0), loud(id, 1, { silent: true, clippedSamples: 12, peakDbfs: 0 })];
    await store.insertLoudness([...seconds, loud(id, 2, { momentaryLufs: Number.NEGATIVE_INFINITY })]);
    const levels = await store.listLoudness({ sourceId: id });
    expect(levels.slice(0, 2)).toEqual(seconds);
    expect(levels[2]?.momentaryLufs).toBe(-200); // -Infinity is stored as the floor
    expect(
      (await store.listLoudness({ sourceId: id, fromTs: DAY + 1000, toTs: DAY + 2000 })).map((l) => l.ts),
    ).toEqual([DAY + 1000]);

    const events = [soundEvent(id, 1, 'glass-breaking'), soundEvent(id, 2, 'dog', { classes: [] })];
    await store.insertAudioEvents(events);
    expect(await store.listAudioEvents({ sourceId: id })).toEqual(events);
    expect(await store.listAudioEvents({ sourceId: id, label: 'dog' })).toEqual([events[1]]);
    expect(await store.listAudioEvents({ sourceId: id, label: 'siren' })).toEqual([]);

    const turns = [
      { sourceId: id, speakerId: 'S1', startTs: DAY, endTs: DAY + 1500 },
      { sourceId: id, speakerId: 'S2', startTs: DAY + 1500, endTs: DAY + 4000 },
    ];
    await store.insertSpeakerTurns(turns);
    expect(await store.listSpeakerTurns({ sourceId: id })).toEqual(turns);
    expect(await store.listSpeakerTurns({ sourceId: id, fromTs: DAY + 2000 })).toEqual([turns[1]]);
    // A turn given to another speaker (the user split a speaker) replaces the earlier row.
    await store.insertSpeakerTurns([{ ...turns[1]!, speakerId: 'S3' }]);
    expect(await store.listSpeakerTurns({ sourceId: id })).toEqual([
      turns[0],
      { ...turns[1], speakerId: 'S3' },
    ]);

    const rates = [rate(id, 0), rate(id, 1, { pauses: 0, meanPauseMs: 0, maxPauseMs: 0 })];
    await store.insertSpeechRate(rates);
    expect(await store.listSpeechRate({ sourceId: id })).toEqual(rates);
    expect(await store.listSpeechRate({ sourceId: uid('other') })).toEqual([]);
  });

  it('refuses malformed rows before sending anything', async () => {
    const store = getStore();
    const id = uid('mic');
    await expect(store.insertLoudness([loud(id, 0, { peakDbfs: Number.NaN })])).rejects.toMatchObject({
      name: 'StoreError',
      code: 'STORE_QUERY_FAILED',
    });
    await expect(store.upsertSpeakers([speaker(id, 'S1', { link: 'maybe' as never })])).rejects.toMatchObject(
      {
        code: 'STORE_QUERY_FAILED',
      },
    );
    const bad = { ...segment(id, 0, 'hello there'), words: [{ word: 'hello', startTs: 'x' }] };
    await expect(store.insertTranscriptSegments([bad as never])).rejects.toMatchObject({
      code: 'STORE_QUERY_FAILED',
      message: expect.stringContaining('words[0].startTs'),
    });
    expect(await store.listLoudness({ sourceId: id })).toEqual([]);
    expect(await store.listTranscript({ sourceId: id })).toEqual([]);
    expect(await store.listTranscriptWords({ sourceId: id })).toEqual([]);
  });

  it('round-trips transcript segments with their words, in time order', async () => {
    const store = getStore();
    const id = uid('mic');
    const a = segment(id, 1, 'Hello there, General Kenobi!', { language: 'en', speakerId: 'S1' });
    const b = segment(id, 0, "it's “quoted” 'text'; DROP TABLE speakers; --", { personId: 'P-stored' });
    const empty = segment(id, 2, 'no timing here', { words: [] });
    await store.insertTranscriptSegments([a, b, empty]);
    expect(await store.listTranscript({ sourceId: id })).toEqual([b, a, empty]);
    expect(await store.listTranscript({ sourceId: id, speakerId: 'S1' })).toEqual([a]);
    expect(await store.listTranscript({ sourceId: id, fromTs: a.startTs, toTs: empty.startTs })).toEqual([a]);
    expect(await store.listTranscript({ sourceId: id, limit: 2 })).toEqual([b, a]);

    const words = await store.listTranscriptWords({ sourceId: id, fromTs: a.startTs });
    expect(words.map((w) => [w.segmentId, w.index, w.word])).toEqual([
      ['seg-1', 0, 'Hello'],
      ['seg-1', 1, 'there,'],
      ['seg-1', 2, 'General'],
      ['seg-1', 3, 'Kenobi!'],
    ]);
    expect(words[0]).toEqual({ sourceId: id, segmentId: 'seg-1', index: 0, ...a.words[0] });
  });

  it('replaces a segment by a later row with the same id, words included', async () => {
    const store = getStore();
    const id = uid('mic');
    const [oldWord, newWord] = [rareWord(), rareWord()];
    const first = segment(id, 0, `first ${oldWord} draft`);
    await store.insertTranscriptSegments([first, segment(id, 1, 'untouched')]);
    const second = segment(id, 0, `final ${newWord}`, { speakerId: 'S2', confidence: 0.5 });
    await store.insertTranscriptSegments([second]);
    // Two rows for one id within a batch: the later wins.
    await store.insertTranscriptSegments([segment(id, 1, 'stale'), segment(id, 1, 'untouched again')]);

    expect(await store.listTranscript({ sourceId: id })).toEqual([second, segment(id, 1, 'untouched again')]);
    expect((await store.listTranscriptWords({ sourceId: id })).map((w) => w.word)).toEqual([
      'final',
      newWord,
      'untouched',
      'again',
    ]);
    expect(await store.searchTranscripts({ q: oldWord })).toEqual([]);
    expect((await store.searchTranscripts({ q: newWord })).map((h) => h.segmentId)).toEqual(['seg-0']);
  });

  it('resolves a segment’s person through its speaker, for every segment of the speaker', async () => {
    const store = getStore();
    const id = uid('mic');
    const [pa, pb] = [uid('Person'), uid('Person')];
    const segs = [
      segment(id, 0, 'one', { speakerId: 'S1' }),
      segment(id, 1, 'two', { speakerId: 'S2' }),
      segment(id, 2, 'three', { speakerId: 'S1' }),
      segment(id, 3, 'four', { speakerId: 'S9', personId: pb }), // no speaker row: keeps its own
    ];
    await store.insertTranscriptSegments(segs);
    await store.upsertSpeakers([speaker(id, 'S1', { personId: pa, link: 'auto' }), speaker(id, 'S2')]);
    const persons = async () => (await store.listTranscript({ sourceId: id })).map((s) => s.personId);
    expect(await persons()).toEqual([pa, '', pa, pb]);
    expect((await store.listTranscript({ personId: pa })).map((s) => s.segmentId)).toEqual([
      'seg-0',
      'seg-2',
    ]);

    // The user moves S1 to another person: a higher version applies to all its segments.
    await store.upsertSpeakers([
      speaker(id, 'S1', { personId: pb, link: 'confirmed', label: 'Ann', version: 2 }),
    ]);
    await store.upsertSpeakers([speaker(id, 'S1', { personId: pa, version: 1 })]); // stale: ignored
    expect(await persons()).toEqual([pb, '', pb, pb]);
    expect(await store.listTranscript({ personId: pa })).toEqual([]);
    expect((await store.listTranscript({ personId: pb, sourceId: id })).map((s) => s.segmentId)).toEqual([
      'seg-0',
      'seg-2',
      'seg-3',
    ]);
    expect(await store.listSpeakers({ sourceId: id })).toEqual([
      speaker(id, 'S1', { personId: pb, link: 'confirmed', label: 'Ann', version: 2 }),
      speaker(id, 'S2'),
    ]);
    expect((await store.listSpeakers({ personId: pb })).map((s) => s.speakerId)).toEqual(['S1']);

    // A rejected link names no one.
    await store.upsertSpeakers([speaker(id, 'S1', { personId: pb, link: 'rejected', version: 3 })]);
    expect(await persons()).toEqual(['', '', '', pb]);
  });

  it('searches transcripts: whole words, any case, all words, with filters', async () => {
    const store = getStore();
    const [m1, m2] = [uid('mic'), uid('mic')];
    const [w1, w2, w3] = [rareWord(), rareWord(), rareWord()];
    const person = uid('Person');
    const s0 = segment(m1, 0, `The ${w1.toUpperCase()} is near the ${w2}.`, { speakerId: 'S1' });
    const s1 = segment(m1, 1, `only ${w1} here, ${w1}!`);
    const s2 = segment(m2, 0, `${w2} and ${w1} Über-Café`, { speakerId: 'S1', startTs: DAY + 100 });
    const s3 = segment(m2, 1, `${w1}man ${w2}s pre${w3}`); // no whole-word occurrence of any
    await store.insertTranscriptSegments([s0, s1, s2, s3]);
    await store.upsertSpeakers([speaker(m2, 'S1', { personId: person, link: 'confirmed' })]);

    const ids = async (q: string, f: { sourceId?: string; personId?: string } = {}) =>
      (await store.searchTranscripts({ q, ...f })).map(
        (h) => `${h.sourceId === m1 ? 'm1' : 'm2'}/${h.segmentId}`,
      );
    expect(await ids(w1)).toEqual(['m1/seg-0', 'm2/seg-0', 'm1/seg-1']);
    expect(await ids(w1.toUpperCase())).toEqual(['m1/seg-0', 'm2/seg-0', 'm1/seg-1']);
    expect(await ids(`${w2} ${w1}`)).toEqual(['m1/seg-0', 'm2/seg-0']);
    expect(await ids(`  ${w1},  ${w2}?! `)).toEqual(['m1/seg-0', 'm2/seg-0']);
    expect(await ids(`${w1} ${w3}`)).toEqual([]);
    expect(await ids(w3)).toEqual([]);
    expect(await ids(`${w1} über café`)).toEqual(['m2/seg-0']);
    expect(await ids(w1, { sourceId: m1 })).toEqual(['m1/seg-0', 'm1/seg-1']);
    expect(await ids(w1, { personId: person })).toEqual(['m2/seg-0']);
    expect(await ids(w1, { personId: uid('Person') })).toEqual([]);
    expect(await ids('   ')).toEqual([]);
    expect(await ids('?!')).toEqual([]);
    expect(await store.searchTranscripts({ q: w1, limit: 1 })).toHaveLength(1);

    const [hit] = await store.searchTranscripts({ q: `${w2} ${w1}`, sourceId: m2 });
    expect(hit).toEqual({
      sourceId: m2,
      segmentId: 'seg-0',
      startTs: s2.startTs,
      endTs: s2.endTs,
      text: s2.text,
      speakerId: 'S1',
      personId: person,
      matches: [s2.words[0], s2.words[2]],
    });
    const [twice] = await store.searchTranscripts({ q: w1, sourceId: m1, limit: 1 });
    expect(twice?.matches.map((w) => w.word)).toEqual([w1.toUpperCase()]);
    const both = await store.searchTranscripts({ q: w1, sourceId: m1 });
    expect(both[1]?.matches).toEqual([s1.words[1], s1.words[3]]);
  });

  it('sums a person’s speaking time over their speakers’ turns across sources', async () => {
    const store = getStore();
    const [m1, m2] = [uid('mic'), uid('mic')];
    const person = uid('Person');
    await store.upsertSpeakers([
      speaker(m1, 'S1', { personId: person, link: 'auto' }),
      speaker(m1, 'S2'),
      speaker(m2, 'S3', { personId: person, link: 'confirmed' }),
    ]);
    await store.insertSpeakerTurns([
      { sourceId: m1, speakerId: 'S1', startTs: DAY, endTs: DAY + 1500 },
      { sourceId: m1, speakerId: 'S2', startTs: DAY + 1500, endTs: DAY + 9000 },
      { sourceId: m1, speakerId: 'S1', startTs: DAY + 9000, endTs: DAY + 9250 },
      { sourceId: m2, speakerId: 'S3', startTs: DAY + 100, endTs: DAY + 2100 },
    ]);
    const lines = [
      segment(m1, 0, 'from one', { speakerId: 'S1' }),
      segment(m2, 1, 'from two', { speakerId: 'S3' }),
    ];
    await store.insertTranscriptSegments([...lines, segment(m1, 2, 'someone else', { speakerId: 'S2' })]);

    const speech = await store.personSpeech(person);
    expect(speech.speakingMs).toBe(1500 + 250 + 2000);
    expect(speech.segments).toEqual(lines.map((l) => ({ ...l, personId: person })));
    expect(await store.personSpeech(uid('Person'))).toEqual({ speakingMs: 0, segments: [] });
  });

  it('stores analyzer rows by table name, and refuses an unknown table', async () => {
    const store = getStore();
    const id = uid('mic');
    expect(ANALYZER_TABLES).toEqual(
      expect.arrayContaining(['speech_segments', 'transcript_segments', 'detections']),
    );
    expect(ANALYZER_TABLES).not.toContain('transcript_words');
    const speech = { sourceId: id, startTs: DAY, endTs: DAY + 750, probability: 0.25 };
    await store.insertAnalyzerRows('speech_segments', [speech]);
    await store.insertAnalyzerRows('transcript_segments', [segment(id, 0, 'via dispatch')]);
    await store.insertAnalyzerRows('detections', [det(id, DAY + 40, { label: 'dog' })]);
    await store.insertAnalyzerRows('audio_events', []);
    expect(await store.listSpeechSegments({ sourceId: id })).toEqual([speech]);
    expect((await store.listTranscript({ sourceId: id })).map((s) => s.text)).toEqual(['via dispatch']);
    expect(await store.countDetections({ sourceId: id, label: 'dog' })).toBe(1);

    for (const table of [
      'nope',
      'transcript_words',
      'schema_migrations',
      'constructor',
      "x'; DROP TABLE loudness",
    ]) {
      await expect(store.insertAnalyzerRows(table as never, [{}])).rejects.toMatchObject({
        name: 'StoreError',
        code: 'STORE_UNKNOWN_TABLE',
        httpStatus: 500,
      });
    }
    await expect(store.insertAnalyzerRows('loudness', [null])).rejects.toMatchObject({
      code: 'STORE_QUERY_FAILED',
    });
    await expect(store.insertAnalyzerRows('loudness', [{ sourceId: id }])).rejects.toMatchObject({
      code: 'STORE_QUERY_FAILED',
    });
    expect(await store.listLoudness({ sourceId: id })).toEqual([]);
  });

  it('deletes a source’s audio rows with the source', async () => {
    const store = getStore();
    const [gone, kept] = [uid('mic'), uid('mic')];
    const word = rareWord();
    const fill = async (id: string): Promise<TranscriptSegmentRecord> => {
      const seg = segment(id, 0, `say ${word}`, { speakerId: 'S1' });
      await store.upsertSource(source(id));
      await store.insertSpeechSegments([{ sourceId: id, startTs: DAY, endTs: DAY + 500, probability: 0.5 }]);
      await store.insertLoudness([loud(id, 0)]);
      await store.insertAudioEvents([soundEvent(id, 0, 'siren')]);
      await store.insertTranscriptSegments([seg]);
      await store.insertSpeakerTurns([{ sourceId: id, speakerId: 'S1', startTs: DAY, endTs: DAY + 500 }]);
      await store.upsertSpeakers([speaker(id, 'S1')]);
      await store.insertSpeechRate([rate(id, 0)]);
      return seg;
    };
    await fill(gone);
    const keptSeg = await fill(kept);
    await store.deleteSource(gone);

    const all = async (id: string) => [
      (await store.listSpeechSegments({ sourceId: id })).length,
      (await store.listLoudness({ sourceId: id })).length,
      (await store.listAudioEvents({ sourceId: id })).length,
      (await store.listTranscript({ sourceId: id })).length,
      (await store.listTranscriptWords({ sourceId: id })).length,
      (await store.listSpeakerTurns({ sourceId: id })).length,
      (await store.listSpeakers({ sourceId: id })).length,
      (await store.listSpeechRate({ sourceId: id })).length,
    ];
    expect(await all(gone)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(await all(kept)).toEqual([1, 1, 1, 1, 2, 1, 1, 1]);
    expect((await store.searchTranscripts({ q: word })).map((h) => h.sourceId)).toEqual([keptSeg.sourceId]);
  });
}
