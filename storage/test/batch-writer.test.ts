import { describe, expect, it } from 'vitest';
import { createBatchWriter, StoreError } from '../index.ts';

// A real in-memory table that fails its first `failures` inserts, so the writer's retry, ordering
// and backpressure logic runs for real against something that behaves like a flaky database.
function flakyTable(failures = 0) {
  const rows: number[] = [];
  const batches: number[][] = [];
  let left = failures;
  let inFlight = 0;
  let maxInFlight = 0;
  let gate: Promise<void> | null = null;
  return {
    rows,
    batches,
    get maxInFlight() {
      return maxInFlight;
    },
    failNext(n: number) {
      left = n;
    },
    /** Holds every insert until the returned function is called. */
    hold(): () => void {
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      return () => {
        gate = null;
        open();
      };
    },
    async insert(batch: number[]) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await new Promise((r) => setImmediate(r));
        if (gate !== null) await gate;
        if (left > 0) {
          left--;
          throw new Error('connection refused');
        }
        rows.push(...batch);
        batches.push([...batch]);
      } finally {
        inFlight--;
      }
    },
  };
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('createBatchWriter', () => {
  it('flushes when maxRows rows are buffered, in order, one insert at a time', async () => {
    const table = flakyTable();
    const w = createBatchWriter<number>((r) => table.insert(r), { maxRows: 3, maxDelayMs: 60_000 });
    for (const x of range(0, 7)) await w.push([x]);
    await w.flush();
    expect(table.rows).toEqual(range(0, 7));
    expect(table.batches.map((b) => b.length)).toEqual([3, 3, 1]);
    expect(table.maxInFlight).toBe(1);
    expect(w.stats).toMatchObject({ written: 7, batches: 3, failures: 0 });
    expect(w.pending).toBe(0);
    await w.close();
  });

  it('flushes on its own after maxDelayMs', async () => {
    const table = flakyTable();
    const w = createBatchWriter<number>((r) => table.insert(r), { maxRows: 1000, maxDelayMs: 5 });
    await w.push([1, 2]);
    await expect.poll(() => table.rows, { timeout: 5000 }).toEqual([1, 2]);
    await w.close();
  });

  it('retries a failing insert with backoff and stores every row once', async () => {
    const table = flakyTable(2);
    const w = createBatchWriter<number>((r) => table.insert(r), { maxRows: 10, retries: 3 });
    await w.push(range(0, 5));
    await w.flush();
    expect(table.rows).toEqual(range(0, 5));
    expect(w.stats).toMatchObject({ written: 5, batches: 1, failures: 2 });
    await w.close();
  });

  it('rejects flush() and close() with STORE_INSERT_FAILED after the retries, keeping the rows', async () => {
    const table = flakyTable(100);
    const w = createBatchWriter<number>((r) => table.insert(r), {
      maxRows: 10,
      retries: 1,
      maxDelayMs: 60_000,
    });
    await w.push(range(0, 4));
    const err = await w.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'STORE_INSERT_FAILED', httpStatus: 503, exitCode: 7 });
    expect((err as Error).cause).toMatchObject({ message: 'connection refused' });
    expect(w.pending).toBe(4);
    expect(w.stats.failures).toBe(2);
    await expect(w.close()).rejects.toMatchObject({ code: 'STORE_INSERT_FAILED' });
    expect(w.closed).toBe(true);
    await expect(w.push([9])).rejects.toMatchObject({ code: 'STORE_CLOSED' });

    // The database comes back: a second close() stores what was kept, in order, exactly once.
    table.failNext(0);
    await w.close();
    expect(table.rows).toEqual(range(0, 4));
    expect(w.pending).toBe(0);
  });

  it('makes push() wait at the high-water mark until a batch is stored', async () => {
    const table = flakyTable();
    const release = table.hold();
    const w = createBatchWriter<number>((r) => table.insert(r), {
      maxRows: 2,
      highWaterMark: 4,
      maxDelayMs: 60_000,
    });
    await w.push(range(0, 4)); // fills the buffer exactly; the first batch is now held in flight
    let pushed = false;
    const blocked = w.push([4, 5]).then(() => (pushed = true));
    await new Promise((r) => setImmediate(r));
    expect(pushed).toBe(false);
    expect(w.pending).toBe(4);
    release();
    await blocked;
    await w.flush();
    expect(table.rows).toEqual(range(0, 6));
    await w.close();
  });

  it('accepts a push larger than the high-water mark in slices, never buffering more', async () => {
    const table = flakyTable();
    const w = createBatchWriter<number>((r) => table.insert(r), { maxRows: 3, highWaterMark: 5 });
    let maxPending = 0;
    const p = w.push(range(0, 20));
    const watch = setInterval(() => (maxPending = Math.max(maxPending, w.pending)), 0);
    await p;
    clearInterval(watch);
    await w.close();
    expect(maxPending).toBeLessThanOrEqual(5);
    expect(table.rows).toEqual(range(0, 20));
  });

  it('close() flushes, is idempotent, and flush() of nothing resolves at once', async () => {
    const table = flakyTable();
    const w = createBatchWriter<number>((r) => table.insert(r));
    await w.flush();
    await w.push([1]);
    await w.close();
    await w.close();
    await w[Symbol.asyncDispose]();
    expect(table.rows).toEqual([1]);
  });
});
