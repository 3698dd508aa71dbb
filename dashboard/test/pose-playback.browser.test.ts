// Skeletons over playback and live frames in Debian's Chromium: an ASL clip analysed with detect + pose through the
// real server, its poses fetched from /poses and drawn on the overlay canvas in the skeleton colours.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, UI_DIST, ensureUiBuilt, openBrowserSession } from './browser-helpers.ts';
import {
  MEDIA,
  TOKEN,
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

/** Overlay pixels in the skeleton's left (green) and right (orange) limb colours. */
function skeletonPixels(
  p: Page,
  canvas = '[data-testid="video-overlay"]',
): Promise<{ left: number; right: number }> {
  return p.evaluate((sel) => {
    const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document;
    const c = doc.querySelector(sel) as {
      width: number;
      height: number;
      getContext(k: '2d'): {
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      };
    } | null;
    if (!c) return { left: 0, right: 0 };
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const near = (i: number, r: number, g: number, b: number): boolean =>
      d[i + 3]! > 200 && Math.abs(d[i]! - r) + Math.abs(d[i + 1]! - g) + Math.abs(d[i + 2]! - b) <= 30;
    let left = 0;
    let right = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (near(i, 0x22, 0xc5, 0x5e)) left++;
      else if (near(i, 0xf9, 0x73, 0x16)) right++;
    }
    return { left, right };
  }, canvas);
}

describe('pose skeletons in Chromium', () => {
  it('playback draws the stored skeletons of an analysed clip over the video', async () => {
    const clip = await cutClip(path.join(MEDIA, 'video/asl/book.mkv'), env.dir, 'asl-book.mp4', 3.5);
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      headers: bearer(),
      payload: { input: clip, fps: 5, realtime: false, id: 'pose1', analyzers: ['detect', 'pose'] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const src = res.json() as { id: string; epochMs: number };
    await env.manager.settled(src.id);
    const poses = await env.runtime.store.listPoses({ sourceId: src.id });
    expect(poses.length).toBeGreaterThan(5);
    await recordAsSegments(env, src, clip, { gop: 10, segmentSeconds: 4 });

    await page.goto(`${base}/#/playback/${src.id}?ts=${src.epochMs + 500}`);
    await page.waitForFunction(
      '(() => { const h = window.__aimaPlayback; return !!h && h.videoCurrentTime > 0.6 && h.overlayDraws > 0; })()',
      null,
      { timeout: 30_000, polling: 100 },
    );
    let px = await skeletonPixels(page);
    for (let i = 0; i < 20 && (px.left === 0 || px.right === 0); i++) {
      await page.waitForTimeout(100);
      px = await skeletonPixels(page);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'pose-playback.png') });
    console.log(`skeleton pixels on the playback overlay: left ${px.left}, right ${px.right}`);
    // Both sides of the signer's skeleton are on the overlay (limbs are a few pixels wide).
    expect(px.left).toBeGreaterThan(50);
    expect(px.right).toBeGreaterThan(50);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('the live view draws each analysed frame with its skeletons (frames mode)', async () => {
    // The signer's clip played in real time, so the page sees its frames while it runs.
    const clip = await cutClip(path.join(MEDIA, 'video/asl/book.mkv'), env.dir, 'asl-live.mp4', 3.5);
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      headers: bearer(),
      payload: { input: clip, fps: 5, realtime: true, id: 'pose-live', analyzers: ['detect', 'pose'] },
    });
    expect(res.statusCode, res.body).toBe(201);
    await page.goto(`${base}/#/live/pose-live`);
    await page.click('button[data-mode="frames"]');
    let px = { left: 0, right: 0 };
    for (let i = 0; i < 60 && (px.left < 50 || px.right < 50); i++) {
      await page.waitForTimeout(100);
      px = await skeletonPixels(page, '[data-testid="live-canvas"]');
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'pose-live.png') });
    console.log(`skeleton pixels on the live canvas: left ${px.left}, right ${px.right}`);
    expect(px.left).toBeGreaterThan(50);
    expect(px.right).toBeGreaterThan(50);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
