import { readFileSync } from 'node:fs';

/** What an ffmpeg process is for, as the capacity profile splits them. */
export type FfmpegRole = 'decode' | 'audio' | 'other';

/** Core-ms of every ffmpeg this process started, by role: exited ones plus running ones now. */
export type FfmpegCpu = Readonly<Record<FfmpegRole, number>>;

const TICK_MS = 10; // USER_HZ is 100 on every Linux ABI
const finished: Record<FfmpegRole, number> = { decode: 0, audio: 0, other: 0 };
const running = new Map<number, { role: FfmpegRole; lastMs: number }>();

/** ffmpeg's own account at exit (`-benchmark`): "bench: utime=0.893s stime=0.123s rtime=1.234s". */
const BENCH_LINE = /^(?:\[info\] )?bench: utime=([\d.]+)s stime=([\d.]+)s/;

/** User + system CPU of a live process from /proc (null once it is gone, or off Linux). */
function procCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return null;
  }
}

/**
 * Accounts one ffmpeg's CPU. Its final figure is ffmpeg's own `-benchmark` line (the process is
 * reaped before /proc can be read after exit); a process killed before printing it keeps its last
 * /proc sample.
 */
export function trackFfmpegCpu(
  pid: number,
  role: FfmpegRole,
): { onStderrLine(line: string): void; onExit(): void } {
  const entry = { role, lastMs: 0 };
  running.set(pid, entry);
  let reported: number | null = null;
  return {
    onStderrLine(line) {
      const m = BENCH_LINE.exec(line);
      if (m) reported = (Number(m[1]) + Number(m[2])) * 1000;
    },
    onExit() {
      if (!running.delete(pid)) return;
      finished[role] += reported ?? entry.lastMs;
    },
  };
}

/** Cumulative CPU of this process's ffmpegs, sampling the running ones now. */
export function ffmpegCpu(): FfmpegCpu {
  const out = { ...finished };
  for (const [pid, e] of running) {
    e.lastMs = procCpuMs(pid) ?? e.lastMs;
    out[e.role] += e.lastMs;
  }
  return out;
}
