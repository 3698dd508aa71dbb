// Which speaker said a transcript segment: the one whose turns overlap it most. Pure.
import type { Span } from './changes.ts';

export interface SpeakerSpan extends Span {
  readonly speakerId: string;
}

export interface SegmentSpeaker {
  /** '' when no turn overlaps the segment. */
  readonly speakerId: string;
  /** ms of the segment covered by that speaker's turns. */
  readonly overlapMs: number;
  /** ms of the segment covered by any turn. */
  readonly coveredMs: number;
}

/** The speaker with the most overlap (ties: the earlier turn's speaker). */
export function speakerForSegment(segment: Span, turns: readonly SpeakerSpan[]): SegmentSpeaker {
  const by = new Map<string, number>();
  let covered = 0;
  let best = '';
  let bestMs = 0;
  for (const t of turns) {
    const ov = Math.min(segment.endTs, t.endTs) - Math.max(segment.startTs, t.startTs);
    if (!(ov > 0)) continue;
    covered += ov;
    const ms = (by.get(t.speakerId) ?? 0) + ov;
    by.set(t.speakerId, ms);
    if (ms > bestMs) [best, bestMs] = [t.speakerId, ms];
  }
  return { speakerId: best, overlapMs: bestMs, coveredMs: covered };
}
