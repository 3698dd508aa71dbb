/** Progress output on stderr: a bar for files (known duration), a spinner for live sources. */
export type { JobProgress as ProgressState } from '@aima/dashboard';
import type { JobProgress as ProgressState } from '@aima/dashboard';

export interface Progress {
  update(s: ProgressState): void;
  done(): void;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** One line of progress text (pure, for tests and for non-TTY logs). */
export function renderProgress(s: ProgressState, elapsedMs: number, width = 24, tick = 0): string {
  const fps = elapsedMs > 0 ? (s.frames * 1000) / elapsedMs : 0;
  const rt = elapsedMs > 0 ? s.mediaMs / elapsedMs : 0;
  const drops = s.dropped > 0 ? ` | dropped ${s.dropped}` : '';
  if (s.totalMs === null || s.totalMs <= 0) {
    const spin = SPINNER[tick % SPINNER.length];
    return `${spin} live ${formatDuration(elapsedMs)} | ${s.frames} frames | ${fps.toFixed(1)} fps${drops}`;
  }
  const frac = Math.min(1, s.mediaMs / s.totalMs);
  const filled = Math.round(frac * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  const eta = rt > 0 ? formatDuration((s.totalMs - s.mediaMs) / rt) : '--:--';
  return `${bar} ${(frac * 100).toFixed(0).padStart(3)}% | ${s.frames} frames | ${fps.toFixed(1)} fps | ${rt.toFixed(1)}x realtime | ETA ${eta}${drops}`;
}

/** Redraws at most every 100 ms on a TTY; prints nothing when stderr is not a terminal. */
export function createProgress(
  stream: NodeJS.WriteStream = process.stderr,
  enabled = stream.isTTY === true,
): Progress {
  const t0 = performance.now();
  let last = 0;
  let tick = 0;
  let drawn = false;
  return {
    update(s) {
      if (!enabled) return;
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      const cols = stream.columns ?? 100;
      stream.write(`\r${renderProgress(s, now - t0, 24, tick++).slice(0, cols - 1)}\x1b[K`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
