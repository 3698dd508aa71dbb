// Child processes of the test servers: spawned with their output drained into a bounded tail,
// killed (and reaped) on demand, and SIGKILLed when the test process exits, so that a crashed or
// interrupted test never leaves a server running.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';

const TAIL_CHARS = 8192;
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

export interface Tracked {
  readonly pid: number;
  readonly name: string;
  /** Resolves once the process has exited (reaped). */
  readonly exited: Promise<void>;
  readonly running: boolean;
  /** The last few KB of stdout + stderr, for error messages. */
  tail(): string;
  /** Resolves when the output matches `pattern`; rejects if the process exits first or on timeout. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs` (0: SIGKILL at once); resolves when reaped. */
  kill(graceMs?: number): Promise<void>;
  /** SIGSTOP / SIGCONT: a frozen server keeps its sockets open but sends nothing. */
  pause(): void;
  resume(): void;
}

/** Spawn `command` with no stdin; its output is kept only as a bounded tail. */
export function spawnTracked(command: string, args: readonly string[], opts: { cwd?: string } = {}): Tracked {
  installExitHook();
  const child = spawn(command, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const name = command.split('/').pop() ?? command;
  let output = '';
  let paused = false;
  const watchers = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-TAIL_CHARS);
    for (const w of watchers) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  running.add(child);
  let done = false;
  const exited = new Promise<void>((resolve) => {
    const finish = (): void => {
      done = true;
      running.delete(child);
      for (const w of watchers) w();
      resolve();
    };
    child.once('close', finish);
    // A spawn failure (ENOENT) emits 'error' and maybe no 'close'.
    child.once('error', (err) => {
      output += `\nspawn failed: ${err.message}`;
      finish();
    });
  });

  return {
    pid: child.pid ?? -1,
    name,
    exited,
    get running() {
      return !done;
    },
    tail: () => output,
    waitForOutput: (pattern, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(output)) settle();
          else if (done) settle(new Error(`${name} exited before ready:\n${output.trim()}`));
        };
        const timer = setTimeout(
          () => settle(new Error(`${name} not ready after ${timeoutMs} ms:\n${output.trim()}`)),
          timeoutMs,
        );
        const settle = (err?: Error): void => {
          clearTimeout(timer);
          watchers.delete(check);
          if (err) reject(err);
          else resolve();
        };
        watchers.add(check);
        check();
      }),
    kill: async (graceMs = 2000) => {
      if (done) return;
      if (graceMs <= 0) {
        child.kill('SIGKILL');
      } else {
        child.kill('SIGTERM');
        // A stopped process only acts on SIGTERM once it runs again.
        if (paused) child.kill('SIGCONT');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        void exited.then(() => clearTimeout(timer));
      }
      await exited;
    },
    pause: () => {
      if (done) return;
      paused = true;
      child.kill('SIGSTOP');
    },
    resume: () => {
      if (done) return;
      paused = false;
      child.kill('SIGCONT');
    },
  };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort only: tests stop their servers in afterAll. 'exit' handlers must be synchronous.
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export interface ChildInfo {
  readonly pid: number;
  /** The kernel's short name (`ffmpeg`, `ffprobe`, ...). */
  readonly comm: string;
  /** 'Z' for a zombie (exited but not reaped). */
  readonly state: string;
  readonly argv: readonly string[];
}

/** The direct children of `ppid` (default: this process), read from /proc (Linux only). */
export function childProcesses(ppid: number = process.pid): ChildInfo[] {
  const out: ChildInfo[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split at the last ')'.
    const close = stat.lastIndexOf(')');
    const [state = '', parent = ''] = stat.slice(close + 2).split(' ');
    if (Number(parent) !== ppid) continue;
    let argv: string[] = [];
    try {
      argv = fs
        .readFileSync(`/proc/${entry}/cmdline`, 'utf8')
        .split('\0')
        .filter((a) => a !== '');
    } catch {
      // exited meanwhile
    }
    out.push({ pid: Number(entry), comm: stat.slice(stat.indexOf('(') + 1, close), state, argv });
  }
  return out;
}
