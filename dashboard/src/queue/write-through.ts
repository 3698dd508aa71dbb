/**
 * Writes rows keyed by `id` one batch at a time, newest row per id. A write() resolves once a
 * batch holding its rows is stored (or rejects with that batch's error); rows given while a batch
 * is in flight are coalesced into the next one, so a burst of state changes costs few inserts.
 * Rows of a failed batch stay queued (unless a newer row for the id arrived) and go with the next
 * batch, so a transient storage error loses no state change. Bounded by the number of distinct
 * ids, which the queue bounds.
 */
export interface WriteThrough<R extends { readonly id: string }> {
  write(rows: readonly R[]): Promise<void>;
  /** Resolves once nothing is queued or in flight (never rejects). */
  idle(): Promise<void>;
}

export function createWriteThrough<R extends { readonly id: string }>(
  store: (rows: R[]) => Promise<void>,
): WriteThrough<R> {
  const dirty = new Map<string, R>();
  let tail: Promise<void> = Promise.resolve();
  let next: Promise<void> | null = null;

  function schedule(): Promise<void> {
    if (next !== null) return next;
    const batch = tail.then(async () => {
      next = null;
      const rows = [...dirty.values()];
      dirty.clear();
      if (rows.length === 0) return;
      try {
        await store(rows);
      } catch (e) {
        for (const r of rows) if (!dirty.has(r.id)) dirty.set(r.id, r);
        throw e;
      }
    });
    next = batch;
    tail = batch.catch(() => undefined);
    return batch;
  }

  return {
    write(rows) {
      for (const r of rows) dirty.set(r.id, r);
      return schedule();
    },
    async idle() {
      await tail;
      // Rows left over from a failed batch: one more try, then give up on them.
      if (dirty.size > 0) await schedule().catch(() => undefined);
    },
  };
}
