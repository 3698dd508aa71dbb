// Lanes of the audio timeline: spans (speech, sound events) placed as percentages of a time range,
// one lane for speech and one per sound class. Pure, for the lane component and its tests.

export interface Span {
  readonly key: string;
  readonly startTs: number;
  /** null: still going on (drawn up to `to`). */
  readonly endTs: number | null;
  readonly label: string;
  readonly score: number;
}

export interface LaneMark {
  readonly key: string;
  readonly startTs: number;
  readonly endTs: number | null;
  /** Percent of the range. */
  readonly left: number;
  readonly width: number;
  readonly score: number;
}

export interface Lane {
  /** Unique among lanes: the VAD's speech lane and a sound class called speech are two lanes. */
  readonly key: string;
  readonly label: string;
  readonly marks: LaneMark[];
}

/** Marks of the spans that overlap [from, to), clipped to it, in start order. */
export function laneMarks(spans: readonly Span[], from: number, to: number): LaneMark[] {
  const len = to - from;
  if (!(len > 0)) return [];
  const out: LaneMark[] = [];
  for (const s of spans) {
    const end = s.endTs ?? to;
    if (end < from || s.startTs >= to) continue;
    const a = Math.max(from, s.startTs);
    const b = Math.min(to, Math.max(end, a));
    out.push({
      key: s.key,
      startTs: s.startTs,
      endTs: s.endTs,
      left: ((a - from) / len) * 100,
      width: ((b - a) / len) * 100,
      score: s.score,
    });
  }
  return out.sort((x, y) => x.left - y.left);
}

/** A 'speech' lane (when there is any speech) and one lane per sound class, classes sorted. */
export function audioLanes(
  speech: readonly Span[],
  events: readonly Span[],
  from: number,
  to: number,
): Lane[] {
  const lanes: Lane[] = [];
  const speechMarks = laneMarks(speech, from, to);
  if (speechMarks.length > 0) lanes.push({ key: 'vad', label: 'speech', marks: speechMarks });
  const byLabel = new Map<string, Span[]>();
  for (const e of events) {
    const list = byLabel.get(e.label);
    if (list) list.push(e);
    else byLabel.set(e.label, [e]);
  }
  for (const label of [...byLabel.keys()].sort()) {
    const marks = laneMarks(byLabel.get(label)!, from, to);
    if (marks.length > 0) lanes.push({ key: `sound:${label}`, label, marks });
  }
  return lanes;
}

/** Stored rows as spans: speech (VAD) spans and sound events. */
export function speechSpans(
  rows: readonly { startTs: number; endTs: number; probability: number }[],
): Span[] {
  return rows.map((r, i) => ({
    key: `sp-${i}`,
    startTs: r.startTs,
    endTs: r.endTs,
    label: 'speech',
    score: r.probability,
  }));
}

export function eventSpans(
  rows: readonly { eventId: string; label: string; startTs: number; endTs: number; peakScore: number }[],
): Span[] {
  return rows.map((r) => ({
    key: r.eventId,
    startTs: r.startTs,
    endTs: r.endTs,
    label: r.label,
    score: r.peakScore,
  }));
}

/** Where `ts` lies in [from, to), in percent (null outside). */
export function cursorPercent(ts: number | null, from: number, to: number): number | null {
  if (ts === null || !(to > from) || ts < from || ts > to) return null;
  return ((ts - from) / (to - from)) * 100;
}
