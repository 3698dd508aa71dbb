// What a source heard, in Chromium: the real server and chDB holding a conversation's audio results
// (transcript with word times, speakers, speech spans, sound events) beside recordings cut from a
// real clip. The playback transcript follows and seeks the video, history shows the audio lanes,
// the search page finds a word and jumps there, a dossier lists what its person said.
// Screenshots go to test-artifacts/.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, UI_DIST, ensureUiBuilt, openBrowserSession } from './browser-helpers.ts';
import { LINES, storeConversation } from './audio-fixtures.ts';
import {
  TOKEN,
  VTEST,
  bearer,
  cutClip,
  openServerEnv,
  recordAsSegments,
  type ServerEnv,
} from './server-helpers.ts';

const EPOCH = Date.UTC(2024, 4, 1, 9, 0, 0);
const ID = 'talk';

let env: ServerEnv;
let base: string;
let browser: Browser;
let page: Page;
let pageErrors: string[];

interface PlaybackHooks {
  ts: number | null;
  videoPlaying: boolean;
  videoCurrentTime: number;
  transcriptLines: number;
  seeks: number;
}
type Globals = { __aimaPlayback?: PlaybackHooks };

const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
const playback = () => page.evaluate(() => (globalThis as unknown as Globals).__aimaPlayback ?? null);
const currentLine = () =>
  page.getAttribute('[data-testid="transcript-lines"] li[data-current="true"]', 'data-segment-id');
const startOf = (id: string): number => EPOCH + LINES.find((l) => l.id === id)!.startMs;

