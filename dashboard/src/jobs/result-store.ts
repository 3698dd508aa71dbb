import type { ResultBatch } from '@aima/inference';
import {
  createBatchWriter,
  isAnalyzerTable,
  StoreError,
  type AnalyzerTable,
  type BatchWriter,
  type Store,
} from '@aima/storage';

/**
 * Where analyzers' result batches go: one batched writer per table (bounded; a full writer makes
 * the emitting analyzer wait, nothing is dropped), inserted through the store's table dispatcher.
 * close() flushes every table and reports the first failure after trying all of them.
 */
export interface ResultStore {
  write(batch: ResultBatch): Promise<void>;
  close(): Promise<void>;
}

export function createResultStore(store: Store, onWrite?: (ms: number) => void): ResultStore {
  const writers = new Map<string, BatchWriter<unknown>>();
  const writerFor = (table: AnalyzerTable): BatchWriter<unknown> => {
    let w = writers.get(table);
    if (!w) {
      w = createBatchWriter(
        async (rows: unknown[]) => {
          const t0 = performance.now();
          await store.insertAnalyzerRows(table, rows);
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
      // Refused here, not at the flush: the analyzer that emitted it stops, the job goes on.
      if (!isAnalyzerTable(batch.table)) {
        throw new StoreError(
          'STORE_UNKNOWN_TABLE',
          `no table ${JSON.stringify(batch.table)} for analyzer rows`,
        );
      }
      await writerFor(batch.table).push([...batch.rows]);
    },
    async close() {
      const results = await Promise.allSettled([...writers.values()].map((w) => w.close()));
      const bad = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (bad) throw bad.reason;
    },
  };
}
