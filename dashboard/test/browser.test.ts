// The dashboard in a real browser: Debian's Chromium drives the built SPA against the real server,
// source manager, ONNX detector and chDB, on a real clip. Screenshots go to test-artifacts/.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKeyframes,
  createSourceManager,
  recordingsRoot,
  openRuntime,
  type Runtime,
  type SourceManager,
} from '../index.ts';
import { buildServer } from '../src/server/index.ts';
import {
  ARTIFACTS,
  UI_DIST,
  collectErrors,
  ensureUiBuilt,
  launchChromium,
  liveHooks,
  probeBoxPixels,
  probeKeyframe,
} from './browser-helpers.ts';

const VTEST = path.join(process.env.AIMA_MEDIA_DIR ?? path.resolve('../shared/media'), 'video/vtest.mp4');
const TOKEN = randomBytes(16).toString('hex');

let tmp: string;
let runtime: Runtime;
let manager: SourceManager;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageErrors: string[];

beforeAll(async () => {
  await Promise.all([ensureUiBuilt(), mkdir(ARTIFACTS, { recursive: true })]);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-browser-'));
  runtime = await openRuntime({
    dataDir: tmp,
    modelsDir: process.env.AIMA_MODELS_DIR ?? null,
    executionProvider: 'cpu',
    offline: true,
    modelId: 'yolox-nano',
  });
  manager = createSourceManager({ runtime, dataDir: tmp });
  app = await buildServer({
    manager,
    store: runtime.store,
    token: TOKEN,
    dataDir: tmp,
    uiDir: UI_DIST,
    labels: runtime.detector.labels,
    keyframe: createKeyframes(runtime.store, recordingsRoot(tmp)),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  if (addr === null || typeof addr !== 'object') throw new Error('server has no address');
  base = `http://127.0.0.1:${addr.port}`;
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  pageErrors = collectErrors(page);
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await manager?.close();
  await runtime?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const shot = (p: Page, name: string) => p.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });

/** Polls the live hooks until `pred` holds. */
async function waitHooks(p: Page, pred: string, timeout = 30_000): Promise<void> {
  await p.waitForFunction(`(() => { const h = window.__aimaLive; return !!h && (${pred}); })()`, null, {
    timeout,
    polling: 100,
  });
}

describe('dashboard in Chromium', () => {
  let sourceId = '';

  it('signs in with the token and lands on the sources page', async () => {
    await page.goto(`${base}/`);
    await page.waitForSelector('[data-testid="login-form"]');
    expect(page.url()).toContain('#/login');
    // A wrong token is refused with its code, and the page stays on the login form.
    await page.fill('input[name="token"]', 'not-the-token');
    await page.click('button[type="submit"]');
    await expect.poll(() => page.textContent('[role="alert"]')).toMatch(/^AUTH_INVALID: /);
    await page.fill('input[name="token"]', TOKEN);
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-testid="add-source"]');
    expect(page.url()).toContain('#/sources');
    await page.waitForSelector('[data-testid="connection"]:has-text("Live")');
  });

  it('shows API errors as CODE: message', async () => {
    await page.fill('[data-testid="add-source"] input[name="input"]', '/no/such/file.mp4');
    await page.click('[data-testid="add-source"] button[type="submit"]');
    await expect
      .poll(() => page.textContent('[data-testid="add-source"] [role="alert"]'))
      .toMatch(/^INGEST_[A-Z_]+: /);
  });

  it('adds a file in real time and lists it from the live socket', async () => {
    await page.fill('[data-testid="add-source"] input[name="input"]', VTEST);
    await page.fill('[data-testid="add-source"] input[name="fps"]', '5');
    await page.check('[data-testid="add-source"] input[name="realtime"]');
    await page.click('[data-testid="add-source"] button[type="submit"]');
    const row = page.locator('[data-testid="sources-table"] tbody tr').first();
    await row.waitFor();
    sourceId = (await row.getAttribute('data-source-id')) ?? '';
    expect(sourceId).toMatch(/^vtest-/);
    // Stats come over the socket about once a second: wait for a running source with frames.
    await page.waitForFunction(
      (id) => {
        const g = globalThis as unknown as {
          document: { querySelector(s: string): { textContent: string } | null };
        };
        const fps = g.document.querySelector(`tr[data-source-id="${id}"] td[data-label="Analysis fps"]`);
        return fps !== null && Number(fps.textContent) > 0;
      },
      sourceId,
      { timeout: 30_000 },
    );
    await expect.poll(() => row.locator('[data-status]').getAttribute('data-status')).toBe('running');
    await shot(page, 'sources.png');
  });

  it('draws live frames with their boxes, and a growing timeline', async () => {
    await page.click(`tr[data-source-id="${sourceId}"] a[data-action="live"]`);
    expect(page.url()).toContain(`#/live/${sourceId}`);
    // This file tests the JPEG-frame path (the fallback); browser-video.test.ts tests MSE video.
    await page.click('button[data-mode="frames"]');
    await waitHooks(page, 'h.framesDrawn >= 10 && h.lastDetections.length > 0');

    // The box colours are on the canvas, along the edges of the last frame's boxes.
    let report = await probeBoxPixels(page);
    for (let i = 0; i < 20 && report.matched === 0; i++) {
      await page.waitForTimeout(100);
      report = await probeBoxPixels(page);
    }
    expect(report.detections).toBeGreaterThan(0);
    expect(report.matched).toBeGreaterThan(0);

    const hooks = (await liveHooks(page))!;
    expect(hooks.latencies.length).toBeGreaterThan(0);
    expect(hooks.latencies.every((ms) => Number.isFinite(ms) && ms >= 0)).toBe(true);
    expect(hooks.invalidMessages).toBe(0);

    // Windows close once a second; the chart takes them in batches.
    await waitHooks(page, 'h.timelinePoints >= 1');
    const before = (await liveHooks(page))!.timelinePoints;
    await page.waitForTimeout(3000);
    await waitHooks(page, `h.timelinePoints > ${before}`, 10_000);

    // Class toggles: hiding every class leaves the frame without box colours.
    const toggles = page.locator('[data-testid="class-toggles"] input[type="checkbox"]');
    expect(await toggles.count()).toBeGreaterThan(0);
    await waitHooks(page, 'h.framesDrawn > 0');
    const count = await toggles.count();
    for (let i = 0; i < count; i++) await toggles.nth(i).uncheck();
    const drawnBefore = (await liveHooks(page))!.framesDrawn;
    await waitHooks(page, `h.framesDrawn > ${drawnBefore}`);
    expect((await liveHooks(page))!.lastDetections).toHaveLength(0);
    for (let i = 0; i < count; i++) await toggles.nth(i).check();
    await waitHooks(page, 'h.lastDetections.length > 0');

    await page.waitForSelector('[data-testid="track-events"] li .phase');
    await shot(page, 'live.png');
  });

  it('switches to the dark theme and keeps it in localStorage', async () => {
    const toggle = page.locator('[data-testid="theme-toggle"]');
    // auto → light → dark
    await toggle.click();
    await toggle.click();
    expect(
      await page.evaluate(() =>
        (
          globalThis as unknown as { localStorage: { getItem(k: string): string | null } }
        ).localStorage.getItem('aima.theme'),
      ),
    ).toBe('dark');
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    await page.waitForTimeout(400);
    await shot(page, 'dark-live.png');
    await toggle.click(); // back to auto
    expect(await page.getAttribute('html', 'data-theme')).toBeNull();
  });

  it('fits a phone screen', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    try {
      const res = await phone.request.post(`${base}/api/v1/auth/login`, { data: { token: TOKEN } });
      expect(res.status()).toBe(204);
      const p = await phone.newPage();
      const errors = collectErrors(p);
      await p.goto(`${base}/#/live/${encodeURIComponent(sourceId)}`);
      await p.click('button[data-mode="frames"]');
      await waitHooks(p, 'h.framesDrawn >= 3');
      // Nothing wider than the screen.
      const overflow = await p.evaluate(() => {
        const d = (
          globalThis as unknown as {
            document: { documentElement: { scrollWidth: number; clientWidth: number } };
          }
        ).document;
        return d.documentElement.scrollWidth - d.documentElement.clientWidth;
      });
      expect(overflow).toBeLessThanOrEqual(0);
      await waitHooks(p, 'h.timelinePoints >= 1');
      await shot(p, 'phone-live.png');
      expect(errors).toEqual([]);
    } finally {
      await phone.close();
    }
  });

  it('reconnects after the socket drops, and resubscribes', async () => {
    const before = (await liveHooks(page))!.framesDrawn;
    for (const ws of app.websocketServer.clients) ws.terminate();
    await page.waitForSelector('[data-testid="connection"]:has-text("Reconnecting")', { timeout: 5000 });
    await page.waitForSelector('[data-testid="connection"]:has-text("Live")', { timeout: 15_000 });
    await waitHooks(page, `h.framesDrawn >= ${before + 3}`);
  });

  it('stops the source and finds its segments and keyframes in the history', async () => {
    await page.click('[data-action="stop"]');
    await page.waitForSelector('.head [data-status="stopped"]', { timeout: 30_000 });

    await page.goto(`${base}/#/history?source=${encodeURIComponent(sourceId)}`);
    const firstSegment = page.locator('[data-testid="segments"] button').first();
    // Results are flushed as the job stops; ask again until the segments are there.
    for (let i = 0; i < 10 && !(await firstSegment.isVisible()); i++) {
      await page.waitForTimeout(1000);
      if (!(await firstSegment.isVisible()))
        await page.click('[data-testid="history-form"] button[type="submit"]');
    }
    await firstSegment.waitFor({ timeout: 5000 });
    await page.waitForSelector('[data-testid="history-timeline"] canvas');
    // Drag across the chart zooms into that range; the reset button undoes it.
    const over = page.locator('[data-testid="history-timeline"] .u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const reset = page.locator('[data-action="reset-zoom"]');
    await expect.poll(() => reset.isEnabled()).toBe(true);
    await reset.click();
    await expect.poll(() => reset.isEnabled()).toBe(false);
    await firstSegment.click();
    await page.waitForFunction(
      () =>
        ((globalThis as unknown as { __aimaHistory?: { keyframesDrawn: number } }).__aimaHistory
          ?.keyframesDrawn ?? 0) >= 1,
      null,
      {
        timeout: 30_000,
      },
    );
    const kf = await probeKeyframe(page);
    expect(kf.width).toBeGreaterThan(100);
    expect(kf.levels).toBeGreaterThan(20);
    await shot(page, 'history.png');
    expect(pageErrors).toEqual([]);
  });
  it('uploads a file, and deletes a source after a confirming second click', async () => {
    await page.goto(`${base}/#/sources`);
    await page.setInputFiles('[data-testid="upload"] input[type="file"]', VTEST);
    await page.click('[data-testid="upload"] button[type="submit"]');
    const rows = page.locator('[data-testid="sources-table"] tbody tr');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(2);
    const uploaded = (await rows.first().getAttribute('data-source-id'))!;
    expect(uploaded).not.toBe(sourceId);
    const del = page.locator(`tr[data-source-id="${uploaded}"] button[data-action="delete"]`);
    await del.click();
    await expect.poll(() => del.textContent()).toBe('Confirm');
    await del.click();
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(1);
  });

  it('sends the user back to the login page when the session is gone', async () => {
    await context.clearCookies();
    await page.goto(`${base}/#/history`);
    await page.waitForSelector('[data-testid="login-form"]');
    expect(page.url()).toContain('#/login');
    expect(await page.textContent('[data-testid="login-form"] [role="status"]')).toMatch(/^AUTH_REQUIRED: /);
    // Signed in elsewhere (a script, another tab): leaving the login page finds the new cookie.
    expect(
      (await context.request.post(`${base}/api/v1/auth/login`, { data: { token: TOKEN } })).status(),
    ).toBe(204);
    await page.goto(`${base}/#/sources`);
    await page.waitForSelector('[data-testid="sources-table"]');
    expect(pageErrors).toEqual([]);
  });
});
