import type { RpcMessage } from '@aima/inference';
import { createBatchWriter, type BatchWriter, type ResultBatchRecord, type Store } from '@aima/storage';
import type { AnalysisSummary } from '../jobs/analysis-job.ts';
import type { PersonsService } from '../persons/service.ts';
import type { ExecuteOptions } from '../sources/executor.ts';
import { checkRpc, isWrite, rowCount, tableOf } from './policy.ts';

/** One attempt of one source on one worker, as the control plane tracks it. */
export interface Assignment {
  readonly id: string;
  readonly attempt: number;
  readonly sourceId: string;
  readonly opts: ExecuteOptions;
  workerId: string;
  /** The control-plane file the signed URL grants, or null for URL sources. */
  readonly filePath: string | null;
  /**
   * Writes applied: every seq ≤ `floor`, plus those in `above` (seqs finish out of order while
   * calls overlap). Bounded: the set only holds seqs past the first gap.
   */
  readonly applied: { floor: number; readonly above: Set<number> };
  /** Writes being applied now, by seq: a resend meanwhile waits for the same result. */
  readonly applying: Map<number, Promise<unknown>>;
  resolve(s: AnalysisSummary): void;
  reject(e: Error): void;
  lostTimer: NodeJS.Timeout | null;
  settled: boolean;
  /** A URL that turned out to be a stream (its progress has no total): results stay on a move. */
  stream: boolean;
}

function markApplied(a: Assignment, seq: number): void {
  const s = a.applied;
  s.above.add(seq);
  while (s.above.delete(s.floor + 1)) s.floor++;
}

export type RpcResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly code: string; readonly message: string };

export interface RpcServer {
  handle(workerId: string, a: Assignment | undefined, msg: RpcMessage): Promise<RpcResult>;
  /** Writes still being applied for an assignment settle (before its results are deleted). */
  drain(a: Assignment): Promise<void>;
  /** Ledger rows are buffered: flush them (before an executor resolves). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Executes the store and persons calls of remote analysis jobs against the real store, under the
 * allow-list (policy.ts); writes are applied once per (source, attempt, seq) and recorded in the
 * result_batches ledger. Results of an attempt that is no longer current are refused.
 */
export function createRpcServer(store: Store, persons: PersonsService | null): RpcServer {
  // Ledger rows: a bounded batch writer (push waits when full; nothing dropped).
  const ledger: BatchWriter<ResultBatchRecord> = createBatchWriter(
    (rows: ResultBatchRecord[]) => store.insertResultBatches(rows),
    { maxRows: 500, maxDelayMs: 250, highWaterMark: 10_000 },
  );
  const refused = (code: string, message: string): RpcResult => ({ ok: false, code, message });

  const call = (msg: RpcMessage): Promise<unknown> => {
    if (msg.target === 'persons') {
      if (!persons)
        return Promise.reject(Object.assign(new Error('faces are off'), { code: 'FACES_DISABLED' }));
      return (persons.assign as (...a: unknown[]) => Promise<unknown>)(...msg.args);
    }
    const fn = (store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[msg.method]!;
    return fn.apply(store, msg.args);
  };

  return {
    async handle(workerId, a, msg) {
      if (!a || a.workerId !== workerId || a.attempt !== msg.attempt || a.settled) {
        return refused(
          'WORKER_STALE_ATTEMPT',
          `assignment ${msg.assignmentId} attempt ${msg.attempt} is not current`,
        );
      }
      const why = checkRpc(msg.target, msg.method, msg.args, a.sourceId);
      if (why) return refused('WORKER_RPC_REFUSED', why);
      const write = isWrite(msg.target, msg.method);
      if (write && msg.seq === undefined) return refused('WORKER_PROTOCOL', `${msg.method} needs a seq`);
      try {
        if (!write) return { ok: true, value: await call(msg) };
        const seq = msg.seq!;
        if (seq <= a.applied.floor || a.applied.above.has(seq)) return { ok: true, value: undefined };
        const running = a.applying.get(seq);
        if (running) return { ok: true, value: await running };
        const p = call(msg);
        a.applying.set(seq, p);
        try {
          const value = await p;
          markApplied(a, seq);
          await ledger.push([
            {
              sourceId: a.sourceId,
              attempt: a.attempt,
              seq,
              table: tableOf(msg.target, msg.method, msg.args),
              rows: rowCount(msg.target, msg.method, msg.args),
              workerId,
              at: Date.now(),
            },
          ]);
          return { ok: true, value };
        } finally {
          a.applying.delete(seq);
        }
      } catch (err) {
        const e = err as { code?: unknown; message?: unknown };
        return refused(
          typeof e.code === 'string' ? e.code : 'INTERNAL',
          err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err),
        );
      }
    },
    async drain(a) {
      await Promise.allSettled([...a.applying.values()]);
    },
    flush: () => ledger.flush(),
    close: () => ledger.close(),
  };
}
