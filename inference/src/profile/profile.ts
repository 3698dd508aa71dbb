import { readdirSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { procStat, threadCpuMs } from './thread-cpu.ts';
import { ortWorkerTids } from '../ort/session.ts';

/**
 * Stages a profile knows, in the order a report lists them. Analyzers add their own (their id);
 * those come after these, alphabetically.
 */
export const PROFILE_STAGES = [
  'decode',
  'scale',
  'pre',
  'model',
  'post',
  'tracking',
  'shots',
  'faces',
  'audio',
  'pose',
  'store',
  'ws',
  'gc',
] as const;
export type KnownStage = (typeof PROFILE_STAGES)[number];

export interface StageRow {
  readonly stage: string;
  /** Core-milliseconds spent in this stage over the profile's span. */
  readonly coreMs: number;
  /** The same per analysed frame (the number the capacity targets are about). */
  readonly perFrameMs: number;
  /** Share of all CPU the process and its ffmpeg children used. */
  readonly share: number;
}

export interface ProfileReport {
  readonly frames: number;
  readonly wallMs: number;
  /** Process CPU (every thread: JS, ORT workers, GC helpers, chDB) plus the children's reported. */
  readonly cpuMs: number;
  readonly cpuPerFrameMs: number;
  /** Known stages, then 'other': CPU no stage claimed (V8's concurrent GC, JIT, libuv, glue). */
  readonly stages: readonly StageRow[];
  /**
   * The same CPU by thread, per analysed frame (10 ms ticks, so coarse on short runs): the JS
   * thread, the ORT workers, the embedded ClickHouse, Node's helpers (GC, JIT, libuv), ffmpeg.
   */
  readonly threads: ThreadCpu & { readonly children: number };
}

/**
 * Where the cores go, in core-ms per analysed frame. Stages are charged where the work is done:
 * JS-thread sections by the thread's CPU time (schedstat), ORT runs by their worker thread's CPU, ffmpeg by its process's user+system time. What no
 * stage claims is reported as 'other' against the process's own CPU clock, so the table always
 * adds up to what the machine spent.
 */
export interface Profile {
  add(stage: string, ms: number): void;
  /** CPU of a child process (ffmpeg): charged to `stage` and counted in the total. */
  addChild(stage: string, ms: number): void;
  /**
   * Charges `stage` with what a cumulative CPU counter (ms) gains over the profile's span: a child
   * process's CPU (ffmpeg), read when the span starts and at each report.
   */
  watch(stage: string, counterMs: () => number): void;
  /** Runs `fn` and charges the thread's CPU time meanwhile to `stage` (synchronous work only). */
  measure<T>(stage: string, fn: () => T): T;
  /** Counts analysed frames: the denominator of every per-frame number. */
  frames(n?: number): void;
  /** Starts a new span: totals, frames and the CPU clock start from zero. */
  reset(): void;
  report(): ProfileReport;
  /** Stops watching GC; idempotent. */
  close(): void;
}

export function createProfile(): Profile {
  const totals = new Map<string, number>();
  let frames = 0;
  let childMs = 0;
  let cpu0 = process.cpuUsage();
  let threads0 = threadCpu();
  let wall0 = performance.now();
  const watched: Array<{ stage: string; read: () => number; base: number }> = [];
  let observer: PerformanceObserver | null = new PerformanceObserver((list) => {
    // Pauses of the JS thread for garbage collection (V8's helper threads land in 'other').
    for (const e of list.getEntries()) add('gc', e.duration);
  });
  observer.observe({ entryTypes: ['gc'] });

  function add(stage: string, ms: number): void {
    if (!(ms > 0)) return;
    totals.set(stage, (totals.get(stage) ?? 0) + ms);
  }

  return {
    add,
    addChild(stage, ms) {
      if (!(ms > 0)) return;
      add(stage, ms);
      childMs += ms;
    },
    watch(stage, read) {
      watched.push({ stage, read, base: read() });
    },
    measure(stage, fn) {
      const t0 = threadCpuMs();
      try {
        return fn();
      } finally {
        add(stage, threadCpuMs() - t0);
      }
    },
    frames(n = 1) {
      frames += n;
    },
    reset() {
      totals.clear();
      frames = 0;
      childMs = 0;
      cpu0 = process.cpuUsage();
      threads0 = threadCpu();
      for (const w of watched) w.base = w.read();
      wall0 = performance.now();
    },
    report() {
      const u = process.cpuUsage(cpu0);
      const all = new Map(totals);
      let children = childMs;
      for (const w of watched) {
        const ms = w.read() - w.base;
        if (!(ms > 0)) continue;
        all.set(w.stage, (all.get(w.stage) ?? 0) + ms);
        children += ms;
      }
      const cpuMs = (u.user + u.system) / 1000 + children;
      const per = (ms: number): number => (frames > 0 ? ms / frames : 0);
      const known = new Set<string>(PROFILE_STAGES);
      // The embedded ClickHouse works on its own named threads: their CPU is the store's.
      const t = threadCpu();
      const threads: ThreadCpu = {
        js: t.js - threads0.js,
        ortWorkers: t.ortWorkers - threads0.ortWorkers,
        native: t.native - threads0.native,
        helpers: t.helpers - threads0.helpers,
        previews: t.previews - threads0.previews,
      };
      const native = threads.native;
      if (threads.previews > 0) all.set('ws', (all.get('ws') ?? 0) + threads.previews);
      if (native > 0) all.set('store', (all.get('store') ?? 0) + native);
      const names = [
        ...PROFILE_STAGES.filter((s) => all.has(s)),
        ...[...all.keys()].filter((s) => !known.has(s)).sort(),
      ];
      const claimed = [...all.values()].reduce((a, b) => a + b, 0);
      const rows = names.map((stage) => row(stage, all.get(stage)!));
      rows.push(row('other', Math.max(0, cpuMs - claimed)));
      return {
        frames,
        wallMs: performance.now() - wall0,
        cpuMs,
        cpuPerFrameMs: per(cpuMs),
        stages: rows,
        threads: {
          js: per(threads.js),
          ortWorkers: per(threads.ortWorkers),
          native: per(threads.native),
          helpers: per(threads.helpers),
          previews: per(threads.previews),
          children: per(children),
        },
      };
      function row(stage: string, ms: number): StageRow {
        return { stage, coreMs: ms, perFrameMs: per(ms), share: cpuMs > 0 ? ms / cpuMs : 0 };
      }
    },
    close() {
      observer?.disconnect();
      observer = null;
    },
  };
}

/** A profile that records nothing (callers that were given none). */
export const NO_PROFILE: Profile = {
  add: () => undefined,
  addChild: () => undefined,
  watch: () => undefined,
  measure: (_stage, fn) => fn(),
  frames: () => undefined,
  reset: () => undefined,
  report: () => ({
    frames: 0,
    wallMs: 0,
    cpuMs: 0,
    cpuPerFrameMs: 0,
    stages: [],
    threads: { js: 0, ortWorkers: 0, native: 0, helpers: 0, previews: 0, children: 0 },
  }),
  close: () => undefined,
};

/** The profile table as text: one row per stage, core-ms per analysed frame and share. */
export function formatProfile(r: ProfileReport): string {
  const lines = [
    `profile: ${r.frames} analysed frames, ${(r.cpuMs / 1000).toFixed(2)} core-s in ${(r.wallMs / 1000).toFixed(2)} s ` +
      `(${r.cpuPerFrameMs.toFixed(2)} core-ms per frame)`,
    'stage        core-ms/frame   share',
  ];
  for (const s of r.stages) {
    lines.push(
      `${s.stage.padEnd(12)} ${s.perFrameMs.toFixed(2).padStart(13)}   ${(100 * s.share).toFixed(1).padStart(4)} %`,
    );
  }
  const t = r.threads;
  lines.push(
    `by thread (core-ms/frame): js ${t.js.toFixed(2)}, ort workers ${t.ortWorkers.toFixed(2)}, ` +
      `clickhouse ${t.native.toFixed(2)}, node helpers (gc, jit, libuv) ${t.helpers.toFixed(2)}, ` +
      `previews (libvips) ${t.previews.toFixed(2)}, ffmpeg ${t.children.toFixed(2)}`,
  );
  return lines.join('\n') + '\n';
}

/** CPU (ms) of this process's threads by kind, from /proc (Linux; zeros elsewhere). */
export interface ThreadCpu {
  /** The JS thread (tid = pid). */
  readonly js: number;
  /** ORT worker threads (their JS and the runs). */
  readonly ortWorkers: number;
  /** Threads not named 'node': on this runtime, the embedded ClickHouse's. */
  readonly native: number;
  /** Node's other threads: V8's GC and compiler helpers, the libuv pool. */
  readonly helpers: number;
  /** libvips' workers (sharp): the live previews' JPEGs, charged to 'ws'. */
  readonly previews: number;
}

function threadCpu(): ThreadCpu {
  const out = { js: 0, ortWorkers: 0, native: 0, helpers: 0, previews: 0 };
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    // null: the thread ended between the listing and the read.
    const st = procStat(`/proc/self/task/${tid}/stat`);
    if (!st) continue;
    if (Number(tid) === process.pid) out.js += st.cpuMs;
    else if (st.name.startsWith('libvips')) out.previews += st.cpuMs;
    else if (st.name !== 'node') out.native += st.cpuMs;
    else if (ortWorkerTids.has(Number(tid))) out.ortWorkers += st.cpuMs;
    else out.helpers += st.cpuMs;
  }
  return out;
}
