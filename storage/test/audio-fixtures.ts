import { randomBytes } from 'node:crypto';
import type {
  AudioEventRecord,
  LoudnessRecord,
  SpeakerRecord,
  SpeechRateRecord,
  TranscriptSegmentRecord,
  TranscriptWord,
} from '../index.ts';
import { DAY } from './fixtures.ts';

// Audio row builders: every field set, overridable per test. Floats are exact in Float32.

/** A word no other test uses (letters only: one token for the engine's tokenizer). */
export function rareWord(): string {
  return `zq${[...randomBytes(6)].map((b) => String.fromCharCode(97 + (b % 26))).join('')}`;
}

/** Words of `text` spread evenly over [startTs, startTs + 250 ms × n). */
export function wordsOf(text: string, startTs: number): TranscriptWord[] {
  return text
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((word, i) => ({
      word,
      startTs: startTs + i * 250,
      endTs: startTs + i * 250 + 200,
      confidence: 0.75,
    }));
}

export function segment(
  sourceId: string,
  n: number,
  text: string,
  over: Partial<TranscriptSegmentRecord> = {},
): TranscriptSegmentRecord {
  const startTs = over.startTs ?? DAY + n * 5000;
  const words = wordsOf(text, startTs);
  return {
    sourceId,
    segmentId: `seg-${n}`,
    startTs,
    endTs: startTs + Math.max(1, words.length) * 250,
    text,
    language: 'en',
    confidence: 0.875,
    engine: 'pocketsphinx',
    speakerId: '',
    personId: '',
    words,
    ...over,
  };
}

export function speaker(
  sourceId: string,
  speakerId: string,
  over: Partial<SpeakerRecord> = {},
): SpeakerRecord {
  return {
    sourceId,
    speakerId,
    label: '',
    personId: '',
    link: 'none',
    speakingMs: 1500,
    turns: 2,
    embedding: [0.5, -0.5, 0.5, -0.5],
    version: 1,
    ...over,
  };
}

export function loud(sourceId: string, second: number, over: Partial<LoudnessRecord> = {}): LoudnessRecord {
  return {
    sourceId,
    ts: DAY + second * 1000,
    momentaryLufs: -23.5,
    shortTermLufs: -24.25,
    peakDbfs: -3.5,
    silent: false,
    clippedSamples: 0,
    ...over,
  };
}

export function soundEvent(
  sourceId: string,
  n: number,
  label: string,
  over: Partial<AudioEventRecord> = {},
): AudioEventRecord {
  return {
    sourceId,
    eventId: `ev-${n}`,
    label,
    startTs: DAY + n * 1000,
    endTs: DAY + n * 1000 + 960,
    peakTs: DAY + n * 1000 + 480,
    peakScore: 0.625,
    classes: ['Glass', 'Shatter'],
    modelId: 'yamnet',
    ...over,
  };
}

export function rate(sourceId: string, n: number, over: Partial<SpeechRateRecord> = {}): SpeechRateRecord {
  return {
    sourceId,
    segmentId: `seg-${n}`,
    startTs: DAY + n * 5000,
    endTs: DAY + n * 5000 + 3000,
    words: 8,
    wordsPerMinute: 160,
    pauses: 1,
    meanPauseMs: 312.5,
    maxPauseMs: 400,
    ...over,
  };
}
