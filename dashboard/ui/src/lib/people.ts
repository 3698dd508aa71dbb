// People pages' pure parts: durations, appearance times and keys, correction texts, timeline lanes.
import type { AppearanceView, PersonEventView, PersonView, SourceView } from '../../../src/protocol.ts';
import { formatSourceTime } from './format.ts';

/** Screen time: "4.2 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1).replace(/\.0$/, '') : Math.round(s)} s`;
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h} h ${pad(m)} min` : `${m} min ${pad(total % 60)} s`;
}

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Screen time, or the images a person is in when it was only seen in stills (which last no time). */
export function seenFor(p: Pick<PersonView, 'screenMs' | 'stills'>): string {
  if (p.screenMs > 0 || p.stills === 0) {
    const time = formatDuration(p.screenMs);
    return p.stills > 0 ? `${time} · ${plural(p.stills, 'image')}` : time;
  }
  return plural(p.stills, 'image');
}

/** "3 appearances · 12 s · 2 sources" (images instead of time for photos). */
export function personCounts(p: Pick<PersonView, 'appearances' | 'screenMs' | 'stills' | 'sources'>): string {
  return `${plural(p.appearances, 'appearance')} · ${seenFor(p)} · ${plural(p.sources, 'source')}`;
}

export const appearanceKey = (a: { sourceId: string; appearanceId: number }): string =>
  `${a.sourceId}/${a.appearanceId}`;

export function parseAppearanceKey(k: string): { sourceId: string; appearanceId: number } | null {
  const i = k.lastIndexOf('/');
  const id = k.slice(i + 1);
  return i > 0 && /^\d+$/.test(id) ? { sourceId: k.slice(0, i), appearanceId: Number(id) } : null;
}

type SourceTime = Pick<SourceView, 'live' | 'epochMs'>;

/** When an appearance was, on its source's own axis: "0:05.2 – 0:09.8" (media time), or a clock. */
export function appearanceTime(
  a: Pick<AppearanceView, 'startTs' | 'endTs'>,
  src: SourceTime | undefined,
): string {
  if (!src) return '';
  const start = formatSourceTime(src, a.startTs);
  const end = formatSourceTime(src, a.endTs);
  return start === end ? start : `${start} – ${end}`;
}

/** Video moments can be played back; a face in an image of a folder cannot. */
export function canPlay(
  a: Pick<AppearanceView, 'media'>,
  src: Pick<SourceView, 'kind'> | undefined,
): boolean {
  return a.media === '' && src !== undefined && src.kind !== 'images';
}

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
const count = (v: unknown): number => (Array.isArray(v) ? v.length : 0);
const quoted = (name: string): string => `“${name}”`;

/** One line for a correction or automatic event, as it reads from this person's dossier. */
export function describeEvent(e: Pick<PersonEventView, 'kind' | 'detail'>, self: string): string {
  const d = e.detail;
  switch (e.kind) {
    case 'create':
      if (d.splitFrom)
        return `Created by splitting ${plural(count(d.appearances), 'appearance')} off ${str(d.splitFrom)}`;
      if (d.movedFrom !== undefined)
        return `Created for appearance ${str(d.appearance)} (moved from ${str(d.movedFrom) || 'nobody'})`;
      if (d.undoAutoFrom)
        return `Created for appearance ${str(d.appearance)}, taken from ${str(d.undoAutoFrom)}`;
      if (d.maybe) return `Created for a face that may be ${str(d.maybe)}`;
      return 'Created for a new face';
    case 'rename': {
      const from = str(d.from);
      const to = str(d.to);
      const via = d.via === 'merge' ? ' (by a merge)' : '';
      if (from === '') return `Named ${quoted(to)}${via}`;
      if (to === '') return `Name ${quoted(from)} removed${via}`;
      return `Renamed ${quoted(from)} → ${quoted(to)}${via}`;
    }
    case 'merge':
      return str(d.into) === self
        ? `${str(d.from)} merged in (${plural(count(d.appearances), 'appearance')})`
        : `Merged into ${str(d.into)}`;
    case 'split':
      return `${plural(count(d.appearances), 'appearance')} split off into ${str(d.into)}`;
    case 'move':
      return str(d.to) === self
        ? `Appearance ${str(d.appearance)} moved here from ${str(d.from) || 'nobody'}`
        : `Appearance ${str(d.appearance)} moved to ${str(d.to)}`;
    case 'undo-auto':
      return `Appearance ${str(d.appearance)}: not this person (now ${str(d.to)})`;
    case 'confirm':
      return `Appearance ${str(d.appearance)} confirmed as this person`;
    case 'reject':
      return `Appearance ${str(d.appearance)} is not ${str(d.notPerson)}`;
    default:
      return e.kind;
  }
}

/** One mark on a lane: where an appearance sits within its source's span, in percent. */
export interface LaneMark {
  readonly key: string;
  readonly left: number;
  readonly width: number;
}

export interface Lane {
  readonly sourceId: string;
  readonly from: number;
  readonly to: number;
  readonly marks: LaneMark[];
}

/**
 * The appearances timeline: one lane per source (in order of first appearance), each spanning the
 * source's known range, widened to cover every appearance.
 */
export function appearanceLanes(
  appearances: readonly Pick<AppearanceView, 'sourceId' | 'appearanceId' | 'startTs' | 'endTs'>[],
  rangeOf: (sourceId: string) => { from: number; to: number } | null,
): Lane[] {
  const bySource = new Map<string, (typeof appearances)[number][]>();
  for (const a of appearances) {
    const list = bySource.get(a.sourceId);
    if (list) list.push(a);
    else bySource.set(a.sourceId, [a]);
  }
  const lanes: Lane[] = [];
  for (const [sourceId, list] of bySource) {
    const known = rangeOf(sourceId);
    let from = known?.from ?? Infinity;
    let to = known?.to ?? -Infinity;
    for (const a of list) {
      from = Math.min(from, a.startTs);
      to = Math.max(to, a.endTs);
    }
    // A single still has no extent: give the lane one second around it.
    if (to - from < 1000) to = from + 1000;
    const span = to - from;
    const marks = list.map((a) => ({
      key: appearanceKey(a),
      left: ((a.startTs - from) / span) * 100,
      width: (Math.max(0, a.endTs - a.startTs) / span) * 100,
    }));
    lanes.push({ sourceId, from, to, marks });
  }
  return lanes;
}

/** A shot as a band of a strip over [from, to): position and width in percent. */
export interface ShotBand<T> {
  readonly shot: T;
  readonly left: number;
  readonly width: number;
}

export function shotBands<T extends { startTs: number; endTs: number }>(
  shots: readonly T[],
  from: number,
  to: number,
): ShotBand<T>[] {
  const span = to - from;
  if (!(span > 0)) return [];
  const out: ShotBand<T>[] = [];
  for (const shot of shots) {
    const a = Math.max(from, shot.startTs);
    const b = Math.min(to, shot.endTs);
    if (b <= a) continue;
    out.push({ shot, left: ((a - from) / span) * 100, width: ((b - a) / span) * 100 });
  }
  return out;
}
