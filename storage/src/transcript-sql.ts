// SQL and row mapping for transcripts and speakers (migration v5). A transcript segment is a
// replaceable row (ReplacingMergeTree, store-side version): the speakers analyzer re-emits
// segments with their speakerId. Its words live in the row as parallel arrays, so a replacement
// swaps text and words at once and every read of the segment (FINAL) sees matching words.
// `transcript_words` repeats each word as its own row stamped with the segment version, for
// word-level reads by time; those reads keep only the words of each segment's latest version.
//
// A segment's person is resolved at read time through `speakers` FINAL, so linking a speaker to a
// person (or moving it) applies to every segment of that speaker at once.
import { DEFAULT_AUDIO_LIMIT, count, limitOf, num, str, ts } from './audio-sql.ts';
import type {
  AudioRangeQuery,
  SpeakerLinkStatus,
  SpeakerQuery,
  SpeakerRecord,
  StoredTranscriptWord,
  TranscriptHit,
  TranscriptQuery,
  TranscriptSearchQuery,
  TranscriptSegmentRecord,
  TranscriptWord,
} from './audio-types.ts';
import type { SqlQuery } from './driver.ts';
import { StoreError } from './errors.ts';
import { eq, time, where } from './sql.ts';
import { fromMs } from './time.ts';
import { finiteArray, uint } from './values.ts';

export const DEFAULT_TRANSCRIPT_LIMIT = 10_000;
export const DEFAULT_SEARCH_LIMIT = 100;

const LINKS: ReadonlySet<string> = new Set<SpeakerLinkStatus>(['none', 'auto', 'confirmed', 'rejected']);

function words(v: unknown): readonly TranscriptWord[] {
  if (!Array.isArray(v)) throw new StoreError('STORE_QUERY_FAILED', 'invalid words: expected an array');
  return v as readonly TranscriptWord[];
}

/** The segment row and its word rows, both stamped with `version`. */
export function transcriptRows(
  s: TranscriptSegmentRecord,
  version: number,
): { segment: object; words: object[] } {
  const sourceId = str('sourceId', s.sourceId);
  const segmentId = str('segmentId', s.segmentId);
  const ws = words(s.words).map((w, i) => ({
    word: str(`words[${i}].word`, w.word),
    start_ts: ts(`words[${i}].startTs`, w.startTs),
    end_ts: ts(`words[${i}].endTs`, w.endTs),
    confidence: num(`words[${i}].confidence`, w.confidence),
  }));
  return {
    segment: {
      source_id: sourceId,
      segment_id: segmentId,
      start_ts: ts('startTs', s.startTs),
      end_ts: ts('endTs', s.endTs),
      text: str('text', s.text),
      language: str('language', s.language),
      confidence: num('confidence', s.confidence),
      engine: str('engine', s.engine),
      speaker_id: str('speakerId', s.speakerId),
      person_id: str('personId', s.personId),
      word_text: ws.map((w) => w.word),
      word_start: ws.map((w) => w.start_ts),
      word_end: ws.map((w) => w.end_ts),
      word_confidence: ws.map((w) => w.confidence),
      version,
    },
    words: ws.map((w, i) => ({ source_id: sourceId, segment_id: segmentId, version, word_index: i, ...w })),
  };
}

const SEGMENT_COLUMNS = `source_id, segment_id,
  toUnixTimestamp64Milli(start_ts) AS start_ms, toUnixTimestamp64Milli(end_ts) AS end_ms,
  text, language, confidence, engine, speaker_id, person_id, word_text,
  arrayMap(x -> toUnixTimestamp64Milli(x), word_start) AS word_start_ms,
  arrayMap(x -> toUnixTimestamp64Milli(x), word_end) AS word_end_ms,
  word_confidence`;

/**
 * The segment's person now: that of its speaker's current row when the speaker is known (a
 * rejected link counts as none), else what the segment was stored with.
 */
const RESOLVED = `if(sp.found = 1, sp.person, t.person_id)`;

function speakersJoin(sourceCond: string): string {
  return `LEFT JOIN (
      SELECT source_id, speaker_id, if(link = 'rejected', '', person_id) AS person, toUInt8(1) AS found
      FROM speakers FINAL ${sourceCond}
    ) AS sp ON t.source_id = sp.source_id AND t.speaker_id = sp.speaker_id`;
}

// Columns of the outer SELECT over `t` (segments) joined with `sp` (speakers).
const OUTER = `t.source_id AS source_id, t.segment_id AS segment_id, t.start_ms AS start_ms,
  t.end_ms AS end_ms, t.text AS text, t.language AS language, t.confidence AS confidence,
  t.engine AS engine, t.speaker_id AS speaker_id, ${RESOLVED} AS resolved_person_id,
  t.word_text AS word_text, t.word_start_ms AS word_start_ms, t.word_end_ms AS word_end_ms,
  t.word_confidence AS word_confidence`;

