// The audio views' pure parts: the transcript list (partials replaced by finals, the line playing at
// a time, engine labels, highlighting), lane geometry, live payload parsing and the search route.
import { describe, expect, it } from 'vitest';
import { audioLanes, cursorPercent, laneMarks } from '../src/lib/audio-lanes.ts';
import { createLiveAudio, isClipped, parseAudioLive } from '../src/lib/audio-live.ts';
import { href, parseHash } from '../src/lib/routes.ts';
import {
  currentLineIndex,
  engineLabel,
  enginesOf,
  fromLive,
  highlight,
  matchesQuery,
  mergeLines,
  upsertLine,
  type TranscriptLine,
} from '../src/lib/transcript.ts';

const line = (segmentId: string, startTs: number, text: string, partial = false): TranscriptLine => ({
  segmentId,
  sourceId: 'cam',
  startTs,
  endTs: startTs + 1000,
  text,
  speakerId: 'S1',
  personId: '',
  engine: 'pocketsphinx',
  partial,
});

describe('transcript lines', () => {
  it('replaces partials by their final, keeps start order, never lets a late partial undo a final', () => {
    let lines = upsertLine([], line('seg-2', 2000, 'the sir', true));
    lines = upsertLine(lines, line('seg-1', 1000, 'hello'));
    lines = upsertLine(lines, line('seg-2', 2000, 'the siren', true));
    expect(lines.map((l) => [l.segmentId, l.text, l.partial])).toEqual([
      ['seg-1', 'hello', false],
      ['seg-2', 'the siren', true],
    ]);
    lines = upsertLine(lines, line('seg-2', 2000, 'the siren started'));
    lines = upsertLine(lines, line('seg-2', 2000, 'the siren star', true));
    expect(lines[1]).toMatchObject({ text: 'the siren started', partial: false });
  });

  it('is bounded to the newest lines', () => {
    let lines: TranscriptLine[] = [];
    for (let i = 0; i < 10; i++) lines = upsertLine(lines, line(`seg-${i}`, i * 1000, `l${i}`), 4);
    expect(lines.map((l) => l.segmentId)).toEqual(['seg-6', 'seg-7', 'seg-8', 'seg-9']);
    const merged = mergeLines(
      [line('seg-9', 9000, 'live', true)],
      [line('seg-8', 8000, 'a'), line('seg-9', 9000, 'final')],
    );
    expect(merged.map((l) => l.text)).toEqual(['a', 'final']);
  });

  it('finds the line playing at a time (a pause keeps the previous one)', () => {
    const lines = [line('a', 1000, 'a'), line('b', 5000, 'b'), line('c', 9000, 'c')];
    expect(currentLineIndex(lines, null)).toBe(-1);
    expect(currentLineIndex(lines, 999)).toBe(-1);
    expect(currentLineIndex(lines, 1000)).toBe(0);
    expect(currentLineIndex(lines, 3000)).toBe(0);
    expect(currentLineIndex(lines, 5000)).toBe(1);
    expect(currentLineIndex(lines, 60_000)).toBe(2);
    expect(currentLineIndex([], 5)).toBe(-1);
  });

  it('builds a line from a live message: its words give its span', () => {
    const l = fromLive(
      'cam',
      7000,
      {
        segmentId: 'seg-3',
        partial: true,
        text: 'glass broke',
        words: [
          { word: 'glass', startTs: 6100, endTs: 6400 },
          { word: 'broke', startTs: 6500, endTs: 6900 },
        ],
      },
      'pocketsphinx',
    );
    expect(l).toMatchObject({
      startTs: 6100,
      endTs: 6900,
      partial: true,
      speakerId: '',
      engine: 'pocketsphinx',
    });
    // The ASR analyzer's finals carry their span and engine.
    const final = {
      segmentId: 's',
      partial: false,
      text: 'x',
      startTs: 6000,
      endTs: 6800,
      engine: 'sherpa-whisper',
    };
    expect(fromLive('cam', 6000, final)).toMatchObject({
      startTs: 6000,
      endTs: 6800,
      engine: 'sherpa-whisper',
    });
    expect(fromLive('cam', 7000, { segmentId: 's', partial: false, text: 'x' })).toMatchObject({
      startTs: 7000,
      endTs: 7000,
    });
  });

  it('names engines, pocketsphinx as weak', () => {
    expect(engineLabel('pocketsphinx')).toBe('pocketsphinx (weak)');
    expect(engineLabel('sherpa-whisper')).toBe('sherpa-whisper');
    expect(engineLabel('')).toBe('');
    expect(
      enginesOf([line('a', 1, 'x'), { ...line('b', 2, 'y'), engine: 'sherpa-whisper' }, line('c', 3, 'z')]),
    ).toEqual(['pocketsphinx', 'sherpa-whisper']);
  });

  it('marks query words in a line and filters lines by all words', () => {
    expect(highlight('The glass, broken glass!', ['glass'])).toEqual([
      { text: 'The ', hit: false },
      { text: 'glass', hit: true },
      { text: ', broken ', hit: false },
      { text: 'glass', hit: true },
      { text: '!', hit: false },
    ]);
    expect(highlight('abc', [])).toEqual([{ text: 'abc', hit: false }]);
    expect(matchesQuery('the siren started right after', 'SIREN after')).toBe(true);
    expect(matchesQuery('the siren started', 'siren glass')).toBe(false);
    expect(matchesQuery('sirens', 'siren')).toBe(false);
    expect(matchesQuery('anything', '  ')).toBe(true);
  });
});

