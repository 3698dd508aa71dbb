// Speech/non-speech decisions from per-window speech probabilities: the hysteresis of Silero's
// get_speech_timestamps (threshold / neg threshold, min speech, min silence, padding), made
// streaming so a segment is reported as soon as it closes. Pure: sample indices in, events out.

export interface SpeechHysteresisOptions {
  /** Speech starts at a window with p >= threshold. */
  readonly threshold: number;
  /** ...and may end only where p < negThreshold (between the two: no change). */
  readonly negThreshold: number;
  readonly minSpeechMs: number;
  /** Silence this long closes a segment (shorter pauses stay inside it). */
  readonly minSilenceMs: number;
  /** Added before the start and after the end of each segment. */
  readonly speechPadMs: number;
  /** A segment this long is closed and a new one opened (0: no limit), so rows keep flowing. */
  readonly maxSpeechMs: number;
  readonly windowSamples: number;
  readonly sampleRate: number;
}

/** A closed segment, in samples of the run. */
export interface SpeechSpan {
  readonly startSample: number;
  readonly endSample: number;
  /** Mean speech probability over its windows. */
  readonly probability: number;
}

export type SpeechEvent =
  /** The open segment has lasted minSpeech: it will be reported. */
  | { readonly type: 'start'; readonly startSample: number }
  | { readonly type: 'end'; readonly span: SpeechSpan; readonly confirmed: boolean };

export interface SpeechHysteresis {
  /** Feeds the next window's probability. */
  push(prob: number): SpeechEvent[];
  /** End of the run at `endSample` (default: the end of the last window): closes an open segment. */
  flush(endSample?: number): SpeechEvent[];
}

export function createSpeechHysteresis(o: SpeechHysteresisOptions): SpeechHysteresis {
  const perMs = o.sampleRate / 1000;
  const minSpeech = o.minSpeechMs * perMs;
  const minSilence = o.minSilenceMs * perMs;
  const pad = Math.round(o.speechPadMs * perMs);
  const maxSpeech = o.maxSpeechMs > 0 ? o.maxSpeechMs * perMs : Infinity;
  let windows = 0;
  let triggered = false;
  let confirmed = false;
  let start = 0; // unpadded start sample of the open segment
  let tempEnd = -1; // where the current run of silence began, -1 when none
  let probSum = 0;
  let probN = 0;
  let lastEnd = 0; // padded end of the previous segment (padding never overlaps it)

  const close = (endUnpadded: number, limit: number, out: SpeechEvent[]): void => {
    const startSample = Math.max(lastEnd, start - pad, 0);
    const endSample = Math.min(endUnpadded + pad, limit);
    const ok = endUnpadded - start >= minSpeech;
    if (ok) lastEnd = endSample;
    out.push({
      type: 'end',
      span: { startSample, endSample, probability: probN > 0 ? probSum / probN : 0 },
      confirmed: ok,
    });
    triggered = false;
    confirmed = false;
    tempEnd = -1;
    probSum = 0;
    probN = 0;
  };

  const confirm = (now: number, out: SpeechEvent[]): void => {
    if (triggered && !confirmed && now - start >= minSpeech) {
      confirmed = true;
      out.push({ type: 'start', startSample: Math.max(lastEnd, start - pad, 0) });
    }
  };

  return {
    push(p) {
      const out: SpeechEvent[] = [];
      const at = windows * o.windowSamples; // start of this window
      windows++;
      const end = at + o.windowSamples;
      if (p >= o.threshold) {
        tempEnd = -1;
        if (!triggered) {
          triggered = true;
          start = at;
        }
      }
      if (triggered) {
        if (p < o.negThreshold) {
          if (tempEnd < 0) tempEnd = at;
          if (at - tempEnd >= minSilence) {
            // Unconfirmed spans close too (the caller drops them) so a later start is clean.
            close(tempEnd, Infinity, out);
            return out;
          }
        } else if (tempEnd < 0) {
          probSum += p;
          probN++;
        }
        if (triggered && tempEnd < 0) {
          confirm(end, out);
          if (end - start >= maxSpeech) {
            close(end - pad, Infinity, out);
          }
        }
      }
      return out;
    },
    flush(endSample = windows * o.windowSamples) {
      const out: SpeechEvent[] = [];
      if (triggered) {
        const endUnpadded = tempEnd >= 0 ? tempEnd : endSample;
        confirm(endUnpadded, out);
        close(endUnpadded, endSample, out);
      }
      windows = 0;
      lastEnd = 0;
      return out;
    },
  };
}
