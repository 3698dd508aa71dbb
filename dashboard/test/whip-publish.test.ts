// WHIP end to end: Debian's Chromium publishes its fake camera (+ microphone) through the real
// mediasoup worker into the relay ffmpeg; the source is analysed (rows in chDB) and recorded like
// any live source; DELETE stops it and leaves no ffmpeg, router or relay behind.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createWhipService, type WhipService } from '../src/rtc/whip/service.ts';
import { createRtcService } from '../src/rtc/service.ts';
import type { RtcService } from '../src/rtc/types.ts';
import { serviceRouters, type RouterSource } from '../src/rtc/whip/routers.ts';
import { buildServer } from '../src/server/index.ts';
import { createSourceManager } from '../src/sources/manager.ts';
import type { SourceManager } from '../src/sources/types.ts';
import type { Runtime } from '../src/runtime.ts';
import { CHROMIUM } from './browser-helpers.ts';
import { TOKEN, bearer, listenLocal, openTestRuntime, testServerDeps, waitFor } from './server-helpers.ts';
import {
  WHIP_TEST_CONFIG,
  connectionState,
  createOffer,
  launchPublisherChromium,
  publish,
} from './whip-helpers.ts';

const workerBin = WHIP_TEST_CONFIG.workerBin;
const missing = !existsSync(CHROMIUM)
  ? `no Chromium at ${CHROMIUM}`
  : !workerBin || !existsSync(workerBin)
    ? 'no mediasoup worker (MEDIASOUP_WORKER_BIN)'
    : null;

