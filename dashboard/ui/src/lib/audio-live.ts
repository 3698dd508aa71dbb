// Live audio results: the payloads of `analyzer` messages validated by kind, and a bounded rolling
// window of speech spans and sound events for the live lanes.
import { z } from 'zod';
import type { AnalyzerMessage } from '../../../src/protocol.ts';
import type { Span } from './audio-lanes.ts';
import { LiveTranscript } from './transcript.ts';

export const LiveSpeech = z.object({
  state: z.enum(['start', 'end']),
  startTs: z.number(),
  endTs: z.number().optional(),
});
/**
 * A sound event: opened ({state: 'start', label, startTs, score}) and later closed with its stored
 * row ({state: 'end', eventId, endTs, peakScore, ...}); both share label and startTs.
 */
export const LiveAudioEvent = z.object({
  state: z.enum(['start', 'end']).optional(),
  eventId: z.string().optional(),
  label: z.string(),
  startTs: z.number(),
  endTs: z.number().optional(),
  peakScore: z.number().optional(),
  score: z.number().optional(),
});
/** One second of loudness (the stored row, or its short form). */
export const LiveLoudness = z.object({
  momentaryLufs: z.number(),
  shortTermLufs: z.number(),
  silent: z.boolean(),
  clipped: z.union([z.boolean(), z.number()]).optional(),
  clippedSamples: z.number().optional(),
});
export const LiveSpeaker = z.object({ speakerId: z.string(), startTs: z.number(), endTs: z.number() });

/** An analyzer message we know how to show; null for other kinds or a payload of the wrong shape. */
export type AudioLive =
  | { readonly kind: 'transcript'; readonly ts: number; readonly data: LiveTranscript }
  | { readonly kind: 'speech'; readonly ts: number; readonly data: z.infer<typeof LiveSpeech> }
  | { readonly kind: 'audio-event'; readonly ts: number; readonly data: z.infer<typeof LiveAudioEvent> }
  | { readonly kind: 'loudness'; readonly ts: number; readonly data: z.infer<typeof LiveLoudness> }
  | { readonly kind: 'speaker'; readonly ts: number; readonly data: z.infer<typeof LiveSpeaker> };

const SCHEMAS = {
  transcript: LiveTranscript,
  speech: LiveSpeech,
  'audio-event': LiveAudioEvent,
  loudness: LiveLoudness,
  speaker: LiveSpeaker,
} as const;

export function parseAudioLive(msg: Pick<AnalyzerMessage, 'kind' | 'ts' | 'data'>): AudioLive | null {
  if (!(msg.kind in SCHEMAS)) return null;
  const schema = SCHEMAS[msg.kind as keyof typeof SCHEMAS];
  const r = schema.safeParse(msg.data);
  return r.success ? ({ kind: msg.kind, ts: msg.ts, data: r.data } as AudioLive) : null;
}

/** Whether a loudness second had clipped samples. */
export function isClipped(d: z.infer<typeof LiveLoudness>): boolean {
  return (d.clippedSamples ?? 0) > 0 || (d.clipped !== undefined && d.clipped !== false && d.clipped !== 0);
}

/**
 * Speech spans and sound events of the last `spanMs`, at most `maxItems` of each (oldest dropped).
 * A speech start opens a span, its end closes it; an event is replaced by its later update.
 */
export function createLiveAudio(opts: { spanMs: number; maxItems?: number }) {
  const max = opts.maxItems ?? 500;
  let speech: Span[] = [];
  let events: Span[] = [];
  let speechSeq = 0;

  const cap = (list: Span[]): Span[] => (list.length > max ? list.slice(list.length - max) : list);
  const addSpeech = (startTs: number, endTs: number | null): void => {
    speech = cap([...speech, { key: `sp-${speechSeq++}`, startTs, endTs, label: 'speech', score: 1 }]);
  };

  return {
    speech(d: z.infer<typeof LiveSpeech>): void {
      const open = speech.findLastIndex((s) => s.endTs === null);
      // A start also closes a span left open (its end was missed).
      const endTs = d.state === 'start' ? d.startTs : (d.endTs ?? d.startTs);
      if (open >= 0) speech[open] = { ...speech[open]!, endTs };
      if (d.state === 'start') addSpeech(d.startTs, null);
      else if (open < 0) addSpeech(d.startTs, endTs);
    },
    /** Puts an event's start or end in; returns its span. */
    event(d: z.infer<typeof LiveAudioEvent>): Span {
      const span: Span = {
        // Start and end messages of one sound event share its class and start.
        key: `${d.label}@${d.startTs}`,
        startTs: d.startTs,
        endTs: d.endTs ?? null,
        label: d.label,
        score: d.peakScore ?? d.score ?? 0,
      };
      const i = events.findIndex((e) => e.key === span.key);
      if (i >= 0) events[i] = span;
      else events = cap([...events, span]);
      return span;
    },
    /** Drops what ended before `now - spanMs`. */
    prune(now: number): void {
      const keep = (s: Span): boolean => s.endTs === null || s.endTs >= now - opts.spanMs;
      speech = speech.filter(keep);
      events = events.filter(keep);
    },
    /** Copies: views keep them as immutable snapshots. */
    get speechSpans(): readonly Span[] {
      return speech.slice();
    },
    get eventSpans(): readonly Span[] {
      return events.slice();
    },
  };
}
export type LiveAudio = ReturnType<typeof createLiveAudio>;
