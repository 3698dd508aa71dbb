// The relay of one WHIP publisher: mediasoup sends each track's RTP (a PlainTransport consumer) to
// one ffmpeg that reads them through an SDP file and writes MPEG-TS (H.264 copied, VP8 encoded to
// H.264 baseline, Opus copied) to stdout; Node serves that TS to local readers (the source's ingest,
// its live-view feed) from an HTTP server on 127.0.0.1 under an unguessable path.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http, { type ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { TS_PACKET, createGopCache } from './ts-gop.ts';

/** One track as ffmpeg receives it (the consumer's codec on the PlainTransport). */
export interface RelayTrack {
  readonly kind: 'audio' | 'video';
  /** Local UDP port ffmpeg listens on for RTP (RTCP on port + 1). */
  readonly port: number;
  readonly payloadType: number;
  /** 'H264' | 'VP8' | 'opus' */
  readonly codecName: string;
  readonly clockRate: number;
  readonly channels?: number;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** A reader whose socket has this much unsent is too slow for live media: it is dropped. */
export const MAX_READER_BUFFER = 4 * 1024 * 1024;
/** Readers at once (ingest, live-view feed, the odd reconnect). */
export const MAX_READERS = 8;
/** The join cache's cap: a GOP of 2 s at up to 16 Mbit/s. */
const MAX_GOP_BYTES = 4 * 1024 * 1024;
const STDERR_TAIL = 4096;

/** The SDP ffmpeg reads: where each RTP stream arrives and what it carries (pure). */
export function relaySdp(tracks: readonly RelayTrack[]): string {
  const lines = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=AIMA WHIP relay', 'c=IN IP4 127.0.0.1', 't=0 0'];
  for (const t of tracks) {
    const channels = t.channels && t.channels > 1 ? `/${t.channels}` : '';
    lines.push(`m=${t.kind} ${t.port} RTP/AVP ${t.payloadType}`);
    lines.push(`a=rtpmap:${t.payloadType} ${t.codecName}/${t.clockRate}${channels}`);
    const fmtp = Object.entries(t.parameters).map(([k, v]) => `${k}=${String(v)}`);
    if (fmtp.length > 0) lines.push(`a=fmtp:${t.payloadType} ${fmtp.join(';')}`);
    lines.push('a=recvonly');
  }
  return lines.join('\r\n') + '\r\n';
}

/** The relay ffmpeg's arguments (pure). */
export function relayArgs(sdpFile: string, tracks: readonly RelayTrack[]): string[] {
  const video = tracks.find((t) => t.kind === 'video');
  const audio = tracks.find((t) => t.kind === 'audio');
  const encode = video !== undefined && video.codecName.toUpperCase() !== 'H264';
  return [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'],
    ...['-protocol_whitelist', 'file,udp,rtp'],
    // The first keyframe is requested when the relay starts; probing waits for it (SPS/PPS in-band).
    ...['-analyzeduration', '3000000', '-fflags', '+genpts+discardcorrupt'],
    ...['-i', sdpFile],
    ...(video ? ['-map', '0:v:0'] : []),
    ...(audio ? ['-map', '0:a:0'] : []),
    ...(video
      ? encode
        ? [
            ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline'],
            ...['-pix_fmt', 'yuv420p', '-force_key_frames', 'expr:gte(t,n_forced*2)'],
          ]
        : ['-c:v', 'copy']
      : []),
    ...(audio ? ['-c:a', 'copy'] : []),
    ...['-f', 'mpegts', '-muxdelay', '0', '-flush_packets', '1', 'pipe:1'],
  ];
}

/**
 * Reserves an even UDP port whose odd neighbour is free too (RTP + RTCP for ffmpeg), by binding
 * both and letting go: ffmpeg binds them a moment later. Another process could take one in that
 * moment; the relay then fails and the publisher gets an error rather than a wrong stream.
 */
export async function reservePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const a = await bindUdp(0);
    const port = (a.address() as { port: number }).port;
    if (port % 2 === 1 || port >= 65535) {
      a.close();
      continue;
    }
    const b = await bindUdp(port + 1).catch(() => null);
    a.close();
    b?.close();
    if (b) return port;
  }
  throw new Error('no free UDP port pair on 127.0.0.1');
}

function bindUdp(port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', (err) => {
      s.close();
      reject(err);
    });
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

export interface Relay {
  /** The TS stream, http://127.0.0.1:<port>/<secret>.ts: never shown (the source displays whip://id). */
  readonly url: string;
  readonly pid: number | undefined;
  readonly readers: number;
  /** Resolves when ffmpeg ended (killed by close() or died: `message` then says why). */
  readonly ended: Promise<{ readonly killed: boolean; readonly message: string }>;
  /** Kills ffmpeg, ends every reader, stops the HTTP server, removes the SDP file. Idempotent. */
  close(): Promise<void>;
}

export async function startRelay(tracks: readonly RelayTrack[]): Promise<Relay> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aima-whip-'));
  const sdpFile = path.join(dir, 'relay.sdp');
  await writeFile(sdpFile, relaySdp(tracks), { mode: 0o600 });

  const secret = randomBytes(24).toString('hex');
  const readers = new Set<ServerResponse>();
  const gop = createGopCache(MAX_GOP_BYTES);
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== `/${secret}.ts`) {
      res.writeHead(404).end();
      return;
    }
    if (readers.size >= MAX_READERS || closing) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'video/mp2t', 'cache-control': 'no-store' });
    // A reader joins at the current GOP: decodable video from its first bytes.
    for (const b of gop.snapshot()) res.write(b);
    readers.add(res);
    res.on('close', () => readers.delete(res));
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const port = (server.address() as { port: number }).port;

  let closing = false;
  let stderrTail = '';
  const proc: ChildProcess = spawn('ffmpeg', relayArgs(sdpFile, tracks), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Readers get whole TS packets only: one that joins mid-stream starts on a packet boundary.
  let carry: Buffer = Buffer.alloc(0);
  proc.stdout!.on('data', (chunk: Buffer) => {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const whole = data.length - (data.length % TS_PACKET);
    carry = data.subarray(whole);
    if (whole === 0) return;
    const out = data.subarray(0, whole);
    gop.push(out);
    for (const r of readers) {
      // A reader this far behind sees stale media: dropped (it reconnects and starts afresh).
      if (r.writableLength > MAX_READER_BUFFER) r.destroy();
      else r.write(out);
    }
  });
  proc.stderr!.on('data', (d: Buffer) => {
    stderrTail = (stderrTail + d.toString('utf8')).slice(-STDERR_TAIL);
  });
  const ended = new Promise<{ killed: boolean; message: string }>((resolve) => {
    const done = (message: string): void => {
      for (const r of readers) r.end();
      const last = stderrTail.trim().split('\n').at(-1) ?? '';
      resolve({ killed: closing, message: last ? `${message}: ${last}` : message });
    };
    proc.once('error', (err) => done(`the relay ffmpeg cannot start: ${err.message}`));
    proc.once('exit', (code, signal) => done(`the relay ffmpeg exited with ${code ?? signal}`));
  });

  let closed: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}/${secret}.ts`,
    get pid() {
      return proc.pid;
    },
    get readers() {
      return readers.size;
    },
    ended,
    close() {
      closed ??= (async () => {
        closing = true;
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill('SIGTERM');
          const t = setTimeout(() => proc.kill('SIGKILL'), 2000);
          await ended;
          clearTimeout(t);
        }
        for (const r of readers) r.destroy();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await rm(dir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}