const alive = (pid: number | undefined): boolean => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(missing !== null)(`WHIP publishing from Chromium (${missing ?? 'real worker'})`, () => {
  let dir: string;
  let runtime: Runtime;
  let manager: SourceManager;
  let whip: WhipService;
  let routers: RouterSource;
  let rtc: RtcService;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aima-whip-'));
    const dataDir = path.join(dir, 'data');
    runtime = await openTestRuntime(dataDir);
    manager = createSourceManager({ runtime, dataDir, segmentSeconds: 2 });
    // As `aima serve` wires it: one RTC service (one worker) for the live view and WHIP.
    rtc = createRtcService({ config: WHIP_TEST_CONFIG });
    routers = serviceRouters(rtc);
    whip = createWhipService({ config: WHIP_TEST_CONFIG, routers, manager });
    app = await buildServer({
      ...testServerDeps(runtime, manager, dataDir),
      // Live video of stream sources comes from the manager (as `aima serve` wires it).
      videoInput: (id) => manager.videoInput(id),
      rtc,
      whip,
    });
    base = await listenLocal(app);
    browser = await launchPublisherChromium();
    page = await browser.newPage();
    // Any page of the server's origin: 127.0.0.1 is a secure context (getUserMedia works).
    await page.goto(`${base}/healthz`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await rtc?.close();
    await manager?.close();
    await runtime?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('publishes the fake camera: the source is analysed and recorded, DELETE stops it cleanly', async () => {
    const offer = await createOffer(page);
    const res = await publish(page, `${base}/api/v1/whip/cam`, TOKEN, offer);
    expect(res.status, res.answer).toBe(201);
    expect(res.contentType).toMatch(/^application\/sdp/);
    expect(res.location).toMatch(/^\/api\/v1\/whip\/cam\/sessions\/[0-9a-f-]{36}$/);
    expect(res.answer).toContain('a=ice-lite');
    expect(res.answer).toContain('a=setup:passive');
    expect(res.answer).toMatch(/a=rtpmap:\d+ H264\/90000/);

    await waitFor(async () => (await connectionState(page)) === 'connected', 20_000, 'the peer connection');
    const session = whip.sessions().find((x) => x.sourceId === 'cam');
    expect(session?.sourceId).toBe('cam');
    // The offer's order (audio first, as Chromium adds the microphone first); H.264 wins over VP8.
    expect([...(session?.tracks ?? [])].sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { kind: 'audio', codec: 'opus' },
      { kind: 'video', codec: 'h264' },
    ]);
    expect(alive(session?.relayPid)).toBe(true);

    // An ordinary live source: kind whip, the relay URL never shown.
    const view = await waitFor(
      async () => {
        const v = await manager.get('cam');
        return v && v.connection === 'live' && v.stats.framesAnalysed >= 6 ? v : undefined;
      },
      60_000,
      'frames of the published camera analysed',
    );
    expect(view.kind).toBe('whip');
    expect(view.display).toBe('whip://cam');
    const listed = await app.inject({ method: 'GET', url: '/api/v1/sources/cam', headers: bearer() });
    expect(listed.body).not.toContain('127.0.0.1');
    // The publisher in the source's RTC stats (received bitrate, ICE/DTLS states).
    const stats = await app.inject({ method: 'GET', url: '/api/v1/sources/cam/rtc', headers: bearer() });
    expect(stats.statusCode).toBe(200);
    const publisher = (
      stats.json() as { peers: { role: string; bitrate: number; dtlsState: string }[] }
    ).peers.find((p) => p.role === 'publisher');
    expect(publisher?.dtlsState).toBe('connected');
    expect(publisher?.bitrate).toBeGreaterThan(0);

    // Stored: analysis windows (and whatever the detector saw in the fake camera's picture).
    const windows = await waitFor(
      async () => {
        const w = await runtime.store.listWindows({ sourceId: 'cam' });
        return w.some((x) => x.frames > 0) ? w : undefined;
      },
      30_000,
      'stored analysis windows',
    );
    expect(windows.reduce((n, w) => n + w.frames, 0)).toBeGreaterThan(0);
    await waitFor(
      async () => (await runtime.store.listRecordings({ sourceId: 'cam' })).length >= 1,
      30_000,
      'a recorded segment',
    );

    // Shown live like any source: the live-view feed reads the relay too (fMP4 over its WebSocket).
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/sources/cam/video`, { headers: bearer() });
    const fragments: Buffer[] = [];
    ws.on('message', (data, isBinary) => {
      if (isBinary) fragments.push(data as Buffer);
    });
    await waitFor(
      () => fragments.some((f) => f.toString('latin1', 4, 8) === 'moof'),
      20_000,
      'live video fragments',
    );
    ws.close();

    // A second publisher for the same source is refused while the first one runs.
    const busy = await app.inject({
      method: 'POST',
      url: '/api/v1/whip/cam',
      headers: { ...bearer(), 'content-type': 'application/sdp' },
      payload: offer,
    });
    expect(busy.statusCode).toBe(409);
    expect(busy.json()).toMatchObject({ code: 'WHIP_BUSY' });

    const del = await app.inject({ method: 'DELETE', url: res.location!, headers: bearer() });
    expect(del.statusCode).toBe(200);
    expect(whip.sessions()).toEqual([]);
    expect((await manager.get('cam'))?.status).toBe('stopped');
    await waitFor(() => !alive(session?.relayPid), 5000, 'the relay ffmpeg to exit');
    expect(routers.open).toBe(0);
    const again = await app.inject({ method: 'DELETE', url: res.location!, headers: bearer() });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ code: 'WHIP_SESSION_NOT_FOUND' });
    // The results stay. Chromium's fake camera draws a moving pacman and a frame counter: whatever
    // YOLOX sees there is stored, as the windows count it (often nothing: the windows are the proof).
    const final = await runtime.store.listWindows({ sourceId: 'cam' });
    expect(final.length).toBeGreaterThan(0);
    const seen = final.reduce((n, w) => n + w.detections, 0);
    const labels = await runtime.store.labels('cam');
    console.info(
      `WHIP fake camera: ${final.length} windows, ${seen} detections (${labels.join(', ') || 'none'})`,
    );
    expect(await runtime.store.countDetections({ sourceId: 'cam' })).toBe(seen);
  }, 150_000);

  it('encodes a VP8 publisher to H.264; a publisher that goes away stops its source within seconds', async () => {
    const vp8 = await browser.newPage();
    await vp8.goto(`${base}/healthz`);
    const offer = await createOffer(vp8, { videoCodec: 'VP8', audio: false });
    expect(offer).not.toMatch(/H264\/90000/);
    const res = await publish(vp8, `${base}/api/v1/whip/vp8cam`, TOKEN, offer);
    expect(res.status, res.answer).toBe(201);
    expect(res.answer).toMatch(/a=rtpmap:\d+ VP8\/90000/);
    const session = whip.sessions().find((x) => x.sourceId === 'vp8cam');
    expect(session?.tracks).toEqual([{ kind: 'video', codec: 'vp8' }]);
    await waitFor(
      async () => ((await manager.get('vp8cam'))?.stats.framesAnalysed ?? 0) >= 4,
      60_000,
      'frames of the VP8 publisher analysed',
    );

    // The browser goes away without a DELETE: DTLS closes, and after the grace the source stops.
    const gone = Date.now();
    await vp8.close();
    await waitFor(
      async () => (await manager.get('vp8cam'))?.status === 'stopped',
      20_000,
      'the source to stop',
    );
    expect(Date.now() - gone).toBeLessThan(15_000);
    expect(whip.sessions().map((x) => x.sourceId)).not.toContain('vp8cam');
    await waitFor(() => !alive(session?.relayPid), 5000, 'the relay ffmpeg to exit');
    expect(routers.open).toBe(whip.sessions().length);

    // Going live again under the same URL (as OBS does) continues the same source, history kept.
    const before = (await runtime.store.getSource('vp8cam'))!;
    const windowsBefore = (await runtime.store.listWindows({ sourceId: 'vp8cam' })).length;
    expect(windowsBefore).toBeGreaterThan(0);
    const back = await browser.newPage();
    await back.goto(`${base}/healthz`);
    const again = await publish(
      back,
      `${base}/api/v1/whip/vp8cam`,
      TOKEN,
      await createOffer(back, { videoCodec: 'VP8', audio: false }),
    );
    expect(again.status, again.answer).toBe(201);
    await waitFor(
      async () => ((await manager.get('vp8cam'))?.stats.framesAnalysed ?? 0) >= 2,
      60_000,
      'frames of the second publication analysed',
    );
    const continued = (await runtime.store.getSource('vp8cam'))!;
    expect(continued.kind).toBe('whip');
    expect(continued.epochMs).toBeGreaterThan(before.epochMs);
    expect((await runtime.store.listWindows({ sourceId: 'vp8cam' })).length).toBeGreaterThanOrEqual(
      windowsBefore,
    );
    const ended = await app.inject({ method: 'DELETE', url: again.location!, headers: bearer() });
    expect(ended.statusCode).toBe(200);
    expect((await manager.get('vp8cam'))?.status).toBe('stopped');
    await back.close();
  }, 180_000);

  it('closing the server ends its publishers: no session, relay or router is left', async () => {
    const p = await browser.newPage();
    await p.goto(`${base}/healthz`);
    const res = await publish(p, `${base}/api/v1/whip/last`, TOKEN, await createOffer(p, { audio: false }));
    expect(res.status, res.answer).toBe(201);
    const session = whip.sessions().find((x) => x.sourceId === 'last');
    await waitFor(
      async () => (await manager.get('last'))?.connection === 'live',
      60_000,
      'the source to be live',
    );
    await app.close();
    expect(whip.sessions()).toEqual([]);
    expect(routers.open).toBe(0);
    await waitFor(() => !alive(session?.relayPid), 5000, 'the relay ffmpeg to exit');
    // Then the manager closes (as `aima serve` does): the source is interrupted, and a restart
    // fails it rather than resuming a publisher that is gone.
    await manager.close();
    expect(await runtime.store.getSource('last')).toMatchObject({ errorCode: 'SOURCE_INTERRUPTED' });
  }, 120_000);
});
