// "Publish my camera" on the Sources page (issue 12): Chromium's fake camera goes out over WHIP
// from the UI's own client (whip.ts), becomes a 'whip' live source that is analysed, plays in the
// live view (over WebRTC: WHIP in, the relay, the feed, mediasoup out), and Stop ends it.
import { mkdir } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownWorkerRouters } from '../src/rtc/whip/routers.ts';
import { createWhipService, type WhipService } from '../src/rtc/whip/service.ts';
import type { Runtime } from '../src/runtime.ts';
import { buildServer } from '../src/server/index.ts';
import { createSourceManager } from '../src/sources/manager.ts';
import type { SourceManager } from '../src/sources/types.ts';
import { ARTIFACTS, UI_DIST, collectErrors, ensureUiBuilt } from './browser-helpers.ts';
import {
  launchRtcChromium,
  loggedInContext,
  rtcMissing,
  rtcTestConfig,
  waitHooks,
} from './rtc-ui-helpers.ts';
import { openTestRuntime, testServerDeps, waitFor } from './server-helpers.ts';

const missing = rtcMissing();
const VIEW_CONFIG = rtcTestConfig(43600);
const WHIP_CONFIG = rtcTestConfig(43800);

describe.skipIf(missing !== null)(`Publish my camera (${missing ?? 'real worker'})`, () => {
  let dir: string;
  let runtime: Runtime;
  let manager: SourceManager;
  let whip: WhipService;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    await Promise.all([ensureUiBuilt(), mkdir(ARTIFACTS, { recursive: true })]);
    dir = await mkdtemp(path.join(os.tmpdir(), 'aima-rtc-publish-'));
    const dataDir = path.join(dir, 'data');
    runtime = await openTestRuntime(dataDir);
    manager = createSourceManager({ runtime, dataDir, segmentSeconds: 2 });
    whip = createWhipService({ config: WHIP_CONFIG, routers: ownWorkerRouters(WHIP_CONFIG), manager });
    app = await buildServer({
      ...testServerDeps(runtime, manager, dataDir),
      uiDir: UI_DIST,
      whip,
      rtc: VIEW_CONFIG,
      videoInput: (id) => manager.videoInput(id),
    });
    browser = await launchRtcChromium({ camera: true });
    const { base: b, context } = await loggedInContext(app, browser);
    base = b;
    page = await context.newPage();
    errors = collectErrors(page);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await manager?.close();
    await runtime?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('publishes the fake camera as a whip source that is analysed and plays live; Stop ends it', async () => {
    await page.goto(`${base}/#/sources`);
    const form = page.locator('[data-testid="publish-camera"]');
    await form.locator('input[name="sourceId"]').fill('mycam');
    await form.locator('[data-action="publish"]').click();
    await page
      .locator('[data-testid="publish-state"]', { hasText: 'connected' })
      .waitFor({ timeout: 30_000 });
    const session = whip.sessions().find((s) => s.sourceId === 'mycam');
    // H.264 was preferred by the page (setCodecPreferences): the server copies it.
    expect(session?.tracks.find((t) => t.kind === 'video')?.codec).toBe('h264');

    // A live source of kind whip, in the table, analysed.
    await page.locator('tr', { hasText: 'whip://mycam' }).first().waitFor({ timeout: 30_000 });
    const view = await waitFor(
      async () => {
        const v = await manager.get('mycam');
        return v && v.connection === 'live' && v.stats.framesAnalysed >= 5 ? v : undefined;
      },
      60_000,
      'frames of the published camera analysed',
    );
    expect(view.kind).toBe('whip');

    // Its live view (the app's own link: the camera keeps publishing across the route change).
    await form.locator('a', { hasText: 'mycam' }).click();
    await waitHooks(page, "h.mode === 'webrtc' && h.rtcFrames > 10 && h.videoPlaying", 60_000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'rtc-publish-live.png') });

    // Stop on the Sources page: the session ends and the source stops.
    await page.goto(`${base}/#/sources`);
    await page.locator('[data-testid="publish-camera"] [data-action="unpublish"]').click();
    await form.locator('[data-action="publish"]').waitFor({ timeout: 20_000 });
    await waitFor(() => whip.sessions().length === 0, 20_000, 'the WHIP session to end');
    await waitFor(
      async () => {
        const v = await manager.get('mycam');
        return v !== null && v.status !== 'running' && v.status !== 'pending';
      },
      30_000,
      'the whip source to stop',
    );
    expect(await page.locator('[data-testid="publish-camera"] [role="alert"]').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 240_000);
});
