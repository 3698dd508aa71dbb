// The transcript panel's pure parts: stored and live lines in one ordered list (a final line
// replaces its partials), the line playing at a time, engine labels, word hits for highlighting.
import { z } from 'zod';
import type { TranscriptLineView } from '../../../src/protocol.ts';

/** A line as the panel shows it. */
export interface TranscriptLine {
  readonly segmentId: string;
  readonly sourceId: string;
  readonly startTs: number;
  readonly endTs: number;
  readonly text: string;
  readonly speakerId: string;
  readonly personId: string;
  readonly engine: string;
  /** A live hypothesis still being revised (shown in italics until its final arrives). */
  readonly partial: boolean;
}

/** Engines whose transcripts are rough (the issue: pocketsphinx is the weak fallback). */
const WEAK_ENGINES = new Set(['pocketsphinx']);

export function isWeakEngine(engine: string): boolean {
  return WEAK_ENGINES.has(engine.toLowerCase());
}

/** `pocketsphinx (weak)`, `sherpa-whisper`; '' when unknown. */
export function engineLabel(engine: string): string {
  if (engine === '') return '';
  return isWeakEngine(engine) ? `${engine} (weak)` : engine;
}

export function fromView(v: TranscriptLineView): TranscriptLine {
  return {
    segmentId: v.segmentId,
    sourceId: v.sourceId,
    startTs: v.startTs,
    endTs: v.endTs,
    text: v.text,
    speakerId: v.speakerId,
    personId: v.personId,
    engine: v.engine,
    partial: false,
  };
}

/** Payload of a live `analyzer` message of kind 'transcript'. */
export const LiveTranscript = z.object({
  segmentId: z.string(),
  partial: z.boolean(),
  text: z.string(),
  startTs: z.number().optional(),
  endTs: z.number().optional(),
  words: z
    .array(
      z.object({
        word: z.string(),
        startTs: z.number(),
        endTs: z.number(),
        confidence: z.number().optional(),
      }),
    )
    .optional(),
  speakerId: z.string().optional(),
  engine: z.string().optional(),
});
export type LiveTranscript = z.infer<typeof LiveTranscript>;

/** A live transcript message as a line: its span, else its words', else the message's ts. */
export function fromLive(sourceId: string, ts: number, data: LiveTranscript, engine = ''): TranscriptLine {
  const words = data.words ?? [];
  return {
    segmentId: data.segmentId,
    sourceId,
    startTs: data.startTs ?? words[0]?.startTs ?? ts,
    endTs: data.endTs ?? words[words.length - 1]?.endTs ?? ts,
    text: data.text,
    speakerId: data.speakerId ?? '',
    personId: '',
    engine: data.engine ?? engine,
    partial: data.partial,
  };
}

/**
 * `lines` with `line` put in: a line with the same segment id is replaced (a final replaces its
 * partials, a late partial never replaces a final), the rest stays in start order. At most `max`
 * lines are kept (the newest).
 */
export function upsertLine(
  lines: readonly TranscriptLine[],
  line: TranscriptLine,
  max = 500,
): TranscriptLine[] {
  const i = lines.findIndex((l) => l.segmentId === line.segmentId && l.sourceId === line.sourceId);
  if (i >= 0 && line.partial && !lines[i]!.partial) return [...lines];
  const out = i >= 0 ? [...lines.slice(0, i), ...lines.slice(i + 1)] : [...lines];
  // Lines arrive in order almost always: search from the end.
  let at = out.length;
  while (at > 0 && out[at - 1]!.startTs > line.startTs) at--;
  out.splice(at, 0, line);
  return out.length > max ? out.slice(out.length - max) : out;
}

/** Stored lines merged into what is shown (e.g. after a reload), by segment id. */
export function mergeLines(
  lines: readonly TranscriptLine[],
  more: readonly TranscriptLine[],
  max = 500,
): TranscriptLine[] {
  let out = [...lines];
  for (const l of more) out = upsertLine(out, l, max);
  return out;
}

/**
 * Index of the line playing at `ts`: the last line that started at or before it, while `ts` is
 * within it or before the next line starts (a pause keeps the previous line current); -1 before
 * the first line. Lines are in start order.
 */
export function currentLineIndex(lines: readonly TranscriptLine[], ts: number | null): number {
  if (ts === null) return -1;
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lines[mid]!.startTs <= ts) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Engines present in `lines`, in order of first appearance. */
export function enginesOf(lines: readonly TranscriptLine[]): string[] {
  return [...new Set(lines.map((l) => l.engine).filter((e) => e !== ''))];
}

/** Lowercased words of a query (letters, digits, apostrophes). */
export function queryWords(q: string): string[] {
  return q.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
}

/** `text` cut into runs, marking the words that occur in `words` (for <mark>). */
export function highlight(text: string, words: readonly string[]): { text: string; hit: boolean }[] {
  if (words.length === 0) return [{ text, hit: false }];
  const wanted = new Set(words.map((w) => w.toLowerCase()));
  const out: { text: string; hit: boolean }[] = [];
  for (const part of text.split(/([\p{L}\p{N}']+)/u)) {
    if (part === '') continue;
    const hit = wanted.has(part.toLowerCase());
    const last = out[out.length - 1];
    if (last && last.hit === hit) out[out.length - 1] = { text: last.text + part, hit };
    else out.push({ text: part, hit });
  }
  return out;
}

/** Whether `text` holds every word of the query (the person page's filter; any case). */
export function matchesQuery(text: string, q: string): boolean {
  const have = new Set(queryWords(text));
  return queryWords(q).every((w) => have.has(w));
}
