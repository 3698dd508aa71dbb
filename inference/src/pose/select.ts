// Which detections get a pose: tracked people, biggest first (the closest and clearest), capped.
import type { Box } from './geometry.ts';
import type { PersonBox } from './estimator.ts';

export interface DetectionLike {
  readonly label: string;
  readonly box: Box;
  readonly trackId: number;
}

/** Detections of `labels` with a confirmed track (trackId > 0), by box area descending, at most `max`. */
export function selectPersons(
  detections: readonly DetectionLike[],
  max: number,
  labels: readonly string[] = ['person'],
): PersonBox[] {
  const area = (b: Box): number => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
  return detections
    .filter((d) => d.trackId > 0 && labels.includes(d.label))
    .sort((a, b) => area(b.box) - area(a.box))
    .slice(0, Math.max(0, max))
    .map((d) => ({ trackId: d.trackId, box: d.box }));
}
