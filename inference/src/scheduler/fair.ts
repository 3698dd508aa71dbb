/**
 * Weighted fair choice of batch slots among sources: deficit round robin (Shreedhar & Varghese,
 * 1995) with a cost of one slot per frame. Sources are visited in turn; each visit credits the
 * source its weight, and it sends frames while its credit covers them. A source with nothing to
 * send is skipped and its credit reset (idle time banks nothing), so a weight-3 source gets three
 * slots for every one a weight-1 source gets while both are backlogged, and none starves. The
 * turn survives across batches: a batch that fills mid-turn resumes the same source next time.
 */
export interface FairPicker<K> {
  /** Adds a source at the end of the round (no-op if present). */
  add(key: K, weight: number): void;
  remove(key: K): void;
  /** Chooses up to `n` slots among sources with `available(key) > 0`; keys repeat per slot, in order. */
  pick(n: number, available: (key: K) => number): K[];
}

interface Entry<K> {
  readonly key: K;
  readonly weight: number;
  /** Slots this source may still take in its current turn. */
  deficit: number;
  /** The current turn's quantum was already credited (the turn spans batches). */
  credited: boolean;
}

export function createFairPicker<K>(): FairPicker<K> {
  const entries: Entry<K>[] = [];
  let cursor = 0;
  return {
    add(key, weight) {
      if (entries.some((e) => e.key === key)) return;
      entries.push({ key, weight, deficit: 0, credited: false });
    },
    remove(key) {
      const i = entries.findIndex((e) => e.key === key);
      if (i < 0) return;
      entries.splice(i, 1);
      if (i < cursor) cursor--;
      if (cursor >= entries.length) cursor = 0;
    },
    pick(n, available) {
      const left = entries.map((e) => Math.max(0, Math.floor(available(e.key))));
      let total = left.reduce((s, v) => s + v, 0);
      const out: K[] = [];
      while (out.length < n && total > 0) {
        if (cursor >= entries.length) cursor = 0;
        const e = entries[cursor]!;
        let avail = left[cursor]!;
        if (avail === 0) {
          e.deficit = 0;
          e.credited = false;
          cursor++;
          continue;
        }
        if (!e.credited) {
          e.deficit += e.weight;
          e.credited = true;
        }
        while (e.deficit >= 1 && avail > 0 && out.length < n) {
          out.push(e.key);
          e.deficit -= 1;
          avail--;
          total--;
        }
        left[cursor] = avail;
        // Batch full with credit and frames left: this source goes on first in the next batch.
        if (avail > 0 && e.deficit >= 1) break;
        if (avail === 0) e.deficit = 0;
        e.credited = false;
        cursor++;
      }
      return out;
    },
  };
}
