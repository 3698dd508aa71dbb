// SQL and row mapping for the append-only audio tables of migration v5: speech_segments, loudness,
// audio_events, speaker_turns, speech_rate. As in sql.ts, values travel only in `params` as typed
// `{name:Type}` placeholders. Rows may come from remote workers through insertAnalyzerRows as
// `unknown`, so the mappers check every field's type here rather than trusting the TS type.
import type {
  AudioEventRecord,
  AudioRangeQuery,
  LoudnessRecord,
  SpeakerTurnRecord,
  SpeechRateRecord,
  SpeechSegmentRecord,
} from './audio-types.ts';
import type { SqlQuery } from './driver.ts';
import { StoreError } from './errors.ts';
import { eq, time, where } from './sql.ts';
import { fromMs, nextVersion, toDateTime64 } from './time.ts';
import { uint } from './values.ts';

/** Rows a range read returns when the caller gives no limit (a day of per-second loudness fits). */
export const DEFAULT_AUDIO_LIMIT = 100_000;

/** LUFS/dBFS floor: -Infinity (digital silence) is stored as this. */
export const LOUDNESS_FLOOR = -200;

export function str(what: string, v: unknown): string {
  if (typeof v !== 'string') throw new StoreError('STORE_QUERY_FAILED', `invalid ${what}: expected a string`);
  return v;
}

export function num(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new StoreError('STORE_QUERY_FAILED', `invalid ${what}: ${String(v)}`);
  }
  return v;
}

/** A timestamp field as DateTime64 text (toDateTime64 refuses non-numbers and out-of-range). */
export function ts(what: string, v: unknown): string {
  return toDateTime64(num(what, v));
}

/** An unsigned integer count; fractional values are rounded (analyzers sum floats). */
export function count(what: string, v: unknown): number {
  return uint(what, Math.round(num(what, v)));
}

function bool(what: string, v: unknown): 0 | 1 {
  if (typeof v !== 'boolean')
    throw new StoreError('STORE_QUERY_FAILED', `invalid ${what}: expected a boolean`);
  return v ? 1 : 0;
}

function level(what: string, v: unknown): number {
  return v === Number.NEGATIVE_INFINITY ? LOUDNESS_FLOOR : Math.max(LOUDNESS_FLOOR, num(what, v));
}

/** `limit` as a bound UInt32 (negative → 0, absent → the default). */
export function limitOf(limit: number | undefined, fallback: number): number {
  return Math.max(0, Math.floor(limit ?? fallback));
}

/** Source + overlap with [fromTs, toTs) for interval rows (end ≥ from, start < to, like tracks). */
function overlap(q: AudioRangeQuery) {
  return [
    eq('source_id', 'sid', q.sourceId),
    time('end_ts >= ?', 'from', q.fromTs),
    time('start_ts < ?', 'to', q.toTs),
  ] as const;
}

const SPAN = `toUnixTimestamp64Milli(start_ts) AS start_ms, toUnixTimestamp64Milli(end_ts) AS end_ms`;

function select(table: string, columns: string, conds: Parameters<typeof where>[0], q: AudioRangeQuery) {
  const w = where(conds);
  return {
    sql: `SELECT source_id, ${columns} FROM ${table} ${w.sql}
      ORDER BY start_ms, end_ms LIMIT {limit:UInt32}`,
    params: { ...w.params, limit: limitOf(q.limit, DEFAULT_AUDIO_LIMIT) },
  };
}

interface Span {
  source_id: string;
  start_ms: number | string;
  end_ms: number | string;
}

// --- speech_segments -------------------------------------------------------------------------

export function speechSegmentRow(r: SpeechSegmentRecord): object {
  return {
    source_id: str('sourceId', r.sourceId),
    start_ts: ts('startTs', r.startTs),
    end_ts: ts('endTs', r.endTs),
    probability: num('probability', r.probability),
  };
}

export const selectSpeechSegments = (q: AudioRangeQuery): SqlQuery =>
  select('speech_segments', `${SPAN}, probability`, overlap(q), q);

export function toSpeechSegment(r: Span & { probability: number }): SpeechSegmentRecord {
  return {
    sourceId: r.source_id,
    startTs: fromMs(r.start_ms),
    endTs: fromMs(r.end_ms),
    probability: Number(r.probability),
  };
}

// --- loudness --------------------------------------------------------------------------------

export function loudnessRow(r: LoudnessRecord): object {
  return {
    source_id: str('sourceId', r.sourceId),
    ts: ts('ts', r.ts),
    momentary_lufs: level('momentaryLufs', r.momentaryLufs),
    short_term_lufs: level('shortTermLufs', r.shortTermLufs),
    peak_dbfs: level('peakDbfs', r.peakDbfs),
    silent: bool('silent', r.silent),
    clipped_samples: count('clippedSamples', r.clippedSamples),
  };
}

/** Seconds of one source whose start lies in [fromTs, toTs). */
export function selectLoudness(q: AudioRangeQuery): SqlQuery {
  const w = where([
    eq('source_id', 'sid', q.sourceId),
    time('ts >= ?', 'from', q.fromTs),
    time('ts < ?', 'to', q.toTs),
  ]);
  return {
    sql: `SELECT source_id, toUnixTimestamp64Milli(ts) AS ts_ms, momentary_lufs, short_term_lufs, peak_dbfs,
        silent, clipped_samples
      FROM loudness ${w.sql} ORDER BY ts_ms LIMIT {limit:UInt32}`,
    params: { ...w.params, limit: limitOf(q.limit, DEFAULT_AUDIO_LIMIT) },
  };
}

