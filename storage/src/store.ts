import type { Driver } from './driver.ts';
import { StoreError } from './errors.ts';
import { MIGRATIONS, migrate } from './migrations.ts';
import type { DetectionSelectRow, SourceSelectRow, TrackSelectRow, WindowSelectRow } from './rows.ts';
import {
  detectionRow,
  sourceRow,
  toDetectionRecord,
  toSourceRecord,
  toTrackRecord,
  toWindowRecord,
  trackRow,
  windowRow,
} from './rows.ts';
import { DEFAULT_MERGE_GAP_MS, mergeSegments } from './segments.ts';
import * as sql from './sql.ts';
import type { Store, TimelineSeries } from './types.ts';

interface TimelineRow {
  label: string;
  t: number | string;
  detections: number | string;
  tracks: number | string;
  max_score: number;
}

/**
 * The Store logic shared by both adapters, over a Driver. Owns the lifecycle: after close() every
 * call rejects with STORE_CLOSED, and close() waits for calls already running before it lets the
 * driver release the engine (closing chDB under a running query would abort the process).
 */
export function createDriverStore(driver: Driver): Store {
  const inflight = new Set<Promise<unknown>>();
  let closing: Promise<void> | null = null;

  function run<T>(fn: () => Promise<T>): Promise<T> {
    if (closing !== null) return Promise.reject(new StoreError('STORE_CLOSED', 'store is closed'));
    const p = fn();
    inflight.add(p);
    const forget = (): void => void inflight.delete(p);
    p.then(forget, forget);
    return p;
  }

  // Rows are mapped inside run(): a bad timestamp rejects the call before anything is sent.
  function insert<R>(
    table: 'windows' | 'detections' | 'tracks' | 'sources',
    rows: readonly R[],
    map: (r: R) => object,
  ) {
    return run(async () => {
      if (rows.length > 0) await driver.insert(table, rows.map(map));
    });
  }

  const store: Store = {
    kind: driver.kind,
    get closed() {
      return closing !== null;
    },
    migrate: (signal) => run(() => migrate(driver, MIGRATIONS, signal)),
    upsertSource: (source) => insert('sources', [source], sourceRow),
    getSource: (id, signal) =>
      run(async () => {
        const rows = await driver.query<SourceSelectRow>(sql.selectSource(id), signal);
        return rows[0] === undefined ? null : toSourceRecord(rows[0]);
      }),
    listSources: (signal) =>
      run(async () => (await driver.query<SourceSelectRow>(sql.selectSources(), signal)).map(toSourceRecord)),
    insertWindows: (rows) => insert('windows', rows, windowRow),
    listWindows: ({ signal, ...f }) =>
      run(async () =>
        (await driver.query<WindowSelectRow>(sql.selectWindows(f), signal)).map(toWindowRecord),
      ),
    insertDetections: (rows) => insert('detections', rows, detectionRow),
    insertTracks: (rows) => insert('tracks', rows, trackRow),
    listTracks: ({ signal, ...f }) =>
      run(async () => (await driver.query<TrackSelectRow>(sql.selectTracks(f), signal)).map(toTrackRecord)),
    listDetections: ({ signal, limit, ...f }) =>
      run(async () =>
        (
          await driver.query<DetectionSelectRow>(
            sql.selectDetections({ ...f, limit: limit ?? 10_000 }),
            signal,
          )
        ).map(toDetectionRecord),
      ),
    deleteSource: (id, signal) =>
      run(async () => {
        // Results first, the source row last: an interrupted delete leaves the source visible to retry.
        for (const table of sql.SOURCE_TABLES) await driver.exec(sql.deleteSourceRows(table, id), signal);
      }),
    countDetections: ({ signal, ...f }) =>
      run(async () => {
        const rows = await driver.query<{ n: number | string }>(sql.countDetections(f), signal);
        return Number(rows[0]?.n ?? 0);
      }),
    segments: (q) =>
      run(async () => {
        const filter = { sourceId: q.sourceId, label: q.label, from: q.from, to: q.to };
        const tracks = (await driver.query<TrackSelectRow>(sql.selectTracks(filter), q.signal)).map(
          toTrackRecord,
        );
        const merged = mergeSegments(tracks, q.mergeGapMs ?? DEFAULT_MERGE_GAP_MS);
        return q.limit === undefined ? merged : merged.slice(0, Math.max(0, q.limit));
      }),
    timeline: ({ signal, ...f }) =>
      run(async () => toSeries(await driver.query<TimelineRow>(sql.selectTimeline(f), signal))),
    labels: (sourceId, signal) =>
      run(async () =>
        (await driver.query<{ label: string }>(sql.selectLabels(sourceId), signal)).map((r) => r.label),
      ),
    close() {
      closing ??= (async () => {
        await Promise.allSettled([...inflight]);
        await driver.close();
      })();
      return closing;
    },
    [Symbol.asyncDispose]: () => store.close(),
  };
  return store;
}

/** Rows ordered by (label, second) → one column-oriented series per label. */
function toSeries(rows: readonly TimelineRow[]): TimelineSeries[] {
  const out: TimelineSeries[] = [];
  let i = 0;
  while (i < rows.length) {
    const label = rows[i]!.label;
    let j = i;
    while (j < rows.length && rows[j]!.label === label) j++;
    const n = j - i;
    const s = {
      label,
      t: new Float64Array(n),
      detections: new Float64Array(n),
      tracks: new Float64Array(n),
      maxScore: new Float64Array(n),
    };
    for (let k = 0; k < n; k++) {
      const r = rows[i + k]!;
      s.t[k] = Number(r.t);
      s.detections[k] = Number(r.detections);
      s.tracks[k] = Number(r.tracks);
      s.maxScore[k] = Number(r.max_score);
    }
    out.push(s);
    i = j;
  }
  return out;
}
