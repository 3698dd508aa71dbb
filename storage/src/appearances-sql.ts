// SQL and row mapping for the `appearances` table (migration v4): the current state of each
// appearance is its highest-version row, read with FINAL; `deleted = 0` hides tombstones. Filters
// on non-key columns (person_id, deleted, embedding) apply after FINAL
// (`optimize_move_to_prewhere_if_final` stays 0), so a superseded row never matches in place of
// the current one. Values travel only in `params`, the query embedding included.
import type { SqlQuery } from './driver.ts';
import type {
  AppearanceKey,
  AppearanceQuery,
  AppearanceRecord,
  AppearanceAssignment,
  PersonStats,
  SimilarAppearance,
  StoredAppearance,
} from './people-types.ts';
import { eq, where } from './sql.ts';
import { fromMs, toDateTime64 } from './time.ts';
import { finiteArray, toBox, uint } from './values.ts';

/** Keys per statement: they travel as bound parameters, which the server client puts in the URL. */
export const KEYS_BATCH = 1000;

export function appearanceRow(a: AppearanceRecord): object {
  return {
    source_id: a.sourceId,
    appearance_id: uint('appearance id', a.appearanceId),
    person_id: a.personId,
    start_ts: toDateTime64(a.startTs),
    end_ts: toDateTime64(a.endTs),
    faces: uint('face count', a.faces),
    good_faces: uint('good face count', a.goodFaces),
    quality: a.quality,
    best_ts: toDateTime64(a.bestTs),
    best_box: finiteArray('appearance best box', a.bestBox),
    media: a.media,
    crop: a.crop,
    embedding: finiteArray('appearance embedding', a.embedding),
    assignment: a.assignment,
    similarity: a.similarity,
    candidate_person_id: a.candidatePersonId,
    rejected: [...a.rejected],
    version: uint('appearance version', a.version),
    deleted: a.deleted ? 1 : 0,
  };
}

const COLUMNS = `source_id, appearance_id, person_id,
  toUnixTimestamp64Milli(start_ts) AS start_ms,
  toUnixTimestamp64Milli(end_ts) AS end_ms,
  faces, good_faces, quality,
  toUnixTimestamp64Milli(best_ts) AS best_ms,
  best_box, media, crop, assignment, similarity, candidate_person_id, rejected, version, deleted`;

/**
 * Live appearances, oldest first (by start, source, id). Embeddings are selected only when asked
 * for: 128–512 floats a row is most of a row's bytes. `keys` is one batch (≤ KEYS_BATCH).
 */
export function selectAppearances(
  q: Omit<AppearanceQuery, 'signal' | 'keys'> & { readonly keys?: readonly AppearanceKey[] | undefined },
): SqlQuery {
  const keys = q.keys;
  const w = where([
    ['deleted = 0', {}],
    eq('source_id', 'sid', q.sourceId),
    eq('person_id', 'pid', q.personId),
    eq('assignment', 'asg', q.assignment),
    keys === undefined
      ? null
      : [
          'has(arrayZip({ksid:Array(String)}, {kaid:Array(UInt32)}), (source_id, appearance_id))',
          { ksid: keys.map((k) => k.sourceId), kaid: keys.map((k) => k.appearanceId) },
        ],
  ]);
  const params: Record<string, unknown> = { ...w.params };
  let limit = '';
  if (q.limit !== undefined) {
    limit = 'LIMIT {limit:UInt32}';
    params.limit = Math.max(0, Math.floor(q.limit));
  }
  return {
    sql: `SELECT ${COLUMNS}${q.withEmbedding === true ? ', embedding' : ''}
      FROM appearances FINAL ${w.sql}
      ORDER BY start_ms, source_id, appearance_id ${limit}`,
    params,
  };
}

export interface AppearanceSelectRow {
  source_id: string;
  appearance_id: number;
  person_id: string;
  start_ms: number | string;
  end_ms: number | string;
  faces: number;
  good_faces: number;
  quality: number;
  best_ms: number | string;
  best_box: number[];
  media: string;
  crop: string;
  assignment: string;
  similarity: number;
  candidate_person_id: string;
  rejected: string[];
  version: number | string;
  deleted: number;
  embedding?: number[];
}

