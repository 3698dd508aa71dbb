// The audio routes against the real store (chDB): a stored conversation of two speakers read back
// through transcript, exports, speech, sound events, loudness, speech rate, speakers, search and a
// person's speech; the user's decision on a speaker; coded errors; the OpenAPI document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AudioEventView,
  ErrorBody,
  LoudnessView,
  PersonSpeechView,
  SpeakerTurnView,
  SpeakerView,
  SpeechRateView,
  SpeechSegmentView,
  TranscriptHitView,
  TranscriptLineView,
} from '../src/protocol.ts';
import { LINES, storeConversation } from './audio-fixtures.ts';
import { bearer, openServerEnv, type ServerEnv } from './server-helpers.ts';

const EPOCH = Date.UTC(2024, 4, 1, 9, 0, 0);
const RADIO_EPOCH = Date.UTC(2024, 4, 2, 18, 0, 0);
let env: ServerEnv;

async function get<T>(url: string, schema: z.ZodType<T>): Promise<T> {
  const res = await env.app.inject({ url, headers: bearer() });
  expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200);
  return schema.parse(res.json());
}

async function fails(
  method: 'GET' | 'PATCH',
  url: string,
  status: number,
  payload?: object,
): Promise<{ code: string; message: string }> {
  const res = await env.app.inject({ method, url, headers: bearer(), ...(payload ? { payload } : {}) });
  expect(res.statusCode, res.body).toBe(status);
  return ErrorBody.parse(res.json());
}

const patch = (speakerId: string, payload: object) =>
  env.app.inject({
    method: 'PATCH',
    url: `/api/v1/sources/talk/speakers/${speakerId}`,
    headers: bearer(),
    payload,
  });

beforeAll(async () => {
  env = await openServerEnv();
  const store = env.runtime.store;
  await storeConversation(store, 'talk', EPOCH, 'pocketsphinx');
  await storeConversation(store, 'radio', RADIO_EPOCH, 'sherpa-whisper', [
    { id: 'seg-1', speaker: 'S1', startMs: 1000, endMs: 4000, text: 'the weather today is clear as glass' },
  ]);
  await store.upsertPersons([
    {
      id: 'Person_001',
      seq: 1,
      name: 'Ada Lovelace',
      createdAt: EPOCH,
      updatedAt: EPOCH,
      mergedInto: '',
      version: 1,
      deleted: false,
    },
  ]);
}, 60_000);
afterAll(async () => {
  await env?.close();
});

