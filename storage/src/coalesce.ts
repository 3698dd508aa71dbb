import type { Store } from './types.ts';

/**
 * Inserts that several sources make into the same table, merged into one INSERT: a live source
 * at 2 fps flushes a handful of rows per table every half second, and ClickHouse pays per INSERT
 * (a part to write, later to merge) far more than per row, so with N sources the store's CPU grew
 * with N × tables. Calls to one method are queued while that method's previous INSERT runs (group
 * commit) and for at most `lingerMs` after the first; their rows go in call order, so the table
 * gets exactly the rows, in the order, the separate inserts would have written.
 *
 * Nothing is dropped: each call resolves when its rows are stored. If a merged INSERT fails, each
 * call's rows are inserted again on their own, so one caller's bad rows fail only that caller.
 */
export const COALESCED_INSERTS = [
  'insertDetections',
  'insertWindows',
  'insertTracks',
  'insertFaces',
  'insertShots',
  'insertSpeechSegments',
  'insertLoudness',
  'insertAudioEvents',
  'insertTranscriptSegments',
  'insertSpeakerTurns',
  'insertSpeechRate',
  'insertPoses',
  'insertPoseFeatures',
  'insertTags',
  'insertAgeEstimates',
  'insertNsfwScores',
  'insertRiskScores',
  'insertSafetyEvents',
] as const satisfies ReadonlyArray<keyof Store>;

export interface CoalesceOptions {
  /** How long the first call of a batch waits for others (default 20 ms). */
  readonly lingerMs?: number;
  /** Rows per merged INSERT at most (default 20 000). */
  readonly maxRows?: number;
}

interface Call {
  readonly rows: readonly unknown[];
  resolve(): void;
  reject(err: unknown): void;
}

type Insert = (rows: readonly unknown[]) => Promise<void>;

/** One method's (or one analyzer table's) queue of calls waiting for their merged INSERT. */
function createGroup(insert: Insert, opts: Required<CoalesceOptions>): Insert {
  const waiting: Call[] = [];
  let running = false;
  let timer: NodeJS.Timeout | null = null;

  const run = async (): Promise<void> => {
    timer = null;
    if (running || waiting.length === 0) return;
    running = true;
    let rows = 0;
    let n = 0;
    while (n < waiting.length && (n === 0 || rows + waiting[n]!.rows.length <= opts.maxRows)) {
      rows += waiting[n]!.rows.length;
      n++;
    }
    const calls = waiting.splice(0, n);
    try {
      await insert(calls.length === 1 ? calls[0]!.rows : calls.flatMap((c) => c.rows));
      for (const c of calls) c.resolve();
    } catch (err) {
      if (calls.length === 1) calls[0]!.reject(err);
      else {
        for (const c of calls) await insert(c.rows).then(c.resolve, c.reject);
      }
    } finally {
      running = false;
      // Whatever queued meanwhile goes at once: it has waited for this INSERT already.
      if (waiting.length > 0) void run();
    }
  };

  return (rows) => {
    if (rows.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      waiting.push({ rows, resolve, reject });
      if (!running && timer === null) timer = setTimeout(() => void run(), opts.lingerMs);
    });
  };
}

/** The store with the inserts of COALESCED_INSERTS (and insertAnalyzerRows, per table) merged. */
export function coalesceInserts(store: Store, options: CoalesceOptions = {}): Store {
  const opts = { lingerMs: options.lingerMs ?? 20, maxRows: options.maxRows ?? 20_000 };
  const groups = new Map<string, Insert>();
  const group = (key: string, insert: Insert): Insert => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = createGroup(insert, opts)));
    return g;
  };
  const wrapped: Partial<Record<string, unknown>> = {};
  for (const name of COALESCED_INSERTS) {
    const method = store[name] as unknown as Insert;
    wrapped[name] = (rows: readonly unknown[]) => group(name, (r) => method.call(store, r))(rows);
  }
  wrapped['insertAnalyzerRows'] = (table: string, rows: readonly unknown[]) =>
    group(`analyzer:${table}`, (r) =>
      store.insertAnalyzerRows(table as Parameters<Store['insertAnalyzerRows']>[0], r),
    )(rows);
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in wrapped) return wrapped[prop];
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