export function toStoredAppearance(r: AppearanceSelectRow): StoredAppearance {
  return {
    sourceId: r.source_id,
    appearanceId: Number(r.appearance_id),
    personId: r.person_id,
    startTs: fromMs(r.start_ms),
    endTs: fromMs(r.end_ms),
    faces: Number(r.faces),
    goodFaces: Number(r.good_faces),
    quality: Number(r.quality),
    bestTs: fromMs(r.best_ms),
    bestBox: toBox(r.best_box),
    media: r.media,
    crop: r.crop,
    embedding: Float32Array.from(r.embedding ?? [], Number),
    // Stored from an AppearanceRecord, so the string is a member of the union.
    assignment: r.assignment as AppearanceAssignment,
    similarity: Number(r.similarity),
    candidatePersonId: r.candidate_person_id,
    rejected: r.rejected,
    version: Number(r.version),
    deleted: Number(r.deleted) !== 0,
  };
}

/** Orders appearances as selectAppearances does (to merge batches). */
export function compareAppearances(a: StoredAppearance, b: StoredAppearance): number {
  if (a.startTs !== b.startTs) return a.startTs - b.startTs;
  if (a.sourceId !== b.sourceId) return a.sourceId < b.sourceId ? -1 : 1;
  return a.appearanceId - b.appearanceId;
}

/**
 * Exact nearest neighbours by cosine similarity (a brute-force scan, which honours FINAL and the
 * filters exactly). Rows with another dimension (or no embedding) are skipped, as is a zero
 * vector, whose cosine distance is NaN. Ties order by key, so results are stable.
 */
export function similarAppearances(q: {
  readonly embedding: readonly number[];
  readonly k: number;
  readonly minSimilarity?: number | undefined;
}): SqlQuery {
  const params: Record<string, unknown> = {
    q: q.embedding,
    dim: q.embedding.length,
    k: Math.max(0, Math.floor(q.k)),
  };
  let min = '';
  if (q.minSimilarity !== undefined) {
    min = 'AND similarity >= {min:Float64}';
    params.min = q.minSimilarity;
  }
  return {
    sql: `SELECT source_id, appearance_id, person_id,
        1 - cosineDistance(embedding, {q:Array(Float32)}) AS similarity
      FROM appearances FINAL
      WHERE deleted = 0 AND length(embedding) = {dim:UInt32} AND isFinite(similarity) ${min}
      ORDER BY similarity DESC, source_id, appearance_id
      LIMIT {k:UInt32}`,
    params,
  };
}

export interface SimilarSelectRow {
  source_id: string;
  appearance_id: number;
  person_id: string;
  similarity: number;
}

export function toSimilarAppearance(r: SimilarSelectRow): SimilarAppearance {
  return {
    sourceId: r.source_id,
    appearanceId: Number(r.appearance_id),
    personId: r.person_id,
    similarity: Number(r.similarity),
  };
}

/** Per-person aggregates over live, assigned appearances, computed in ClickHouse. */
export function personStats(): SqlQuery {
  return {
    sql: `SELECT person_id, count() AS appearances,
        sum(greatest(toUnixTimestamp64Milli(end_ts) - toUnixTimestamp64Milli(start_ts), 0)) AS screen_ms,
        uniqExact(source_id) AS sources, countIf(media != '') AS stills,
        min(toUnixTimestamp64Milli(start_ts)) AS first_ms, max(toUnixTimestamp64Milli(end_ts)) AS last_ms
      FROM appearances FINAL
      WHERE deleted = 0 AND person_id != ''
      GROUP BY person_id
      ORDER BY person_id`,
    params: {},
  };
}

export interface PersonStatsRow {
  person_id: string;
  appearances: number | string;
  screen_ms: number | string;
  sources: number | string;
  stills: number | string;
  first_ms: number | string;
  last_ms: number | string;
}

export function toPersonStats(r: PersonStatsRow): PersonStats {
  return {
    personId: r.person_id,
    appearances: Number(r.appearances),
    screenMs: Number(r.screen_ms),
    sources: Number(r.sources),
    stills: Number(r.stills),
    firstTs: fromMs(r.first_ms),
    lastTs: fromMs(r.last_ms),
  };
}
