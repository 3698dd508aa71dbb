// The poses and per-track pose features (issue 11, pose analyzer): part of migration v10.
// Rows may come from remote workers through insertAnalyzerRows as `unknown`: every field is checked.
import type { PoseFeatureRow, PoseRow, Posture } from '@aima/inference';
import { count, limitOf, num, str, ts } from './audio-sql.ts';
import type { Driver } from './driver.ts';
import { StoreError } from './errors.ts';
import type { Run } from './run.ts';
import { eq, time, where } from './sql.ts';
import { fromMs } from './time.ts';
import type { Store } from './types.ts';
import { finiteArray, toBox } from './values.ts';

/** DDL of this part of the schema (migration v10; see migrations.ts). */
export const POSE_DDL: readonly string[] = [
  // Append-only: one person's 17 keypoints (x, y, score flattened) on one analysed frame.
  `CREATE TABLE IF NOT EXISTS poses (
    source_id LowCardinality(String),
    ts DateTime64(3, 'UTC'),
    seq UInt64,
    track_id UInt64,
    box Array(Float32),
    keypoints Array(Float32),
    score Float32,
    model_id LowCardinality(String)
  ) ENGINE = MergeTree PARTITION BY toDate(ts) ORDER BY (source_id, ts, track_id)`,
  // Append-only: per track and window, posture and the restraint-relevant features.
  `CREATE TABLE IF NOT EXISTS pose_features (
    source_id LowCardinality(String),
    track_id UInt64,
    start_ts DateTime64(3, 'UTC'),
    end_ts DateTime64(3, 'UTC'),
    frames UInt32,
    posture LowCardinality(String),
    wrists_together Float32,
    wrists_behind_back Float32,
    arms_above_head Float32,
    motion_energy Float32,
    immobile_ms UInt64
  ) ENGINE = MergeTree PARTITION BY toDate(start_ts) ORDER BY (source_id, start_ts, track_id)`,
];

export type PoseRecord = PoseRow;
export type PoseFeatureRecord = PoseFeatureRow;

