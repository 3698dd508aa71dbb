import type { ResultBatch } from '@aima/inference';
import { createBatchWriter, type AnalyzerTable, type BatchWriter, type Store } from '@aima/storage';

/**
 * Where analyzers' result batches go: one batched writer per table (bounded; a full writer makes
 * the emitting analyzer wait, nothing is dropped), inserted through the store's table dispatcher.
 * close() flushes every table and reports the first failure after trying all of them.
 */
export interface ResultStore {
  write(batch: ResultBatch): Promise<void>;
  /** Rows accepted per table. */
  readonly counts: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

export function createResultStore(store: Store, onWrite?: (ms: number) => void): ResultStore {
  const writers = new Map<string, BatchWriter<unknown>>();
  const counts: Record<string, number> = {};
  const writerFor = (table: string): BatchWriter<unknown> => {
    let w = writers.get(table);
    if (!w) {
      w = createBatchWriter(
        async (rows: unknown[]) => {
          const t0 = performance.now();
          await store.insertAnalyzerRows(table as AnalyzerTable, rows);
          onWrite?.(performance.now() - t0);
        },
        { maxRows: 1000, maxDelayMs: 500 },
      );
      writers.set(table, w);
    }
    return w;
  };
  return {
    async write(batch) {
      counts[batch.table] = (counts[batch.table] ?? 0) + batch.rows.length;
      await writerFor(batch.table).push([...batch.rows]);
    },
    counts,
    async close() {
      const results = await Promise.allSettled([...writers.values()].map((w) => w.close()));
      const bad = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (bad) throw bad.reason;
    },
  };
}
