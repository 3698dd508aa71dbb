// A real redis-server (Debian's package) on 127.0.0.1 for the tests: a free port, a temp dir,
// no config file. Without `persist` it keeps nothing on disk; with it every write goes to an
// append-only file fsynced at once, so kill() (SIGKILL) + restart() loses nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HOST, freePort, waitForTcp } from './servers/net.ts';
import { spawnTracked } from './servers/process.ts';
import type { Tracked } from './servers/process.ts';
import { assertAvailable, missingMessage, which } from './servers/tools.ts';

export interface RedisServer {
  /** redis://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly running: boolean;
  /** SIGKILL, as a crash; the port and data dir stay for restart(). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  restart(): Promise<void>;
  /** Final: stops it and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** null when redis-server can run here, else what to install. */
export function redisMissing(): string | null {
  return which('redis-server') === null ? missingMessage('redis-server', ['redis-server']) : null;
}

export async function startRedis(opts: { persist?: boolean } = {}): Promise<RedisServer> {
  assertAvailable(redisMissing());
  const bin = which('redis-server') as string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aima-redis-'));
  const port = await freePort();
  const durability = opts.persist
    ? ['--appendonly', 'yes', '--appendfsync', 'always']
    : ['--appendonly', 'no'];
  let proc: Tracked | null = null;
  let stopped = false;

  const up = async (): Promise<void> => {
    const p = spawnTracked(bin, [
      ...['--bind', HOST, '--port', String(port), '--dir', dir],
      ...['--save', '', ...durability, '--protected-mode', 'yes', '--loglevel', 'warning'],
      ...['--daemonize', 'no', '--logfile', ''],
    ]);
    proc = p;
    try {
      await waitForTcp(port, 10_000, () => p.running);
    } catch (e) {
      throw new Error(`redis-server did not start: ${(e as Error).message}\n${p.tail()}`);
    }
  };

  const server: RedisServer = {
    url: `redis://${HOST}:${port}`,
    port,
    get running() {
      return proc?.running ?? false;
    },
    kill: async () => {
      await proc?.kill(0);
    },
    restart: async () => {
      if (stopped) throw new Error('restart() after stop()');
      await proc?.kill(0);
      await up();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await proc?.kill(2000);
      fs.rmSync(dir, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]: () => server.stop(),
  };
  try {
    await up();
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}
