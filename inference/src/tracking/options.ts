import { InferenceError } from '../errors.ts';
import type { TrackerOptions } from './types.ts';

export type ResolvedTrackerOptions = Readonly<Required<TrackerOptions>>;

// ByteTrack's published defaults, except minHits (ByteTrack confirms on the second match, the same)
// and the time-based loss, which replaces its 30-frame buffer because live sources drop frames.
const DEFAULTS: ResolvedTrackerOptions = Object.freeze({
  highThreshold: 0.5,
  lowThreshold: 0.1,
  newTrackThreshold: 0.6,
  matchIouThreshold: 0.2,
  lowMatchIouThreshold: 0.5,
  minHits: 2,
  maxLostMs: 2000,
  scoreHistory: 64,
});

const UNIT_KEYS = [
  'highThreshold',
  'lowThreshold',
  'newTrackThreshold',
  'matchIouThreshold',
  'lowMatchIouThreshold',
] as const;

/** Fills in defaults and rejects values that would make the tracker silently misbehave. */
export function resolveTrackerOptions(opts: TrackerOptions = {}): ResolvedTrackerOptions {
  const o: Required<TrackerOptions> = { ...DEFAULTS };
  for (const [key, value] of Object.entries(opts) as [keyof TrackerOptions, number | undefined][]) {
    if (value !== undefined && key in DEFAULTS) o[key] = value;
  }
  for (const key of UNIT_KEYS) {
    if (!(o[key] >= 0 && o[key] <= 1)) bad(key, 'a number in [0, 1]');
  }
  if (o.lowThreshold > o.highThreshold) bad('lowThreshold', 'at most highThreshold');
  if (!(Number.isInteger(o.minHits) && o.minHits >= 1)) bad('minHits', 'an integer >= 1');
  if (!(o.maxLostMs >= 0 && Number.isFinite(o.maxLostMs))) bad('maxLostMs', 'a finite number >= 0');
  if (!(Number.isInteger(o.scoreHistory) && o.scoreHistory >= 1)) bad('scoreHistory', 'an integer >= 1');
  return Object.freeze(o);
}

function bad(key: keyof TrackerOptions, expected: string): never {
  throw new InferenceError('INFER_BAD_CONFIG', `tracker option ${key} must be ${expected}`);
}
