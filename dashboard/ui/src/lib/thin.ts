// Thinning for long timelines: when a range holds more points than the plot has pixels, keep one
// point per bucket carrying the bucket's max per series (peaks survive; a mean would hide them).
import type uPlot from 'uplot';

/** First index with xs[i] >= v (xs ascending). */
export function lowerBound(xs: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with xs[i] > v (xs ascending). */
export function upperBound(xs: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The points of [min, max] (plus one either side so lines reach the edges), at most `maxPoints`.
 */
export function thinRange(
  x: ArrayLike<number>,
  ys: readonly ArrayLike<number>[],
  min: number,
  max: number,
  maxPoints: number,
): uPlot.AlignedData {
  const start = Math.max(0, lowerBound(x, min) - 1);
  const end = Math.min(x.length, upperBound(x, max) + 1);
  const n = Math.max(0, end - start);
  const buckets = Math.max(1, Math.floor(maxPoints));
  if (n <= buckets) {
    const slice = (a: ArrayLike<number>) => Float64Array.from({ length: n }, (_, i) => a[start + i]!);
    return [slice(x), ...ys.map(slice)] as uPlot.AlignedData;
  }
  const ox = new Float64Array(buckets);
  const oys = ys.map(() => new Float64Array(buckets));
  const per = n / buckets;
  for (let b = 0; b < buckets; b++) {
    const i0 = start + Math.floor(b * per);
    const i1 = start + Math.floor((b + 1) * per);
    ox[b] = x[i0]!;
    for (let s = 0; s < ys.length; s++) {
      const src = ys[s]!;
      let m = 0;
      for (let i = i0; i < i1; i++) if (src[i]! > m) m = src[i]!;
      oys[s]![b] = m;
    }
  }
  return [ox, ...oys] as uPlot.AlignedData;
}
