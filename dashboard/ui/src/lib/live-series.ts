// The live timeline's data: per-class counts per closed window, as columns in fixed-size rings
// (one Float64Array per series), trimmed to the last `spanSec` seconds. New classes get a column
// backfilled with zeros.
import type uPlot from 'uplot';

export interface LiveSeries {
  /** Adds one window at `t` (unix seconds); returns true when a new class appeared. Out-of-order points are ignored. */
  push(t: number, counts: Readonly<Record<string, number>>): boolean;
  readonly labels: readonly string[];
  readonly length: number;
  /** The points in time order, in uPlot's layout: [x, ...one column per label]. */
  aligned(): uPlot.AlignedData;
  clear(): void;
}

export function createLiveSeries(opts: { spanSec?: number; capacity?: number } = {}): LiveSeries {
  const span = opts.spanSec ?? 120;
  const cap = opts.capacity ?? 600;
  const xs = new Float64Array(cap);
  const labels: string[] = [];
  const cols: Float64Array[] = [];
  let head = 0; // index of the oldest point
  let len = 0;

  const at = (i: number): number => (head + i) % cap;

  return {
    push(t, counts) {
      if (len > 0 && t <= xs[at(len - 1)]!) return false;
      let added = false;
      for (const label of Object.keys(counts)) {
        if (labels.includes(label)) continue;
        labels.push(label);
        cols.push(new Float64Array(cap));
        added = true;
      }
      if (len === cap) {
        head = (head + 1) % cap;
        len--;
      }
      const k = at(len);
      xs[k] = t;
      for (let j = 0; j < labels.length; j++) cols[j]![k] = counts[labels[j]!] ?? 0;
      len++;
      while (len > 1 && xs[head]! < t - span) {
        head = (head + 1) % cap;
        len--;
      }
      return added;
    },
    get labels() {
      return labels;
    },
    get length() {
      return len;
    },
    aligned() {
      const unroll = (src: Float64Array): Float64Array => {
        const out = new Float64Array(len);
        const first = Math.min(len, cap - head);
        out.set(src.subarray(head, head + first), 0);
        if (first < len) out.set(src.subarray(0, len - first), first);
        return out;
      };
      return [unroll(xs), ...cols.map(unroll)] as uPlot.AlignedData;
    },
    clear() {
      head = 0;
      len = 0;
      labels.length = 0;
      cols.length = 0;
    },
  };
}
