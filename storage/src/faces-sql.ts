// SQL and row mapping for the `faces` table (migration v4). As in sql.ts, values travel only in
// `params` as typed `{name:Type}` placeholders; the SQL text is constant fragments.
import type { SqlQuery } from './driver.ts';
import type { FaceRecord, FaceWithPerson } from './people-types.ts';
import { eq, time, where } from './sql.ts';
import { fromMs, toDateTime64 } from './time.ts';
import { finiteArray, toBox, uint } from './values.ts';

export function faceRow(f: FaceRecord): object {
  return {
    source_id: f.sourceId,
    ts: toDateTime64(f.ts),
    frame_seq: uint('frame sequence', f.frameSeq),
    face_track_id: uint('face track id', f.faceTrackId),
    person_track_id: uint('person track id', f.personTrackId),
    box: finiteArray('face box', f.box),
    score: f.score,
    quality: f.quality,
    good: f.good ? 1 : 0,
  };
}

export interface FaceFilter {
  readonly sourceId: string;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly limit: number;
}

/**
 * Faces of one source in [from, to), oldest first, each with the person of its appearance. The
 * appearances side is read FINAL (one current row per appearance, so the join cannot duplicate a
 * face) and without deleted rows; a face with no live appearance gets '' (LEFT JOIN default,
 * `join_use_nulls = 0`).
 */
export function selectFaces(f: FaceFilter): SqlQuery {
  const w = where([
    eq('f.source_id', 'sid', f.sourceId),
    time('f.ts >= ?', 'from', f.from),
    time('f.ts < ?', 'to', f.to),
  ]);
  return {
    sql: `SELECT f.source_id AS source_id, toUnixTimestamp64Milli(f.ts) AS ts_ms, f.frame_seq AS frame_seq,
        f.face_track_id AS face_track_id, f.person_track_id AS person_track_id, f.box AS box,
        f.score AS score, f.quality AS quality, f.good AS good, a.person_id AS person_id
      FROM faces AS f
      LEFT JOIN (
        SELECT appearance_id, person_id FROM appearances FINAL
        WHERE source_id = {sid:String} AND deleted = 0
      ) AS a ON f.face_track_id = a.appearance_id
      ${w.sql}
      ORDER BY ts_ms, face_track_id, frame_seq
      LIMIT {limit:UInt32}`,
    params: { ...w.params, limit: Math.max(0, Math.floor(f.limit)) },
  };
}

export interface FaceSelectRow {
  source_id: string;
  ts_ms: number | string;
  frame_seq: number;
  face_track_id: number;
  person_track_id: number;
  box: number[];
  score: number;
  quality: number;
  good: number;
  person_id: string;
}

export function toFaceWithPerson(r: FaceSelectRow): FaceWithPerson {
  return {
    sourceId: r.source_id,
    ts: fromMs(r.ts_ms),
    frameSeq: Number(r.frame_seq),
    faceTrackId: Number(r.face_track_id),
    personTrackId: Number(r.person_track_id),
    box: toBox(r.box),
    score: Number(r.score),
    quality: Number(r.quality),
    good: Number(r.good) !== 0,
    personId: r.person_id,
  };
}
