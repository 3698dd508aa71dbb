// Display formatting shared by the pages.
import type { SourceView } from '../../../src/protocol.ts';

/** m:ss or h:mm:ss for a duration in ms (media time). */
export function formatMediaMs(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Media time with tenths, for segment lists: 1:05.4 */
export function formatMediaMsPrecise(ms: number): string {
  const tenths = Math.floor((Math.max(0, ms) % 1000) / 100);
  return `${formatMediaMs(ms)}.${tenths}`;
}

export function formatClock(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function formatDateTime(epochMs: number): string {
  return new Date(epochMs).toLocaleString([], {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** A time on a source's own axis: media time for files, wall clock for live sources. */
export function formatSourceTime(src: Pick<SourceView, 'live' | 'epochMs'>, ts: number): string {
  return src.live ? formatClock(ts) : formatMediaMsPrecise(ts - src.epochMs);
}

/** Value for <input type="datetime-local"> in local time, to the second. */
export function toDatetimeLocal(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function fromDatetimeLocal(value: string): number | undefined {
  if (!value) return undefined;
  const t = new Date(value).getTime();
  return Number.isFinite(t) ? t : undefined;
}

export type StateTone = 'muted' | 'info' | 'ok' | 'warn' | 'bad';

export function statusTone(status: SourceView['status']): StateTone {
  switch (status) {
    case 'pending':
      return 'muted';
    case 'running':
      return 'info';
    case 'done':
      return 'ok';
    case 'stopped':
      return 'warn';
    case 'failed':
      return 'bad';
  }
}

export function formatNumber(n: number, digits = 1): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}

/** Whole range of a source's data, in epoch ms; null when nothing is known yet. */
export function sourceRange(src: SourceView): { from: number; to: number } | null {
  if (!src.live) {
    const len = Math.max(src.stats.mediaMs, src.stats.totalMs ?? 0);
    return len > 0 ? { from: src.epochMs, to: src.epochMs + len + 1000 } : null;
  }
  const end = src.status === 'running' ? Date.now() : src.updatedAt;
  return end > src.createdAt
    ? { from: Math.min(src.createdAt, src.epochMs || src.createdAt), to: end + 1000 }
    : null;
}
