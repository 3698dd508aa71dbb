// A boot hook that really starts a process per instance: the instance's env is merged over the
// test's env (so AIMA_* join settings reach the worker), output is kept as a bounded tail, and
// kill() sends SIGTERM, then SIGKILL after a grace period, and resolves once the process is reaped.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { EmuBootHook, EmuBootInstance, EmuBooted } from './types.ts';

const TAIL = 8192;
const children = new Set<ChildProcess>();
let hooked = false;

export interface BootedChild extends EmuBooted {
  readonly pid: number;
  readonly instanceId: string;
  /** Last few KB of stdout + stderr. */
  tail(): string;
  readonly running: boolean;
  readonly exited: Promise<void>;
}

export interface ProcessBootOptions {
  /** argv[0] and the rest; may depend on the instance. */
  readonly command: (instance: EmuBootInstance) => readonly [string, ...string[]];
  /** Extra env on top of process.env and the instance env. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** SIGTERM → SIGKILL grace (default 2000 ms). */
  readonly graceMs?: number;
  /** Called with every process started, e.g. to collect them in a test. */
  readonly onSpawn?: (child: BootedChild) => void;
}

/** Returns an onBoot hook for the emulators (and the local provider) that spawns a real process. */
export function processBoot(opts: ProcessBootOptions): EmuBootHook {
  return async (instance) => {
    if (!hooked) {
      hooked = true;
      // A crashed test must not leave "GPU boxes" running.
      process.once('exit', () => {
        for (const c of children) c.kill('SIGKILL');
      });
    }
    const [cmd, ...args] = opts.command(instance);
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env, ...instance.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let out = '';
    const onData = (c: Buffer): void => {
      out = (out + c.toString('utf8')).slice(-TAIL);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    let done = false;
    const exited = new Promise<void>((resolve) => {
      const finish = (): void => {
        done = true;
        children.delete(child);
        resolve();
      };
      child.once('close', finish);
      child.once('error', (err) => {
        out += `\nspawn failed: ${err.message}`;
        finish();
      });
    });
    const booted: BootedChild = {
      pid: child.pid ?? -1,
      instanceId: instance.id,
      tail: () => out,
      get running() {
        return !done;
      },
      exited,
      kill: async () => {
        if (done) return;
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), opts.graceMs ?? 2000);
        await exited;
        clearTimeout(t);
      },
    };
    opts.onSpawn?.(booted);
    return booted;
  };
}
