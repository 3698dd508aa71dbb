import { openSync, readSync } from 'node:fs';

let fd: number | null | undefined;
const buf = Buffer.alloc(128);

/**
 * CPU time of the calling thread in ms (Linux schedstat, ns resolution), or wall time where the
 * OS cannot tell. Unlike wall time it does not grow while the thread waits for a core, so stages
 * measured with it stay right when more threads than cores are busy. Costs one small read.
 * The kernel brings this total up to date at scheduler ticks and switches, not on every read: a
 * section shorter than a tick is charged all of a tick or nothing, which is right on average
 * (over a run of hundreds of frames) but not for one call.
 */
export function threadCpuMs(): number {
  if (fd === undefined) {
    try {
      fd = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      fd = null;
    }
  }
  if (fd === null) return performance.now();
  try {
    const n = readSync(fd, buf, 0, buf.length, 0);
    return Number(buf.toString('latin1', 0, n).split(' ')[0]) / 1e6;
  } catch {
    fd = null;
    return performance.now();
  }
}
