// Live video (fMP4 over WebSocket into MSE) and recording playback in Debian's Chromium, against the
// real server, manager, detector and store, with real clips. Screenshots go to test-artifacts/.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, UI_DIST, ensureUiBuilt, openBrowserSession } from './browser-helpers.ts';
import {
  TOKEN,
  VTEST,
  bearer,
  cutClip,
  openServerEnv,
  recordAsSegments,
  type ServerEnv,
} from './server-helpers.ts';

let env: ServerEnv;
let base: string;
let browser: Browser;
let page: Page;
let pageErrors: string[];

interface VideoHooks {
  mode?: string;
  videoPlaying: boolean;
  videoCurrentTime: number;
  overlayDrawsInVideoMode?: number;
  overlayDraws?: number;
  detectionsLoaded?: number;
  lastDetections: unknown[];
}
type Globals = { __aimaLive?: VideoHooks; __aimaPlayback?: VideoHooks };

const hooks = (name: '__aimaLive' | '__aimaPlayback'): Promise<VideoHooks | null> =>
  page.evaluate((n) => (globalThis as unknown as Globals)[n] ?? null, name);

async function waitHooks(
  name: '__aimaLive' | '__aimaPlayback',
  pred: string,
  timeout = 30_000,
): Promise<void> {
  await page.waitForFunction(`(() => { const h = window.${name}; return !!h && (${pred}); })()`, null, {
    timeout,
    polling: 100,
  });
}

async function addSource(body: object): Promise<{ id: string; epochMs: number }> {
  const res = await env.app.inject({
    method: 'POST',
    url: '/api/v1/sources',
    headers: bearer(),
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

beforeAll(async () => {
  await Promise.all([ensureUiBuilt(), mkdir(ARTIFACTS, { recursive: true })]);
  env = await openServerEnv({ uiDir: UI_DIST });
  ({
    base,
    browser,
    page,
    errors: pageErrors,
  } = await openBrowserSession(env.app, TOKEN, { width: 1280, height: 800 }));
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('video in Chromium', () => {
  it('plays the live video through MSE with the overlay drawn in sync', async () => {
    // Long enough to still be playing when the toggle is tried on a loaded machine (a source that
    // ended sends no more frames to draw).
    const clip = await cutClip(VTEST, env.dir, 'live-75s.mp4', 75);
    const src = await addSource({ input: clip, fps: 5, realtime: true, id: 'live1' });
    await page.goto(`${base}/#/live/${src.id}`);
    await waitHooks('__aimaLive', "h.mode === 'video' && h.videoCurrentTime > 0", 30_000);
    const t1 = (await hooks('__aimaLive'))!.videoCurrentTime;
    await page.waitForTimeout(3000);
    const h = (await hooks('__aimaLive'))!;
    expect(h.mode).toBe('video');
    expect(h.videoCurrentTime - t1).toBeGreaterThan(1.5);
    expect(h.videoPlaying).toBe(true);
    // Detections of the JSON channel were drawn over the video by timestamp (a generous bound: with
    // another test file on the other core, the feed and the analysis start slower).
    await waitHooks('__aimaLive', 'h.overlayDrawsInVideoMode > 3 && h.lastDetections.length > 0', 60_000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'live-video.png') });

    // The fallback toggle still shows the JPEG frames.
    await page.click('[data-mode="frames"]');
    await waitHooks('__aimaLive', "h.mode === 'frames' && h.framesDrawn > 0", 20_000);
    await page.click('[data-mode="video"]');
    await waitHooks('__aimaLive', "h.mode === 'video'");
  }, 150_000);

  it('plays a past range from its recordings with the stored detections over it', async () => {
    const clip = await cutClip(VTEST, env.dir, 'rec-12s.mp4', 12);
    const src = await addSource({ input: clip, fps: 5, realtime: false, id: 'rec1' });
    await env.manager.settled(src.id);
    await recordAsSegments(env, src, clip, { gop: 20, segmentSeconds: 4 });

    await page.goto(`${base}/#/playback/${src.id}?ts=${src.epochMs + 1000}`);
    await waitHooks('__aimaPlayback', 'h.videoCurrentTime > 1.2 && h.detectionsLoaded > 0', 30_000);
    const t1 = (await hooks('__aimaPlayback'))!.videoCurrentTime;
    // Started at the offset asked for, not at the segment start.
    expect(t1).toBeGreaterThan(1);
    await waitHooks('__aimaPlayback', 'h.overlayDraws > 3 && h.lastDetections.length > 0', 20_000);
    await page.waitForTimeout(1000);
    const h = (await hooks('__aimaPlayback'))!;
    expect(h.videoCurrentTime).toBeGreaterThan(t1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'playback.png') });
    // It goes on into the next segment at the end of the first.
    await waitHooks('__aimaPlayback', 'h.segmentIndex >= 1', 15_000);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
