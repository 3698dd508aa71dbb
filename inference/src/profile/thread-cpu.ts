import { openSync, readFileSync, readSync } from 'node:fs';

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

const TICK_MS = 10; // USER_HZ is 100 on every Linux ABI Node supports

/**
 * A process's or thread's name and user + system CPU (ms) from its /proc stat file (`/proc/PID/stat`,
 * `/proc/self/task/TID/stat`; readable while a process is an unreaped zombie), or null once it is
 * gone or off Linux. 10 ms resolution.
 */
export function procStat(path: string): { readonly name: string; readonly cpuMs: number } | null {
  try {
    const stat = readFileSync(path, 'latin1');
    const close = stat.lastIndexOf(')');
    const f = stat.slice(close + 2).split(' ');
    return {
      name: stat.slice(stat.indexOf('(') + 1, close),
      cpuMs: (Number(f[11]) + Number(f[12])) * TICK_MS,
    };
  } catch {
    return null;
  }
}
