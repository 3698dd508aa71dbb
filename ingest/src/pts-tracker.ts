import { parseShowinfo } from './ffmpeg/stderr.ts';

/**
 * Pairs frames read from stdout with the PTS showinfo printed for them on stderr: the nth
 * showinfo frame line belongs to the nth frame (passthrough frame timing keeps them 1:1). The
 * two pipes race, so a frame may arrive before its line; `next()` then waits for it.
 *
 * The FIFO stays short on its own: ffmpeg prints a line just before writing its frame, and
 * blocks on stdout when we stop reading.
 */
export class PtsTracker {
  private readonly pending: Array<number | null> = [];
  private waiter: ((ms: number | null) => void) | undefined;
  private timebase: { num: number; den: number } | undefined;
  private ended = false;

  /** Feed every stderr line. */
  onLine(line: string): void {
    const event = parseShowinfo(line);
    if (event === null) return;
    if (event.type === 'timebase') {
      if (event.num > 0 && event.den > 0) this.timebase = { num: event.num, den: event.den };
      return;
    }
    // The integer PTS times the time base is exact; pts_time is printed with only 6 significant
    // digits, which on a live stream with a large PTS offset rounds away tens of milliseconds.
    const ms =
      event.pts !== null && this.timebase
        ? (event.pts * 1000 * this.timebase.num) / this.timebase.den
        : event.ptsTime === null
          ? null
          : event.ptsTime * 1000;
    this.deliver(ms);
  }

  /** PTS (ms, source clock) of the next frame; null when ffmpeg printed none (stream ended/NOPTS). */
  next(): Promise<number | null> {
    if (this.pending.length > 0) return Promise.resolve(this.pending.shift() ?? null);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** stderr is done (or we stop): nobody will print more lines. */
  end(): void {
    this.ended = true;
    this.waiter?.(null);
    this.waiter = undefined;
  }

  private deliver(ms: number | null): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(ms);
    } else {
      this.pending.push(ms);
    }
  }
}
