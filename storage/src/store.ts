import type { Driver } from './driver.ts';
import { StoreError, isStoreError } from './errors.ts';
import { MIGRATIONS, migrate } from './migrations.ts';
import { createAudioMethods, insertAnalyzerRows } from './audio-store.ts';
import { createPeopleMethods } from './people-store.ts';
import { createGpuMethods } from './gpu-store.ts';
import { createPoseMethods } from './pose-store.ts';
import { createTagsMethods } from './tags-store.ts';
import { createGateMethods } from './gate-store.ts';
import { createSafetyMethods } from './safety-store.ts';
import { createJobMethods } from './jobs-store.ts';
import { createQueueMethods } from './queue-store.ts';
import { createWorkerMethods } from './workers-store.ts';
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
import * as rec from './recordings-sql.ts';
import type { RecordingSelectRow, UsageSelectRow } from './recordings-sql.ts';
import { DEFAULT_MERGE_GAP_MS, mergeSegments } from './segments.ts';
import * as sql from './sql.ts';
import { toDateTime64 } from './time.ts';
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
    table: 'windows' | 'detections' | 'tracks' | 'sources' | 'gaps',
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
    insertGaps: (rows) =>
      insert('gaps', rows, (g) => ({
        source_id: g.sourceId,
        start_ts: toDateTime64(g.startTs),
        end_ts: toDateTime64(g.endTs),
        reason: g.reason,
      })),
    listGaps: ({ signal, ...f }) =>
      run(async () =>
        (
          await driver.query<{
            source_id: string;
            start_ms: number | string;
            end_ms: number | string;
            reason: string;
          }>(sql.selectGaps(f), signal)
        ).map((r) => ({
          sourceId: r.source_id,
          startTs: Number(r.start_ms),
          endTs: Number(r.end_ms),
          reason: r.reason,
        })),
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
    insertRecordings: (rows) =>
      run(async () => {
        // Rows are mapped (and checked) before the first statement is sent.
        const statements = chunk(rows, rec.RECORDINGS_BATCH).map(rec.insertRecordings);
        try {
          for (const q of statements) await driver.exec(q);
        } catch (e) {
          // exec() reports a failed statement as a failed query; to callers this is an insert.
          if (!isStoreError(e, 'STORE_QUERY_FAILED')) throw e;
          throw new StoreError(
            'STORE_INSERT_FAILED',
            e.message.replace(/^statement/, 'insert into recordings'),
            {
              cause: e,
              ...(e.clickhouseCode === undefined ? {} : { clickhouseCode: e.clickhouseCode }),
            },
          );
        }
      }),
    listRecordings: ({ signal, ...f }) =>
      run(async () =>
        (await driver.query<RecordingSelectRow>(rec.selectRecordings(f), signal)).map(rec.toRecordingRecord),
      ),
    findRecording: (sourceId, ts, signal) =>
      run(async () => {
        const [row] = await driver.query<RecordingSelectRow>(rec.findRecording(sourceId, ts), signal);
        return row === undefined ? null : rec.toRecordingRecord(row);
      }),
    recordingUsage: (q = {}) =>
      run(async () => {
        const [row] = await driver.query<UsageSelectRow>(rec.recordingUsage(q.sourceId), q.signal);
        const oldest = row?.oldest_ms ?? null;
        return {
          segments: Number(row?.n ?? 0),
          bytes: Number(row?.bytes ?? 0),
          oldestTs: oldest === null ? null : Number(oldest),
        };
      }),
    deleteRecordings: (rows, signal) =>
      run(async () => {
        const bySource = new Map<string, string[]>();
        for (const r of rows) {
          const files = bySource.get(r.sourceId);
          if (files === undefined) bySource.set(r.sourceId, [r.file]);
          else files.push(r.file);
        }
        for (const [sourceId, files] of bySource) {
          for (const part of chunk(files, rec.RECORDINGS_BATCH)) {
            await driver.exec(rec.deleteRecordings(sourceId, part), signal);
          }
        }
      }),
    ...createPeopleMethods(driver, run),
    ...createAudioMethods(driver, run),
    ...createJobMethods(driver, run),
    ...createQueueMethods(driver, run),
    ...createWorkerMethods(driver, run),
    ...createGpuMethods(driver, run),
    ...createPoseMethods(driver, run),
    ...createTagsMethods(driver, run),
    ...createGateMethods(driver, run),
    ...createSafetyMethods(driver, run),
    insertAnalyzerRows: (table, rows) => insertAnalyzerRows(store, table, rows),
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

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
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