/**
 * The segments of `inner` (selecting SEGMENT_COLUMNS, plus `extra` columns of `t`) with their
 * person resolved, of one person when asked, in time order.
 */
function resolvedSegments(
  q: { readonly sourceId?: string | undefined; readonly personId?: string | undefined },
  inner: string,
  extra: string,
  params: Readonly<Record<string, unknown>>,
  limit: number,
): SqlQuery {
  const person = q.personId === undefined ? '' : `WHERE ${RESOLVED} = {pid:String}`;
  return {
    sql: `SELECT ${OUTER}${extra}
      FROM (${inner}) AS t
      ${speakersJoin(q.sourceId === undefined ? '' : 'WHERE source_id = {sid:String}')}
      ${person}
      ORDER BY start_ms, end_ms, source_id, segment_id
      LIMIT {limit:UInt32}`,
    params: { ...params, ...(q.personId === undefined ? {} : { pid: q.personId }), limit },
  };
}

/**
 * Latest version of each matching segment, in time order. Conditions on non-key columns are
 * evaluated after FINAL (see selectTracks), so a replaced row never matches for its successor.
 */
export function selectTranscript(q: Omit<TranscriptQuery, 'signal'>): SqlQuery {
  const w = where([
    eq('source_id', 'sid', q.sourceId),
    eq('speaker_id', 'spk', q.speakerId),
    time('end_ts >= ?', 'from', q.fromTs),
    time('start_ts < ?', 'to', q.toTs),
  ]);
  return resolvedSegments(
    q,
    `SELECT ${SEGMENT_COLUMNS} FROM transcript_segments FINAL ${w.sql}`,
    '',
    w.params,
    limitOf(q.limit, DEFAULT_TRANSCRIPT_LIMIT),
  );
}

/**
 * Full-text search. Query words and segment text are tokenized by the engine alike
 * (`splitByNonAlpha` over `lowerUTF8`), so matching is on whole words, case-insensitive (Unicode
 * too), and `hasAllTokens(lowerUTF8(text), terms)` is answered by the `text` index of
 * transcript_segments. FINAL with a skip index stays exact (`use_skip_indexes_if_final_exact_mode`,
 * on by default in 26.x), so the old text of a replaced segment never matches. `hit_idx` are the
 * 1-based positions of the words that contain a query term.
 */
export function searchTranscripts(q: Omit<TranscriptSearchQuery, 'signal'>): SqlQuery {
  const source = q.sourceId === undefined ? '' : 'AND source_id = {sid:String}';
  return resolvedSegments(
    q,
    `WITH arrayDistinct(splitByNonAlpha(lowerUTF8({q:String}))) AS terms
        SELECT ${SEGMENT_COLUMNS},
          arrayFilter(i -> hasAny(splitByNonAlpha(lowerUTF8(word_text[i])), terms), arrayEnumerate(word_text)) AS hit_idx
        FROM transcript_segments FINAL
        WHERE length(terms) > 0 AND hasAllTokens(lowerUTF8(text), terms) ${source}`,
    ', t.hit_idx AS hit_idx',
    { q: q.q, ...(q.sourceId === undefined ? {} : { sid: q.sourceId }) },
    limitOf(q.limit, DEFAULT_SEARCH_LIMIT),
  );
}

export interface TranscriptSelectRow {
  source_id: string;
  segment_id: string;
  start_ms: number | string;
  end_ms: number | string;
  text: string;
  language: string;
  confidence: number;
  engine: string;
  speaker_id: string;
  resolved_person_id: string;
  word_text: string[];
  word_start_ms: (number | string)[];
  word_end_ms: (number | string)[];
  word_confidence: number[];
}

function wordAt(r: TranscriptSelectRow, i: number): TranscriptWord {
  return {
    word: r.word_text[i] ?? '',
    startTs: fromMs(r.word_start_ms[i]),
    endTs: fromMs(r.word_end_ms[i]),
    confidence: Number(r.word_confidence[i]),
  };
}

/** What a segment and a search hit both start with. */
function segmentHead(r: TranscriptSelectRow) {
  return {
    sourceId: r.source_id,
    segmentId: r.segment_id,
    startTs: fromMs(r.start_ms),
    endTs: fromMs(r.end_ms),
    text: r.text,
  };
}

export function toTranscriptSegment(r: TranscriptSelectRow): TranscriptSegmentRecord {
  return {
    ...segmentHead(r),
    language: r.language,
    confidence: Number(r.confidence),
    engine: r.engine,
    speakerId: r.speaker_id,
    personId: r.resolved_person_id,
    words: r.word_text.map((_, i) => wordAt(r, i)),
  };
}

