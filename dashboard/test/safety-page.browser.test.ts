// The Safety page in Chromium against the real server (chDB, YOLOX-Nano on CPU): stored events
// and risk as the initial state, a realtime source whose safety analyzer pushes live assessments
// to the gauge, acknowledge with a note through the page (audited), the source filter and the
// risk lane. A screenshot goes to test-artifacts/.
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SafetyEventRow } from '@aima/inference';
import { ARTIFACTS, UI_DIST, ensureUiBuilt, openBrowserSession } from './browser-helpers.ts';
import { bearer, MEDIA, openServerEnv, TOKEN, type ServerEnv } from './server-helpers.ts';
import { fileSource } from './audio-fixtures.ts';

const EPOCH = Date.UTC(2025, 2, 3, 10, 0, 0);
let env: ServerEnv;
let browser: Browser;
let page: Page;
let base: string;
let errors: string[];

const event = (
  eventId: string,
  rule: string,
  startMs: number,
  endMs: number,
  over: Partial<SafetyEventRow> = {},
): SafetyEventRow => ({
  sourceId: 'clip-a',
  eventId,
  rule,
  severity: rule === 'distress-audio' ? 'warning' : 'info',
  startTs: EPOCH + startMs,
  endTs: EPOCH + endMs,
  open: false,
  score: 1,
  evidence: { keyframes: [EPOCH + startMs], tracks: [1], audio: [], transcript: [] },
  status: 'new',
  note: '',
  version: 1,
  ...over,
});

beforeAll(async () => {
  await ensureUiBuilt();
  env = await openServerEnv({ uiDir: UI_DIST });
  const store = env.runtime.store;
  await store.upsertSource(fileSource('clip-a', EPOCH, 20_000));
  await store.insertSafetyEvents([
    event('se-1', 'alone', 0, 14_000),
    event('se-2', 'distress-audio', 3000, 6000, {
      score: 0.8,
      evidence: {
        keyframes: [],
        tracks: [],
        audio: [{ label: 'crying', startTs: EPOCH + 3000, endTs: EPOCH + 5000 }],
        transcript: [
          { segmentId: 'seg-1', text: 'please help me', startTs: EPOCH + 4000, endTs: EPOCH + 5000 },
        ],
      },
    }),
  ]);
  await store.insertRiskScores(
    Array.from({ length: 20 }, (_, i) => ({
      sourceId: 'clip-a',
      ts: EPOCH + (i + 1) * 1000,
      score: i >= 3 && i < 6 ? 0.5 : 0.1,
      states: ['alone'],
    })),
  );
  // A source analysed in real time: one person alone, its assessments pushed live.
  const clip = path.join(env.dir, 'alone.mp4');
  execFileSync('ffmpeg', [
    '-v', 'error', '-y', '-stream_loop', '-1', '-i', path.join(MEDIA, 'video/asl/book.mkv'), '-t', '30', '-an',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip,
  ]); // prettier-ignore
  const added = await env.app.inject({
    method: 'POST',
    url: '/api/v1/sources',
    headers: bearer(),
    payload: { input: clip, fps: 2, realtime: true, id: 'cam', analyzers: ['detect', 'safety'] },
  });
  expect(added.statusCode, added.body).toBe(201);
  await mkdir(ARTIFACTS, { recursive: true });
  ({ base, browser, page, errors } = await openBrowserSession(env.app, TOKEN, { width: 1280, height: 1000 }));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

const gauge = (name: string) => page.locator('[data-testid="risk-gauge"]', { hasText: name });

describe('Safety page', () => {
  it('shows gauges and events from the REST routes, then live assessments of a running source', async () => {
    await page.goto(`${base}/#/safety`);
    const stored = gauge('/media/clip-a.mp4');
    await expect
      .poll(() => stored.locator('[data-testid="risk-value"]').textContent(), { timeout: 15_000 })
      .toBe('0.10');
    const items = page.locator('[data-testid="safety-events"] > li[data-event]');
    await expect.poll(() => items.count(), { timeout: 15_000 }).toBe(2);
    // Newest first; the distress event lists what was heard and said, and links to play it.
    const distress = page.locator('li[data-event="se-2"]');
    expect(await distress.locator('[data-testid="event-audio"]').textContent()).toContain('crying');
    expect(await distress.locator('[data-testid="event-transcript"]').textContent()).toContain(
      'please help me',
    );
    expect(await distress.locator('[data-action="play"]').getAttribute('href')).toBe(
      `#/playback/clip-a?ts=${EPOCH + 3000}`,
    );

    // The realtime source: its gauge fills from live 'safety' messages (persons in view, alone).
    const cam = gauge('alone.mp4');
    await expect.poll(() => cam.textContent(), { timeout: 60_000 }).toMatch(/1 in view/);
    expect(await cam.getAttribute('data-level')).toMatch(/low|elevated|high/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'safety-page.png'), fullPage: true });
  });

  it('acknowledges an event with a note through the page (audited), and filters by source with a risk lane', async () => {
    const distress = page.locator('li[data-event="se-2"]');
    await distress.locator('input[aria-label="note"]').fill('baby monitor, checked');
    await distress.locator('[data-action="acknowledge"]').click();
    await expect.poll(() => distress.getAttribute('data-status')).toBe('acknowledged');
    expect(await distress.textContent()).toContain('Note: baby monitor, checked');
    const audit = await env.runtime.store.listAuditEvents({ subjectKind: 'safety-event' });
    expect(audit.map((a) => [a.actor, a.action, a.subjectId])).toEqual([
      ['user', 'safety-event.acknowledge', 'clip-a/se-2'],
    ]);

    await page.goto(`${base}/#/safety?source=clip-a`);
    await expect.poll(() => page.locator('[data-testid="risk-gauge"]').count(), { timeout: 15_000 }).toBe(1);
    await expect
      .poll(() => page.locator('[data-testid="risk-lane"] canvas').count(), { timeout: 15_000 })
      .toBe(1);
    await expect
      .poll(() => page.locator('li[data-event="se-2"]').getAttribute('data-status'))
      .toBe('acknowledged');
    await page.screenshot({ path: path.join(ARTIFACTS, 'safety-page-source.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