export interface LoudnessSelectRow {
  source_id: string;
  ts_ms: number | string;
  momentary_lufs: number;
  short_term_lufs: number;
  peak_dbfs: number;
  silent: number;
  clipped_samples: number | string;
}

export function toLoudness(r: LoudnessSelectRow): LoudnessRecord {
  return {
    sourceId: r.source_id,
    ts: fromMs(r.ts_ms),
    momentaryLufs: Number(r.momentary_lufs),
    shortTermLufs: Number(r.short_term_lufs),
    peakDbfs: Number(r.peak_dbfs),
    silent: Number(r.silent) !== 0,
    clippedSamples: Number(r.clipped_samples),
  };
}

// --- audio_events ----------------------------------------------------------------------------

export function audioEventRow(r: AudioEventRecord): object {
  if (!Array.isArray(r.classes))
    throw new StoreError('STORE_QUERY_FAILED', 'invalid classes: expected an array');
  return {
    source_id: str('sourceId', r.sourceId),
    event_id: str('eventId', r.eventId),
    label: str('label', r.label),
    start_ts: ts('startTs', r.startTs),
    end_ts: ts('endTs', r.endTs),
    peak_ts: ts('peakTs', r.peakTs),
    peak_score: num('peakScore', r.peakScore),
    classes: r.classes.map((c) => str('class', c)),
    model_id: str('modelId', r.modelId),
  };
}

export const selectAudioEvents = (q: AudioRangeQuery & { readonly label?: string | undefined }): SqlQuery =>
  select(
    'audio_events',
    `event_id, label, ${SPAN}, toUnixTimestamp64Milli(peak_ts) AS peak_ms, peak_score, classes, model_id`,
    [...overlap(q), eq('label', 'label', q.label)],
    q,
  );

export interface AudioEventSelectRow extends Span {
  event_id: string;
  label: string;
  peak_ms: number | string;
  peak_score: number;
  classes: string[];
  model_id: string;
}

export function toAudioEvent(r: AudioEventSelectRow): AudioEventRecord {
  return {
    sourceId: r.source_id,
    eventId: r.event_id,
    label: r.label,
    startTs: fromMs(r.start_ms),
    endTs: fromMs(r.end_ms),
    peakTs: fromMs(r.peak_ms),
    peakScore: Number(r.peak_score),
    classes: r.classes,
    modelId: r.model_id,
  };
}

// --- speaker_turns ---------------------------------------------------------------------------

export function speakerTurnRow(r: SpeakerTurnRecord): object {
  return {
    source_id: str('sourceId', r.sourceId),
    speaker_id: str('speakerId', r.speakerId),
    start_ts: ts('startTs', r.startTs),
    end_ts: ts('endTs', r.endTs),
    version: nextVersion(),
  };
}

export const selectSpeakerTurns = (q: AudioRangeQuery): SqlQuery =>
  select('speaker_turns FINAL', `speaker_id, ${SPAN}`, overlap(q), q);

export function toSpeakerTurn(r: Span & { speaker_id: string }): SpeakerTurnRecord {
  return {
    sourceId: r.source_id,
    speakerId: r.speaker_id,
    startTs: fromMs(r.start_ms),
    endTs: fromMs(r.end_ms),
  };
}

// --- speech_rate -----------------------------------------------------------------------------

export function speechRateRow(r: SpeechRateRecord): object {
  return {
    source_id: str('sourceId', r.sourceId),
    segment_id: str('segmentId', r.segmentId),
    start_ts: ts('startTs', r.startTs),
    end_ts: ts('endTs', r.endTs),
    words: count('words', r.words),
    words_per_minute: num('wordsPerMinute', r.wordsPerMinute),
    pauses: count('pauses', r.pauses),
    mean_pause_ms: num('meanPauseMs', r.meanPauseMs),
    max_pause_ms: num('maxPauseMs', r.maxPauseMs),
  };
}

export const selectSpeechRate = (q: AudioRangeQuery): SqlQuery =>
  select(
    'speech_rate',
    `segment_id, ${SPAN}, words, words_per_minute, pauses, mean_pause_ms, max_pause_ms`,
    overlap(q),
    q,
  );

export interface SpeechRateSelectRow extends Span {
  segment_id: string;
  words: number | string;
  words_per_minute: number;
  pauses: number | string;
  mean_pause_ms: number;
  max_pause_ms: number;
}

export function toSpeechRate(r: SpeechRateSelectRow): SpeechRateRecord {
  return {
    sourceId: r.source_id,
    segmentId: r.segment_id,
    startTs: fromMs(r.start_ms),
    endTs: fromMs(r.end_ms),
    words: Number(r.words),
    wordsPerMinute: Number(r.words_per_minute),
    pauses: Number(r.pauses),
    meanPauseMs: Number(r.mean_pause_ms),
    maxPauseMs: Number(r.max_pause_ms),
  };
}
