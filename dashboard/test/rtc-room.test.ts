// A Room on the real mediasoup worker fed by real ffmpeg with the feed's own arguments (copy +
// copy through the tee, one encode, copy for MSE + encoded RTP), and a consumer over a
// PlainTransport to a dgram socket that receives the RTP: H.264 keyframes, Opus.
import { spawn, type ChildProcess, execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSource } from '@aima/ingest';
import { ROUTER_CODECS } from '../src/rtc/codecs.ts';
import { DEFAULT_RTC_CONFIG, resolveWorkerBin } from '../src/rtc/config.ts';
import { createRoom, type Room } from '../src/rtc/room.ts';
import { feedArgs } from '../src/video/args.ts';
import { createBoxSplitter } from '../src/video/mp4.ts';
import { VTEST } from './server-helpers.ts';

const run = promisify(execFile);
const bin = resolveWorkerBin({ ...DEFAULT_RTC_CONFIG, workerBin: process.env.MEDIASOUP_WORKER_BIN ?? null });

let dir: string;
let worker: types.Worker;
let mainClip: string;
let highClip: string;
const procs: ChildProcess[] = [];
let stderr = '';

/** `seconds` of vtest with 1 s keyframes, H.264 of `profile`, AAC audio. */
async function clip(name: string, profile: 'main' | 'high'): Promise<string> {
  const out = path.join(dir, name);
  await run('ffmpeg', [
    '-v', 'error', '-y', '-t', '8', '-i', VTEST, '-c:v', 'libx264', '-preset', 'ultrafast',
    '-profile:v', profile, '-pix_fmt', 'yuv420p', '-g', '10', '-bf', '0', '-c:a', 'aac', '-ac', '1', out,
  ]); // prettier-ignore
  return out;
}

interface Received {
  packets: number;
  /** SPS seen in-band (one per keyframe). */
  keyframes: number;
  /** IDR slices seen (type 5, single or the start of an FU-A). */
  idrs: number;
  payloadTypes: Set<number>;
  mp4Bytes: number;
}

/** Runs the feed's ffmpeg into the room's outputs; counts the fMP4 bytes on stdout. */
async function feed(
  room: Room,
  file: string,
  copy: boolean,
  h264Profile: string | null,
): Promise<{ received: Received; proc: ChildProcess; transcode: boolean }> {
  const outputs = await room.openOutputs({ h264Profile, copy, audio: true });
  const args = feedArgs(
    { input: parseSource(file), realtime: true, epochMs: Date.now() },
    { copy, rtp: { video: outputs.video, audio: outputs.audio, transcodeVideo: outputs.transcodeVideo } },
  );
  const proc = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(proc);
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const received: Received = { packets: 0, keyframes: 0, idrs: 0, payloadTypes: new Set(), mp4Bytes: 0 };
  const splitter = createBoxSplitter();
  proc.stdout!.on('data', (chunk: Buffer) => {
    for (const box of splitter.push(chunk)) if (box.type === 'mdat') received.mp4Bytes += box.data.length;
  });
  return { received, proc, transcode: outputs.transcodeVideo };
}

