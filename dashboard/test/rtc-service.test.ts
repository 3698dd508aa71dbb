// The WebRTC service over real parts: a live RTMP source (nginx-rtmp) read by the live-view feed's
// real ffmpeg, RTP into the real mediasoup worker, viewers through the signalling messages (no
// browser here: DTLS is the browser tests' part), the caps, the close chain and worker death.
import { readFile, readdir, readlink } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSource } from '@aima/ingest';
import * as gstRtsp from '../../test-support/servers/gst-rtsp.ts';
import * as nginx from '../../test-support/servers/nginx-rtmp.ts';
import type { StreamServer } from '../../test-support/servers/types.ts';
import type { ServerMessage } from '../src/protocol.ts';
import { DEFAULT_RTC_CONFIG, resolveWorkerBin } from '../src/rtc/config.ts';
import { createRtcService } from '../src/rtc/service.ts';
import type { RtcConfig, RtcService, RtcSignalPeer } from '../src/rtc/types.ts';
import { createVideoHub, type VideoHub } from '../src/video/hub.ts';

const MIN_PORT = 42100;
const MAX_PORT = 42199;
const config: RtcConfig = {
  ...DEFAULT_RTC_CONFIG,
  workerBin: process.env.MEDIASOUP_WORKER_BIN ?? null,
  minPort: MIN_PORT,
  maxPort: MAX_PORT,
  maxViewersPerSource: 2,
  maxRouters: 2,
};
const missing = nginx.missing() ?? (resolveWorkerBin(config).ok ? null : 'no mediasoup worker');

type Msg = ServerMessage & Record<string, unknown>;

/** A signalling connection: what the service sent it, and request/response by `req`. */
class Peer implements RtcSignalPeer {
  readonly got: Msg[] = [];
  private req = 0;
  constructor(private readonly rtc: RtcService) {}
  send(m: unknown): void {
    this.got.push(m as Msg);
  }
  async ask(type: string, body: Record<string, unknown>): Promise<Msg> {
    const req = ++this.req;
    await this.rtc.handle(this, { type: `rtc-${type}`, req, ...body } as { type: `rtc-${string}` });
    const reply = this.got.find((m) => m.req === req);
    if (!reply) throw new Error(`no reply to rtc-${type}`);
    return reply;
  }
  async join(sourceId: string): Promise<Msg> {
    return this.ask('join', { sourceId });
  }
  events(type: string): Msg[] {
    return this.got.filter((m) => m.type === type);
  }
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The mediasoup worker processes this test process started. */
async function workerPids(): Promise<number[]> {
  const out: number[] = [];
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const stat = await readFile(`/proc/${e}/stat`, 'utf8').catch(() => '');
    const m = /^\d+ \((.*)\) \S (\d+)/.exec(stat);
    if (m && m[1]!.startsWith('mediasoup-work') && Number(m[2]) === process.pid) out.push(Number(e));
  }
  return out;
}

/** UDP sockets (IPv4) in the test's RTC port range: their socket inodes. */
async function udpInodesInRange(): Promise<Set<string>> {
  const text = await readFile('/proc/net/udp', 'utf8');
  const out = new Set<string>();
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const port = parseInt(f[1]?.split(':')[1] ?? '', 16);
    if (port >= MIN_PORT && port <= MAX_PORT && f[9]) out.add(f[9]);
  }
  return out;
}

/** Socket inodes a process holds. */
async function socketInodes(pid: number): Promise<Set<string>> {
  const out = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) out.add(m[1]!);
  }
  return out;
}

