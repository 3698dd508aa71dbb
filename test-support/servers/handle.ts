import fs from 'node:fs';
import type { Tracked } from './process.ts';
import type { StreamServer } from './types.ts';

export interface HandleParts {
  readonly url: string;
  /** Temp dir removed by stop(). */
  readonly dir: string;
  /** The server's processes right now. */
  readonly procs: () => readonly Tracked[];
  readonly up: () => Promise<void>;
  /** Stops the processes, SIGKILL after graceMs. */
  readonly down: (graceMs: number) => Promise<void>;
}

/** The StreamServer lifecycle shared by the process-based test servers (stop is final, kill keeps ports). */
export function serverHandle<E extends object>(p: HandleParts, extra: E): StreamServer & E {
  let stopped = false;
  const server: StreamServer & E = {
    ...extra,
    url: p.url,
    get running() {
      const procs = p.procs();
      return procs.length > 0 && procs.every((x) => x.running);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await p.down(2000);
      fs.rmSync(p.dir, { recursive: true, force: true });
    },
    kill: () => p.down(0),
    restart: async () => {
      if (stopped) throw new Error('restart() after stop()');
      await p.down(0);
      await p.up();
    },
    pause: () => p.procs().forEach((x) => x.pause()),
    resume: () => p.procs().forEach((x) => x.resume()),
    [Symbol.asyncDispose]: () => server.stop(),
  };
  return server;
}
