/**
 * Words of a transcript for scoring: lower case, punctuation dropped (apostrophes inside words
 * kept), digits left as they are. Both sides get the same treatment, so "Americans," = "americans".
 */
export function normalizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]/gu, ' ')
    .replace(/(^|\s)'+|'+(?=\s|$)/g, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 0);
}

export interface WerResult {
  /** (substitutions + deletions + insertions) / reference words; 0 for two empty texts. */
  readonly wer: number;
  readonly substitutions: number;
  readonly deletions: number;
  readonly insertions: number;
  readonly refWords: number;
  readonly hypWords: number;
}

/** Word error rate by Levenshtein alignment over normalised words. */
export function wordErrorRate(ref: string, hyp: string): WerResult {
  const r = normalizeWords(ref);
  const h = normalizeWords(hyp);
  // Each cell holds [cost, subs, dels, ins] of the best alignment of r[0..i) with h[0..j).
  type Cell = readonly [number, number, number, number];
  let prev: Cell[] = Array.from({ length: h.length + 1 }, (_, j) => [j, 0, 0, j] as const);
  for (let i = 1; i <= r.length; i++) {
    const row: Cell[] = [[i, 0, i, 0]];
    for (let j = 1; j <= h.length; j++) {
      const diag = prev[j - 1]!;
      const up = prev[j]!;
      const left = row[j - 1]!;
      const same = r[i - 1] === h[j - 1];
      const options: Cell[] = [
        same ? diag : [diag[0] + 1, diag[1] + 1, diag[2], diag[3]],
        [up[0] + 1, up[1], up[2] + 1, up[3]],
        [left[0] + 1, left[1], left[2], left[3] + 1],
      ];
      row.push(options.reduce((a, b) => (b[0] < a[0] ? b : a)));
    }
    prev = row;
  }
  const [cost, substitutions, deletions, insertions] = prev[h.length]!;
  return {
    wer: r.length === 0 ? (h.length === 0 ? 0 : 1) : cost / r.length,
    substitutions,
    deletions,
    insertions,
    refWords: r.length,
    hypWords: h.length,
  };
}
