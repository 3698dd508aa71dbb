// ffmpeg's own listen mode (`-listen 1`) as an http (MPEG-TS) or rtmp (FLV) server. ffmpeg serves
// one client and exits, and decoders connect twice (probe, then decode), so a TCP front door on the
// public port starts a fresh ffmpeg per connection and splices the socket through to it.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { prepareClip } from './clip.ts';
import type { ClipOptions } from './clip.ts';
import { HOST, freePort, sleep } from './net.ts';
import { spawnTracked } from './process.ts';
import type { Tracked } from './process.ts';
import { assertAvailable, ffmpegPath, missingMessage } from './tools.ts';
import type { StreamServer } from './types.ts';

export type ListenProtocol = 'http' | 'rtmp';

export interface FfmpegListenOptions {
  /** 'http' serves MPEG-TS at /stream.ts; 'rtmp' serves FLV at /live/test. Default 'http'. */
  readonly protocol?: ListenProtocol;
  readonly clip?: ClipOptions;
}

const TARGET: Readonly<Record<ListenProtocol, { format: string; path: string }>> = {
  http: { format: 'mpegts', path: '/stream.ts' },
  rtmp: { format: 'flv', path: '/live/test' },
};

/** null when the server can run here, else what to install. */
export function missing(): string | null {
  return ffmpegPath() === null ? missingMessage('ffmpeg', ['ffmpeg']) : null;
}

export async function start(opts: FfmpegListenOptions = {}): Promise<StreamServer> {
  assertAvailable(missing());
  const ffmpeg = ffmpegPath() as string;
  const protocol = opts.protocol ?? 'http';
  const target = TARGET[protocol];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `aima-ffmpeg-${protocol}-`));
  const children = new Set<Tracked>();
  const sockets = new Set<net.Socket>();
  let front: net.Server | undefined;
  let paused = false;
  const held: Array<() => void> = [];
  let stopped = false;

  const publisher = async (clip: string): Promise<{ proc: Tracked; port: number }> => {
    const port = await freePort();
    const proc = spawnTracked(ffmpeg, [
      ...['-hide_banner', '-nostdin', '-v', 'error', '-re', '-stream_loop', '-1', '-i', clip],
      ...['-c', 'copy', '-f', target.format, '-listen', '1', `${protocol}://${HOST}:${port}${target.path}`],
    ]);
    children.add(proc);
    void proc.exited.then(() => children.delete(proc));
    return { proc, port };
  };

  const serve = async (client: net.Socket, clip: string): Promise<void> => {
    const { proc, port } = await publisher(clip);
    client.once('close', () => void proc.kill(0));
    const upstream = await connectWithRetry(port, 5000, () => proc.running && !client.destroyed);
    if (upstream === null || client.destroyed) {
      upstream?.destroy();
      client.destroy();
      return;
    }
    sockets.add(upstream);
    upstream.once('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    client.once('close', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  };

  const kill = async (): Promise<void> => {
    const server = front;
    front = undefined;
    held.length = 0;
    for (const s of sockets) s.destroy();
    await Promise.all([...children].map((c) => c.kill(0)));
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  try {
    const clip = await prepareClip(ffmpeg, dir, opts.clip);
    const port = await freePort();
    const up = async (): Promise<void> => {
      const server = net.createServer((client) => {
        sockets.add(client);
        client.once('close', () => sockets.delete(client));
        client.on('error', () => client.destroy());
        client.pause();
        const go = (): void => {
          if (client.destroyed) return;
          serve(client, clip).catch(() => client.destroy());
        };
        if (paused) held.push(go);
        else go();
      });
      front = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, HOST, () => resolve());
      });
    };

    await up();
    const server: StreamServer = {
      url: `${protocol}://${HOST}:${port}${target.path}`,
      get running() {
        return front !== undefined;
      },
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await kill();
        fs.rmSync(dir, { recursive: true, force: true });
      },
      kill,
      restart: async () => {
        if (stopped) throw new Error('restart() after stop()');
        await kill();
        paused = false;
        await up();
      },
      pause: () => {
        paused = true;
        for (const c of children) c.pause();
      },
      resume: () => {
        paused = false;
        for (const c of children) c.resume();
        for (const go of held.splice(0)) go();
      },
      [Symbol.asyncDispose]: () => server.stop(),
    };
    return server;
  } catch (err) {
    await kill();
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function connectWithRetry(
  port: number,
  timeoutMs: number,
  wanted: () => boolean,
): Promise<net.Socket | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && wanted()) {
    const socket = await new Promise<net.Socket | null>((resolve) => {
      const s = net.connect(port, HOST);
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(null));
    });
    if (socket) return socket;
    await sleep(50);
  }
  return null;
}
