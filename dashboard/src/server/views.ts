// Store records → wire views (protocol.ts). Conversions happen here, at the boundary, so the store's
// types can evolve without the API changing shape.
import type { DetectionRecord, Segment, TimelineSeries, TrackRecord } from '@aima/storage';
import type { DetectionView, SegmentView, TimelineView, TrackView } from '../protocol.ts';

export function detectionView(r: DetectionRecord): DetectionView {
  return {
    ts: r.ts,
    frameSeq: r.frameSeq,
    label: r.label,
    score: r.score,
    box: [r.x1, r.y1, r.x2, r.y2],
    trackId: r.trackId,
  };
}

export function trackView(r: TrackRecord): TrackView {
  const [x1, y1, x2, y2] = r.bestBox;
  return {
    sourceId: r.sourceId,
    trackId: r.trackId,
    label: r.label,
    startTs: r.startTs,
    endTs: r.endTs,
    frames: r.frames,
    score: r.score,
    bestTs: r.bestTs,
    bestBox: [x1, y1, x2, y2],
    ended: r.ended,
  };
}

export function segmentView(s: Segment): SegmentView {
  return {
    sourceId: s.sourceId,
    label: s.label,
    startTs: s.startTs,
    endTs: s.endTs,
    tracks: s.tracks,
    maxScore: s.maxScore,
  };
}

/** Spans up to this many seconds get every second on the axis; longer ones only seconds with data. */
export const DENSE_TIMELINE_MAX_S = 86_400;

/**
 * Aligns per-label series (each with its own seconds) on one shared `t` axis, zeros where a label
 * had nothing, which is the layout uPlot draws. A span up to a day is dense (every second, so
 * quiet stretches plot as zero rather than as a line bridging the gap); longer spans keep only the
 * seconds where something was seen, so the payload stays proportional to the data.
 */
export function timelineView(sourceId: string, series: readonly TimelineSeries[]): TimelineView {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    if (s.t.length === 0) continue;
    min = Math.min(min, s.t[0]!);
    max = Math.max(max, s.t[s.t.length - 1]!);
  }
  if (min > max) return { sourceId, t: [], series: {} };

  let t: number[];
  let indexOf: (sec: number) => number;
  if (max - min + 1 <= DENSE_TIMELINE_MAX_S) {
    t = Array.from({ length: max - min + 1 }, (_, i) => min + i);
    indexOf = (sec) => sec - min;
  } else {
    const all = new Set<number>();
    for (const s of series) for (const sec of s.t) all.add(sec);
    t = [...all].sort((a, b) => a - b);
    const pos = new Map(t.map((sec, i) => [sec, i]));
    indexOf = (sec) => pos.get(sec)!;
  }

  const out: TimelineView['series'] = {};
  for (const s of series) {
    const detections = new Array<number>(t.length).fill(0);
    const tracks = new Array<number>(t.length).fill(0);
    for (let k = 0; k < s.t.length; k++) {
      const i = indexOf(s.t[k]!);
      detections[i] = s.detections[k]!;
      tracks[i] = s.tracks[k]!;
    }
    out[s.label] = { detections, tracks };
  }
  return { sourceId, t, series: out };
}