/** A consumer of every producer of the room on a PlainTransport aimed at a local dgram socket. */
async function listen(room: Room, received: Received): Promise<() => void> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const pts = { video: -1, audio: -1 };
  sock.on('message', (msg) => {
    const pt = msg[1]! & 0x7f;
    if (pt !== pts.video && pt !== pts.audio) return; // RTCP, probation padding
    received.packets++;
    received.payloadTypes.add(pt);
    if (pt !== pts.video) return;
    // The H.264 payload starts after the 12-byte header (no CSRCs; extensions only with bit 4).
    let off = 12;
    if (msg[0]! & 0x10) off += 4 + msg.readUInt16BE(off + 2) * 4;
    const nal = msg[off]! & 0x1f;
    // In-band SPS (single NAL or first of a STAP-A) before each keyframe: what lets a browser start.
    // A real SPS is several bytes (an avcC stream cut as Annex B gives a 1-byte "SPS").
    const first = nal === 24 ? msg[off + 3]! & 0x1f : nal;
    const spsBytes = nal === 24 ? msg.readUInt16BE(off + 1) : msg.length - off;
    if (first === 7 && spsBytes >= 4) received.keyframes++;
    // The IDR slice itself: a single NAL of type 5, or the start of an FU-A (28) carrying one.
    if (nal === 5 || (nal === 28 && (msg[off + 1]! & 0x80) !== 0 && (msg[off + 1]! & 0x1f) === 5))
      received.idrs++;
  });
  const t = await room.router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: true,
    comedia: false,
  });
  await t.connect({ ip: '127.0.0.1', port: sock.address().port });
  for (const p of room.producers) {
    const c = await t.consume({
      producerId: p.id,
      rtpCapabilities: room.router.rtpCapabilities,
      paused: false,
    });
    pts[c.kind] = c.rtpParameters.codecs[0]!.payloadType;
  }
  return () => {
    t.close();
    sock.close();
  };
}

async function until(what: string, ok: () => boolean, detail: () => string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function newRoom(router: types.Router, closes: string[] = []): Room {
  return createRoom({
    sourceId: 's1',
    router,
    plainListen: { protocol: 'udp', ip: '127.0.0.1' },
    onClock: () => undefined,
    onClose: () => closes.push('closed'),
  });
}

describe.skipIf(!bin.ok)('rtc room (real mediasoup worker, real ffmpeg)', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aima-rtc-room-'));
    [mainClip, highClip] = await Promise.all([clip('main.mp4', 'main'), clip('high.mp4', 'high')]);
    worker = await mediasoup.createWorker({ workerBin: bin.ok ? bin.path : '', logLevel: 'warn' });
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    worker?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cases = [
    {
      name: 'copy Main: fMP4 and RTP outputs, copied (Annex B, real SPS and IDR)',
      file: () => mainClip,
      copy: true,
      profile: 'Main',
      transcode: false,
    },
    {
      name: 'encode (files): one baseline encode teed',
      file: () => mainClip,
      copy: false,
      profile: null,
      transcode: false,
    },
    {
      name: 'copy High: fMP4 copied, RTP encoded baseline',
      file: () => highClip,
      copy: true,
      profile: 'High',
      transcode: true,
    },
  ];
  for (const c of cases) {
    it(
      c.name,
      async () => {
        const router = await worker.createRouter({ mediaCodecs: ROUTER_CODECS });
        const closes: string[] = [];
        const room = newRoom(router, closes);
        const clocks: number[] = [];
        const { received, proc, transcode } = await feed(room, c.file(), c.copy, c.profile);
        expect(transcode).toBe(c.transcode);
        expect(room.outputs).toEqual({ video: c.copy && !c.transcode ? 'copy' : 'transcode', audio: true });
        expect(room.producers.map((p) => p.kind)).toEqual(['video', 'audio']);
        room.producers[0]!.on('trace', (t) => clocks.push(t.timestamp));
        const stop = await listen(room, received);
        try {
          await until(
            'RTP keyframes and audio',
            () =>
              received.keyframes >= 2 &&
              received.idrs >= 2 &&
              received.payloadTypes.size === 2 &&
              received.packets > 50,
            () => `${JSON.stringify({ ...received, payloadTypes: [...received.payloadTypes] })} ${stderr}`,
          );
          expect(received.mp4Bytes).toBeGreaterThan(0);
          const [inbound] = await room.producers[0]!.getStats();
          expect(inbound!.packetCount).toBeGreaterThan(10);
          expect(room.clock).not.toBeNull();
          expect(room.clock!.wallMs).toBeGreaterThan(Date.now() - 10_000);
        } finally {
          stop();
          proc.kill('SIGKILL');
        }
        // Closing the room closes the router and with it the producers and transports.
        room.close('ended', 'the source ended');
        expect(router.closed).toBe(true);
        expect(closes).toEqual(['closed']);
        expect(room.producers).toEqual([]);
      },
      40_000,
    );
  }
});
