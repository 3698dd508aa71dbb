// Rows other analyzers hand us (vad, asr, faces), checked at the boundary: a malformed row is
// skipped and counted, never trusted.
import { z } from 'zod';
import type { FaceTrackSpan } from './link.ts';
import type { TranscriptSegmentRow } from './records.ts';
import type { Span } from './changes.ts';

const finite = z.number().finite();

const speechSegment = z.object({ startTs: finite, endTs: finite });

const word = z.object({ word: z.string(), startTs: finite, endTs: finite, confidence: finite });

const transcriptSegment = z.object({
  sourceId: z.string(),
  segmentId: z.string().min(1),
  startTs: finite,
  endTs: finite,
  text: z.string(),
  language: z.string(),
  confidence: finite,
  engine: z.string(),
  speakerId: z.string().default(''),
  personId: z.string().default(''),
  words: z.array(word).default([]),
});

const appearance = z.object({
  faceTrackId: z.union([z.string(), z.number()]).transform(String),
  personId: z
    .string()
    .nullish()
    .transform((p) => p ?? ''),
  startTs: finite,
  endTs: finite,
});

function parseRows<T>(
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  rows: readonly unknown[],
): { ok: T[]; bad: number } {
  const ok: T[] = [];
  let bad = 0;
  for (const r of rows) {
    const p = schema.safeParse(r);
    if (p.success) ok.push(p.data);
    else bad++;
  }
  return { ok, bad };
}

export const parseSpeechSegments = (rows: readonly unknown[]): { ok: Span[]; bad: number } =>
  parseRows(speechSegment, rows);

export const parseTranscriptSegments = (
  rows: readonly unknown[],
): { ok: TranscriptSegmentRow[]; bad: number } => parseRows(transcriptSegment, rows);

export const parseAppearances = (rows: readonly unknown[]): { ok: FaceTrackSpan[]; bad: number } =>
  parseRows(appearance, rows);
