// Recording retention: which segments go (a pure planner) and deleting them, rows and files
// together (applyRetention).
//
// Order: the rows of a batch are deleted first, then its files. So a row never points at a file
// that is gone (what the UI and playback read stays true), and a file is never deleted unless its
// row delete succeeded. The price is the opposite failure: when unlinking fails after the row is
// gone, the file is left behind unreachable from the store; it is reported in `orphans` for the
// caller to log (and, later, for a sweeper to remove). A file already gone does not stop its row
// from being deleted.
import fs from 'node:fs/promises';
import path from 'node:path';
import { StoreError } from './errors.ts';
import { RECORDINGS_BATCH } from './recordings-sql.ts';
import type { RecordingRecord, Store } from './types.ts';

export interface RetentionLimits {
  /** Delete segments that ended at least this long before `now`. */
  readonly maxAgeMs?: number;
  /** Keep the total size at or below this, deleting the oldest segments first. */
  readonly maxBytes?: number;
  /** Default Date.now(). */
  readonly now?: number;
}

export interface RetentionPlan {
  /** The segments to delete, oldest first. */
  readonly delete: RecordingRecord[];
  /** Total bytes once they are deleted. */
  readonly keptBytes: number;
}

/**
 * Pure: the segments to delete so that both limits hold. First every segment that ended at or
 * before `now - maxAgeMs`, then, oldest first, as many of the rest as it takes to bring the total
 * to `maxBytes` or below. Oldest = by start, then source, then file. An omitted limit does not
 * apply; with neither, nothing is deleted.
 *
 * `totalBytes` is the size of everything in scope when `segments` are only its oldest part (the
 * caller pages through a large table); it defaults to the sum of `segments`.
 */
export function planRetention(
  segments: readonly RecordingRecord[],
  limits: RetentionLimits & { readonly totalBytes?: number },
): RetentionPlan {
  checkLimits(limits);
  const now = limits.now ?? Date.now();
  const cutoff = limits.maxAgeMs === undefined ? -Infinity : now - limits.maxAgeMs;
  const maxBytes = limits.maxBytes ?? Infinity;
  let total = limits.totalBytes ?? segments.reduce((sum, s) => sum + s.bytes, 0);
  const ordered = [...segments].sort(
    (a, b) => a.startTs - b.startTs || cmp(a.sourceId, b.sourceId) || cmp(a.file, b.file),
  );
  const doomed: RecordingRecord[] = [];
  for (const s of ordered) if (s.endTs <= cutoff) doomed.push(s);
  for (const s of doomed) total -= s.bytes;
  for (const s of ordered) {
    if (total <= maxBytes) break;
    if (s.endTs <= cutoff) continue;
    doomed.push(s);
    total -= s.bytes;
  }
  const gone = new Set(doomed);
  return { delete: ordered.filter((s) => gone.has(s)), keptBytes: total };
}

function checkLimits(limits: RetentionLimits): void {
  for (const key of ['maxAgeMs', 'maxBytes'] as const) {
    const v = limits[key];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) {
      throw new RangeError(`${key} must be a finite number >= 0, got ${v}`);
    }
  }
  if (limits.now !== undefined && !Number.isFinite(limits.now)) throw new RangeError('now must be finite');
}

export interface ApplyRetentionOptions extends RetentionLimits {
  readonly store: Store;
  /** The recordings root: relative `file` values resolve against it, and no file outside it is
   * ever deleted (its row is, and the file is reported in `orphans`). */
  readonly root: string;
  /** Only this source; default every source (`maxBytes` is then one budget for all of them). */
  readonly sourceId?: string;
  /** Segments read per round, oldest first (default and maximum 256: one DELETE statement). */
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
}

export interface RetentionResult {
  /** Segments deleted (rows, and files where they still existed) and their bytes. */
  readonly segments: number;
  readonly bytes: number;
  /** Rows deleted whose file was already gone. */
  readonly missingFiles: number;
  /** Files left on disk although their rows are gone. */
  readonly orphans: readonly { readonly file: string; readonly reason: string }[];
}

/**
 * Deletes the oldest recording segments, rows and files, until both limits hold (see
 * planRetention and the order at the top of this file). Works through the table oldest first,
 * one page at a time, so memory stays bounded however much is stored. Age is judged within each
 * page: a segment that ended long ago but started after `batchSize` newer-ending ones (only
 * possible with very uneven segment lengths across sources) waits for a later run.
 *
 * Rejects (StoreError) when reading or deleting rows fails; everything deleted before that stays
 * deleted, and no file of the failed batch is touched.
 */
export async function applyRetention(opts: ApplyRetentionOptions): Promise<RetentionResult> {
  checkLimits(opts);
  const { store, signal } = opts;
  const root = path.resolve(opts.root);
  const now = opts.now ?? Date.now();
  const batchSize = Math.min(RECORDINGS_BATCH, Math.max(1, Math.floor(opts.batchSize ?? RECORDINGS_BATCH)));
  const scope = opts.sourceId === undefined ? {} : { sourceId: opts.sourceId };
  let total = (await store.recordingUsage({ ...scope, ...(signal ? { signal } : {}) })).bytes;
  const result = {
    segments: 0,
    bytes: 0,
    missingFiles: 0,
    orphans: [] as { file: string; reason: string }[],
  };
  const deleted = new Set<string>();

  for (;;) {
    signal?.throwIfAborted();
    const page = await store.listRecordings({ ...scope, limit: batchSize, ...(signal ? { signal } : {}) });
    const plan = planRetention(page, { ...limitsOf(opts), now, totalBytes: total });
    if (plan.delete.length === 0) break;
    for (const [sourceId, rows] of groupBySource(plan.delete)) {
      for (const r of rows) {
        const key = `${r.sourceId}\0${r.file}`;
        // A deleted row listed again would loop forever: refuse rather than spin.
        if (deleted.has(key))
          throw new StoreError('STORE_QUERY_FAILED', `recording still listed after delete: ${r.file}`);
        deleted.add(key);
      }
      await store.deleteRecordings(
        rows.map((r) => ({ sourceId, file: r.file })),
        signal,
      );
      for (const r of rows) {
        const outcome = await removeFile(root, r.file);
        if (outcome === 'missing') result.missingFiles++;
        else if (outcome !== 'removed') result.orphans.push({ file: r.file, reason: outcome });
        result.segments++;
        result.bytes += r.bytes;
        total -= r.bytes;
      }
    }
    if (page.length < batchSize) break;
  }
  return result;
}

function limitsOf(opts: RetentionLimits): RetentionLimits {
  return {
    ...(opts.maxAgeMs === undefined ? {} : { maxAgeMs: opts.maxAgeMs }),
    ...(opts.maxBytes === undefined ? {} : { maxBytes: opts.maxBytes }),
  };
}

function groupBySource(rows: readonly RecordingRecord[]): Map<string, RecordingRecord[]> {
  const out = new Map<string, RecordingRecord[]>();
  for (const r of rows) {
    const list = out.get(r.sourceId);
    if (list === undefined) out.set(r.sourceId, [r]);
    else list.push(r);
  }
  return out;
}

/** 'removed', 'missing', or why the file was left. */
async function removeFile(root: string, file: string): Promise<string> {
  const abs = path.resolve(root, file);
  const rel = path.relative(root, abs);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    return 'outside the recordings root';
  }
  try {
    await fs.unlink(abs);
    return 'removed';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    return `unlink failed: ${code ?? String(err)}`;
  }
}

// Code-unit order, as in segments.ts and ClickHouse.
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
