// nginx with the RTMP module: an ffmpeg publisher pushes a clip in a loop to rtmp://…/live/test,
// and nginx serves it to players over RTMP and as HLS (http://…/hls/test.m3u8). Everything
// (config, pid, logs, HLS fragments) lives in a temp dir; nginx runs in the foreground as one
// process (master_process off), so killing it is a real crash with nothing left behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareClip } from './clip.ts';
import type { ClipOptions } from './clip.ts';
import { HOST, freePort, sleep, waitForTcp } from './net.ts';
import { spawnTracked } from './process.ts';
import type { Tracked } from './process.ts';
import { assertAvailable, executable, ffmpegPath, missingMessage, which } from './tools.ts';
import { serverHandle } from './handle.ts';
import type { StreamServer } from './types.ts';

export interface NginxRtmpServer extends StreamServer {
  /** Same as rtmpUrl. */
  readonly url: string;
  readonly rtmpUrl: string;
  readonly hlsUrl: string;
}

export interface NginxRtmpOptions {
  readonly clip?: ClipOptions;
}

const PACKAGES = ['nginx', 'libnginx-mod-rtmp', 'ffmpeg'];
// Debian and Ubuntu install dynamic modules here; other layouts keep them beside nginx's prefix.
const MODULE_CANDIDATES = [
  '/usr/lib/nginx/modules/ngx_rtmp_module.so',
  '/usr/share/nginx/modules/ngx_rtmp_module.so',
  '/usr/lib64/nginx/modules/ngx_rtmp_module.so',
  '/etc/nginx/modules/ngx_rtmp_module.so',
];
const STREAM = 'test';

function nginxPath(): string | null {
  return which('nginx') ?? (executable('/usr/sbin/nginx') ? '/usr/sbin/nginx' : null);
}

function rtmpModule(): string | null {
  return MODULE_CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
}

/** null when the server can run here, else what to install. */
export function missing(): string | null {
  if (nginxPath() === null || rtmpModule() === null || ffmpegPath() === null) {
    return missingMessage('nginx with the rtmp module', PACKAGES);
  }
  return null;
}

export async function start(opts: NginxRtmpOptions = {}): Promise<NginxRtmpServer> {
  assertAvailable(missing());
  const nginx = nginxPath() as string;
  const ffmpeg = ffmpegPath() as string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aima-nginx-rtmp-'));
  let procs: Tracked[] = [];
  try {
    const clip = await prepareClip(ffmpeg, dir, opts.clip);
    const rtmpPort = await freePort();
    const httpPort = await freePort();
    const hlsDir = path.join(dir, 'hls');
    for (const sub of ['logs', 'hls', 'tmp']) fs.mkdirSync(path.join(dir, sub));
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(conf, nginxConf(dir, rtmpModule() as string, rtmpPort, httpPort));
    const publishUrl = `rtmp://${HOST}:${rtmpPort}/live/${STREAM}`;

    const up = async (): Promise<void> => {
      // Fragments of the previous run would make the playlist look ready before it is.
      fs.rmSync(hlsDir, { recursive: true, force: true });
      fs.mkdirSync(hlsDir);
      const server = spawnTracked(nginx, ['-p', dir, '-c', conf, '-e', path.join(dir, 'logs/error.log')]);
      procs = [server];
      try {
        await waitForTcp(rtmpPort, 10_000, () => server.running);
        await waitForTcp(httpPort, 10_000, () => server.running);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${readLog(dir)}${server.tail()}`);
      }
      const publisher = spawnTracked(ffmpeg, [
        ...['-hide_banner', '-nostdin', '-v', 'error', '-re', '-stream_loop', '-1', '-i', clip],
        ...['-c', 'copy', '-f', 'flv', publishUrl],
      ]);
      procs.push(publisher);
      // A playlist with a fragment in it means nginx receives the stream (and rtmp players get it).
      await waitFor(
        () => /\.ts\b/.test(readIfExists(path.join(hlsDir, `${STREAM}.m3u8`))),
        15_000,
        () => publisher.running && server.running,
        () => `no HLS playlist from nginx:\n${readLog(dir)}${publisher.tail()}`,
      );
    };
    const down = async (graceMs: number): Promise<void> => {
      const current = procs;
      procs = [];
      // Publisher first, so that it does not complain about the server going away.
      for (const p of current.reverse()) await p.kill(graceMs);
    };

    await up();
    return serverHandle(
      { url: publishUrl, dir, procs: () => procs, up, down },
      { rtmpUrl: publishUrl, hlsUrl: `http://${HOST}:${httpPort}/hls/${STREAM}.m3u8` },
    );
  } catch (err) {
    for (const p of procs) await p.kill(0);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function nginxConf(dir: string, module: string, rtmpPort: number, httpPort: number): string {
  const p = (sub: string): string => path.join(dir, sub);
  return `load_module ${module};
daemon off;
master_process off;
worker_processes 1;
pid ${p('nginx.pid')};
error_log ${p('logs/error.log')} warn;
events { worker_connections 256; }
rtmp {
  server {
    listen ${HOST}:${rtmpPort};
    chunk_size 4096;
    application live {
      live on;
      record off;
      allow publish ${HOST};
      deny publish all;
      hls on;
      hls_path ${p('hls')};
      hls_fragment 1s;
      hls_playlist_length 4s;
    }
  }
}
http {
  access_log off;
  client_body_temp_path ${p('tmp/body')};
  proxy_temp_path ${p('tmp/proxy')};
  fastcgi_temp_path ${p('tmp/fastcgi')};
  uwsgi_temp_path ${p('tmp/uwsgi')};
  scgi_temp_path ${p('tmp/scgi')};
  types {
    application/vnd.apple.mpegurl m3u8;
    video/mp2t ts;
  }
  server {
    listen ${HOST}:${httpPort};
    location /hls/ {
      alias ${p('hls')}/;
      add_header Cache-Control no-cache;
    }
  }
}
`;
}

async function waitFor(
  ready: () => boolean,
  timeoutMs: number,
  alive: () => boolean,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (!alive() || Date.now() > deadline) throw new Error(describe());
    await sleep(100);
  }
}

function readIfExists(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function readLog(dir: string): string {
  return readIfExists(path.join(dir, 'logs/error.log')).slice(-4096);
}