export interface PoseRangeQuery {
  readonly sourceId: string;
  /** epoch ms, inclusive / exclusive ([from, to) on ts, or on start_ts for features). */
  readonly fromTs?: number | undefined;
  readonly toTs?: number | undefined;
  readonly trackId?: number | undefined;
  /** Oldest first; at most this many (default 20 000). */
  readonly limit?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface PoseStoreMethods {
  insertPoses(rows: readonly PoseRecord[]): Promise<void>;
  insertPoseFeatures(rows: readonly PoseFeatureRecord[]): Promise<void>;
  listPoses(q: PoseRangeQuery): Promise<PoseRecord[]>;
  listPoseFeatures(q: PoseRangeQuery): Promise<PoseFeatureRecord[]>;
}

export const DEFAULT_POSE_LIMIT = 20_000;
const POSTURES: readonly Posture[] = ['standing', 'sitting', 'lying', 'unknown'];

function floats(what: string, v: unknown, n: number): number[] {
  if (!Array.isArray(v) || v.length !== n)
    throw new StoreError('STORE_QUERY_FAILED', `invalid ${what}: expected ${n} numbers`);
  return finiteArray(what, v as number[]);
}

function poseRow(r: PoseRecord): object {
  return {
    source_id: str('sourceId', r.sourceId),
    ts: ts('ts', r.ts),
    seq: count('seq', r.seq),
    track_id: count('trackId', r.trackId),
    box: floats('box', r.box, 4),
    keypoints: floats('keypoints', r.keypoints, 51),
    score: num('score', r.score),
    model_id: str('modelId', r.modelId),
  };
}

function featureRow(r: PoseFeatureRecord): object {
  if (!POSTURES.includes(r.posture))
    throw new StoreError('STORE_QUERY_FAILED', `invalid posture: ${String(r.posture)}`);
  return {
    source_id: str('sourceId', r.sourceId),
    track_id: count('trackId', r.trackId),
    start_ts: ts('startTs', r.startTs),
    end_ts: ts('endTs', r.endTs),
    frames: count('frames', r.frames),
    posture: r.posture,
    wrists_together: num('wristsTogether', r.wristsTogether),
    wrists_behind_back: num('wristsBehindBack', r.wristsBehindBack),
    arms_above_head: num('armsAboveHead', r.armsAboveHead),
    motion_energy: num('motionEnergy', r.motionEnergy),
    immobile_ms: count('immobileMs', r.immobileMs),
  };
}

interface PoseSelectRow {
  source_id: string;
  ts_ms: number | string;
  seq: number | string;
  track_id: number | string;
  box: number[];
  keypoints: number[];
  score: number;
  model_id: string;
}

interface FeatureSelectRow {
  source_id: string;
  track_id: number | string;
  start_ms: number | string;
  end_ms: number | string;
  frames: number;
  posture: string;
  wrists_together: number;
  wrists_behind_back: number;
  arms_above_head: number;
  motion_energy: number;
  immobile_ms: number | string;
}

function range(col: string, q: PoseRangeQuery) {
  return where([
    eq('source_id', 'sid', q.sourceId),
    time(`${col} >= ?`, 'from', q.fromTs),
    time(`${col} < ?`, 'to', q.toTs),
    q.trackId === undefined ? null : ['track_id = {tid:UInt64}', { tid: q.trackId }],
  ]);
}

export function createPoseMethods(driver: Driver, run: Run): PoseStoreMethods {
  return {
    insertPoses: (rows) =>
      run(async () => {
        if (rows.length > 0) await driver.insert('poses', rows.map(poseRow));
      }),
    insertPoseFeatures: (rows) =>
      run(async () => {
        if (rows.length > 0) await driver.insert('pose_features', rows.map(featureRow));
      }),
    listPoses: (q) =>
      run(async () => {
        const w = range('ts', q);
        const rows = await driver.query<PoseSelectRow>(
          {
            sql: `SELECT source_id, toUnixTimestamp64Milli(ts) AS ts_ms, seq, track_id, box, keypoints, score, model_id
                  FROM poses ${w.sql} ORDER BY ts, track_id LIMIT {limit:UInt32}`,
            params: { ...w.params, limit: limitOf(q.limit, DEFAULT_POSE_LIMIT) },
          },
          q.signal,
        );
        return rows.map((r) => ({
          sourceId: r.source_id,
          ts: fromMs(r.ts_ms),
          seq: Number(r.seq),
          trackId: Number(r.track_id),
          box: toBox(r.box),
          keypoints: r.keypoints.map(Number),
          score: Number(r.score),
          modelId: r.model_id,
        }));
      }),
    listPoseFeatures: (q) =>
      run(async () => {
        const w = range('start_ts', q);
        const rows = await driver.query<FeatureSelectRow>(
          {
            sql: `SELECT source_id, track_id, toUnixTimestamp64Milli(start_ts) AS start_ms,
                    toUnixTimestamp64Milli(end_ts) AS end_ms, frames, posture, wrists_together,
                    wrists_behind_back, arms_above_head, motion_energy, immobile_ms
                  FROM pose_features ${w.sql} ORDER BY start_ts, track_id LIMIT {limit:UInt32}`,
            params: { ...w.params, limit: limitOf(q.limit, DEFAULT_POSE_LIMIT) },
          },
          q.signal,
        );
        return rows.map((r) => ({
          sourceId: r.source_id,
          trackId: Number(r.track_id),
          startTs: fromMs(r.start_ms),
          endTs: fromMs(r.end_ms),
          frames: Number(r.frames),
          posture: (POSTURES.includes(r.posture as Posture) ? r.posture : 'unknown') as Posture,
          wristsTogether: Number(r.wrists_together),
          wristsBehindBack: Number(r.wrists_behind_back),
          armsAboveHead: Number(r.arms_above_head),
          motionEnergy: Number(r.motion_energy),
          immobileMs: Number(r.immobile_ms),
        }));
      }),
  };
}

/** Tables of this part an analyzer may emit rows for (insertAnalyzerRows), and the method storing each. */
export const POSE_INSERTERS = {
  poses: (s: Store, rows: readonly unknown[]) => s.insertPoses(rows as readonly PoseRecord[]),
  pose_features: (s: Store, rows: readonly unknown[]) =>
    s.insertPoseFeatures(rows as readonly PoseFeatureRecord[]),
} satisfies Record<string, (s: Store, rows: readonly unknown[]) => Promise<void>>;
