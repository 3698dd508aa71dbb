import { describe, expect, it } from 'vitest';
import { TRANSCRIPT_FORMATS, formatTranscript } from '../index.ts';
import type { TranscriptSegmentRecord } from '../index.ts';
import { clock } from '../src/transcript-export.ts';
import { segment } from './audio-fixtures.ts';

const EPOCH = Date.UTC(2024, 4, 1, 12);

/** A segment of 'file-1' over [startMs, endMs) after EPOCH, without words unless given. */
const seg = (
  n: number,
  startMs: number,
  endMs: number,
  text: string,
  over: Partial<TranscriptSegmentRecord> = {},
): TranscriptSegmentRecord =>
  segment('file-1', n, text, { startTs: EPOCH + startMs, endTs: EPOCH + endMs, words: [], ...over });

const segments = [
  seg(0, 1000, 3500, 'Hello there.', {
    speakerId: 'S1',
    personId: 'P-1',
    words: [
      { word: 'Hello', startTs: EPOCH + 1000, endTs: EPOCH + 1400, confidence: 0.5 },
      { word: 'there.', startTs: EPOCH + 1500, endTs: EPOCH + 3500, confidence: 0.75 },
    ],
  }),
  seg(1, 3_723_004, 3_725_000, 'a <b> & c --> d\n\nnext line'),
];

describe('formatTranscript', () => {
  it('formats clock times, with hours growing past a day', () => {
    expect(clock(0)).toBe('00:00:00.000');
    expect(clock(3_723_004)).toBe('01:02:03.004');
    expect(clock(3_723_004, ',')).toBe('01:02:03,004');
    expect(clock(100 * 3_600_000 + 59_999)).toBe('100:00:59.999');
    expect(clock(-5)).toBe('00:00:00.000');
  });

  it('writes WebVTT with voice tags for known speakers, relative to the epoch', () => {
    const out = formatTranscript(segments, 'vtt', { epochMs: EPOCH, speakerNames: { S1: 'Ann <host>' } });
    expect(out).toBe(
      [
        'WEBVTT',
        '',
        '1',
        '00:00:01.000 --> 00:00:03.500',
        '<v Ann  host>Hello there.',
        '',
        '2',
        '01:02:03.004 --> 01:02:05.000',
        'a &lt;b&gt; &amp; c -&gt; d',
        'next line',
        '',
      ].join('\n'),
    );
    expect(formatTranscript(segments.slice(0, 1), 'vtt', { epochMs: EPOCH })).toContain('<v S1>Hello there.');
    expect(formatTranscript([], 'vtt')).toBe('WEBVTT\n');
  });

  it('writes SRT with comma millis and a speaker prefix', () => {
    expect(formatTranscript(segments, 'srt', { epochMs: EPOCH })).toBe(
      [
        '1',
        '00:00:01,000 --> 00:00:03,500',
        'S1: Hello there.',
        '',
        '2',
        '01:02:03,004 --> 01:02:05,000',
        'a <b> & c -> d',
        'next line',
        '',
      ].join('\n'),
    );
  });

  it('writes JSON with words, and starts at the first segment when no epoch is given', () => {
    const parsed = JSON.parse(formatTranscript(segments, 'json')) as {
      segments: {
        startMs: number;
        endMs: number;
        speaker: string;
        words: { word: string; startMs: number }[];
      }[];
    };
    expect(parsed.segments).toHaveLength(2);
    expect(parsed.segments[0]).toEqual({
      segmentId: 'seg-0',
      startMs: 0,
      endMs: 2500,
      text: 'Hello there.',
      speakerId: 'S1',
      speaker: 'S1',
      personId: 'P-1',
      language: 'en',
      confidence: 0.875,
      engine: 'pocketsphinx',
      words: [
        { word: 'Hello', startMs: 0, endMs: 400, confidence: 0.5 },
        { word: 'there.', startMs: 500, endMs: 2500, confidence: 0.75 },
      ],
    });
    expect(parsed.segments[1]).toMatchObject({ startMs: 3_722_004, speaker: '', words: [] });
  });

  it('writes CSV with a header, RFC 4180 quoting and no formula cells', () => {
    const rows = [...segments, seg(2, 5000, 4000, '=HYPERLINK("x")', { speakerId: 'S2' })];
    const out = formatTranscript(rows, 'csv', { epochMs: EPOCH });
    const lines = out.split('\r\n');
    expect(lines[0]).toBe('start,end,start_ms,end_ms,speaker,person_id,language,confidence,text');
    expect(lines[1]).toBe('00:00:01.000,00:00:03.500,1000,3500,S1,P-1,en,0.875,Hello there.');
    expect(lines[2]).toBe(
      '01:02:03.004,01:02:05.000,3723004,3725000,,,en,0.875,"a <b> & c --> d\n\nnext line"',
    );
    // An end before the start is written as the start.
    expect(lines[3]).toBe(`00:00:05.000,00:00:05.000,5000,5000,S2,,en,0.875,"'=HYPERLINK(""x"")"`);
    expect(lines.at(-1)).toBe('');
  });

  it('lists its formats', () => {
    expect(TRANSCRIPT_FORMATS).toEqual(['vtt', 'srt', 'json', 'csv']);
  });
});
