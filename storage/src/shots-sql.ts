// SQL and row mapping for the `shots` table (migration v4, append-only). A shot covers the
// half-open [start_ts, end_ts). Values travel only in `params`.
import type { SqlQuery } from './driver.ts';
import type { ShotRecord } from './people-types.ts';
import { eq, time, where } from './sql.ts';
import { fromMs, toDateTime64 } from './time.ts';
import { finiteArray, uint } from './values.ts';

export function shotRow(s: ShotRecord): object {
  const palette = finiteArray('shot palette', s.palette);
  for (const c of palette) uint('palette colour', c);
  return {
    source_id: s.sourceId,
    shot_index: uint('shot index', s.index),
    start_ts: toDateTime64(s.startTs),
    end_ts: toDateTime64(s.endTs),
    keyframe_ts: toDateTime64(s.keyframeTs),
    cut_score: s.cutScore,
    palette,
    sharpness: s.sharpness,
    exposure_mean: s.exposure.mean,
    exposure_clipped_low: s.exposure.clippedLow,
    exposure_clipped_high: s.exposure.clippedHigh,
  };
}

/** Shots of one source overlapping [from, to) (end > from and start < to), in order. */
export function selectShots(f: {
  readonly sourceId: string;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}): SqlQuery {
  const w = where([
    eq('source_id', 'sid', f.sourceId),
    time('end_ts > ?', 'from', f.from),
    time('start_ts < ?', 'to', f.to),
  ]);
  return {
    sql: `SELECT source_id, shot_index,
        toUnixTimestamp64Milli(start_ts) AS start_ms,
        toUnixTimestamp64Milli(end_ts) AS end_ms,
        toUnixTimestamp64Milli(keyframe_ts) AS keyframe_ms,
        cut_score, palette, sharpness, exposure_mean, exposure_clipped_low, exposure_clipped_high
      FROM shots ${w.sql}
      ORDER BY start_ms, shot_index`,
    params: w.params,
  };
}

export interface ShotSelectRow {
  source_id: string;
  shot_index: number;
  start_ms: number | string;
  end_ms: number | string;
  keyframe_ms: number | string;
  cut_score: number;
  palette: number[];
  sharpness: number;
  exposure_mean: number;
  exposure_clipped_low: number;
  exposure_clipped_high: number;
}

export function toShotRecord(r: ShotSelectRow): ShotRecord {
  return {
    sourceId: r.source_id,
    index: Number(r.shot_index),
    startTs: fromMs(r.start_ms),
    endTs: fromMs(r.end_ms),
    keyframeTs: fromMs(r.keyframe_ms),
    cutScore: Number(r.cut_score),
    palette: r.palette.map(Number),
    sharpness: Number(r.sharpness),
    exposure: {
      mean: Number(r.exposure_mean),
      clippedLow: Number(r.exposure_clipped_low),
      clippedHigh: Number(r.exposure_clipped_high),
    },
  };
}
