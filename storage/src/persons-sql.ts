// SQL and row mapping for `persons` (ReplacingMergeTree by id, highest version wins, read FINAL)
// and `person_events` (append-only history), migration v4. Values travel only in `params`.
import type { SqlQuery } from './driver.ts';
import type { PersonEventKind, PersonEventRecord, PersonRecord } from './people-types.ts';
import { fromMs, toDateTime64 } from './time.ts';
import { uint } from './values.ts';

export function personRow(p: PersonRecord): object {
  return {
    id: p.id,
    seq: uint('person seq', p.seq),
    name: p.name,
    created_at: toDateTime64(p.createdAt),
    updated_at: toDateTime64(p.updatedAt),
    merged_into: p.mergedInto,
    version: uint('person version', p.version),
    deleted: p.deleted ? 1 : 0,
  };
}

const PERSON_COLUMNS = `id, seq, name,
  toUnixTimestamp64Milli(created_at) AS created_ms,
  toUnixTimestamp64Milli(updated_at) AS updated_ms,
  merged_into, version, deleted`;

/** Current persons by seq; `deleted = 0` applies after FINAL, so a tombstone hides the person. */
export function selectPersons(includeDeleted: boolean): SqlQuery {
  return {
    sql: `SELECT ${PERSON_COLUMNS} FROM persons FINAL ${includeDeleted ? '' : 'WHERE deleted = 0'}
      ORDER BY seq, id`,
    params: {},
  };
}

/** The current row of one person, deleted or not (a merged person names its target). */
export function selectPerson(id: string): SqlQuery {
  return { sql: `SELECT ${PERSON_COLUMNS} FROM persons FINAL WHERE id = {id:String}`, params: { id } };
}

/** Over every row, tombstones included, so a deleted person's seq is never handed out again. */
export function maxPersonSeq(): SqlQuery {
  return { sql: 'SELECT max(seq) AS seq FROM persons', params: {} };
}

export interface PersonSelectRow {
  id: string;
  seq: number;
  name: string;
  created_ms: number | string;
  updated_ms: number | string;
  merged_into: string;
  version: number | string;
  deleted: number;
}

export function toPersonRecord(r: PersonSelectRow): PersonRecord {
  return {
    id: r.id,
    seq: Number(r.seq),
    name: r.name,
    createdAt: fromMs(r.created_ms),
    updatedAt: fromMs(r.updated_ms),
    mergedInto: r.merged_into,
    version: Number(r.version),
    deleted: Number(r.deleted) !== 0,
  };
}

export function personEventRow(e: PersonEventRecord): object {
  return {
    id: e.id,
    person_id: e.personId,
    ts: toDateTime64(e.ts),
    kind: e.kind,
    actor: e.actor,
    detail: e.detail,
  };
}

/** One person's history, oldest first. */
export function selectPersonEvents(personId: string): SqlQuery {
  return {
    sql: `SELECT id, person_id, toUnixTimestamp64Milli(ts) AS ts_ms, kind, actor, detail
      FROM person_events WHERE person_id = {pid:String}
      ORDER BY ts_ms, id`,
    params: { pid: personId },
  };
}

export interface PersonEventSelectRow {
  id: string;
  person_id: string;
  ts_ms: number | string;
  kind: string;
  actor: string;
  detail: string;
}

export function toPersonEventRecord(r: PersonEventSelectRow): PersonEventRecord {
  return {
    id: r.id,
    personId: r.person_id,
    ts: fromMs(r.ts_ms),
    // Stored from a PersonEventRecord, so the strings are members of these unions.
    kind: r.kind as PersonEventKind,
    actor: r.actor as PersonEventRecord['actor'],
    detail: r.detail,
  };
}
