import { describe, expect, it } from 'vitest';
import { linearAssignment } from '../src/tracking/assignment.ts';
import type { Assignment, CostMatrix } from '../src/tracking/assignment.ts';
import { iou, iouMatrix } from '../src/tracking/iou.ts';

function matrix(rows: readonly (readonly number[])[]): CostMatrix {
  const cols = rows[0]?.length ?? 0;
  return { rows: rows.length, cols, data: Float64Array.from(rows.flat()) };
}

function sorted(a: Assignment): [number, number][] {
  return a.matches.map(([r, c]): [number, number] => [r, c]).sort((x, y) => x[0] - y[0]);
}

/** Deterministic PRNG (mulberry32) so the randomised check is reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Exhaustive optimum of sum(matched cost) + threshold * (unmatched rows + unmatched cols) / 2. */
function bruteForce(cost: CostMatrix, threshold: number): number {
  const { rows, cols, data } = cost;
  const usedCols = new Array<boolean>(cols).fill(false);
  const best = (r: number): number => {
    if (r === rows) return 0;
    let value = threshold / 2 + best(r + 1); // row r unmatched
    for (let c = 0; c < cols; c++) {
      const v = data[r * cols + c]!;
      if (usedCols[c] || !(v <= threshold)) continue;
      usedCols[c] = true;
      // Matching r with c saves the unmatched-column half too.
      value = Math.min(value, v - threshold / 2 + best(r + 1));
      usedCols[c] = false;
    }
    return value;
  };
  return best(0) + (cols * threshold) / 2;
}

function objective(cost: CostMatrix, threshold: number, a: Assignment): number {
  const matched = a.matches.reduce((s, [r, c]) => s + cost.data[r * cost.cols + c]!, 0);
  return matched + ((a.unmatchedRows.length + a.unmatchedCols.length) * threshold) / 2;
}

