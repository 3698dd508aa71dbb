// An SRT relay as broadcasters run one: ffmpeg pushes MPEG-TS over UDP into srt-live-transmit,
// which serves it to an SRT caller (srt://127.0.0.1:PORT, listener mode). srt-live-transmit takes
// one caller at a time and, with -a (auto-reconnect, its default), listens again after it leaves,
// which is what a probe-then-decode client needs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareClip } from './clip.ts';
import type { ClipOptions } from './clip.ts';
import { HOST, freePort, sleep, waitForUdp } from './net.ts';
import { spawnTracked } from './process.ts';
import type { Tracked } from './process.ts';
import { assertAvailable, ffmpegPath, missingMessage, which } from './tools.ts';
import { serverHandle } from './handle.ts';
import type { StreamServer } from './types.ts';

export interface SrtOptions {
  readonly clip?: ClipOptions;
}

let ffmpegHasSrt: boolean | undefined;

/** null when the server can run here, else what to install. */
export function missing(): string | null {
  if (which('srt-live-transmit') === null) return missingMessage('srt-live-transmit', ['srt-tools']);
  const ffmpeg = ffmpegPath();
  if (ffmpeg === null) return missingMessage('ffmpeg', ['ffmpeg']);
  // The client side needs it too; without it an SRT server is of no use to the tests.
  ffmpegHasSrt ??= /\bsrt\b/.test(
    execFileSync(ffmpeg, ['-hide_banner', '-protocols'], { encoding: 'utf8', timeout: 10_000 }),
  );
  return ffmpegHasSrt
    ? null
    : `missing srt support in ${ffmpeg}: apt-get install ffmpeg (Debian's is built with libsrt)`;
}

export async function start(opts: SrtOptions = {}): Promise<StreamServer> {
  assertAvailable(missing());
  const relay = which('srt-live-transmit') as string;
  const ffmpeg = ffmpegPath() as string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aima-srt-'));
  let procs: Tracked[] = [];
  try {
    const clip = await prepareClip(ffmpeg, dir, opts.clip);
    const udpPort = await freePort({ udp: true });
    const srtPort = await freePort({ udp: true });

    const up = async (): Promise<void> => {
      const server = spawnTracked(relay, [
        ...['-a:yes', '-ll:warn'],
        `udp://${HOST}:${udpPort}`,
        `srt://${HOST}:${srtPort}?mode=listener`,
      ]);
      procs = [server];
      await waitForUdp(srtPort, 10_000, () => server.running);
      await waitForUdp(udpPort, 10_000, () => server.running);
      const publisher = spawnTracked(ffmpeg, [
        ...['-hide_banner', '-nostdin', '-v', 'error', '-re', '-stream_loop', '-1', '-i', clip],
        ...['-c', 'copy', '-f', 'mpegts', `udp://${HOST}:${udpPort}?pkt_size=1316`],
      ]);
      procs.push(publisher);
      // UDP has no handshake to wait for: give the first packets time to reach the relay.
      await sleep(300);
      if (!publisher.running || !server.running) {
        throw new Error(`srt relay did not start:\n${server.tail()}${publisher.tail()}`);
      }
    };
    const down = async (graceMs: number): Promise<void> => {
      const current = procs;
      procs = [];
      for (const p of current.reverse()) await p.kill(graceMs);
    };

    await up();
    return serverHandle({ url: `srt://${HOST}:${srtPort}`, dir, procs: () => procs, up, down }, {});
  } catch (err) {
    for (const p of procs) await p.kill(0);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
