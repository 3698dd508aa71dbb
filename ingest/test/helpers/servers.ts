// Real local servers for the network tests: node http (with Range) for http/hls, and ffmpeg
// itself as the rtmp and srt server. All bind 127.0.0.1 on free ports.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

export interface Server {
  readonly url: string;
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Serve the files of `dir` over http, honouring single byte ranges (ffmpeg seeks in mp4). */
export async function serveDirectory(dir: string): Promise<Server & { port: number }> {
  const server = http.createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const size = fs.statSync(file).size;
    const type = file.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'application/octet-stream';
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (range && (range[1] !== '' || range[2] !== '')) {
      const start = range[1] === '' ? size - Number(range[2]) : Number(range[1]);
      const end = range[1] !== '' && range[2] !== '' ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) {
        res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
        return;
      }
      res.writeHead(206, {
        'Content-Type': type,
        'Accept-Ranges': 'bytes',
        'Content-Range': `bytes ${start}-${end}/${size}`,
        'Content-Length': end - start + 1,
      });
      fs.createReadStream(file, { start, end }).pipe(res);
      return;
    }
    res.writeHead(200, { 'Content-Type': type, 'Accept-Ranges': 'bytes', 'Content-Length': size });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * An rtmp server that plays `media` to every client. ffmpeg's `-listen 1` serves exactly one
 * client and exits, and our decoder connects twice (probe, then decode), so a TCP front door
 * starts a fresh ffmpeg publisher per connection and splices the socket through to it.
 */
export async function serveRtmp(ffmpeg: string, media: string, seconds: number): Promise<Server> {
  const children = new Set<ChildProcess>();
  const sockets = new Set<net.Socket>();
  let stopped = false;
  const front = net.createServer((client) => {
    sockets.add(client);
    client.pause();
    void (async () => {
      const port = await freePort();
      if (stopped || client.destroyed) {
        client.destroy();
        return;
      }
      const child = spawn(
        ffmpeg,
        [
          '-hide_banner',
          '-nostdin',
          '-v',
          'error',
          '-re',
          '-i',
          media,
          '-t',
          String(seconds),
          '-c',
          'copy',
        ].concat(['-f', 'flv', '-listen', '1', `rtmp://127.0.0.1:${port}/live/test`]),
        { stdio: 'ignore' },
      );
      children.add(child);
      child.once('exit', () => children.delete(child));
      client.once('close', () => child.kill('SIGKILL'));
      const upstream = await connectWithRetry(port, 5000);
      if (upstream === null || client.destroyed) {
        client.destroy();
        return;
      }
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    })();
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const { port } = front.address() as net.AddressInfo;
  return {
    url: `rtmp://127.0.0.1:${port}/live/test`,
    close: async () => {
      stopped = true;
      for (const s of sockets) s.destroy();
      await Promise.all([...children].map((c) => killAndWait(c)));
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}

/**
 * An srt listener that streams `media` as MPEG-TS. ffmpeg's srt listener also serves one client,
 * so it is restarted whenever it exits; an srt caller keeps re-sending its handshake for its
 * connect timeout, which bridges the restart.
 */
export async function serveSrt(ffmpeg: string, media: string, seconds: number): Promise<Server> {
  const port = await freePort();
  let stopped = false;
  let child: ChildProcess | undefined;
  const start = (): void => {
    if (stopped) return;
    child = spawn(
      ffmpeg,
      [
        '-hide_banner',
        '-nostdin',
        '-v',
        'error',
        '-re',
        '-i',
        media,
        '-t',
        String(seconds),
        '-c',
        'copy',
      ].concat(['-f', 'mpegts', `srt://127.0.0.1:${port}?mode=listener`]),
      { stdio: 'ignore' },
    );
    child.once('exit', () => setTimeout(start, 50));
  };
  start();
  return {
    url: `srt://127.0.0.1:${port}`,
    close: async () => {
      stopped = true;
      if (child) await killAndWait(child);
    },
  };
}

async function connectWithRetry(port: number, timeoutMs: number): Promise<net.Socket | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const socket = await new Promise<net.Socket | null>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(null));
    });
    if (socket) return socket;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

export function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