describe('transcript', () => {
  it('lists the segments in time order, with words, engine and speaker', async () => {
    const lines = await get('/api/v1/sources/talk/transcript', z.array(TranscriptLineView));
    expect(lines.map((l) => l.text)).toEqual(LINES.map((l) => l.text));
    expect(lines.map((l) => l.speakerId)).toEqual(['S1', 'S2', 'S1', 'S2']);
    for (const l of lines) {
      expect(l.engine).toBe('pocketsphinx');
      expect(l.words.map((w) => w.word).join(' ')).toBe(l.text);
      expect(l.words[0]!.startTs).toBeGreaterThanOrEqual(l.startTs);
    }
  });

  it('filters by speaker and by time', async () => {
    const s2 = await get('/api/v1/sources/talk/transcript?speaker=S2', z.array(TranscriptLineView));
    expect(s2.map((l) => l.segmentId)).toEqual(['seg-2', 'seg-4']);
    const late = await get(
      `/api/v1/sources/talk/transcript?from=${EPOCH + 5000}&to=${EPOCH + 9000}`,
      z.array(TranscriptLineView),
    );
    expect(late.map((l) => l.segmentId)).toEqual(['seg-2', 'seg-3', 'seg-4']);
  });

  it('downloads WebVTT, SRT, JSON and CSV with their content types and a file name', async () => {
    const cases = [
      ['vtt', 'text/vtt'],
      ['srt', 'application/x-subrip'],
      ['json', 'application/json'],
      ['csv', 'text/csv'],
    ] as const;
    for (const [format, type] of cases) {
      const res = await env.app.inject({
        url: `/api/v1/sources/talk/transcript.${format}`,
        headers: bearer(),
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toContain(type);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="talk-transcript.${format}"`);
      expect(res.body).toContain('broken glass in the lobby');
      // The query form answers the same bytes.
      const q = await env.app.inject({
        url: `/api/v1/sources/talk/transcript?format=${format}`,
        headers: bearer(),
      });
      expect(q.body).toBe(res.body);
    }
    const vtt = (await env.app.inject({ url: '/api/v1/sources/talk/transcript.vtt', headers: bearer() }))
      .body;
    expect(vtt.startsWith('WEBVTT')).toBe(true);
    // Cue times are media time: the first line starts 0.5 s into the file.
    expect(vtt).toContain('00:00:00.500 --> 00:00:02.600');
    const srt = (await env.app.inject({ url: '/api/v1/sources/talk/transcript.srt', headers: bearer() }))
      .body;
    expect(srt).toMatch(/^1\r?\n00:00:00,500 --> 00:00:02,600/);
    const s1 = await env.app.inject({
      url: '/api/v1/sources/talk/transcript.vtt?speaker=S1',
      headers: bearer(),
    });
    expect(s1.body).toContain('good morning');
    expect(s1.body).not.toContain('thank you');
  });
});

describe('speech, sound events, loudness, speech rate', () => {
  it('answers each from the store', async () => {
    const speech = await get('/api/v1/sources/talk/speech', z.array(SpeechSegmentView));
    expect(speech.map((s) => s.startTs - EPOCH)).toEqual(LINES.map((l) => l.startMs));

    const events = await get('/api/v1/sources/talk/audio-events', z.array(AudioEventView));
    expect(events.map((e) => e.label)).toEqual(['glass-breaking', 'siren']);
    expect(events[1]!.classes[0]).toBe('Siren');
    const sirens = await get('/api/v1/sources/talk/audio-events?label=siren', z.array(AudioEventView));
    expect(sirens.map((e) => e.eventId)).toEqual(['ev-2']);

    const loud = await get('/api/v1/sources/talk/loudness', LoudnessView);
    expect(loud.t.length).toBe(12);
    expect(loud.t[1]! - loud.t[0]!).toBe(1000);
    expect(loud.silent[0]).toBe(true);
    expect(loud.momentaryLufs[1]).toBe(-24);
    expect(loud.clippedSamples[7]).toBe(12);

    const rate = await get('/api/v1/sources/talk/speech-rate', z.array(SpeechRateView));
    expect(rate.map((r) => r.segmentId)).toEqual(['seg-1', 'seg-2', 'seg-3', 'seg-4']);
    expect(rate[0]!.words).toBe(5);
    expect(rate[0]!.wordsPerMinute).toBeCloseTo((5 * 60_000) / 2100, 3);
  });

  it('refuses unknown sources and bad parameters with coded errors', async () => {
    for (const what of [
      'transcript',
      'transcript.vtt',
      'speech',
      'audio-events',
      'loudness',
      'speech-rate',
      'speakers',
    ]) {
      expect((await fails('GET', `/api/v1/sources/nope/${what}`, 404)).code).toBe('SOURCE_NOT_FOUND');
    }
    const bad = await fails('GET', '/api/v1/sources/talk/transcript?format=doc', 400);
    expect(bad.code).toBe('API_BAD_REQUEST');
    expect(bad.message).toMatch(/^query\.format:/);
    expect((await fails('GET', '/api/v1/sources/talk/speech?from=soon', 400)).message).toMatch(
      /^query\.from:/,
    );
    const anon = await env.app.inject({ url: '/api/v1/sources/talk/transcript' });
    expect(anon.statusCode).toBe(401);
  });
});

describe('speakers', () => {
  it('lists the speakers with speaking time and no embedding', async () => {
    const speakers = await get('/api/v1/sources/talk/speakers', z.array(SpeakerView.strict()));
    expect(speakers.map((s) => [s.speakerId, s.speakingMs, s.turns, s.link])).toEqual([
      ['S1', 2100 + 2600, 2, 'none'],
      ['S2', 2200 + 2400, 2, 'none'],
    ]);
  });

  it('confirms a speaker as a person: their lines become the person’s speech', async () => {
    const res = await patch('S1', { link: 'confirmed', personId: 'Person_001', label: 'Host' });
    expect(res.statusCode, res.body).toBe(200);
    expect(SpeakerView.parse(res.json())).toMatchObject({
      speakerId: 'S1',
      label: 'Host',
      personId: 'Person_001',
      link: 'confirmed',
    });
    const [s1] = await get('/api/v1/sources/talk/speakers', z.array(SpeakerView));
    expect(s1).toMatchObject({ label: 'Host', personId: 'Person_001', link: 'confirmed' });

    const speech = await get('/api/v1/persons/Person_001/speech', PersonSpeechView);
    expect(speech.speakingMs).toBe(2100 + 2600);
    expect(speech.lines.map((l) => [l.sourceId, l.segmentId])).toEqual([
      ['talk', 'seg-1'],
      ['talk', 'seg-3'],
    ]);
    expect(speech.lines[1]!.playbackUrl).toBe(`/#/playback/talk?ts=${EPOCH + 5600}`);
  });

  it('keeps the decision when the analyzer later writes an automatic link for the same speaker', async () => {
    // The speakers analyzer versions its rows by wall-clock ms (createVersionCounter), the user's
    // decision by nextVersion() (µs): a later automatic row still loses.
    const [auto] = (await env.runtime.store.listSpeakers({ sourceId: 'talk' })).filter(
      (s) => s.speakerId === 'S1',
    );
    await env.runtime.store.upsertSpeakers([
      { ...auto!, personId: 'Person_999', link: 'auto', version: Date.now() },
    ]);
    const [s1] = await get('/api/v1/sources/talk/speakers', z.array(SpeakerView));
    expect(s1).toMatchObject({ personId: 'Person_001', link: 'confirmed' });
  });

  it('rejects: the speaker is linked to nobody again, the rest of the row stays', async () => {
    const res = await patch('S1', { link: 'rejected' });
    expect(res.statusCode, res.body).toBe(200);
    expect(SpeakerView.parse(res.json())).toMatchObject({ personId: '', link: 'rejected', label: 'Host' });
    const speech = await get('/api/v1/persons/Person_001/speech', PersonSpeechView);
    expect(speech).toEqual({ personId: 'Person_001', speakingMs: 0, lines: [] });
  });

  it('refuses unknown speakers and persons, and a confirmation without a person', async () => {
    expect((await fails('PATCH', '/api/v1/sources/talk/speakers/S9', 404, { link: 'confirmed' })).code).toBe(
      'SPEAKER_NOT_FOUND',
    );
    const person = await fails('PATCH', '/api/v1/sources/talk/speakers/S2', 404, {
      link: 'confirmed',
      personId: 'Person_404',
    });
    expect(person.code).toBe('PERSON_NOT_FOUND');
    const none = await fails('PATCH', '/api/v1/sources/talk/speakers/S2', 400, { link: 'confirmed' });
    expect(none.message).toMatch(/^body\.personId:/);
    const link = await fails('PATCH', '/api/v1/sources/talk/speakers/S2', 400, { link: 'maybe' });
    expect(link.message).toMatch(/^body\.link:/);
    expect((await fails('GET', '/api/v1/persons/Person_404/speech', 404)).code).toBe('PERSON_NOT_FOUND');
  });
});

describe('search', () => {
  it('finds words across every transcript, each hit with the moment to jump to', async () => {
    const hits = await get('/api/v1/search?q=glass', z.array(TranscriptHitView));
    const keys = hits.map((h) => `${h.sourceId}/${h.segmentId}`).sort();
    expect(keys).toEqual(['radio/seg-1', 'talk/seg-3', 'talk/seg-4']);
    for (const h of hits) {
      expect(h.matches.length).toBeGreaterThan(0);
      expect(h.matches.every((w) => w.word.toLowerCase() === 'glass')).toBe(true);
      expect(h.ts).toBe(h.matches[0]!.startTs);
      expect(h.ts).toBeGreaterThan(h.startTs);
      expect(h.playbackUrl).toBe(`/#/playback/${h.sourceId}?ts=${h.ts}`);
    }
  });

  it('needs every word, ignores case, and filters by source and person', async () => {
    const both = await get('/api/v1/search?q=BROKEN%20Glass', z.array(TranscriptHitView));
    expect(both.map((h) => h.segmentId)).toEqual(['seg-3']);
    const radio = await get('/api/v1/search?q=glass&source=radio', z.array(TranscriptHitView));
    expect(radio.map((h) => h.sourceId)).toEqual(['radio']);
    expect(await get('/api/v1/search?q=xylophone', z.array(TranscriptHitView))).toEqual([]);

    const res = await patch('S2', { link: 'confirmed', personId: 'Person_001' });
    expect(res.statusCode, res.body).toBe(200);
    const said = await get('/api/v1/search?q=glass&person=Person_001', z.array(TranscriptHitView));
    expect(said.map((h) => `${h.sourceId}/${h.segmentId}`)).toEqual(['talk/seg-4']);
    expect(said[0]!.personId).toBe('Person_001');
  });

  it('refuses an empty query, an unknown source and an unknown person', async () => {
    expect((await fails('GET', '/api/v1/search?q=%20', 400)).message).toMatch(/^query\.q:/);
    expect((await fails('GET', '/api/v1/search', 400)).message).toMatch(/^query\.q:/);
    expect((await fails('GET', '/api/v1/search?q=glass&source=nope', 404)).code).toBe('SOURCE_NOT_FOUND');
    expect((await fails('GET', '/api/v1/search?q=glass&person=nobody', 404)).code).toBe('PERSON_NOT_FOUND');
  });
});

describe('OpenAPI', () => {
  it('documents every audio route with its schemas', async () => {
    const doc = (await env.app.inject({ url: '/api/openapi.json', headers: bearer() })).json() as {
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown> };
    };
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    for (const id of [
      'getTranscript',
      'exportTranscriptVtt',
      'exportTranscriptSrt',
      'exportTranscriptJson',
      'exportTranscriptCsv',
      'listSpeech',
      'listAudioEvents',
      'getLoudness',
      'listSpeechRate',
      'listSpeakers',
      'decideSpeaker',
      'listSpeakerTurns',
      'splitSpeaker',
      'searchTranscripts',
      'personSpeech',
    ]) {
      expect(ops).toContain(id);
    }
    expect(doc.paths['/api/v1/sources/{id}/speakers/{speakerId}']?.['patch']?.operationId).toBe(
      'decideSpeaker',
    );
    expect(doc.components.schemas['TranscriptHitView']).toBeDefined();
  });
});

describe('splitting a speaker', () => {
  const post = (speakerId: string, payload: object) =>
    env.app.inject({
      method: 'POST',
      url: `/api/v1/sources/talk/speakers/${speakerId}/split`,
      headers: bearer(),
      payload,
    });

  it('moves the chosen turns and the lines spoken in them to a new speaker', async () => {
    const before = await get('/api/v1/sources/talk/speakers/S2/turns', z.array(SpeakerTurnView));
    expect(before.map((t) => t.startTs)).toEqual([EPOCH + 3000, EPOCH + 8600]);
    const res = await post('S2', { turns: [EPOCH + 8600] });
    expect(res.statusCode, res.body).toBe(201);
    const created = SpeakerView.parse(res.json());
    expect(created).toMatchObject({
      speakerId: 'S3',
      link: 'none',
      personId: '',
      turns: 1,
      speakingMs: 2400,
    });
    const speakers = await get('/api/v1/sources/talk/speakers', z.array(SpeakerView));
    expect(speakers.find((s) => s.speakerId === 'S2')).toMatchObject({ turns: 1, speakingMs: 2200 });
    const s3 = await get('/api/v1/sources/talk/speakers/S3/turns', z.array(SpeakerTurnView));
    expect(s3).toEqual([{ speakerId: 'S3', startTs: EPOCH + 8600, endTs: EPOCH + 11_000 }]);
    // The line spoken in the moved turn follows it; the other stays.
    const lines = await get('/api/v1/sources/talk/transcript', z.array(TranscriptLineView));
    expect(lines.map((l) => [l.segmentId, l.speakerId])).toEqual([
      ['seg-1', 'S1'],
      ['seg-2', 'S2'],
      ['seg-3', 'S1'],
      ['seg-4', 'S3'],
    ]);
  });

  it('refuses a start that is no turn of the speaker, and a split that leaves it none', async () => {
    const notATurn = await post('S2', { turns: [EPOCH + 1] });
    expect(notATurn.statusCode).toBe(400);
    expect(ErrorBody.parse(notATurn.json()).message).toMatch(/^body\.turns: /);
    const all = await post('S3', { turns: [EPOCH + 8600] });
    expect(all.statusCode).toBe(400);
    expect(all.json().message).toContain('at least one turn');
    expect((await post('S9', { turns: [EPOCH] })).statusCode).toBe(404);
  });
});
