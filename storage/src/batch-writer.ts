import { StoreError } from './errors.ts';
import type { BatchWriter, BatchWriterOptions } from './types.ts';

const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 5_000;

interface Waiter {
  readonly target: number;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

/**
 * Buffers rows and hands them to `insert` in batches of at most `maxRows`: when that many are
 * buffered, `maxDelayMs` after the first buffered row, or on flush()/close(). One insert runs at a
 * time, so rows reach the table in push order. A failed batch is retried with exponential backoff
 * (100 ms × 2^n, capped at 5 s) up to `retries` times; after that the pending flush()/close()
 * rejects with STORE_INSERT_FAILED and the rows stay buffered for the next attempt — nothing is
 * dropped. push() waits while `highWaterMark` rows are pending.
 */
export function createBatchWriter<T>(
  insert: (rows: T[]) => Promise<void>,
  opts: BatchWriterOptions = {},
): BatchWriter<T> {
  const maxRows = Math.max(1, opts.maxRows ?? 5000);
  const maxDelayMs = Math.max(0, opts.maxDelayMs ?? 500);
  const highWaterMark = Math.max(maxRows, opts.highWaterMark ?? 50_000);
  const retries = Math.max(0, opts.retries ?? 5);

  const buf: T[] = [];
  // Row sequence numbers: `pushed` counts rows accepted, `written` rows stored; a flush waits
  // until `written` reaches what was `pushed` when it was called.
  let pushed = 0;
  let written = 0;
  let drainTo = 0;
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const flushWaiters: Waiter[] = [];
  let spaceWaiters: Array<() => void> = [];
  const stats = { written: 0, batches: 0, failures: 0, lastInsertMs: 0 };

  function arm(): void {
    if (timer !== null || buf.length === 0) return;
    // Aligned to the wall clock: writers of many sources flush together, and their inserts merge
    // (a row still waits at most maxDelayMs). unref: an idle writer must not keep the process
    // alive; close() is what guarantees the flush.
    const delay = maxDelayMs > 0 ? maxDelayMs - (Date.now() % maxDelayMs) : 0;
    timer = setTimeout(() => {
      timer = null;
      requestDrain(pushed);
    }, delay).unref();
  }

  function requestDrain(to: number): void {
    drainTo = Math.max(drainTo, to);
    if (!running) void loop();
  }

  async function loop(): Promise<void> {
    running = true;
    try {
      while (buf.length > 0 && (written < drainTo || buf.length >= maxRows)) {
        const batch = buf.slice(0, maxRows);
        const err = await insertWithRetries(batch);
        if (err !== null) {
          failWaiters(err);
          drainTo = written;
          break;
        }
        buf.splice(0, batch.length);
        written += batch.length;
        settleWaiters();
      }
    } finally {
      running = false;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      // Rows left over (a failed batch, or fewer than maxRows) get the next delayed attempt.
      arm();
    }
  }

  async function insertWithRetries(batch: T[]): Promise<StoreError | null> {
    let last: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)));
      const t0 = performance.now();
      try {
        await insert(batch);
        stats.lastInsertMs = performance.now() - t0;
        stats.written += batch.length;
        stats.batches++;
        return null;
      } catch (e) {
        stats.failures++;
        last = e;
      }
    }
    const detail = last instanceof Error ? last.message : String(last);
    return new StoreError(
      'STORE_INSERT_FAILED',
      `insert of ${batch.length} rows failed after ${retries + 1} attempts (${buf.length} rows kept buffered): ${detail}`,
      { cause: last },
    );
  }

  function settleWaiters(): void {
    for (let i = flushWaiters.length - 1; i >= 0; i--) {
      const w = flushWaiters[i]!;
      if (w.target <= written) {
        flushWaiters.splice(i, 1);
        w.resolve();
      }
    }
    wakePushers();
  }

  function failWaiters(err: StoreError): void {
    for (const w of flushWaiters.splice(0)) w.reject(err);
  }

  function wakePushers(): void {
    const ws = spaceWaiters;
    spaceWaiters = [];
    for (const w of ws) w();
  }

  function flush(): Promise<void> {
    const target = pushed;
    if (written >= target) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      flushWaiters.push({ target, resolve, reject });
      requestDrain(target);
    });
  }

  const writer: BatchWriter<T> = {
    async push(rows) {
      if (closed) throw new StoreError('STORE_CLOSED', 'batch writer is closed');
      let i = 0;
      while (i < rows.length) {
        // close() wakes blocked pushers; rows they had not yet buffered are refused, not lost silently.
        if (closed) throw new StoreError('STORE_CLOSED', 'batch writer is closed');
        const room = highWaterMark - (pushed - written);
        if (room <= 0) {
          // Backpressure: wait for a batch to be stored (or to fail and be retried later).
          await new Promise<void>((resolve) => spaceWaiters.push(resolve));
          continue;
        }
        const take = Math.min(room, rows.length - i);
        for (let k = 0; k < take; k++) buf.push(rows[i + k]!);
        i += take;
        pushed += take;
        if (buf.length >= maxRows) requestDrain(written);
        else arm();
      }
    },
    flush,
    get pending() {
      return pushed - written;
    },
    get stats() {
      return { ...stats };
    },
    get closed() {
      return closed;
    },
    // Safe to call again after a rejection: it retries the flush of what is still buffered.
    async close() {
      closed = true;
      wakePushers();
      await flush();
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
    [Symbol.asyncDispose]: () => writer.close(),
  };
  return writer;
}

// Not unref'd: a caller is awaiting this flush, and the process must not exit mid-retry.
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
