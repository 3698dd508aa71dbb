// Window scores → sound events. Per event label: the max of its classes' probabilities, a
// centred running median over `medianWindows` windows (one flicker neither opens nor closes an
// event), hysteresis (open at the threshold, close below threshold × offRatio). A window of a
// couple of seconds cannot say when inside it a sound began, so the event's start and end are
// refined on the 10 ms energy envelope of the same audio: the start is the first frame within
// `onsetDropDb` of the loudest frame of the opening windows, the end the last frame within
// `endDropDb` of the event's loudest frame. Pure: frame indices in (10 ms, 160 samples at
// 16 kHz, the mel hop), events out; the caller maps frames to wall-clock time.
import type { VocabularyEvent } from './vocabulary.ts';

export interface SoundTrackerOptions {
  /** Odd; 1 disables smoothing. */
  readonly medianWindows: number;
  /** Close below threshold × offRatio. */
  readonly offRatio: number;
  readonly onsetDropDb: number;
  readonly endDropDb: number;
  /** Envelopes quieter than this (dBFS) are not used for refinement. */
  readonly minEnergyDb: number;
  /** Classes listed on an event score at least this × the event's threshold. */
  readonly classFloor: number;
}

export const DEFAULT_TRACKER_OPTIONS: SoundTrackerOptions = Object.freeze({
  medianWindows: 3,
  offRatio: 0.7,
  onsetDropDb: 20,
  endDropDb: 30,
  minEnergyDb: -70,
  classFloor: 0.5,
});

/** One scored analysis window: frames [firstFrame, firstFrame + frames), 527 probabilities. */
export interface ScoredWindow {
  readonly firstFrame: number;
  readonly frames: number;
  readonly probs: Float32Array;
}

/** Mean-square level of 10 ms frames, dBFS; undefined where no longer (or not yet) held. */
export interface EnergyTrack {
  db(frame: number): number | undefined;
}

export interface SoundEvent {
  readonly label: string;
  readonly startFrame: number;
  /** Exclusive. */
  readonly endFrame: number;
  readonly peakFrame: number;
  readonly peakScore: number;
  /** AudioSet classes that made it, strongest first. */
  readonly classes: readonly string[];
}

export type SoundEmission =
  | { readonly type: 'open'; readonly label: string; readonly startFrame: number; readonly score: number }
  | { readonly type: 'close'; readonly event: SoundEvent };

export interface SoundEventTracker {
  push(w: ScoredWindow): SoundEmission[];
  /** End of the run: decides the last windows and closes open events. */
  flush(): SoundEmission[];
}

interface LabelState {
  open: boolean;
  startFrame: number;
  peakScore: number;
  peakWindow: ScoredWindow | null;
  lastActive: ScoredWindow | null;
  classMax: Float64Array;
  prevEnd: number;
}

