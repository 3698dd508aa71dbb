// The WebRTC side through the real server: signalling over the authenticated live WebSocket, GET
// /api/v1/rtc and /api/v1/sources/:id/rtc, the Prometheus gauges, the gate (a quarantined source is
// refused and its viewers closed), a server without WebRTC, and nothing left after app.close().
import { readFile, readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildServer } from '../src/server/index.ts';
import { DEFAULT_RTC_CONFIG, resolveWorkerBin } from '../src/rtc/config.ts';
import type { RtcConfig } from '../src/rtc/types.ts';
import {
  VTEST,
  bearer,
  cutClip,
  listenLocal,
  openServerEnv,
  waitFor,
  type ServerEnv,
} from './server-helpers.ts';

const config: RtcConfig = {
  ...DEFAULT_RTC_CONFIG,
  workerBin: process.env.MEDIASOUP_WORKER_BIN ?? null,
  minPort: 42200,
  maxPort: 42299,
};
const missing = resolveWorkerBin(config).ok ? null : 'no mediasoup worker';

type Msg = Record<string, unknown> & { type: string };

/** A live WebSocket client: every message it got, and request/reply by `req`. */
async function liveClient(base: string): Promise<{
  ws: WebSocket;
  got: Msg[];
  ask(m: Record<string, unknown>): Promise<Msg>;
}> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/live`, { headers: bearer() });
  const got: Msg[] = [];
  ws.on('message', (d) => got.push(JSON.parse(d.toString()) as Msg));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let req = 0;
  return {
    ws,
    got,
    async ask(m) {
      const r = ++req;
      ws.send(JSON.stringify({ ...m, req: r }));
      return waitFor(() => got.find((x) => x.req === r), 30_000, `a reply to ${String(m.type)}`);
    },
  };
}

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

describe.skipIf(missing !== null)('rtc through the server (real worker, ffmpeg, live socket)', () => {
  let env: ServerEnv;
  let base: string;
  const get = (url: string) => env.app.inject({ method: 'GET', url, headers: bearer() });

  beforeAll(async () => {
    env = await openServerEnv({ rtc: config });
    const clip = await cutClip(VTEST, env.dir, 'vtest-30s.mp4', 30);
    base = await listenLocal(env.app);
    for (const id of ['cam', 'other']) {
      const res = await env.app.inject({
        method: 'POST',
        url: '/api/v1/sources',
        headers: bearer(),
        payload: { input: clip, fps: 2, realtime: true, id },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
  }, 90_000);

  afterAll(async () => {
    await env?.close();
    expect(await workerPids()).toEqual([]);
  });

  it('status, signalling, stats and gauges', async () => {
    expect((await get('/api/v1/rtc')).json()).toMatchObject({
      available: true,
      code: null,
      viewers: 0,
      routers: 0,
      maxViewersPerSource: 16,
    });
    const c = await liveClient(base);
    const joined = await c.ask({ type: 'rtc-join', sourceId: 'cam' });
    expect(joined).toMatchObject({ type: 'rtc-joined', sourceId: 'cam' });
    const consumers = await c.ask({
      type: 'rtc-consume',
      viewerId: joined.viewerId,
      rtpCapabilities: joined.routerRtpCapabilities,
    });
    // A file is encoded once (baseline, teed); the clip has no audio.
    expect(consumers).toMatchObject({
      type: 'rtc-consumers',
      consumers: [expect.objectContaining({ kind: 'video' })],
    });
    expect(await c.ask({ type: 'rtc-resume', viewerId: joined.viewerId })).toMatchObject({ type: 'rtc-ok' });

    expect((await get('/api/v1/sources/cam/rtc')).json()).toMatchObject({
      sourceId: 'cam',
      producing: true,
      video: 'transcode',
      audio: false,
      peers: [expect.objectContaining({ id: joined.viewerId, role: 'viewer' })],
    });
    expect((await get('/api/v1/sources/ghost/rtc')).statusCode).toBe(404);
    expect((await get('/api/v1/rtc')).json()).toMatchObject({ viewers: 1, routers: 1, producers: 1 });
    const metrics = (await get('/metrics')).body;
    expect(metrics).toMatch(/^aima_rtc_viewers 1$/m);
    expect(metrics).toMatch(/^aima_rtc_routers 1$/m);
    expect(metrics).toMatch(/^aima_rtc_producers 1$/m);
    expect(metrics).toMatch(/^aima_rtc_available 1$/m);
    expect(metrics).toContain(
      `aima_rtc_peer_bitrate_bps{source="cam",peer="${String(joined.viewerId)}",role="viewer"}`,
    );

    expect(await c.ask({ type: 'rtc-join', sourceId: 'ghost' })).toMatchObject({
      type: 'rtc-error',
      code: 'SOURCE_NOT_FOUND',
    });
    // The socket goes: its viewer is freed at once, the feed after its grace, then the router.
    c.ws.close();
    await waitFor(
      async () => ((await get('/api/v1/rtc')).json() as { viewers: number }).viewers === 0,
      5_000,
    );
    await waitFor(
      async () => ((await get('/api/v1/rtc')).json() as { routers: number }).routers === 0,
      15_000,
    );
  }, 60_000);

  it('the gate: a quarantined source is refused, and its viewers are closed', async () => {
    const c = await liveClient(base);
    const joined = await c.ask({ type: 'rtc-join', sourceId: 'other' });
    expect(joined.type).toBe('rtc-joined');
    await env.runtime.store.insertQuarantines([
      {
        sourceId: 'other',
        ts: Date.now(),
        code: 'SAFETY_MINOR_DETECTED',
        reason: 'test',
        analyzer: 'nsfw',
        age: 12,
        threshold: 23,
      },
    ]);
    await waitFor(() => c.got.find((m) => m.type === 'rtc-closed'), 10_000, 'rtc-closed');
    expect(c.got.find((m) => m.type === 'rtc-closed')).toMatchObject({
      viewerId: joined.viewerId,
      reason: 'unavailable',
    });
    expect(await c.ask({ type: 'rtc-join', sourceId: 'other' })).toMatchObject({
      type: 'rtc-error',
      code: 'SOURCE_QUARANTINED',
    });
    c.ws.close();
  }, 30_000);

  it('a server without WebRTC says so (RTC_DISABLED) and answers rtc-* with it', async () => {
    const app = await buildServer({ ...env.deps, rtc: null });
    try {
      const res = await app.inject({ method: 'GET', url: '/api/v1/rtc', headers: bearer() });
      expect(res.json()).toMatchObject({ available: false, code: 'RTC_DISABLED' });
      const url = await listenLocal(app);
      const c = await liveClient(url);
      expect(await c.ask({ type: 'rtc-join', sourceId: 'cam' })).toMatchObject({
        type: 'rtc-error',
        code: 'RTC_DISABLED',
        sourceId: 'cam',
      });
      c.ws.close();
      const stats = await app.inject({ method: 'GET', url: '/api/v1/sources/cam/rtc', headers: bearer() });
      expect(stats.statusCode).toBe(503);
      expect(stats.json()).toMatchObject({ code: 'RTC_DISABLED' });
    } finally {
      await app.close();
    }
  }, 30_000);
});