describe('audio lanes', () => {
  const span = (key: string, startTs: number, endTs: number | null, label = 'speech') => ({
    key,
    startTs,
    endTs,
    label,
    score: 0.9,
  });

  it('places spans as percentages of the range, clipped, ongoing ones up to the end', () => {
    const marks = laneMarks(
      [span('b', 500, 1500), span('a', -500, 250), span('c', 900, null), span('x', 2000, 3000)],
      0,
      1000,
    );
    expect(marks.map((m) => [m.key, m.left, m.width])).toEqual([
      ['a', 0, 25],
      ['b', 50, 50],
      ['c', 90, 10],
    ]);
    expect(laneMarks([span('a', 0, 1)], 5, 5)).toEqual([]);
  });

  it('gives a speech lane and one lane per sound class', () => {
    const lanes = audioLanes(
      [span('s', 100, 400)],
      [span('e2', 600, 700, 'siren'), span('e1', 200, 300, 'glass-breaking'), span('e3', 5000, 6000, 'dog')],
      0,
      1000,
    );
    expect(lanes.map((l) => [l.label, l.marks.length])).toEqual([
      ['speech', 1],
      ['glass-breaking', 1],
      ['siren', 1],
    ]);
    // The VAD's speech and a sound event classed as speech are two lanes with distinct keys.
    const both = audioLanes([span('s', 100, 400)], [span('e4', 100, 400, 'speech')], 0, 1000);
    expect(both.map((l) => [l.key, l.label])).toEqual([
      ['vad', 'speech'],
      ['sound:speech', 'speech'],
    ]);
    expect(new Set(both.map((l) => l.key)).size).toBe(2);
    expect(cursorPercent(250, 0, 1000)).toBe(25);
    expect(cursorPercent(2000, 0, 1000)).toBeNull();
    expect(cursorPercent(null, 0, 1000)).toBeNull();
  });
});

describe('live audio', () => {
  it('parses known kinds and refuses payloads of the wrong shape', () => {
    expect(parseAudioLive({ kind: 'speech', ts: 1, data: { state: 'start', startTs: 1 } })?.kind).toBe(
      'speech',
    );
    expect(parseAudioLive({ kind: 'speech', ts: 1, data: { state: 'maybe', startTs: 1 } })).toBeNull();
    expect(parseAudioLive({ kind: 'faces', ts: 1, data: {} })).toBeNull();
    // Loudness arrives as the stored row (clippedSamples, no `clipped` flag).
    const row = { sourceId: 'cam', ts: 1000, momentaryLufs: -20, shortTermLufs: -22, peakDbfs: -1, silent: false, clippedSamples: 3 }; // prettier-ignore
    const loud = parseAudioLive({ kind: 'loudness', ts: 1000, data: row });
    expect(loud?.kind === 'loudness' && isClipped(loud.data)).toBe(true);
    expect(isClipped({ momentaryLufs: -20, shortTermLufs: -22, silent: false, clippedSamples: 0 })).toBe(
      false,
    );
    const t = parseAudioLive({
      kind: 'transcript',
      ts: 5,
      data: { segmentId: 's', partial: false, text: 'hi' },
    });
    expect(t?.kind === 'transcript' && t.data.text).toBe('hi');
  });

  it('opens and closes speech spans, updates events in place, forgets old ones, stays bounded', () => {
    const a = createLiveAudio({ spanMs: 10_000, maxItems: 3 });
    a.speech({ state: 'start', startTs: 1000 });
    expect(a.speechSpans).toMatchObject([{ startTs: 1000, endTs: null }]);
    a.speech({ state: 'end', startTs: 1000, endTs: 2500 });
    expect(a.speechSpans).toMatchObject([{ startTs: 1000, endTs: 2500 }]);
    // The sounds analyzer opens an event without an id and closes it with its stored row.
    a.event({ state: 'start', label: 'siren', startTs: 3000, score: 0.5 });
    expect(a.eventSpans).toEqual([
      { key: 'siren@3000', startTs: 3000, endTs: null, label: 'siren', score: 0.5 },
    ]);
    a.event({ state: 'end', eventId: 'ev-1', label: 'siren', startTs: 3000, endTs: 4000, peakScore: 0.8 });
    expect(a.eventSpans).toEqual([
      { key: 'siren@3000', startTs: 3000, endTs: 4000, label: 'siren', score: 0.8 },
    ]);
    for (let i = 2; i <= 5; i++)
      a.event({ eventId: `ev-${i}`, label: 'dog', startTs: 4000 + i, endTs: 4100 + i, peakScore: 0.6 });
    expect(a.eventSpans.map((e) => e.key)).toEqual(['dog@4003', 'dog@4004', 'dog@4005']);
    a.prune(13_000);
    expect(a.speechSpans).toEqual([]);
    expect(a.eventSpans.length).toBe(3);
    a.prune(20_000);
    expect(a.eventSpans).toEqual([]);
  });
});

describe('search route', () => {
  it('parses and builds #/search with its query', () => {
    expect(parseHash('#/search')).toEqual({ name: 'search', q: '', source: null, person: null });
    const r = { name: 'search', q: 'broken glass', source: 'cam 1', person: 'Person_001' } as const;
    expect(href(r)).toBe('#/search?q=broken+glass&source=cam+1&person=Person_001');
    expect(parseHash(href(r))).toEqual(r);
    expect(href({ name: 'search', q: '', source: null, person: null })).toBe('#/search');
  });
});