describe.skipIf(missing !== null)(`rtc service (real worker, ffmpeg, nginx-rtmp) ${missing ?? ''}`, () => {
  let server: nginx.NginxRtmpServer;
  let rtsp: StreamServer | null = null;
  let hub: VideoHub;
  let rtc: RtcService;

  beforeAll(async () => {
    server = await nginx.start();
    if (gstRtsp.missing() === null) rtsp = await gstRtsp.start();
    rtc = createRtcService({ config });
    const urls: Record<string, () => string | undefined> = {
      cam: () => server.rtmpUrl,
      cam2: () => server.rtmpUrl,
      ipcam: () => rtsp?.url,
    };
    hub = createVideoHub({
      resolveInput: async (id) => {
        const url = urls[id]?.();
        return url ? { input: parseSource(url), realtime: false, epochMs: 0 } : null;
      },
      rtp: rtc,
      graceMs: 300,
    });
    rtc.attach({
      watch: (id, w) => hub.watch(id, w),
      admit: async (id) => {
        if (id === 'blocked')
          throw Object.assign(new Error('quarantined'), { code: 'SOURCE_QUARANTINED', httpStatus: 403 });
      },
    });
  }, 60_000);

  afterAll(async () => {
    await hub?.close();
    await rtc?.close();
    await server?.stop();
    await rtsp?.stop();
  });

  it('feeds a live source into a producer; viewers join, consume, and are capped', async () => {
    expect(rtc.status()).toMatchObject({ available: true, code: null, routers: 0, viewers: 0 });
    const a = new Peer(rtc);
    const joined = await a.join('cam');
    expect(joined.type).toBe('rtc-joined');
    const transport = joined.transport as {
      iceCandidates: { ip?: string; address?: string; protocol: string; port: number }[];
    };
    expect(new Set(transport.iceCandidates.map((c) => c.protocol))).toEqual(new Set(['udp', 'tcp']));
    for (const c of transport.iceCandidates) {
      expect(c.address ?? c.ip).toBe('127.0.0.1');
      expect(c.port).toBeGreaterThanOrEqual(MIN_PORT);
      expect(c.port).toBeLessThanOrEqual(MAX_PORT);
    }
    // The join started the source's feed; its ffmpeg sends RTP into the source's router.
    const consumers = await a.ask('consume', {
      viewerId: joined.viewerId,
      rtpCapabilities: joined.routerRtpCapabilities,
    });
    expect(consumers.type).toBe('rtc-consumers');
    const list = consumers.consumers as { kind: string; rtpParameters: { codecs: { mimeType: string }[] } }[];
    expect(list.map((c) => c.kind)).toEqual(['video', 'audio']);
    expect(list[0]!.rtpParameters.codecs[0]!.mimeType).toBe('video/H264');
    expect(hub.pids()).toHaveLength(1);
    expect((await a.ask('resume', { viewerId: joined.viewerId })).type).toBe('rtc-ok');
    // Keyframes anchor the clock (the test clip has one a second).
    await until('an rtc-clock', () => a.events('rtc-clock').length > 0);
    const clock = a.events('rtc-clock')[0]!.clock as { rtpTimestamp: number; wallMs: number };
    expect(Math.abs(clock.wallMs - Date.now())).toBeLessThan(10_000);
    expect(rtc.clock('cam')).not.toBeNull();

    const stats = await rtc.stats('cam');
    // nginx serves the clip as libx264 High: copied for MSE, encoded baseline for browsers.
    expect(stats).toMatchObject({ sourceId: 'cam', producing: true, video: 'transcode', audio: true });
    expect(stats.peers).toEqual([
      expect.objectContaining({ id: joined.viewerId, role: 'viewer', iceState: 'new' }),
    ]);
    expect(rtc.status()).toMatchObject({ routers: 1, viewers: 1, producers: 2 });

    // Per-source cap (2 here): the third viewer is refused with RTC_VIEWER_LIMIT.
    const b = new Peer(rtc);
    const second = await b.join('cam');
    expect(second.type).toBe('rtc-joined');
    const third = await b.join('cam');
    expect(third).toMatchObject({ type: 'rtc-error', code: 'RTC_VIEWER_LIMIT', sourceId: 'cam' });
    // One connection cannot touch another's viewer.
    expect(await b.ask('resume', { viewerId: joined.viewerId })).toMatchObject({
      code: 'RTC_VIEWER_NOT_FOUND',
    });
    expect(await b.ask('leave', { viewerId: second.viewerId })).toMatchObject({ type: 'rtc-ok' });
    expect(rtc.status().viewers).toBe(1);
    // A quarantined (refused) source is refused before anything is created.
    expect(await b.join('blocked')).toMatchObject({ type: 'rtc-error', code: 'SOURCE_QUARANTINED' });
    // Bad messages have a code too.
    expect(await b.ask('connect', { viewerId: 'x' })).toMatchObject({
      type: 'rtc-error',
      code: 'RTC_BAD_REQUEST',
    });
    expect(
      await a.ask('connect', {
        viewerId: joined.viewerId,
        dtlsParameters: { role: 'client', fingerprints: [] },
      }),
    ).toMatchObject({ type: 'rtc-error', code: 'RTC_BAD_REQUEST' });

    // The socket closes: its viewer goes; the feed stops after its grace; the router follows.
    rtc.disconnect(a);
    expect(rtc.status().viewers).toBe(0);
    await until('the feed and the router to go', () => hub.feeds === 0 && rtc.status().routers === 0);
    expect(rtc.status()).toMatchObject({ viewers: 0, producers: 0, routers: 0 });
    expect(await rtc.stats('cam')).toMatchObject({ producing: false, peers: [] });
  }, 60_000);

  it.skipIf(gstRtsp.missing() !== null)(
    'an RTSP camera (GStreamer) reaches a producer too',
    async () => {
      const p = new Peer(rtc);
      const joined = await p.join('ipcam');
      const consumers = await p.ask('consume', {
        viewerId: joined.viewerId,
        rtpCapabilities: joined.routerRtpCapabilities,
      });
      expect(consumers).toMatchObject({
        type: 'rtc-consumers',
        consumers: [expect.objectContaining({ kind: 'video' })],
      });
      await until('an rtc-clock', () => p.events('rtc-clock').length > 0);
      expect(await rtc.stats('ipcam')).toMatchObject({ producing: true, video: 'transcode' });
      rtc.disconnect(p);
      await until('the feed and the router to go', () => hub.feeds === 0 && rtc.status().routers === 0);
    },
    60_000,
  );

  it('a source without live video: rtc-closed (unavailable) and RTC_NO_VIDEO', async () => {
    const p = new Peer(rtc);
    const joined = await p.join('nothing');
    expect(joined.type).toBe('rtc-joined');
    await until('rtc-closed', () => p.events('rtc-closed').length > 0);
    expect(p.events('rtc-closed')[0]).toMatchObject({ viewerId: joined.viewerId, reason: 'unavailable' });
    expect(await p.ask('consume', { viewerId: joined.viewerId, rtpCapabilities: {} })).toMatchObject({
      code: 'RTC_VIEWER_NOT_FOUND',
    });
    await until('no router', () => rtc.status().routers === 0);
  }, 30_000);

  it('concurrent joins cannot pass the per-source cap', async () => {
    const p = new Peer(rtc);
    const replies = await Promise.all([p.join('cam2'), p.join('cam2'), p.join('cam2')]);
    expect(replies.map((r) => r.type).sort()).toEqual(['rtc-error', 'rtc-joined', 'rtc-joined']);
    expect(replies.find((r) => r.type === 'rtc-error')).toMatchObject({ code: 'RTC_VIEWER_LIMIT' });
    rtc.disconnect(p);
    await until('the feed and the router to go', () => hub.feeds === 0 && rtc.status().routers === 0);
  }, 60_000);

  it('caps routers per worker (RTC_ROUTER_LIMIT)', async () => {
    const p = new Peer(rtc);
    expect((await p.join('cam')).type).toBe('rtc-joined');
    expect((await p.join('cam2')).type).toBe('rtc-joined');
    const third = await p.join('nothing');
    expect(third).toMatchObject({ type: 'rtc-error', code: 'RTC_ROUTER_LIMIT' });
    rtc.disconnect(p);
    await until('the feeds and routers to go', () => hub.feeds === 0 && rtc.status().routers === 0);
  }, 60_000);

  it('the feed ending closes the router and tells the viewers', async () => {
    const p = new Peer(rtc);
    const joined = await p.join('cam');
    await p.ask('consume', { viewerId: joined.viewerId, rtpCapabilities: joined.routerRtpCapabilities });
    await server.kill();
    try {
      await until('rtc-closed', () => p.events('rtc-closed').length > 0);
      expect(['ended', 'failed']).toContain(p.events('rtc-closed')[0]!.reason);
      await until('no router', () => rtc.status().routers === 0);
      expect(rtc.status()).toMatchObject({ viewers: 0, producers: 0 });
    } finally {
      await server.restart();
    }
  }, 60_000);

  it('worker death: viewers closed, status RTC_WORKER_DIED, feeds restart, a new worker later', async () => {
    // An MSE watcher keeps the feed running: its RTP would go nowhere after the death.
    const ends: string[] = [];
    const stopMse = hub.watch('cam', {
      start: () => undefined,
      fragment: () => undefined,
      end: (reason) => ends.push(reason),
    });
    const p = new Peer(rtc);
    const joined = await p.join('cam');
    expect(joined.type).toBe('rtc-joined');
    await p.ask('consume', { viewerId: joined.viewerId, rtpCapabilities: joined.routerRtpCapabilities });
    const [pid] = await workerPids();
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    await until('rtc-closed', () => p.events('rtc-closed').length > 0);
    expect(p.events('rtc-closed')[0]).toMatchObject({ reason: 'failed' });
    expect(rtc.status()).toMatchObject({ available: false, code: 'RTC_WORKER_DIED', viewers: 0, routers: 0 });
    expect(await p.join('cam')).toMatchObject({ type: 'rtc-error', code: 'RTC_WORKER_DIED' });
    // The feed whose router died ended, so the next one sends into a new router.
    await until('the feed to end', () => ends.length > 0);
    expect(ends).toEqual(['failed']);
    stopMse();
    await until('a new worker', () => rtc.status().available, 15_000);
    expect(await workerPids()).toHaveLength(1);
    const again = await p.join('cam');
    expect(again.type).toBe('rtc-joined');
    const consumers = await p.ask('consume', {
      viewerId: again.viewerId,
      rtpCapabilities: again.routerRtpCapabilities,
    });
    expect(consumers.type).toBe('rtc-consumers');
    rtc.disconnect(p);
    await until('no feed', () => hub.feeds === 0);
  }, 60_000);

  it('close() leaves no worker process and no UDP port', async () => {
    const p = new Peer(rtc);
    expect((await p.join('cam')).type).toBe('rtc-joined');
    // The worker's sockets in the RTC range (other processes may have ephemeral ports there too).
    const [pid] = await workerPids();
    const mine = await socketInodes(pid!);
    const before = [...(await udpInodesInRange())].filter((i) => mine.has(i));
    expect(before.length).toBeGreaterThan(0);
    await hub.close();
    await rtc.close();
    await rtc.close();
    expect(rtc.status()).toMatchObject({ available: false, code: 'RTC_UNAVAILABLE', routers: 0, viewers: 0 });
    expect(await workerPids()).toEqual([]);
    const after = await udpInodesInRange();
    expect(before.filter((i) => after.has(i))).toEqual([]);
  }, 30_000);
});
