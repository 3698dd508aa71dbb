// The control plane's view of quarantined sources (issue 11, the minor-protection gate): loaded
// from the store at start, updated the moment any path inserts a quarantines row (a local job, a
// remote worker through the store proxy: both end in store.insertQuarantines, whose watchers hear
// of it before the row is written). Quarantine is for good: nothing here lifts one.
import type { QuarantineRecord, Store } from '@aima/storage';

/** What a source view shows of its quarantine: metadata only. */
export interface QuarantineInfo {
  readonly code: string;
  readonly reason: string;
  readonly ts: number;
}

export interface QuarantineRegistry {
  /**
   * Fail closed: true for every source until the store's quarantines have been read (a server
   * whose load failed serves no pixels at all), then true for quarantined sources.
   */
  isQuarantined(sourceId: string): boolean;
  get(sourceId: string): QuarantineInfo | null;
  /** Quarantines known now (after the load). */
  list(): ReadonlyArray<QuarantineInfo & { readonly sourceId: string }>;
  readonly loaded: boolean;
  /** A source was quarantined (called once per source). Returns unsubscribe. */
  onQuarantine(listener: (sourceId: string, info: QuarantineInfo) => void): () => void;
  close(): void;
}

/** Bounded: one entry per quarantined source (a handful in practice; never pixels). */
const MAX_ENTRIES = 100_000;

export async function openQuarantineRegistry(
  store: Pick<Store, 'listQuarantines' | 'watchQuarantines'>,
): Promise<QuarantineRegistry> {
  const known = new Map<string, QuarantineInfo>();
  const listeners = new Set<(sourceId: string, info: QuarantineInfo) => void>();
  let loaded = false;
  const add = (q: QuarantineRecord): void => {
    if (known.has(q.sourceId) || known.size >= MAX_ENTRIES) return;
    const info = { code: q.code, reason: q.reason, ts: q.ts };
    known.set(q.sourceId, info);
    for (const l of listeners) {
      try {
        l(q.sourceId, info);
      } catch {
        // A listener's bug must not keep the others from closing their pixels.
      }
    }
  };
  // Watch first, then load: a quarantine stored while loading is not missed.
  const unwatch = store.watchQuarantines(add);
  try {
    for (const q of await store.listQuarantines()) add(q);
    loaded = true;
  } catch {
    // Stays unloaded: isQuarantined() answers true for every source (no pixels served).
  }
  return {
    isQuarantined: (id) => !loaded || known.has(id),
    get: (id) => known.get(id) ?? null,
    list: () => [...known].map(([sourceId, q]) => ({ sourceId, ...q })),
    get loaded() {
      return loaded;
    },
    onQuarantine(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close() {
      unwatch();
      listeners.clear();
    },
  };
}
