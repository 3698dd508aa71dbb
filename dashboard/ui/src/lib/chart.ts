// uPlot helpers shared by the live and history timelines: theme-aware options (colours are read
// from CSS variables at draw time, so a theme switch needs only a redraw), and width tracking.
import uPlot from 'uplot';
import { classColor } from './colors.ts';

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

export type XAxisKind = 'time' | 'media';

/** m:ss labels for a media-time axis in seconds. */
function mediaTicks(_u: uPlot, splits: number[]): string[] {
  return splits.map((s) => {
    const t = Math.max(0, Math.round(s));
    const m = Math.floor(t / 60);
    return `${m}:${String(t % 60).padStart(2, '0')}`;
  });
}

export function seriesFor(label: string): uPlot.Series {
  const color = classColor(label);
  return {
    label,
    stroke: color,
    fill: `${color}22`,
    width: 1.5,
    // Dots only while a series is too short to draw a step (the first seconds of a live source).
    points: { show: (_u, _si, i0, i1) => i1 - i0 < 2, size: 5 },
    // Counts per second are steps, not slopes.
    paths: uPlot.paths.stepped?.({ align: 1 }),
  };
}

/** Tick steps for a media-time axis: whole seconds and minutes, never fractions. */
const MEDIA_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400];

/**
 * x range for a scrolling live chart: the last `span` seconds, but at least `minSpan` wide so the
 * first seconds of a source do not stretch across the whole chart with sub-second ticks.
 */
export function scrollingRange(span: number, minSpan: number): uPlot.Range.Function {
  // From the data itself: uPlot widens a single point's range by a fraction of its magnitude,
  // which for unix seconds means years.
  return (u) => {
    const xs = u.data[0];
    const first = xs[0];
    const last = xs[xs.length - 1];
    if (first === undefined || last === undefined) {
      const now = Date.now() / 1000;
      return [now - minSpan, now];
    }
    return [Math.min(last - minSpan, Math.max(first, last - span)), last];
  };
}

export function baseOptions(opts: {
  width: number;
  height: number;
  x: XAxisKind;
  labels: readonly string[];
  zoom?: boolean;
  /** A fixed x range function (live charts); default: the data's extent. */
  xRange?: uPlot.Range.Function;
  hooks?: uPlot.Hooks.Arrays;
}): uPlot.Options {
  const axis = (): uPlot.Axis => ({
    stroke: () => cssVar('--fg-muted'),
    grid: { stroke: () => cssVar('--grid'), width: 1 },
    ticks: { stroke: () => cssVar('--grid'), width: 1 },
    font: '11px system-ui, -apple-system, sans-serif',
  });
  return {
    width: opts.width,
    height: opts.height,
    pxAlign: 1,
    scales: {
      x: opts.xRange ? { time: opts.x === 'time', range: opts.xRange } : { time: opts.x === 'time' },
      y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
    },
    series: [{ label: opts.x === 'time' ? 'time' : 'media time' }, ...opts.labels.map(seriesFor)],
    axes: [
      opts.x === 'media' ? { ...axis(), values: mediaTicks, incrs: MEDIA_INCRS } : axis(),
      {
        ...axis(),
        size: 40,
        values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')),
      },
    ],
    cursor: { drag: { x: opts.zoom ?? false, y: false }, points: { size: 6 } },
    legend: { live: true },
    hooks: opts.hooks ?? {},
  };
}

/** Keeps the chart as wide as its container; returns the stop function. */
export function trackWidth(el: HTMLElement, u: uPlot, height: number): () => void {
  const ro = new ResizeObserver(() => {
    const w = Math.floor(el.clientWidth);
    if (w > 0 && w !== u.width) u.setSize({ width: w, height });
  });
  ro.observe(el);
  return () => ro.disconnect();
}
