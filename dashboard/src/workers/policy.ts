// What a worker may ask of the control plane: an allow-list, and every write bound to the source
// of the assignment it belongs to. Anything else (deleteSource, listSources, other sources' rows,
// persons corrections) is refused with WORKER_RPC_REFUSED.

/** Store writes: how to find the rows (or the source record) whose sourceId must match. */
const STORE_WRITES: Readonly<Record<string, 'source' | 'rows' | 'table-rows'>> = {
  upsertSource: 'source',
  insertWindows: 'rows',
  insertDetections: 'rows',
  insertTracks: 'rows',
  insertGaps: 'rows',
  insertFaces: 'rows',
  insertShots: 'rows',
  insertAnalyzerRows: 'table-rows',
};
const STORE_READS = new Set(['getSource']);
/** persons.assign(summary, ctx): ctx.sourceId must match. */
const PERSONS_CALLS = new Set(['assign']);

export type RpcTarget = 'store' | 'persons';

/** Writes carry a seq and are applied once; reads are simply re-run. */
export function isWrite(target: RpcTarget, method: string): boolean {
  return target === 'persons' ? PERSONS_CALLS.has(method) : Object.hasOwn(STORE_WRITES, method);
}

const ownedBy = (v: unknown, sourceId: string): boolean =>
  typeof v === 'object' && v !== null && (v as { sourceId?: unknown }).sourceId === sourceId;

/** null when allowed, else why not. */
export function checkRpc(
  target: RpcTarget,
  method: string,
  args: readonly unknown[],
  sourceId: string,
): string | null {
  if (target === 'persons') {
    if (!PERSONS_CALLS.has(method)) return `persons.${method} is not allowed for workers`;
    return ownedBy(args[1], sourceId) ? null : 'persons.assign for another source';
  }
  if (STORE_READS.has(method)) return args[0] === sourceId ? null : `${method} of another source`;
  const kind = Object.hasOwn(STORE_WRITES, method) ? STORE_WRITES[method] : undefined;
  if (!kind) return `store.${method} is not allowed for workers`;
  if (kind === 'source') {
    const rec = args[0] as { id?: unknown } | null;
    return rec && typeof rec === 'object' && rec.id === sourceId ? null : 'upsertSource of another source';
  }
  const rows = kind === 'rows' ? args[0] : args[1];
  if (!Array.isArray(rows)) return `${method}: rows must be an array`;
  return rows.every((r) => ownedBy(r, sourceId)) ? null : `${method}: a row of another source`;
}

/** Rows a write carries (the dedupe ledger records it). */
export function rowCount(target: RpcTarget, method: string, args: readonly unknown[]): number {
  if (target === 'persons') return 1;
  const kind = STORE_WRITES[method];
  const rows = kind === 'rows' ? args[0] : kind === 'table-rows' ? args[1] : null;
  return Array.isArray(rows) ? rows.length : 1;
}

/** Ledger table name of a write. */
export function tableOf(target: RpcTarget, method: string, args: readonly unknown[]): string {
  if (target === 'persons') return 'persons.assign';
  return method === 'insertAnalyzerRows' ? String(args[0]) : method;
}
