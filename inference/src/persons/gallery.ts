import { InferenceError } from '../errors.ts';

export interface GalleryOptions {
  /** Embedding length. */
  readonly dim: number;
  /** Exemplars kept per person; past it the lowest-weight (then oldest) one is replaced. Default 32. */
  readonly maxExemplarsPerPerson?: number;
}

/** The best exemplar of one person for a query. */
export interface GalleryNeighbor {
  readonly personId: string;
  /** Cosine similarity (embeddings are L2-normalised). */
  readonly similarity: number;
  /** The exemplar's key (e.g. the appearance id). */
  readonly key: string;
}

/**
 * Known faces as L2-normalised embeddings in one Float32Array matrix, searched by brute force
 * (10,000 × 128 floats is 5 MB and a millisecond or two per query). Bounded per person.
 */
export interface Gallery {
  readonly dim: number;
  /** Exemplars stored. */
  readonly size: number;
  /** Persons with at least one exemplar. */
  readonly persons: number;
  /**
   * Stores (or replaces, same key) an exemplar. Returns false when the person is full and every
   * exemplar outweighs this one, so it was not kept.
   */
  add(personId: string, key: string, embedding: Float32Array, weight?: number): boolean;
  /** Drops an exemplar; false if the key is unknown. */
  remove(key: string): boolean;
  /** All exemplars of `from` become `to`'s (merge), trimmed to the per-person bound. */
  movePerson(from: string, to: string): void;
  has(key: string): boolean;
  personOf(key: string): string | undefined;
  /** The `k` most similar persons (each with its best exemplar), most similar first. */
  search(embedding: Float32Array, k: number): GalleryNeighbor[];
}

export function createGallery(opts: GalleryOptions): Gallery {
  const dim = opts.dim;
  const maxPer = Math.max(1, opts.maxExemplarsPerPerson ?? 32);
  if (!(dim > 0)) throw new InferenceError('INFER_BAD_CONFIG', `gallery dim must be positive, got ${dim}`);
  let capacity = 256;
  let matrix = new Float32Array(capacity * dim);
  // Row i: matrix[i*dim .. (i+1)*dim), keys[i], person[i], weights[i], seqs[i].
  const keys: string[] = [];
  const person: string[] = [];
  const weights: number[] = [];
  const seqs: number[] = [];
  const rowOf = new Map<string, number>();
  const rowsOf = new Map<string, Set<number>>();
  let seq = 0;
  let scores = new Float32Array(capacity);

  const grow = (): void => {
    capacity *= 2;
    const m = new Float32Array(capacity * dim);
    m.set(matrix);
    matrix = m;
    scores = new Float32Array(capacity);
  };

  const setRowsOf = (p: string): Set<number> => {
    let s = rowsOf.get(p);
    if (!s) rowsOf.set(p, (s = new Set()));
    return s;
  };

  const write = (row: number, p: string, key: string, e: Float32Array, w: number): void => {
    matrix.set(e, row * dim);
    keys[row] = key;
    person[row] = p;
    weights[row] = w;
    seqs[row] = seq++;
    rowOf.set(key, row);
    setRowsOf(p).add(row);
  };

  const removeRow = (row: number): void => {
    const last = keys.length - 1;
    rowOf.delete(keys[row]!);
    rowsOf.get(person[row]!)!.delete(row);
    if (rowsOf.get(person[row]!)!.size === 0) rowsOf.delete(person[row]!);
    if (row !== last) {
      // Swap-remove: the last row moves into the hole.
      matrix.copyWithin(row * dim, last * dim, (last + 1) * dim);
      keys[row] = keys[last]!;
      person[row] = person[last]!;
      weights[row] = weights[last]!;
      seqs[row] = seqs[last]!;
      rowOf.set(keys[row]!, row);
      const s = rowsOf.get(person[row]!)!;
      s.delete(last);
      s.add(row);
    }
    keys.pop();
    person.pop();
    weights.pop();
    seqs.pop();
  };

  /** The row to give up when `p` is over its bound: lowest weight, then oldest. */
  const weakest = (p: string): number => {
    let best = -1;
    for (const r of rowsOf.get(p) ?? []) {
      if (
        best < 0 ||
        weights[r]! < weights[best]! ||
        (weights[r] === weights[best] && seqs[r]! < seqs[best]!)
      )
        best = r;
    }
    return best;
  };

  return {
    dim,
    get size() {
      return keys.length;
    },
    get persons() {
      return rowsOf.size;
    },
    add(p, key, embedding, weight = 1) {
      if (embedding.length !== dim) {
        throw new InferenceError(
          'INFER_BAD_CONFIG',
          `gallery: embedding has ${embedding.length} values, expected ${dim}`,
        );
      }
      const existing = rowOf.get(key);
      if (existing !== undefined) removeRow(existing);
      if ((rowsOf.get(p)?.size ?? 0) >= maxPer) {
        const w = weakest(p);
        if (weights[w]! > weight) return false;
        removeRow(w);
      }
      if (keys.length >= capacity) grow();
      write(keys.length, p, key, embedding, weight);
      return true;
    },
    remove(key) {
      const row = rowOf.get(key);
      if (row === undefined) return false;
      removeRow(row);
      return true;
    },
    movePerson(from, to) {
      if (from === to) return;
      const rows = rowsOf.get(from);
      if (!rows) return;
      const dest = setRowsOf(to);
      for (const r of rows) {
        person[r] = to;
        dest.add(r);
      }
      rowsOf.delete(from);
      while (dest.size > maxPer) removeRow(weakest(to));
    },
    has: (key) => rowOf.has(key),
    personOf(key) {
      const row = rowOf.get(key);
      return row === undefined ? undefined : person[row];
    },
    search(embedding, k) {
      const n = keys.length;
      if (n === 0 || k <= 0) return [];
      for (let r = 0; r < n; r++) scores[r] = dotRow(matrix, r * dim, embedding, dim);
      const best = new Map<string, number>();
      for (let r = 0; r < n; r++) {
        const b = best.get(person[r]!);
        if (b === undefined || scores[r]! > scores[b]!) best.set(person[r]!, r);
      }
      return [...best.values()]
        .sort((a, b) => scores[b]! - scores[a]!)
        .slice(0, k)
        .map((r) => ({ personId: person[r]!, similarity: scores[r]!, key: keys[r]! }));
    },
  };
}

/** Dot product of matrix[o..o+dim) with q; four accumulators let V8 overlap the multiply-adds (~1.6× a plain loop). */
function dotRow(m: Float32Array, o: number, q: Float32Array, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    s0 += m[o + i]! * q[i]!;
    s1 += m[o + i + 1]! * q[i + 1]!;
    s2 += m[o + i + 2]! * q[i + 2]!;
    s3 += m[o + i + 3]! * q[i + 3]!;
  }
  for (; i < dim; i++) s0 += m[o + i]! * q[i]!;
  return s0 + s1 + s2 + s3;
}
