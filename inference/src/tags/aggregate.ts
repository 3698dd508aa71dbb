// Per-track, per-scope window aggregation of tag scores (pure): every observation of a track (or the
// frame) within one window adds its scores; when the window closes, a tag whose mean score reaches
// the category's threshold becomes one TagRow. Bounded: a group lives one window at most, and
// groups whose track stopped being seen are closed by `closeBefore`.
import type { TagCategory, TagRow, TagScope } from './records.ts';
import type { TagScore } from './prompts.ts';

export interface TagObservation {
  readonly trackId: number;
  readonly scope: TagScope;
  readonly ts: number;
  readonly scores: readonly TagScore[];
}

/** A closed window's kept tag (TagRow without the source, model and job fields). */
export type AggregatedTag = Omit<TagRow, 'sourceId' | 'modelId' | 'jobId'>;

export interface TagAggregatorOptions {
  readonly windowMs: number;
  /** Default threshold on the mean score. */
  readonly threshold: number;
  /** Per-category thresholds (the vocabulary's). */
  readonly thresholds?: Readonly<Partial<Record<TagCategory, number>>>;
  /** Most groups held at once (oldest closed first past it). */
  readonly maxGroups?: number;
}

interface Group {
  readonly trackId: number;
  readonly scope: TagScope;
  readonly window: number;
  readonly startTs: number;
  endTs: number;
  frames: number;
  readonly sums: Map<string, { category: TagCategory; tag: string; sum: number; max: number }>;
}

export interface TagAggregator {
  /** Adds one observation; returns the tags of windows it closed. */
  push(o: TagObservation): AggregatedTag[];
  /** Closes groups whose window ended at or before `ts` (tracks no longer seen). */
  closeBefore(ts: number): AggregatedTag[];
  /** Closes everything (end of input or a gap). */
  flush(): AggregatedTag[];
  readonly groups: number;
}

export function createTagAggregator(opts: TagAggregatorOptions): TagAggregator {
  const groups = new Map<string, Group>();
  const maxGroups = opts.maxGroups ?? 1024;
  const threshold = (c: TagCategory): number => opts.thresholds?.[c] ?? opts.threshold;

  const close = (g: Group): AggregatedTag[] => {
    const out: AggregatedTag[] = [];
    for (const s of g.sums.values()) {
      const mean = s.sum / g.frames;
      if (mean < threshold(s.category)) continue;
      out.push({
        trackId: g.trackId,
        scope: g.scope,
        category: s.category,
        tag: s.tag,
        score: round4(mean),
        maxScore: round4(s.max),
        startTs: g.startTs,
        endTs: g.endTs,
        frames: g.frames,
      });
    }
    return out;
  };

  const closeWhere = (pred: (g: Group) => boolean): AggregatedTag[] => {
    const out: AggregatedTag[] = [];
    for (const [k, g] of groups) {
      if (!pred(g)) continue;
      groups.delete(k);
      out.push(...close(g));
    }
    return out;
  };

  return {
    push(o) {
      const window = Math.floor(o.ts / opts.windowMs);
      const key = `${o.trackId}|${o.scope}`;
      const out: AggregatedTag[] = [];
      let g = groups.get(key);
      if (g && g.window !== window) {
        groups.delete(key);
        out.push(...close(g));
        g = undefined;
      }
      if (!g) {
        if (groups.size >= maxGroups) {
          const oldest = groups.keys().next().value as string;
          out.push(...close(groups.get(oldest) as Group));
          groups.delete(oldest);
        }
        g = {
          trackId: o.trackId,
          scope: o.scope,
          window,
          startTs: o.ts,
          endTs: o.ts,
          frames: 0,
          sums: new Map(),
        };
        groups.set(key, g);
      }
      g.frames++;
      g.endTs = Math.max(g.endTs, o.ts);
      for (const s of o.scores) {
        const k = `${s.category}|${s.tag}`;
        const acc = g.sums.get(k);
        if (acc) {
          acc.sum += s.score;
          acc.max = Math.max(acc.max, s.score);
        } else g.sums.set(k, { category: s.category, tag: s.tag, sum: s.score, max: s.score });
      }
      return out;
    },
    closeBefore(ts) {
      return closeWhere((g) => (g.window + 1) * opts.windowMs <= ts);
    },
    flush() {
      return closeWhere(() => true);
    },
    get groups() {
      return groups.size;
    },
  };
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
