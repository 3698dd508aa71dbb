// What the benches share to report their numbers: a nearest-rank percentile and a plain text table.

/** The p-th percentile of `xs` (nearest rank; NaN when empty). */
export function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

/** Columns padded to their widest cell: the first left-aligned, the rest right-aligned. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    '  ' + r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(head), '  ' + w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}
