// The live view over WebRTC in Debian's Chromium (issue 12), against the real server, the real
// mediasoup worker and a real RTMP server (nginx-rtmp looping vtest): the picture plays through
// mediasoup-client with the overlay drawn by the frames' RTP timestamps; a second viewer joins and
// leaves; a server without WebRTC falls back to MSE and says why. Screenshots go to test-artifacts/.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nginx from '../../test-support/servers/nginx-rtmp.ts';
import { RtcSourceStatsView } from '../src/protocol.ts';
import { buildServer } from '../src/server/index.ts';
import { ARTIFACTS, UI_DIST, collectErrors, ensureUiBuilt } from './browser-helpers.ts';
import {
  addStreamSource,
  launchRtcChromium,
  loggedInContext,
  probeOverlayBoxes,
  rtcHooks,
  rtcMissing,
  rtcStatus,
  rtcTestConfig,
  waitHooks,
} from './rtc-ui-helpers.ts';
import { bearer, openServerEnv, waitFor, type ServerEnv } from './server-helpers.ts';

const missing = rtcMissing() ?? nginx.missing();
const CONFIG = rtcTestConfig(43000);

describe.skipIf(missing !== null)(`the WebRTC live view in Chromium (${missing ?? 'real worker'})`, () => {
  let server: nginx.NginxRtmpServer;
  let env: ServerEnv;
  let browser: Browser;
  let context: BrowserContext;
  let base: string;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    await Promise.all([ensureUiBuilt(), mkdir(ARTIFACTS, { recursive: true })]);
    server = await nginx.start();
    env = await openServerEnv({
      uiDir: UI_DIST,
      rtc: CONFIG,
      // Stream sources: the feed reads the manager's real URL (as `aima serve` wires it).
      videoInput: (id) => env.manager.videoInput(id),
    });
    await addStreamSource(env.app, server.rtmpUrl, 'cam', 5);
    browser = await launchRtcChromium();
    ({ base, context } = await loggedInContext(env.app, browser));
    page = await context.newPage();
    errors = collectErrors(page);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await env?.close();
    await server?.stop();
  });

  it('plays the source over WebRTC with the overlay drawn by RTP timestamp', async () => {
    await page.goto(`${base}/#/live/cam`);
    await waitHooks(page, "h.mode === 'webrtc' && h.rtcFrames > 10 && h.videoPlaying", 60_000);
    const h1 = (await rtcHooks(page))!;
    await page.waitForTimeout(2000);
    const h2 = (await rtcHooks(page))!;
    // The video advances: ~10 fps source, 2 s later.
    expect(h2.rtcFrames - h1.rtcFrames).toBeGreaterThan(8);
    expect(h2.videoCurrentTime).toBeGreaterThan(h1.videoCurrentTime + 1);
    expect(h2.rtcViewerId).toMatch(/.+/);

    // The frame on screen maps to the source clock through the RtcClock: close to "now" on that
    // clock, which runs ahead of arrival by what ffmpeg buffered before the first frame (the
    // analysed frames' ts − receivedAt; the server adds it to its clock anchors).
    await waitHooks(page, 'h.frameTs !== null && h.sourceMinusArrivalMs !== null', 20_000);
    const h3 = (await rtcHooks(page))!;
    const behind = Date.now() + h3.sourceMinusArrivalMs! - h3.frameTs!;
    expect(behind).toBeGreaterThan(-300);
    expect(behind).toBeLessThan(3000);

    // The label says which mode, how far behind, and why.
    await page.waitForFunction(
      () =>
        /^WebRTC · \d+(\.\d)? (ms|s) — automatic: lowest latency$/.test(
          (
            globalThis as unknown as {
              document: { querySelector(s: string): { textContent: string } | null };
            }
          ).document
            .querySelector('[data-testid="live-mode"]')
            ?.textContent?.trim() ?? '',
        ),
      null,
      { timeout: 10_000 },
    );

    // Detections of the JSON channel drawn over the WebRTC picture, with boxes in their colour.
    await waitHooks(page, 'h.overlayDrawsInVideoMode > 3 && h.lastDetections.length > 0', 60_000);
    const boxes = await probeOverlayBoxes(page);
    expect(boxes.detections).toBeGreaterThan(0);
    expect(boxes.matched).toBeGreaterThan(boxes.sampled * 0.3);
    await page.screenshot({ path: path.join(ARTIFACTS, 'rtc-live.png') });

    // The server sees one viewer, its producer and the transport's stats.
    expect((await rtcStatus(env.app)).viewers).toBe(1);
    const stats = await env.app.inject({ method: 'GET', url: '/api/v1/sources/cam/rtc', headers: bearer() });
    expect(stats.statusCode, stats.body).toBe(200);
    const view = RtcSourceStatsView.parse(stats.json());
    expect(view.producing).toBe(true);
    expect(view.peers.filter((p) => p.role === 'viewer')).toHaveLength(1);
    expect(errors).toEqual([]);
  }, 150_000);

  it('a second viewer joins and leaves; the first keeps playing', async () => {
    const second = await context.newPage();
    await second.goto(`${base}/#/live/cam`);
    await waitHooks(second, "h.mode === 'webrtc' && h.rtcFrames > 5", 30_000);
    await waitFor(async () => (await rtcStatus(env.app)).viewers === 2, 10_000, 'two viewers');
    const [a, b] = [(await rtcHooks(page))!, (await rtcHooks(second))!];
    expect(a.rtcViewerId).not.toBe(b.rtcViewerId);
    await second.close();
    // Gone within seconds of the page closing (its socket closed: the server drops its viewer).
    await waitFor(async () => (await rtcStatus(env.app)).viewers === 1, 10_000, 'one viewer left');
    const before = (await rtcHooks(page))!.rtcFrames;
    await page.waitForTimeout(1500);
    const after = (await rtcHooks(page))!;
    expect(after.mode).toBe('webrtc');
    expect(after.rtcFrames - before).toBeGreaterThan(5);
  }, 60_000);

  it('the toggle forces MSE and back; Auto is WebRTC again', async () => {
    await page.click('[data-mode="video"]');
    await waitHooks(page, "h.mode === 'video' && h.videoPlaying && h.videoCurrentTime > 0", 30_000);
    expect((await rtcHooks(page))!.modeLabel).toMatch(/^MSE( · [\d.]+ m?s)? — chosen$/);
    // Leaving WebRTC left the server: no viewer.
    await waitFor(async () => (await rtcStatus(env.app)).viewers === 0, 10_000, 'no viewer in MSE mode');
    // The preference is kept: a reload stays on MSE.
    await page.reload();
    await waitHooks(page, "h.mode === 'video'", 20_000);
    await page.click('[data-mode="auto"]');
    await waitHooks(page, "h.mode === 'webrtc' && h.rtcFrames > 5", 30_000);
    expect(errors).toEqual([]);
  }, 90_000);

  describe('a server without WebRTC', () => {
    let plain: FastifyInstance;
    let plainPage: Page;

    beforeAll(async () => {
      // The same manager and sources, served by a second server built with WebRTC off.
      plain = await buildServer({ ...env.deps, rtc: null });
      const { base: plainBase, context: ctx } = await loggedInContext(plain, browser);
      plainPage = await ctx.newPage();
      await plainPage.goto(`${plainBase}/#/live/cam`);
    }, 60_000);

    afterAll(async () => {
      await plain?.close();
    });

    it('falls back to MSE and says why', async () => {
      await waitHooks(plainPage, "h.mode === 'video' && h.videoPlaying && h.videoCurrentTime > 0", 30_000);
      const label = await plainPage.locator('[data-testid="live-mode"]').textContent();
      expect(label?.trim()).toMatch(
        /^MSE( · [\d.]+ m?s)? — WebRTC unavailable: WebRTC is not enabled on this server$/,
      );
      await plainPage.screenshot({ path: path.join(ARTIFACTS, 'rtc-fallback-mse.png') });

      // Forcing WebRTC there: the join is refused with its code, and MSE plays again.
      await plainPage.click('[data-mode="webrtc"]');
      await plainPage.waitForFunction(
        () =>
          (
            (globalThis as unknown as { __aimaLive?: { modeLabel: string } }).__aimaLive?.modeLabel ?? ''
          ).includes('WebRTC failed: RTC_DISABLED'),
        null,
        { timeout: 20_000 },
      );
      await waitHooks(plainPage, "h.mode === 'video'", 10_000);
    }, 90_000);
  });
});
