import { z } from 'zod';
import type { AnalyzerDefinition, AnalyzerInstance } from '../../analyzers/contract.ts';
import type { SpeechRateRow } from '../records.ts';
import { speechRate, transcriptSegmentSchema } from './rate.ts';

export const speechRateConfigSchema = z
  .object({
    /** Gaps between words longer than this count as pauses (ms). */
    pauseMs: z.number().min(0).default(250),
  })
  .strict();

export type SpeechRateConfig = z.infer<typeof speechRateConfigSchema>;

const TABLE_IN = 'transcript_segments';
// Segment ids remembered to skip unchanged re-emissions (a later final row replaces a partial).
const SEEN_LIMIT = 4096;

export const speechRateAnalyzer: AnalyzerDefinition<SpeechRateConfig> = {
  id: 'speech-rate',
  version: '1',
  title: 'Speech rate',
  description: 'Words per minute and pauses between words, per transcript segment (needs asr).',
  models: [],
  consumes: [{ kind: 'results', of: ['asr'], tables: [TABLE_IN] }],
  config: speechRateConfigSchema,
  defaultOn: true,
  produces: [{ table: 'speech_rate', live: '', lane: 'none' }],
  async create(ctx, config): Promise<AnalyzerInstance> {
    const seen = new Map<string, string>();
    let closed = false;
    let invalidRows = 0;
    const perSegment = new Map<string, { words: number; ms: number; pauses: number }>();

    return {
      async results(_from, batch) {
        if (closed || batch.table !== TABLE_IN) return;
        const rows: SpeechRateRow[] = [];
        for (const raw of batch.rows) {
          const parsed = transcriptSegmentSchema.safeParse(raw);
          if (!parsed.success) {
            invalidRows++;
            continue;
          }
          const row = speechRate(ctx.sourceId, parsed.data, config);
          if (!row) continue;
          const key = JSON.stringify(row);
          if (seen.get(row.segmentId) === key) continue;
          seen.delete(row.segmentId);
          seen.set(row.segmentId, key);
          if (seen.size > SEEN_LIMIT) seen.delete(seen.keys().next().value as string);
          perSegment.set(row.segmentId, {
            words: row.words,
            ms: row.wordsPerMinute > 0 ? (row.words / row.wordsPerMinute) * 60_000 : 0,
            pauses: row.pauses,
          });
          if (perSegment.size > SEEN_LIMIT) perSegment.delete(perSegment.keys().next().value as string);
          rows.push(row);
        }
        if (rows.length > 0) await ctx.emit({ table: 'speech_rate', rows });
      },
      async finish() {},
      summary() {
        let words = 0;
        let ms = 0;
        let pauses = 0;
        for (const s of perSegment.values()) {
          words += s.words;
          ms += s.ms;
          pauses += s.pauses;
        }
        return {
          segments: perSegment.size,
          words,
          wordsPerMinute: ms > 0 ? Math.round((words / ms) * 600_000) / 10 : 0,
          pauses,
          invalidRows,
        };
      },
      async close() {
        closed = true;
      },
    };
  },
};
