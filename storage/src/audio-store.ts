import * as audio from './audio-sql.ts';
import type { Driver, TableName } from './driver.ts';
import { StoreError } from './errors.ts';
import { GATE_INSERTERS } from './gate-store.ts';
import { POSE_INSERTERS } from './pose-store.ts';
import { SAFETY_INSERTERS } from './safety-store.ts';
import { TAGS_INSERTERS } from './tags-store.ts';
import type { AppearanceRecord, FaceRecord, ShotRecord } from './people-types.ts';
import { nextVersion } from './time.ts';
import * as tr from './transcript-sql.ts';
import type { DetectionRecord, GapRecord, Store, TrackRecord, WindowRecord } from './types.ts';

/** Runs a call under the store's lifecycle (rejects once closed; close() waits for it). */
type Run = <T>(fn: () => Promise<T>) => Promise<T>;

export type AudioMethods = Pick<
  Store,
  | 'insertSpeechSegments'
  | 'insertLoudness'
  | 'insertAudioEvents'
  | 'insertTranscriptSegments'
  | 'insertSpeakerTurns'
  | 'upsertSpeakers'
  | 'insertSpeechRate'
  | 'listSpeechSegments'
  | 'listLoudness'
  | 'listAudioEvents'
  | 'listTranscript'
  | 'listTranscriptWords'
  | 'listSpeakerTurns'
  | 'listSpeakers'
  | 'listSpeechRate'
  | 'searchTranscripts'
  | 'personSpeech'
>;

/** The audio part of the Store (migration v5), over the same Driver and lifecycle. */
export function createAudioMethods(driver: Driver, run: Run): AudioMethods {
  // Rows are mapped (and checked) inside run(): a bad value rejects the call before anything is sent.
  function insert<R>(table: TableName, rows: readonly R[], map: (r: R) => object): Promise<void> {
    return run(async () => {
      if (rows.length > 0) await driver.insert(table, rows.map(map));
    });
  }

  function list<S, R>(
    q: { sql: string; params: Readonly<Record<string, unknown>> },
    map: (r: S) => R,
    signal?: AbortSignal,
  ) {
    return run(async () => (await driver.query<S>(q, signal)).map(map));
  }

  return {
    insertSpeechSegments: (rows) => insert('speech_segments', rows, audio.speechSegmentRow),
    insertLoudness: (rows) => insert('loudness', rows, audio.loudnessRow),
    insertAudioEvents: (rows) => insert('audio_events', rows, audio.audioEventRow),
    insertTranscriptSegments: (rows) =>
      run(async () => {
        if (rows.length === 0) return;
        // Each row gets a fresh version, so a later row (in this batch or a later one) for the
        // same segment wins. Words go first: should the segment insert then fail, the new words
        // carry a version no segment has, and stay invisible.
        const mapped = rows.map((r) => tr.transcriptRows(r, nextVersion()));
        const words = mapped.flatMap((m) => m.words);
        if (words.length > 0) await driver.insert('transcript_words', words);
        await driver.insert(
          'transcript_segments',
          mapped.map((m) => m.segment),
        );
      }),
    insertSpeakerTurns: (rows) => insert('speaker_turns', rows, audio.speakerTurnRow),
    upsertSpeakers: (rows) => insert('speakers', rows, tr.speakerRow),
    insertSpeechRate: (rows) => insert('speech_rate', rows, audio.speechRateRow),
    listSpeechSegments: ({ signal, ...q }) =>
      list(audio.selectSpeechSegments(q), audio.toSpeechSegment, signal),
    listLoudness: ({ signal, ...q }) => list(audio.selectLoudness(q), audio.toLoudness, signal),
    listAudioEvents: ({ signal, ...q }) => list(audio.selectAudioEvents(q), audio.toAudioEvent, signal),
    listTranscript: ({ signal, ...q } = {}) => list(tr.selectTranscript(q), tr.toTranscriptSegment, signal),
    listTranscriptWords: ({ signal, ...q }) => list(tr.selectTranscriptWords(q), tr.toStoredWord, signal),
    listSpeakerTurns: ({ signal, ...q }) => list(audio.selectSpeakerTurns(q), audio.toSpeakerTurn, signal),
    listSpeakers: ({ signal, ...q } = {}) => list(tr.selectSpeakers(q), tr.toSpeaker, signal),
    listSpeechRate: ({ signal, ...q }) => list(audio.selectSpeechRate(q), audio.toSpeechRate, signal),
    searchTranscripts: ({ signal, ...q }) =>
      q.q.trim() === '' ? run(async () => []) : list(tr.searchTranscripts(q), tr.toTranscriptHit, signal),
    personSpeech: (personId, signal) =>
      run(async () => {
        const [row] = await driver.query<{ ms: number | string | null }>(
          tr.personSpeakingMs(personId),
          signal,
        );
        const segments = (
          await driver.query<tr.TranscriptSelectRow>(
            tr.selectTranscript({ personId, limit: tr.DEFAULT_TRANSCRIPT_LIMIT }),
            signal,
          )
        ).map(tr.toTranscriptSegment);
        return { speakingMs: Number(row?.ms ?? 0), segments };
      }),
  };
}