beforeAll(async () => {
  await Promise.all([ensureUiBuilt(), mkdir(ARTIFACTS, { recursive: true })]);
  env = await openServerEnv({ uiDir: UI_DIST });
  await storeConversation(env.runtime.store, ID, EPOCH, 'pocketsphinx');
  const clip = await cutClip(VTEST, env.dir, 'talk.mp4', 12);
  await recordAsSegments(env, { id: ID, epochMs: EPOCH }, clip, { gop: 10, segmentSeconds: 4 });
  await env.runtime.store.upsertPersons([
    { id: 'Person_001', seq: 1, name: 'Ada Host', createdAt: EPOCH, updatedAt: EPOCH, mergedInto: '', version: 1, deleted: false }, // prettier-ignore
  ]);
  const link = await env.app.inject({
    method: 'PATCH',
    url: `/api/v1/sources/${ID}/speakers/S1`,
    headers: bearer(),
    payload: { link: 'confirmed', personId: 'Person_001', label: 'Ada' },
  });
  expect(link.statusCode, link.body).toBe(200);
  ({
    base,
    browser,
    page,
    errors: pageErrors,
  } = await openBrowserSession(env.app, TOKEN, { width: 1280, height: 900 }));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe('audio in Chromium', () => {
  it('playback: the transcript follows the video, and a click on a line seeks there', async () => {
    await page.goto(`${base}/#/playback/${ID}?ts=${EPOCH}`);
    const lines = page.locator('[data-testid="transcript-lines"] li[data-segment-id]');
    await expect.poll(() => lines.count(), { timeout: 30_000 }).toBe(LINES.length);
    expect(await page.textContent('[data-testid="transcript-engine"]')).toBe('pocketsphinx (weak)');
    // The named speaker shows by its label.
    expect(await lines.first().textContent()).toContain('Ada');
    await page.waitForFunction(
      '(() => { const h = window.__aimaPlayback; return !!h && h.videoPlaying && h.ts !== null; })()',
      null,
      { timeout: 30_000, polling: 100 },
    );

    // A line within the segment playing: currentTime jumps to it, the line becomes current.
    const before = (await playback())!.videoCurrentTime;
    expect(before).toBeLessThan(2.5);
    await lines.nth(1).locator('button').click();
    await expect
      .poll(async () => (await playback())!.videoCurrentTime, { timeout: 10_000 })
      .toBeGreaterThan(2.9);
    await expect.poll(currentLine, { timeout: 10_000 }).toBe('seg-2');
    const h2 = (await playback())!;
    expect(h2.ts! - startOf('seg-2')).toBeGreaterThanOrEqual(-150);
    expect(h2.ts! - startOf('seg-2')).toBeLessThan(1500);

    // A line in a later segment: that segment loads and plays from the line's start.
    await lines.nth(3).locator('button').click();
    await expect.poll(currentLine, { timeout: 15_000 }).toBe('seg-4');
    // Within the line's first second (it plays on meanwhile).
    const near = async (): Promise<number> => (await playback())!.ts! - startOf('seg-4');
    await expect.poll(async () => { const d = await near(); return d >= -150 && d < 1500; }, { timeout: 15_000 }).toBe(true); // prettier-ignore
    // Lanes under the player cover the segment playing (8–12 s): speech and the siren, not the glass.
    const lanes = page.locator('[data-testid="audio-lanes"] [data-lane]');
    expect(await lanes.evaluateAll((els) => els.map((e) => e.getAttribute('data-lane')))).toEqual([
      'speech',
      'siren',
    ]);
    await shot('playback-transcript.png');
    // Phones: the transcript goes below the player.
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('playback-transcript-phone.png');
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(pageErrors).toEqual([]);
  });

  it('live: the page of a file source lists what was said so far', async () => {
    await page.goto(`${base}/#/live/${ID}`);
    const lines = page.locator('[data-testid="transcript-lines"] li[data-segment-id]');
    await expect.poll(() => lines.count(), { timeout: 15_000 }).toBe(LINES.length);
    expect(await lines.nth(2).textContent()).toContain('0:05.6');
    await shot('live-transcript.png');
    expect(pageErrors).toEqual([]);
  });

  it('history: speech and sound-event lanes beside the transcript; a line opens playback there', async () => {
    await page.goto(`${base}/#/history?source=${ID}`);
    await page.waitForSelector('[data-testid="history-audio"]', { timeout: 30_000 });
    const lanes = page.locator('[data-testid="history-audio"] [data-lane]');
    expect(await lanes.evaluateAll((els) => els.map((e) => e.getAttribute('data-lane')))).toEqual([
      'speech',
      'glass-breaking',
      'siren',
    ]);
    expect(await page.locator('[data-lane="speech"] .mark').count()).toBe(LINES.length);
    const lines = page.locator(
      '[data-testid="history-audio"] [data-testid="transcript-lines"] li[data-segment-id]',
    );
    expect(await lines.count()).toBe(LINES.length);
    // Exports answer with subtitles.
    const vtt = await page
      .context()
      .request.get(`${base}${await page.getAttribute('a[data-export="vtt"]', 'href')}`);
    expect(vtt.status()).toBe(200);
    expect(await vtt.text()).toContain('<v Ada>good morning everyone and welcome');
    await shot('history-audio.png');

    await lines.nth(2).locator('button').click();
    await expect.poll(() => page.url()).toContain(`#/playback/${ID}?ts=${startOf('seg-3')}`);
    expect(pageErrors).toEqual([]);
  });

  it('search: finds a word across transcripts and jumps to its moment', async () => {
    await page.click('[data-testid="nav-search"]');
    await page.fill('[data-testid="search-form"] input[name="q"]', 'Glass');
    await page.click('[data-testid="search-form"] button[type="submit"]');
    const hits = page.locator('[data-testid="search-hit"]');
    await expect.poll(() => hits.count(), { timeout: 15_000 }).toBe(2);
    expect(await hits.locator('mark').allTextContents()).toEqual(['glass', 'glass']);
    expect(page.url()).toContain('#/search?q=Glass');
    await shot('search.png');

    const ts = Number(await hits.last().getAttribute('data-ts'));
    // "glass" is the 3rd of 8 words of seg-4: the hit points at the word, not the line start.
    expect(ts).toBeGreaterThan(startOf('seg-4'));
    await hits.last().locator('a').click();
    await expect.poll(() => page.url()).toContain(`#/playback/${ID}?ts=${ts}`);
    await page.waitForFunction(
      `(() => { const h = window.__aimaPlayback; return !!h && h.videoPlaying && h.ts !== null && h.ts >= ${ts - 150}; })()`,
      null,
      { timeout: 30_000, polling: 100 },
    );
    await expect.poll(currentLine, { timeout: 10_000 }).toBe('seg-4');
    expect(pageErrors).toEqual([]);
  });

  it('dossier: a person’s speaking time and lines, filtered by a search box', async () => {
    await page.goto(`${base}/#/people/Person_001`);
    await page.waitForSelector('[data-testid="person-speech"]', { timeout: 15_000 });
    expect(await page.textContent('[data-testid="speaking-time"]')).toBe('4.7 s');
    const lines = page.locator('[data-testid="speech-line"]');
    expect(await lines.count()).toBe(2);
    await page.fill('[data-testid="speech-filter"]', 'glass lobby');
    await expect.poll(() => lines.count()).toBe(1);
    expect(await lines.first().textContent()).toContain('broken glass in the lobby');
    expect(await lines.first().getAttribute('data-source-id')).toBe(ID);
    await shot('dossier-speech.png');
    expect(pageErrors).toEqual([]);
  });

  it('speakers: the user unlinks a voice from its person on the history page', async () => {
    await page.goto(`${base}/#/history?source=${ID}`);
    const s1 = page.locator('[data-testid="speakers"] li[data-speaker-id="S1"]');
    await s1.waitFor({ timeout: 30_000 });
    expect(await s1.locator('.badge').textContent()).toMatch(/confirmed: Person_001|confirmed: Ada Host/);
    await s1.locator('[data-action="reject"]').click();
    await expect.poll(() => s1.locator('.badge').textContent()).toBe('rejected');
    const res = await env.app.inject({ url: '/api/v1/persons/Person_001/speech', headers: bearer() });
    expect(res.json()).toMatchObject({ speakingMs: 0, lines: [] });
    // The voice keeps its name.
    expect(
      await page.locator('[data-testid="history-audio"] li[data-segment-id="seg-1"]').textContent(),
    ).toContain('Ada');
    await shot('history-speakers.png');

    // Two voices in S2: its second turn is someone else. Split it off into a new speaker.
    const s2 = page.locator('[data-testid="speakers"] li[data-speaker-id="S2"]');
    await s2.locator('[data-action="turns"]').click();
    const turns = s2.locator('[data-testid="speaker-turns"] input[type="checkbox"]');
    await expect.poll(() => turns.count()).toBe(2);
    await turns.nth(1).check();
    await s2.locator('[data-action="split"]').click();
    const s3 = page.locator('[data-testid="speakers"] li[data-speaker-id="S3"]');
    await s3.waitFor({ timeout: 15_000 });
    expect(await s3.textContent()).toContain('1 turns');
    // The line spoken in that turn now names the new speaker.
    await expect
      .poll(() => page.locator('[data-testid="history-audio"] li[data-segment-id="seg-4"]').textContent())
      .toContain('S3');
    await shot('history-speaker-split.png');
    expect(pageErrors).toEqual([]);
  });
});
