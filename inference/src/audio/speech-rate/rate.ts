// Speech rate of one transcript segment: words per minute over the span the words cover, and
// the pauses between consecutive words longer than the pause threshold. Pure arithmetic.
import { z } from 'zod';
import type { SpeechRateRow } from '../records.ts';

/** The fields of a transcript segment row (TranscriptSegmentRecord) speech rate reads. */
export const transcriptSegmentSchema = z.object({
  segmentId: z.string().min(1),
  startTs: z.number().finite(),
  endTs: z.number().finite(),
  text: z.string(),
  words: z
    .array(z.object({ word: z.string(), startTs: z.number().finite(), endTs: z.number().finite() }))
    .default([]),
});

export type TranscriptSegmentInput = z.infer<typeof transcriptSegmentSchema>;

export interface SpeechRateOptions {
  /** Gaps between words longer than this count as pauses (ms). */
  readonly pauseMs: number;
}

const WORDLIKE = /[\p{L}\p{N}]/u;

/** The row for one segment, or null when it has no words. */
export function speechRate(
  sourceId: string,
  seg: TranscriptSegmentInput,
  o: SpeechRateOptions = { pauseMs: 250 },
): SpeechRateRow | null {
  const words = [...seg.words].filter((w) => WORDLIKE.test(w.word)).sort((a, b) => a.startTs - b.startTs);
  let count: number;
  let from: number;
  let to: number;
  let pauses = 0;
  let pauseSum = 0;
  let pauseMax = 0;
  if (words.length > 0) {
    count = words.length;
    from = (words[0] as (typeof words)[number]).startTs;
    to = Math.max(...words.map((w) => w.endTs));
    for (let i = 1; i < words.length; i++) {
      const gap =
        (words[i] as (typeof words)[number]).startTs - (words[i - 1] as (typeof words)[number]).endTs;
      if (gap > o.pauseMs) {
        pauses++;
        pauseSum += gap;
        pauseMax = Math.max(pauseMax, gap);
      }
    }
  } else {
    // Engines without word times: the text's words over the segment's span.
    count = seg.text.split(/\s+/).filter((t) => WORDLIKE.test(t)).length;
    from = seg.startTs;
    to = seg.endTs;
  }
  if (count === 0) return null;
  const minutes = (to - from) / 60_000;
  return {
    sourceId,
    segmentId: seg.segmentId,
    startTs: seg.startTs,
    endTs: seg.endTs,
    words: count,
    wordsPerMinute: minutes > 0 ? Math.round((count / minutes) * 10) / 10 : 0,
    pauses,
    meanPauseMs: pauses > 0 ? Math.round(pauseSum / pauses) : 0,
    maxPauseMs: Math.round(pauseMax),
  };
}
