import * as app from './appearances-sql.ts';
import type { Driver, TableName } from './driver.ts';
import * as faces from './faces-sql.ts';
import type { StoredAppearance } from './people-types.ts';
import * as persons from './persons-sql.ts';
import * as shots from './shots-sql.ts';
import type { Store } from './types.ts';
import { finiteArray } from './values.ts';

/** Runs a call under the store's lifecycle (rejects once closed; close() waits for it). */
type Run = <T>(fn: () => Promise<T>) => Promise<T>;

export type PeopleMethods = Pick<
  Store,
  | 'insertFaces'
  | 'listFaces'
  | 'upsertAppearances'
  | 'listAppearances'
  | 'upsertPersons'
  | 'listPersons'
  | 'getPerson'
  | 'personStats'
  | 'insertPersonEvents'
  | 'listPersonEvents'
  | 'similarAppearances'
  | 'maxPersonSeq'
  | 'insertShots'
  | 'listShots'
>;

/** The people and shots part of the Store (migration v4), over the same Driver and lifecycle. */
export function createPeopleMethods(driver: Driver, run: Run): PeopleMethods {
  // Rows are mapped inside run(): a bad value rejects the call before anything is sent.
  function insert<R>(table: TableName, rows: readonly R[], map: (r: R) => object): Promise<void> {
    return run(async () => {
      if (rows.length > 0) await driver.insert(table, rows.map(map));
    });
  }

  async function appearances(q: Parameters<Store['listAppearances']>[0] = {}): Promise<StoredAppearance[]> {
    const { signal, keys, ...f } = q;
    if (keys === undefined) {
      return (await driver.query<app.AppearanceSelectRow>(app.selectAppearances(f), signal)).map(
        app.toStoredAppearance,
      );
    }
    // Many keys: one statement per batch, merged in the statements' order, limit applied last.
    const out: StoredAppearance[] = [];
    for (let i = 0; i < keys.length; i += app.KEYS_BATCH) {
      const batch = keys.slice(i, i + app.KEYS_BATCH);
      const rows = await driver.query<app.AppearanceSelectRow>(
        app.selectAppearances({ ...f, keys: batch }),
        signal,
      );
      out.push(...rows.map(app.toStoredAppearance));
    }
    if (keys.length > app.KEYS_BATCH) out.sort(app.compareAppearances);
    return f.limit === undefined ? out : out.slice(0, Math.max(0, Math.floor(f.limit)));
  }

  return {
    insertFaces: (rows) => insert('faces', rows, faces.faceRow),
    listFaces: ({ signal, limit, ...f }) =>
      run(async () =>
        (
          await driver.query<faces.FaceSelectRow>(faces.selectFaces({ ...f, limit: limit ?? 10_000 }), signal)
        ).map(faces.toFaceWithPerson),
      ),
    upsertAppearances: (rows) => insert('appearances', rows, app.appearanceRow),
    listAppearances: (q) => run(() => appearances(q)),
    upsertPersons: (rows) => insert('persons', rows, persons.personRow),
    listPersons: (q = {}) =>
      run(async () =>
        (
          await driver.query<persons.PersonSelectRow>(
            persons.selectPersons(q.includeDeleted === true),
            q.signal,
          )
        ).map(persons.toPersonRecord),
      ),
    getPerson: (id, signal) =>
      run(async () => {
        const [row] = await driver.query<persons.PersonSelectRow>(persons.selectPerson(id), signal);
        return row === undefined ? null : persons.toPersonRecord(row);
      }),
    personStats: (signal) =>
      run(async () =>
        (await driver.query<app.PersonStatsRow>(app.personStats(), signal)).map(app.toPersonStats),
      ),
    insertPersonEvents: (rows) => insert('person_events', rows, persons.personEventRow),
    listPersonEvents: (personId, signal) =>
      run(async () =>
        (await driver.query<persons.PersonEventSelectRow>(persons.selectPersonEvents(personId), signal)).map(
          persons.toPersonEventRecord,
        ),
      ),
    similarAppearances: ({ signal, embedding, ...q }) =>
      run(async () => {
        const query = finiteArray('query embedding', embedding);
        if (query.length === 0 || q.k < 1) return [];
        const rows = await driver.query<app.SimilarSelectRow>(
          app.similarAppearances({ ...q, embedding: query }),
          signal,
        );
        return rows.map(app.toSimilarAppearance);
      }),
    maxPersonSeq: (signal) =>
      run(async () => {
        const [row] = await driver.query<{ seq: number | string | null }>(persons.maxPersonSeq(), signal);
        return Number(row?.seq ?? 0);
      }),
    insertShots: (rows) => insert('shots', rows, shots.shotRow),
    listShots: ({ signal, ...f }) =>
      run(async () =>
        (await driver.query<shots.ShotSelectRow>(shots.selectShots(f), signal)).map(shots.toShotRecord),
      ),
  };
}
