// Linking speakers to persons. A voice never names anyone: a speaker is linked only when, while it
// speaks, one person alone is visible most of the time (the face on screen is then very likely the
// one talking). Pure: the analyzer calls it again whenever turns or face tracks change.

/** One speaking turn (SpeakerTurnRecord's fields that matter here). */
export interface LinkTurn {
  readonly speakerId: string;
  readonly startTs: number;
  readonly endTs: number;
}

/** A visible face track with its person (the faces analyzer's `appearances` rows). */
export interface FaceTrackSpan {
  readonly faceTrackId: string;
  /** '' when the face is not (yet) a person: such tracks are ignored. */
  readonly personId: string;
  readonly startTs: number;
  readonly endTs: number;
}

export interface LinkOptions {
  /** Share of the speaker's speaking time one person must be the only one visible (default 0.6). */
  readonly minShare?: number;
  /** Speakers with less speaking time stay unlinked (default 1000 ms). */
  readonly minSpeakingMs?: number;
}

export const DEFAULT_LINK_OPTIONS: Readonly<Required<LinkOptions>> = Object.freeze({
  minShare: 0.6,
  minSpeakingMs: 1000,
});

export interface SpeakerLink {
  readonly speakerId: string;
  /** '' when not linked. */
  readonly personId: string;
  readonly link: 'auto' | 'none';
  readonly speakingMs: number;
  /** The best person's share of the speaking time during which they were the only one visible. */
  readonly share: number;
}

interface Event {
  readonly t: number;
  /** +1 / -1 speaking, or a person entering / leaving. */
  readonly kind: 'speak' | 'face';
  readonly delta: 1 | -1;
  readonly personId: string;
}

/**
 * Per speaker (in order of first turn) the person visible alone for at least `minShare` of its
 * speaking time, else no link. Overlapping turns of one speaker count once; a person seen in two
 * tracks at once counts as one person.
 */
export function linkSpeakers(
  turns: readonly LinkTurn[],
  faceTracks: readonly FaceTrackSpan[],
  opts: LinkOptions = {},
): SpeakerLink[] {
  const o = { ...DEFAULT_LINK_OPTIONS, ...opts };
  const bySpeaker = new Map<string, LinkTurn[]>();
  for (const t of turns) {
    if (!(t.endTs > t.startTs)) continue;
    let list = bySpeaker.get(t.speakerId);
    if (!list) bySpeaker.set(t.speakerId, (list = []));
    list.push(t);
  }
  const faces: Event[] = [];
  for (const f of faceTracks) {
    if (!f.personId || !(f.endTs > f.startTs)) continue;
    faces.push({ t: f.startTs, kind: 'face', delta: 1, personId: f.personId });
    faces.push({ t: f.endTs, kind: 'face', delta: -1, personId: f.personId });
  }
  const out: SpeakerLink[] = [];
  for (const [speakerId, list] of bySpeaker) {
    const events: Event[] = [...faces];
    for (const t of list) {
      events.push({ t: t.startTs, kind: 'speak', delta: 1, personId: '' });
      events.push({ t: t.endTs, kind: 'speak', delta: -1, personId: '' });
    }
    events.sort((a, b) => a.t - b.t);
    let speaking = 0;
    const visible = new Map<string, number>();
    const solo = new Map<string, number>();
    let speakingMs = 0;
    let prev = events[0]?.t ?? 0;
    for (const e of events) {
      const dt = e.t - prev;
      if (dt > 0 && speaking > 0) {
        speakingMs += dt;
        if (visible.size === 1) {
          const p = visible.keys().next().value!;
          solo.set(p, (solo.get(p) ?? 0) + dt);
        }
      }
      prev = e.t;
      if (e.kind === 'speak') speaking += e.delta;
      else {
        const n = (visible.get(e.personId) ?? 0) + e.delta;
        if (n > 0) visible.set(e.personId, n);
        else visible.delete(e.personId);
      }
    }
    let best = '';
    let bestMs = 0;
    let qualifying = 0;
    for (const [p, ms] of solo) {
      if (speakingMs > 0 && ms / speakingMs >= o.minShare) qualifying++;
      if (ms > bestMs) [best, bestMs] = [p, ms];
    }
    const share = speakingMs > 0 ? bestMs / speakingMs : 0;
    const linked = speakingMs >= o.minSpeakingMs && share >= o.minShare && qualifying === 1;
    out.push({ speakerId, personId: linked ? best : '', link: linked ? 'auto' : 'none', speakingMs, share });
  }
  return out;
}
