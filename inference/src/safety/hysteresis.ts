// Hysteresis of one rule: a Schmitt trigger on the score (onScore to start, offScore to hold) and
// time delays (on after the condition held onMs, off after it was false offMs), so states do not
// flicker on noisy inputs. Pure: the state is a value, each window gives the next one.

export type Phase = 'off' | 'pending' | 'on' | 'releasing';

export interface HysteresisState {
  readonly phase: Phase;
  /** When the condition started holding (pending/on/releasing). */
  readonly since: number;
  /** When it last turned false (releasing). */
  readonly falseSince: number;
  /** End of the last window the condition held. */
  readonly lastTrue: number;
}

export interface HysteresisSpec {
  readonly onMs: number;
  readonly offMs: number;
  readonly onScore: number;
  readonly offScore: number;
}

export type Transition = 'none' | 'opened' | 'closed';

export const INITIAL: HysteresisState = Object.freeze({ phase: 'off', since: 0, falseSince: 0, lastTrue: 0 });

export const isOn = (s: HysteresisState): boolean => s.phase === 'on' || s.phase === 'releasing';

/**
 * One window [start, end) with its score. `onset` (optional) is an earlier time the input says the
 * condition began (e.g. a track that has been still for a while), used when it starts pending.
 */
export function step(
  s: HysteresisState,
  spec: HysteresisSpec,
  start: number,
  end: number,
  score: number,
  onset?: number,
): { state: HysteresisState; transition: Transition } {
  const holds = score >= (isOn(s) ? spec.offScore : spec.onScore) && score > 0;
  switch (s.phase) {
    case 'off':
    case 'pending': {
      if (!holds) return { state: INITIAL, transition: 'none' };
      const since = s.phase === 'pending' ? s.since : Math.min(start, onset ?? start);
      if (end - since >= spec.onMs)
        return { state: { phase: 'on', since, falseSince: 0, lastTrue: end }, transition: 'opened' };
      return { state: { phase: 'pending', since, falseSince: 0, lastTrue: end }, transition: 'none' };
    }
    case 'on':
    case 'releasing': {
      if (holds) return { state: { ...s, phase: 'on', falseSince: 0, lastTrue: end }, transition: 'none' };
      const falseSince = s.phase === 'releasing' ? s.falseSince : start;
      if (end - falseSince >= spec.offMs) return { state: INITIAL, transition: 'closed' };
      return { state: { ...s, phase: 'releasing', falseSince }, transition: 'none' };
    }
  }
}
