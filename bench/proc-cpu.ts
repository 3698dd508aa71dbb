// CPU time of this process and of every process under it, by role, from /proc/<pid>/stat (Linux).
// The bench runs the server in its own process, so the mediasoup worker, the feed's ffmpeg and
// Chromium are all descendants: no pid has to be asked of the code under test.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export type CpuRole = 'server' | 'worker' | 'feed' | 'chromium' | 'other';

export interface CpuSample {
  readonly atMs: number;
  /** CPU ms used so far per pid (utime + stime), with the pid's role. */
  readonly pids: ReadonlyMap<number, { role: CpuRole; ms: number }>;
}

let tickMs: number | null = null;
function msPerTick(): number {
  if (tickMs === null) {
    let hz = 100;
    try {
      hz = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      // getconf missing: 100 Hz is what every Linux build here uses.
    }
    tickMs = 1000 / hz;
  }
  return tickMs;
}

interface Stat {
  readonly ppid: number;
  readonly comm: string;
  readonly ms: number;
}

function readStat(pid: number): Stat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parentheses: the fields start after the last ')'.
    const close = s.lastIndexOf(')');
    const f = s.slice(close + 2).split(' ');
    // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return {
      ppid: Number(f[1]),
      comm: s.slice(s.indexOf('(') + 1, close),
      ms: (Number(f[11]) + Number(f[12])) * msPerTick(),
    };
  } catch {
    return null; // exited meanwhile
  }
}

function role(pid: number, comm: string): CpuRole {
  if (pid === process.pid) return 'server';
  if (comm.startsWith('mediasoup-work')) return 'worker';
  if (comm.startsWith('chrom')) return 'chromium';
  if (comm === 'ffmpeg') {
    try {
      // The live view's feed is the ffmpeg writing fragmented MP4 (server/video/args.ts).
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (
        argv.includes('frag_keyframe+empty_moov+default_base_moof') ||
        argv.some((a) => a.startsWith('[select='))
      ) {
        return 'feed';
      }
    } catch {
      // exited meanwhile
    }
  }
  return 'other';
}

/** This process and all its descendants, now. */
export function sampleCpu(): CpuSample {
  const stats = new Map<number, Stat>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const st = readStat(pid);
    if (st) stats.set(pid, st);
  }
  const children = new Map<number, number[]>();
  for (const [pid, st] of stats) children.set(st.ppid, [...(children.get(st.ppid) ?? []), pid]);
  const pids = new Map<number, { role: CpuRole; ms: number }>();
  const todo = [process.pid];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    const st = stats.get(pid);
    if (!st) continue;
    pids.set(pid, { role: role(pid, st.comm), ms: st.ms });
    todo.push(...(children.get(pid) ?? []));
  }
  return { atMs: performance.now(), pids };
}

/** CPU ms per wall second, per role, between two samples (a process that exited meanwhile is lost). */
export function cpuBetween(a: CpuSample, b: CpuSample): Record<CpuRole, number> {
  const out: Record<CpuRole, number> = { server: 0, worker: 0, feed: 0, chromium: 0, other: 0 };
  const seconds = (b.atMs - a.atMs) / 1000;
  for (const [pid, p] of b.pids) out[p.role] += (p.ms - (a.pids.get(pid)?.ms ?? 0)) / seconds;
  return out;
}

/** CPU ms per wall second of one process between two samples (0 when it is not among them). */
export function pidCpu(a: CpuSample, b: CpuSample, pid: number | undefined): number {
  if (pid === undefined) return 0;
  const x = b.pids.get(pid);
  return x ? (x.ms - (a.pids.get(pid)?.ms ?? 0)) / ((b.atMs - a.atMs) / 1000) : 0;
}
