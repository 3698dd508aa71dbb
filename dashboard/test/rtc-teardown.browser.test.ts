// Teardown of the WebRTC live view (issue 12): 20 Chromium pages watch one RTMP source over the
// real mediasoup worker, then leave, half by navigating away (the UI sends rtc-leave) and half by
// closing (the server sees the socket close). Afterwards the server holds no viewer, router or
// producer, no feed ffmpeg runs, and no UDP port of the RTC range is bound.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nginx from '../../test-support/servers/nginx-rtmp.ts';
import { UI_DIST, collectErrors, ensureUiBuilt } from './browser-helpers.ts';
import {
  addStreamSource,
  launchRtcChromium,
  loggedInContext,
  rtcHooks,
  rtcMissing,
  rtcStatus,
  rtcTestConfig,
  rtpFeedPids,
  udpPortsInRange,
  waitHooks,
} from './rtc-ui-helpers.ts';
import { openServerEnv, waitFor, type ServerEnv } from './server-helpers.ts';

const missing = rtcMissing() ?? nginx.missing();
const CONFIG = rtcTestConfig(43400, { maxViewersPerSource: 24 });
const VIEWERS = 20;
/** Pages opened at once: 20 decoders starting together would starve a 2-core machine. */
const BATCH = 5;

describe.skipIf(missing !== null)(`20 WebRTC viewers connect and leave (${missing ?? 'real worker'})`, () => {
  let server: nginx.NginxRtmpServer;
  let env: ServerEnv;
  let browser: Browser;
  let context: BrowserContext;
  let base: string;

  beforeAll(async () => {
    await ensureUiBuilt();
    server = await nginx.start();
    env = await openServerEnv({
      uiDir: UI_DIST,
      rtc: CONFIG,
      videoInput: (id) => env.manager.videoInput(id),
    });
    await addStreamSource(env.app, server.rtmpUrl, 'cam', 2);
    browser = await launchRtcChromium();
    ({ base, context } = await loggedInContext(env.app, browser, { width: 640, height: 480 }));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await env?.close();
    await server?.stop();
  });

  it('leaves no viewer, router, producer, feed ffmpeg or UDP port behind', async () => {
    expect(udpPortsInRange(CONFIG.minPort, CONFIG.maxPort)).toEqual([]);
    const pages: Page[] = [];
    const errors: string[][] = [];
    for (let i = 0; i < VIEWERS; i += BATCH) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(BATCH, VIEWERS - i) }, async () => {
          const p = await context.newPage();
          errors.push(collectErrors(p));
          await p.goto(`${base}/#/live/cam`);
          return p;
        }),
      );
      // Connected and showing frames (one is proof enough: 20 decoders share 2 cores here).
      await Promise.all(batch.map((p) => waitHooks(p, "h.mode === 'webrtc' && h.rtcFrames > 0", 90_000)));
      pages.push(...batch);
    }
    const status = await rtcStatus(env.app);
    expect(status.viewers).toBe(VIEWERS);
    // One router and one video (+ audio) producer for the source, however many watch it.
    expect(status.routers).toBe(1);
    expect(status.producers).toBeGreaterThanOrEqual(1);
    expect(status.producers).toBeLessThanOrEqual(2);
    const ids = new Set((await Promise.all(pages.map(rtcHooks))).map((h) => h?.rtcViewerId));
    expect(ids.size).toBe(VIEWERS);
    expect(rtpFeedPids()).toHaveLength(1);
    expect(udpPortsInRange(CONFIG.minPort, CONFIG.maxPort).length).toBeGreaterThanOrEqual(VIEWERS);

    // Half leave in the app (rtc-leave), half close their page (the socket goes).
    const [stay, go] = [pages.slice(0, VIEWERS / 2), pages.slice(VIEWERS / 2)];
    await Promise.all(
      stay.map((p) =>
        p.evaluate(() => {
          (globalThis as unknown as { location: { hash: string } }).location.hash = '#/sources';
        }),
      ),
    );
    await waitFor(async () => (await rtcStatus(env.app)).viewers === VIEWERS / 2, 10_000, 'ten viewers left');
    await Promise.all(go.map((p) => p.close()));
    await waitFor(async () => (await rtcStatus(env.app)).viewers === 0, 10_000, 'no viewer');

    // The feed keeps running for its grace (a reload reuses it), then stops with the router.
    const end = await waitFor(
      async () => {
        const s = await rtcStatus(env.app);
        return s.routers === 0 && s.producers === 0 && rtpFeedPids().length === 0 ? s : undefined;
      },
      20_000,
      'the router and the feed to close',
    );
    expect(end.viewers).toBe(0);
    await waitFor(
      () => udpPortsInRange(CONFIG.minPort, CONFIG.maxPort).length === 0,
      10_000,
      'the RTC ports to be free',
    );
    expect(errors.flat()).toEqual([]);
  }, 240_000);
});