export function toTranscriptHit(r: TranscriptSelectRow & { hit_idx: (number | string)[] }): TranscriptHit {
  return {
    ...segmentHead(r),
    speakerId: r.speaker_id,
    personId: r.resolved_person_id,
    matches: r.hit_idx.map((i) => wordAt(r, Number(i) - 1)),
  };
}

/**
 * Words of one source in [fromTs, toTs) (by word start), only those of each segment's latest
 * version: a replaced segment's older word rows stay in the table but never show.
 */
export function selectTranscriptWords(q: Omit<AudioRangeQuery, 'signal'>): SqlQuery {
  const w = where([
    eq('source_id', 'sid', q.sourceId),
    time('start_ts >= ?', 'from', q.fromTs),
    time('start_ts < ?', 'to', q.toTs),
    [
      `(source_id, segment_id, version) IN (
        SELECT source_id, segment_id, version FROM transcript_segments FINAL WHERE source_id = {sid:String})`,
      {},
    ],
  ]);
  return {
    sql: `SELECT source_id, segment_id, word_index, word,
        toUnixTimestamp64Milli(start_ts) AS start_ms, toUnixTimestamp64Milli(end_ts) AS end_ms, confidence
      FROM transcript_words ${w.sql}
      ORDER BY start_ms, segment_id, word_index LIMIT {limit:UInt32}`,
    params: { ...w.params, limit: limitOf(q.limit, DEFAULT_AUDIO_LIMIT) },
  };
}

export interface WordSelectRow {
  source_id: string;
  segment_id: string;
  word_index: number;
  word: string;
  start_ms: number | string;
  end_ms: number | string;
  confidence: number;
}

export function toStoredWord(r: WordSelectRow): StoredTranscriptWord {
  return {
    sourceId: r.source_id,
    segmentId: r.segment_id,
    index: Number(r.word_index),
    word: r.word,
    startTs: fromMs(r.start_ms),
    endTs: fromMs(r.end_ms),
    confidence: Number(r.confidence),
  };
}

// --- speakers --------------------------------------------------------------------------------

export function speakerRow(s: SpeakerRecord): object {
  const link = str('link', s.link);
  if (!LINKS.has(link)) throw new StoreError('STORE_QUERY_FAILED', `invalid link: ${link}`);
  if (!Array.isArray(s.embedding)) {
    throw new StoreError('STORE_QUERY_FAILED', 'invalid embedding: expected an array');
  }
  return {
    source_id: str('sourceId', s.sourceId),
    speaker_id: str('speakerId', s.speakerId),
    label: str('label', s.label),
    person_id: str('personId', s.personId),
    link,
    speaking_ms: count('speakingMs', s.speakingMs),
    turns: count('turns', s.turns),
    embedding: finiteArray('speaker embedding', s.embedding),
    version: uint('speaker version', num('version', s.version)),
  };
}

/** Current speakers (FINAL), by source then speaker id; `person_id` filters after FINAL. */
export function selectSpeakers(q: Omit<SpeakerQuery, 'signal'>): SqlQuery {
  const w = where([eq('source_id', 'sid', q.sourceId), eq('person_id', 'pid', q.personId)]);
  return {
    sql: `SELECT source_id, speaker_id, label, person_id, link, speaking_ms, turns, embedding, version
      FROM speakers FINAL ${w.sql} ORDER BY source_id, speaker_id`,
    params: w.params,
  };
}

export interface SpeakerSelectRow {
  source_id: string;
  speaker_id: string;
  label: string;
  person_id: string;
  link: string;
  speaking_ms: number | string;
  turns: number | string;
  embedding: number[];
  version: number | string;
}

export function toSpeaker(r: SpeakerSelectRow): SpeakerRecord {
  return {
    sourceId: r.source_id,
    speakerId: r.speaker_id,
    label: r.label,
    personId: r.person_id,
    // Stored from a SpeakerRecord after the LINKS check.
    link: r.link as SpeakerLinkStatus,
    speakingMs: Number(r.speaking_ms),
    turns: Number(r.turns),
    embedding: r.embedding.map(Number),
    version: Number(r.version),
  };
}

/** Total turn time of every speaker (any source) currently linked to the person. */
export function personSpeakingMs(personId: string): SqlQuery {
  return {
    sql: `SELECT sum(toUnixTimestamp64Milli(end_ts) - toUnixTimestamp64Milli(start_ts)) AS ms
      FROM speaker_turns FINAL
      WHERE (source_id, speaker_id) IN (
        SELECT source_id, speaker_id FROM speakers FINAL
        WHERE person_id = {pid:String} AND link != 'rejected')`,
    params: { pid: personId },
  };
}
