// `aima search` and `aima transcript` as a person would run them: real processes reading a real
// embedded ClickHouse, into which a transcript was stored through the store the analyzers use.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '@aima/dashboard';
import type { TranscriptSegmentRecord } from '@aima/storage';
import { aima } from './cli-helpers.ts';

const EPOCH = Date.UTC(2024, 4, 1, 9, 0, 0);
let tmp: string;
let env: Record<string, string>;

function line(
  segmentId: string,
  speakerId: string,
  startMs: number,
  endMs: number,
  text: string,
): TranscriptSegmentRecord {
  const words = text.split(' ');
  const step = (endMs - startMs) / words.length;
  return {
    sourceId: 'talk',
    segmentId,
    startTs: EPOCH + startMs,
    endTs: EPOCH + endMs,
    text,
    language: 'en',
    confidence: 0.8,
    engine: 'pocketsphinx',
    speakerId,
    personId: '',
    words: words.map((word, i) => ({
      word,
      startTs: Math.round(EPOCH + startMs + i * step),
      endTs: Math.round(EPOCH + startMs + (i + 1) * step),
      confidence: 0.8,
    })),
  };
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-audio-cli-'));
  const dataDir = path.join(tmp, 'data');
  env = { AIMA_DATA_DIR: dataDir };
  // chDB holds one data directory per process: store, close, then let the CLI processes read it.
  const store = await openStore({ dataDir });
  try {
    await store.upsertSource({
      id: 'talk',
      kind: 'file',
      display: '/media/talk.mp4',
      live: false,
      status: 'done',
      errorCode: '',
      errorMessage: '',
      epochMs: EPOCH,
      createdAt: EPOCH,
      updatedAt: EPOCH + 12_000,
      meta: '{}',
    });
    await store.insertTranscriptSegments([
      line('seg-1', 'S1', 500, 2600, 'good morning everyone and welcome'),
      line('seg-2', 'S2', 5600, 8200, 'let us talk about the broken glass in the lobby'),
    ]);
    await store.upsertSpeakers([
      { sourceId: 'talk', speakerId: 'S1', label: 'Host', personId: '', link: 'none', speakingMs: 2100, turns: 1, embedding: [], version: 1 }, // prettier-ignore
    ]);
  } finally {
    await store.close();
  }
}, 60_000);
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('aima search', () => {
  it('finds words across transcripts, with the moment in the media and a playback link', async () => {
    const r = await aima(['search', 'Broken glass', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const hits = JSON.parse(r.stdout) as { sourceId: string; segmentId: string; mediaMs: number; matches: string[]; playbackUrl: string; ts: number }[]; // prettier-ignore
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ sourceId: 'talk', segmentId: 'seg-2', matches: ['broken', 'glass'] });
    // "broken" is the 6th of 10 words spread over 5.6–8.2 s.
    expect(hits[0]!.mediaMs).toBe(5600 + 5 * 260);
    expect(hits[0]!.playbackUrl).toBe(`/#/playback/talk?ts=${hits[0]!.ts}`);

    const table = await aima(['search', 'welcome'], env);
    expect(table.code, table.stderr).toBe(0);
    // The row points at the matching word ("welcome", the 5th of 5 over 0.5–2.6 s), not the line start.
    expect(table.stdout).toMatch(/talk\s+0:00:02\.2\s+S1\s+good morning everyone and welcome/);
    const none = await aima(['search', 'xylophone'], env);
    expect(none.stdout).toBe('no transcript holds "xylophone"\n');
  });

  it('fails with coded errors and exit codes', async () => {
    const usage = await aima(['search'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^aima: CLI_USAGE: usage: aima search/);
    const source = await aima(['search', 'glass', '--source', 'nope'], env);
    expect(source.code).toBe(3);
    expect(source.stderr).toMatch(/^aima: CLI_NOT_FOUND: no source with id 'nope'/);
    const person = await aima(['search', 'glass', '--person', 'Person_404'], env);
    expect(person.code).toBe(3);
    expect(person.stderr).toMatch(/^aima: PERSON_NOT_FOUND: /);
  });
});

describe('aima transcript', () => {
  it('writes WebVTT in media time with named speakers, to stdout or a file', async () => {
    const r = await aima(['transcript', 'talk', '--vtt'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith('WEBVTT')).toBe(true);
    expect(r.stdout).toContain('00:00:00.500 --> 00:00:02.600\n<v Host>good morning everyone and welcome');
    expect(r.stdout).toContain('00:00:05.600 --> 00:00:08.200\n<v S2>let us talk about the broken glass');

    const out = path.join(tmp, 'talk.srt');
    const file = await aima(['transcript', 'talk', '--out', out], env);
    expect(file.code, file.stderr).toBe(0);
    expect(await readFile(out, 'utf8')).toMatch(/^1\n00:00:00,500 --> 00:00:02,600\nHost: good morning/);

    const text = await aima(['transcript', 'talk', '--speaker', 'S2'], env);
    expect(text.stdout).toBe('[0:00:05.6] S2: let us talk about the broken glass in the lobby\n');
  });

  it('fails with coded errors and exit codes', async () => {
    const missing = await aima(['transcript', 'nope', '--vtt'], env);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^aima: CLI_NOT_FOUND: no source with id 'nope'/);
    const two = await aima(['transcript', 'talk', '--vtt', '--srt'], env);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/^aima: CLI_BAD_VALUE: --vtt: choose one of/);
    const ext = await aima(['transcript', 'talk', '--out', path.join(tmp, 'x.txt')], env);
    expect(ext.code).toBe(2);
    expect(ext.stderr).toMatch(/^aima: CLI_BAD_VALUE: --out:/);
  });
});
