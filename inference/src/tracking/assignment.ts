/** Row-major cost matrix; `data` may be a longer reused buffer (only rows * cols are read). */
export interface CostMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** A thresholded assignment: every row and every column is either in one match or unmatched. */
export interface Assignment {
  readonly matches: readonly (readonly [row: number, col: number])[];
  readonly unmatchedRows: readonly number[];
  readonly unmatchedCols: readonly number[];
}

/**
 * Minimum-cost matching of rows to columns (rectangular allowed) where a pair may match only when
 * its cost is finite and at most `threshold`. Leaving a row and a column unmatched costs `threshold`
 * (lapjv's `cost_limit`, which ByteTrack uses), so the result is optimal for that objective, not
 * a full assignment with the expensive pairs cut off afterwards.
 */
export function linearAssignment(cost: CostMatrix, threshold: number): Assignment {
  const { rows, cols, data } = cost;
  if (!Number.isFinite(threshold)) throw new RangeError('linearAssignment: threshold must be finite');
  if (data.length < rows * cols) throw new RangeError('linearAssignment: data is shorter than rows * cols');
  const rowToCol = new Int32Array(rows).fill(-1);
  if (rows > 0 && cols > 0) solve(cost, threshold, rowToCol);

  const matches: [number, number][] = [];
  const unmatchedRows: number[] = [];
  const colMatched = new Uint8Array(cols);
  rowToCol.forEach((c, r) => {
    // A pair at the cap is "both unmatched" in disguise.
    if (c >= 0 && admissible(data[r * cols + c], threshold)) {
      matches.push([r, c]);
      colMatched[c] = 1;
    } else {
      unmatchedRows.push(r);
    }
  });
  const unmatchedCols: number[] = [];
  colMatched.forEach((m, c) => {
    if (m === 0) unmatchedCols.push(c);
  });
  return { matches, unmatchedRows, unmatchedCols };
}

/** NaN and ±Infinity never match: callers use Infinity to forbid a pair outright. */
function admissible(v: number | undefined, threshold: number): v is number {
  return v !== undefined && Number.isFinite(v) && v <= threshold;
}

/**
 * Fills rowToCol with a full rectangular assignment of the costs clamped to a cap just above the
 * threshold: a clamped pair costs the same as leaving its row and column unmatched, so the optimum
 * of the clamped problem is the optimum of the thresholded one. The cap sits a hair above the
 * threshold so that a pair exactly at the threshold is preferred to no match.
 */
function solve(cost: CostMatrix, threshold: number, rowToCol: Int32Array): void {
  const { rows, cols, data } = cost;
  const cap = threshold + Math.max(1e-9, Math.abs(threshold) * 1e-9);
  // The Hungarian loop below needs rows <= cols; transpose when it is the other way round.
  const transposed = rows > cols;
  const n = transposed ? cols : rows;
  const m = transposed ? rows : cols;
  const a = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const v = data[transposed ? j * cols + i : i * cols + j];
      a[i * m + j] = admissible(v, threshold) ? v : cap;
    }
  }
  const colToRow = hungarian(a, n, m);
  colToRow.forEach((i, j) => {
    if (i < 0) return;
    if (transposed) rowToCol[j] = i;
    else rowToCol[i] = j;
  });
}

/**
 * Shortest-augmenting-path Hungarian algorithm with potentials (Jonker-Volgenant style), O(n^2 m)
 * for an n x m matrix with n <= m and finite costs. Returns, per column, its row or -1.
 */
function hungarian(a: Float64Array, n: number, m: number): Int32Array {
  // 1-based arrays with index 0 as the virtual source, as in the textbook formulation.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1); // p[j]: row (1-based) matched to column j, 0 if none
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = a[(i0 - 1) * m + (j - 1)]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          const row = p[j]!;
          u[row] = u[row]! + delta;
          v[j] = v[j]! - delta;
        } else {
          minv[j] = minv[j]! - delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const colToRow = new Int32Array(m).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j]! > 0) colToRow[j - 1] = p[j]! - 1;
  return colToRow;
}