/**
 * Tables whose rows an analyzer may emit, and that insertAnalyzerRows stores. The rows are the
 * record types of each table (camelCase fields), as the analyzer contract's ResultBatch carries
 * them; transcript_words is filled through transcript_segments and is not listed.
 */
const CORE_TABLES = [
  'speech_segments',
  'loudness',
  'audio_events',
  'transcript_segments',
  'speaker_turns',
  'speakers',
  'speech_rate',
  'detections',
  'windows',
  'tracks',
  'gaps',
  'faces',
  'appearances',
  'shots',
] as const;

// Each part of the schema names its own analyzer tables and inserters (pose-store.ts, ...).
const PART_INSERTERS = { ...POSE_INSERTERS, ...TAGS_INSERTERS, ...GATE_INSERTERS, ...SAFETY_INSERTERS };

export type AnalyzerTable = (typeof CORE_TABLES)[number] | keyof typeof PART_INSERTERS;

export const ANALYZER_TABLES: readonly AnalyzerTable[] = Object.freeze([
  ...CORE_TABLES,
  ...(Object.keys(PART_INSERTERS) as (keyof typeof PART_INSERTERS)[]),
]);

// Which Store method stores each table's rows. The casts are the boundary: rows arrive as
// `unknown` (possibly from a remote worker), and every audio mapper checks each field's type; the
// older tables' mappers check timestamps and ids.
const INSERTERS: Readonly<Record<AnalyzerTable, (s: Store, rows: readonly unknown[]) => Promise<void>>> = {
  speech_segments: (s, r) => s.insertSpeechSegments(r as never),
  loudness: (s, r) => s.insertLoudness(r as never),
  audio_events: (s, r) => s.insertAudioEvents(r as never),
  transcript_segments: (s, r) => s.insertTranscriptSegments(r as never),
  speaker_turns: (s, r) => s.insertSpeakerTurns(r as never),
  speakers: (s, r) => s.upsertSpeakers(r as never),
  speech_rate: (s, r) => s.insertSpeechRate(r as never),
  detections: (s, r) => s.insertDetections(r as readonly DetectionRecord[]),
  windows: (s, r) => s.insertWindows(r as readonly WindowRecord[]),
  tracks: (s, r) => s.insertTracks(r as readonly TrackRecord[]),
  gaps: (s, r) => s.insertGaps(r as readonly GapRecord[]),
  faces: (s, r) => s.insertFaces(r as readonly FaceRecord[]),
  appearances: (s, r) => s.upsertAppearances(r as readonly AppearanceRecord[]),
  shots: (s, r) => s.insertShots(r as readonly ShotRecord[]),
  ...PART_INSERTERS,
};

export function isAnalyzerTable(table: string): table is AnalyzerTable {
  return Object.hasOwn(INSERTERS, table);
}

/** Stores `rows` in `table` through the store's own insert method for it. */
export function insertAnalyzerRows(store: Store, table: string, rows: readonly unknown[]): Promise<void> {
  if (!isAnalyzerTable(table)) {
    return Promise.reject(
      new StoreError('STORE_UNKNOWN_TABLE', `unknown analyzer table: ${JSON.stringify(table)}`),
    );
  }
  if (!Array.isArray(rows) || !rows.every((r) => typeof r === 'object' && r !== null)) {
    return Promise.reject(
      new StoreError('STORE_QUERY_FAILED', `rows for ${table} must be an array of objects`),
    );
  }
  return INSERTERS[table](store, rows);
}
