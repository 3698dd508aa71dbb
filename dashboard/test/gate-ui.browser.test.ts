// A quarantined source in Debian's Chromium: the sources table shows "Quarantined" with its reason,
// the Live, Playback and History pages show a notice instead of any picture and never open the
// video socket or ask for a frame, and a person's page asks for no crop of it. The quarantine row
// is stored the way the gate stores it (store.insertQuarantines through the analyzer-row
// dispatcher); the clip (real faces) is analysed for real.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRow, type QuarantineRow } from '@aima/inference';
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
let browser: Browser;
let page: Page;
let base: string;
let epochMs = 0;
const pixelRequests: string[] = [];
const sockets: string[] = [];

beforeAll(async () => {
  await Promise.all([ensureUiBuilt(), mkdir(ARTIFACTS, { recursive: true })]);
  env = await openServerEnv({ uiDir: UI_DIST });
  const clip = await cutClip(path.join(MEDIA, 'video/short_hamilton_clip.mp4'), env.dir, 'q.mp4', 6, 1.6);
  const add = await env.app.inject({
    method: 'POST',
    url: '/api/v1/sources',
    headers: bearer(),
    payload: { input: clip, fps: 2, id: 'quarantined', analyzers: ['detect', 'faces'] },
  });
  expect(add.statusCode).toBe(201);
  const done = await env.manager.settled('quarantined');
  epochMs = done!.epochMs;
  await recordAsSegments(env, { id: 'quarantined', epochMs }, clip, { gop: 10, segmentSeconds: 1 });
  // What the gate stores when it trips: the quarantine and its audit row.
  const q: QuarantineRow = {
    sourceId: 'quarantined',
    ts: epochMs + 500,
    code: 'SAFETY_MINOR_DETECTED',
    reason: 'face estimated 12.0 years (< 22) while nsfw ran',
    analyzer: 'nsfw',
    age: 12,
    threshold: 22,
  };
  await env.runtime.store.insertAnalyzerRows('quarantines', [q]);
  await env.runtime.store.insertAnalyzerRows('audit_events', [auditRow(q)]);
  ({ base, browser, page } = await openBrowserSession(env.app, TOKEN, { width: 1280, height: 800 }));
  page.on('request', (r) => {
    if (/\/(frame|crop\.jpg|recordings\/[^/]+\.mp4)(\?|$)/.test(r.url()) && r.url().includes('quarantined')) {
      pixelRequests.push(r.url());
    }
  });
  page.on('websocket', (ws) => sockets.push(ws.url()));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('a quarantined source in the UI', () => {
  it('the sources table shows the badge and the reason', async () => {
    await page.goto(`${base}/#/sources`);
    const row = page.locator('tr[data-source-id="quarantined"]');
    await row.locator('[data-testid="quarantine-badge"]').waitFor({ timeout: 20_000 });
    expect(await row.locator('[data-testid="quarantine-badge"]').textContent()).toBe('Quarantined');
    expect(await row.locator('[data-testid="quarantine-reason"]').textContent()).toContain('12.0 years');
    await page.screenshot({ path: path.join(ARTIFACTS, 'gate-sources.png') });
  });

  it('Live, Playback and History show the notice, open no video socket and ask for no pixels', async () => {
    await page.goto(`${base}/#/live/quarantined`);
    await page.locator('[data-testid="quarantine-notice"]').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'gate-live.png') });
    await page.goto(`${base}/#/playback/quarantined?ts=${epochMs + 500}`);
    await page.locator('[data-testid="quarantine-notice"]').waitFor({ timeout: 20_000 });
    await page.goto(`${base}/#/history?source=quarantined`);
    await page.waitForTimeout(1500);
    expect(await page.locator('video').count()).toBe(0);
    expect(sockets.filter((u) => u.includes('/video'))).toEqual([]);
    expect(pixelRequests).toEqual([]);
  });

  it("the Safety page lists it for the admin's review, with the audit trail, and no pixels", async () => {
    await page.goto(`${base}/#/safety`);
    const row = page.locator('[data-testid="quarantine-row"]');
    await row.first().waitFor({ timeout: 20_000 });
    expect(await row.count()).toBe(1);
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('SAFETY_MINOR_DETECTED');
    expect(text).toContain('12.0 years');
    await page.locator('[data-testid="quarantine-review"] summary').click();
    const audit = await page.locator('[data-testid="audit-row"]').allTextContents();
    expect(audit.some((a) => a.includes('system') && a.includes('quarantine'))).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'gate-review.png'), fullPage: true });
    expect(pixelRequests).toEqual([]);
  });

  it("a person's page asks for no crop of it", async () => {
    const all = await env.runtime.store.listAppearances({ sourceId: 'quarantined' });
    const a = all.find((x) => x.personId);
    expect(a?.personId).toBeTruthy();
    await page.goto(`${base}/#/people/${encodeURIComponent(a!.personId!)}`);
    // The page shows the person, with the neutral silhouette where the crops would be.
    await page.locator('span.crop.none').first().waitFor({ timeout: 20_000 });
    await page.waitForTimeout(1000);
    expect(await page.locator('img[data-testid="face-crop"][src*="quarantined"]').count()).toBe(0);
    expect(pixelRequests).toEqual([]);
    // The server refuses it anyway.
    const crop = await env.app.inject({
      method: 'GET',
      url: `/api/v1/appearances/quarantined/${a!.appearanceId}/crop.jpg`,
      headers: bearer(),
    });
    expect(crop.statusCode).toBe(403);
  });
});
