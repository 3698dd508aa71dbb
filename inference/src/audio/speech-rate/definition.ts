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
// Segments remembered to skip unchanged re-emissions (a later final row replaces a partial).
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
    // The latest row of each segment (and its JSON, to spot unchanged re-emissions); the summary's source.
    const latest = new Map<string, { key: string; row: SpeechRateRow }>();
    let closed = false;
    let invalidRows = 0;

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
          if (latest.get(row.segmentId)?.key === key) continue;
          latest.delete(row.segmentId);
          latest.set(row.segmentId, { key, row });
          if (latest.size > SEEN_LIMIT) latest.delete(latest.keys().next().value as string);
          rows.push(row);
        }
        if (rows.length > 0) await ctx.emit({ table: 'speech_rate', rows });
      },
      async finish() {},
      summary() {
        let words = 0;
        let ms = 0;
        let pauses = 0;
        for (const { row } of latest.values()) {
          words += row.words;
          ms += row.wordsPerMinute > 0 ? (row.words / row.wordsPerMinute) * 60_000 : 0;
          pauses += row.pauses;
        }
        return {
          segments: latest.size,
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