describe('linearAssignment', () => {
  it('solves a square matrix with a known optimum', () => {
    const a = linearAssignment(
      matrix([
        [4, 1, 3],
        [2, 0, 5],
        [3, 2, 2],
      ]),
      10,
    );
    // 1 + 2 + 2 = 5 is the unique optimum.
    expect(sorted(a)).toEqual([
      [0, 1],
      [1, 0],
      [2, 2],
    ]);
    expect(a.unmatchedRows).toEqual([]);
    expect(a.unmatchedCols).toEqual([]);
  });

  it('beats greedy where the cheapest pair is the wrong one', () => {
    // Greedy takes (0,0)=1 and is then stuck with (1,1)=100; the optimum is 2 + 2 = 4.
    const a = linearAssignment(
      matrix([
        [1, 2],
        [2, 100],
      ]),
      1000,
    );
    expect(sorted(a)).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('handles more columns than rows', () => {
    const a = linearAssignment(
      matrix([
        [9, 1, 8, 7],
        [1, 2, 9, 9],
      ]),
      10,
    );
    expect(sorted(a)).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect([...a.unmatchedCols].sort()).toEqual([2, 3]);
    expect(a.unmatchedRows).toEqual([]);
  });

  it('handles more rows than columns', () => {
    const a = linearAssignment(matrix([[5], [1], [3]]), 10);
    expect(sorted(a)).toEqual([[1, 0]]);
    expect([...a.unmatchedRows].sort()).toEqual([0, 2]);
    expect(a.unmatchedCols).toEqual([]);
  });

  it('never matches a pair above the threshold, nor an infinite or NaN one', () => {
    const a = linearAssignment(
      matrix([
        [0.9, 0.95],
        [Infinity, NaN],
      ]),
      0.8,
    );
    expect(a.matches).toEqual([]);
    expect(a.unmatchedRows).toEqual([0, 1]);
    expect(a.unmatchedCols).toEqual([0, 1]);
  });

  it('weighs leaving a pair unmatched at the threshold, like lapjv cost_limit', () => {
    // A full assignment then cut at 0.5 would keep (0,1)+(1,0) = 0.9. Leaving a row and a column
    // unmatched costs the threshold, so (0,0) alone, 0.1 + 0.5 = 0.6, is the optimum.
    const cost = matrix([
      [0.1, 0.45],
      [0.45, 0.9],
    ]);
    const a = linearAssignment(cost, 0.5);
    expect(sorted(a)).toEqual([[0, 0]]);
    expect(a.unmatchedRows).toEqual([1]);
    expect(a.unmatchedCols).toEqual([1]);
    expect(objective(cost, 0.5, a)).toBeCloseTo(bruteForce(cost, 0.5), 12);
  });

  it('matches a pair exactly at the threshold', () => {
    expect(sorted(linearAssignment(matrix([[0.5]]), 0.5))).toEqual([[0, 0]]);
  });

  it('handles empty inputs', () => {
    expect(linearAssignment(matrix([]), 1)).toEqual({ matches: [], unmatchedRows: [], unmatchedCols: [] });
    const noCols = linearAssignment({ rows: 2, cols: 0, data: new Float64Array(0) }, 1);
    expect(noCols).toEqual({ matches: [], unmatchedRows: [0, 1], unmatchedCols: [] });
    const noRows = linearAssignment({ rows: 0, cols: 3, data: new Float64Array(0) }, 1);
    expect(noRows).toEqual({ matches: [], unmatchedRows: [], unmatchedCols: [0, 1, 2] });
  });

  it('reads only rows * cols of a longer reused buffer', () => {
    const data = new Float64Array([0.2, 0.1, -5, -5, -5]);
    expect(sorted(linearAssignment({ rows: 1, cols: 2, data }, 1))).toEqual([[0, 1]]);
  });

  it('rejects a non-finite threshold', () => {
    expect(() => linearAssignment(matrix([[1]]), Infinity)).toThrow(RangeError);
  });

  it('agrees with exhaustive search on random rectangular matrices', () => {
    const next = rng(42);
    for (let trial = 0; trial < 300; trial++) {
      const rows = 1 + Math.floor(next() * 5);
      const cols = 1 + Math.floor(next() * 5);
      const data = Float64Array.from({ length: rows * cols }, () => (next() < 0.15 ? Infinity : next()));
      const cost = { rows, cols, data };
      const threshold = 0.2 + next() * 0.8;
      const a = linearAssignment(cost, threshold);
      expect(a.matches.length + a.unmatchedRows.length).toBe(rows);
      expect(a.matches.length + a.unmatchedCols.length).toBe(cols);
      for (const [r, c] of a.matches) expect(data[r * cols + c]).toBeLessThanOrEqual(threshold);
      expect(objective(cost, threshold, a)).toBeCloseTo(bruteForce(cost, threshold), 6);
    }
  });
});

describe('iou', () => {
  it('is 1 for identical boxes and 0 for disjoint or touching ones', () => {
    expect(iou([10, 10, 50, 80], [10, 10, 50, 80])).toBe(1);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
    expect(iou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
  });

  it('is 1/3 for two equal boxes overlapping by half', () => {
    // Intersection 50, union 100 + 100 - 50.
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(1 / 3, 12);
  });

  it('is 0 for a box without area', () => {
    expect(iou([0, 0, 0, 10], [0, 0, 10, 10])).toBe(0);
  });

  it('fills a row-major matrix, reusing a buffer when given', () => {
    const a = [
      [0, 0, 10, 10],
      [100, 100, 110, 110],
    ] as const;
    const b = [
      [5, 0, 15, 10],
      [0, 0, 10, 10],
      [200, 200, 210, 210],
    ] as const;
    const out = new Float64Array(8).fill(-1);
    const m = iouMatrix(a, b, out);
    expect(m).toBe(out);
    expect([...m.subarray(0, 6)].map((v) => Number(v.toFixed(6)))).toEqual([0.333333, 1, 0, 0, 0, 0]);
    expect(m[6]).toBe(-1);
    expect(iouMatrix([], b)).toHaveLength(0);
  });
});