const end = (w: ScoredWindow): number => w.firstFrame + w.frames;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export function createSoundEventTracker(
  vocab: readonly VocabularyEvent[],
  energy: EnergyTrack,
  o: SoundTrackerOptions = DEFAULT_TRACKER_OPTIONS,
): SoundEventTracker {
  if (!(o.medianWindows >= 1 && o.medianWindows % 2 === 1)) throw new RangeError('medianWindows must be odd');
  const half = (o.medianWindows - 1) / 2;
  const states: LabelState[] = vocab.map((v) => ({
    open: false,
    startFrame: 0,
    peakScore: 0,
    peakWindow: null,
    lastActive: null,
    classMax: new Float64Array(v.indices.length),
    prevEnd: 0,
  }));
  // Windows not yet decided plus the `half` before them (for the median).
  let recent: ScoredWindow[] = [];
  let decided = 0; // index into `recent` of the next window to decide

  const score = (v: VocabularyEvent, w: ScoredWindow): number => {
    let s = 0;
    for (const i of v.indices) s = Math.max(s, w.probs[i] as number);
    return s;
  };

  const loudest = (from: number, to: number): { frame: number; db: number } => {
    let best = { frame: from, db: -Infinity };
    for (let f = from; f < to; f++) {
      const d = energy.db(f);
      if (d !== undefined && d > best.db) best = { frame: f, db: d };
    }
    return best;
  };

  const refineStart = (from: number, to: number): number => {
    const peak = loudest(from, to);
    if (!(peak.db >= o.minEnergyDb)) return from;
    for (let f = from; f <= peak.frame; f++) {
      const d = energy.db(f);
      if (d !== undefined && d >= peak.db - o.onsetDropDb) return f;
    }
    return from;
  };

  const close = (vi: number): SoundEmission => {
    const v = vocab[vi] as VocabularyEvent;
    const s = states[vi] as LabelState;
    const last = s.lastActive as ScoredWindow;
    const peakWin = s.peakWindow as ScoredWindow;
    let endFrame = end(last);
    const top = loudest(s.startFrame, endFrame);
    if (top.db >= o.minEnergyDb) {
      for (let f = endFrame - 1; f >= Math.max(last.firstFrame, s.startFrame); f--) {
        const d = energy.db(f);
        if (d !== undefined && d >= top.db - o.endDropDb) {
          endFrame = f + 1;
          break;
        }
      }
    }
    endFrame = Math.max(endFrame, s.startFrame + 1);
    const inPeak = loudest(Math.max(peakWin.firstFrame, s.startFrame), Math.min(end(peakWin), endFrame));
    const peakFrame = inPeak.db > -Infinity ? inPeak.frame : Math.round((s.startFrame + endFrame) / 2);
    const classes = v.names
      .map((name, i) => ({ name, p: s.classMax[i] as number }))
      .filter((c) => c.p >= v.threshold * o.classFloor)
      .sort((a, b) => b.p - a.p)
      .map((c) => c.name);
    s.open = false;
    s.prevEnd = endFrame;
    return {
      type: 'close',
      event: {
        label: v.label,
        startFrame: s.startFrame,
        endFrame,
        peakFrame,
        peakScore: s.peakScore,
        classes,
      },
    };
  };

  const accumulate = (vi: number, w: ScoredWindow, raw: number): void => {
    const v = vocab[vi] as VocabularyEvent;
    const s = states[vi] as LabelState;
    s.lastActive = w;
    if (raw > s.peakScore || !s.peakWindow) {
      s.peakScore = raw;
      s.peakWindow = w;
    }
    v.indices.forEach((ci, k) => {
      s.classMax[k] = Math.max(s.classMax[k] as number, w.probs[ci] as number);
    });
  };

  // Decides recent[decided] with whatever neighbours exist (all of them except at a run's end).
  const decide = (out: SoundEmission[]): void => {
    const i = decided;
    const w = recent[i] as ScoredWindow;
    const hood = recent.slice(Math.max(0, i - half), i + half + 1);
    const next = recent[i + 1];
    vocab.forEach((v, vi) => {
      const s = states[vi] as LabelState;
      const raw = score(v, w);
      const sm = median(hood.map((x) => score(v, x)));
      if (!s.open && sm >= v.threshold) {
        s.open = true;
        s.peakScore = 0;
        s.peakWindow = null;
        s.classMax.fill(0);
        const from = Math.max(w.firstFrame, s.prevEnd);
        s.startFrame = refineStart(from, Math.max(from + 1, next ? end(next) : end(w)));
        accumulate(vi, w, raw);
        out.push({ type: 'open', label: v.label, startFrame: s.startFrame, score: raw });
      } else if (s.open && sm >= v.threshold * o.offRatio) {
        accumulate(vi, w, raw);
      } else if (s.open) {
        out.push(close(vi));
      }
    });
    decided++;
    if (decided > half) {
      recent = recent.slice(1);
      decided--;
    }
  };

  return {
    push(w) {
      const out: SoundEmission[] = [];
      recent.push(w);
      while (recent.length - decided > half) decide(out);
      return out;
    },
    flush() {
      const out: SoundEmission[] = [];
      while (decided < recent.length) decide(out);
      states.forEach((s, vi) => {
        if (s.open) out.push(close(vi));
        s.prevEnd = 0;
      });
      recent = [];
      decided = 0;
      return out;
    },
  };
}
