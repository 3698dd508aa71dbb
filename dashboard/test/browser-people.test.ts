// People in Chromium: the real server, source manager, face models (YuNet + MobileFaceNet on CPU)
// and chDB, on a folder of real photos and a real clip with faces. Screenshots go to test-artifacts/.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, UI_DIST, ensureUiBuilt, openBrowserSession } from './browser-helpers.ts';
import { TOKEN, bearer, openServerEnv, recordAsSegments, type ServerEnv } from './server-helpers.ts';

const MEDIA = process.env.AIMA_MEDIA_DIR ?? path.resolve('../shared/media');
const PHOTOS = ['obama/obama.jpg', 'obama/obama2.jpg', 'biden/biden.jpg', 'biden/biden2.jpg'];
const CLIP = path.join(MEDIA, 'video/short_hamilton_clip.mp4');

let env: ServerEnv;
let base: string;
let browser: Browser;
let page: Page;
let pageErrors: string[];

interface FaceHooks {
  mode?: string;
  framesDrawn?: number;
  facesLoaded?: number;
  lastFaces: { label: string; personId: string; name: string }[];
}
type Globals = { __aimaLive?: FaceHooks; __aimaPlayback?: FaceHooks };
type Img = { complete: boolean; naturalWidth: number };
type Doc = { document: { querySelectorAll(s: string): ArrayLike<Img> } };

const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });

async function waitHooks(name: keyof Globals, pred: string, timeout = 30_000): Promise<void> {
  await page.waitForFunction(`(() => { const h = window.${name}; return !!h && (${pred}); })()`, null, {
    timeout,
    polling: 100,
  });
}

/** naturalWidth of every image matching `selector`, once all of them finished loading (or failed). */
async function loadedImages(selector: string): Promise<number[]> {
  await page.waitForFunction(
    (sel) =>
      Array.from((globalThis as unknown as Doc).document.querySelectorAll(sel)).every((i) => i.complete),
    selector,
    { timeout: 15_000 },
  );
  return page.evaluate(
    (sel) =>
      Array.from((globalThis as unknown as Doc).document.querySelectorAll(sel)).map((i) => i.naturalWidth),
    selector,
  );
}

async function addSource(body: object): Promise<{ id: string; epochMs: number; kind: string }> {
  const res = await env.app.inject({
    method: 'POST',
    url: '/api/v1/sources',
    headers: bearer(),
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const cards = () => page.locator('[data-testid="person-card"]');
const cardIds = async (): Promise<string[]> =>
  (await cards().evaluateAll((els) => els.map((e) => e.getAttribute('data-person-id') ?? ''))).filter(
    Boolean,
  );

async function openPeople(): Promise<void> {
  await page.goto(`${base}/#/people`);
  await page.waitForSelector('[data-testid="people-grid"], .empty');
}

async function openDossier(id: string): Promise<void> {
  await page.goto(`${base}/#/people/${id}`);
  await page.waitForSelector(`[data-testid="dossier"][data-person-id="${id}"]`);
}

beforeAll(async () => {
  await Promise.all([ensureUiBuilt(), mkdir(ARTIFACTS, { recursive: true })]);
  env = await openServerEnv({ uiDir: UI_DIST });
  expect(env.runtime.faces, 'face models must be installed').not.toBeNull();
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

describe('people in Chromium', () => {
  let named = '';

  it('lists the persons of an analysed photo folder with their faces', async () => {
    const dir = path.join(env.dir, 'photos');
    await mkdir(dir, { recursive: true });
    for (const p of PHOTOS)
      await copyFile(path.join(MEDIA, 'faces/train', p), path.join(dir, path.basename(p)));
    const src = await addSource({ input: dir, id: 'photos' });
    expect(src.kind).toBe('images');
    const done = await env.manager.settled(src.id);
    expect(done?.status, JSON.stringify(done)).toBe('done');

    await openPeople();
    await expect.poll(() => cards().count()).toBeGreaterThanOrEqual(2);
    const widths = await loadedImages('[data-testid="person-card"] img[data-testid="face-crop"]');
    expect(widths.length).toBe(await cards().count());
    for (const w of widths) expect(w).toBeGreaterThan(0);
    // "Show all" adds the persons seen only briefly (photos always count as seen).
    const shown = await cards().count();
    await page.check('[data-testid="people-search"] input[name="all"]');
    await expect.poll(() => cards().count()).toBeGreaterThanOrEqual(shown);
    await page.uncheck('[data-testid="people-search"] input[name="all"]');
  });

  it('renames a person in its dossier, and the new name shows everywhere', async () => {
    const [first] = await cardIds();
    await page.click(`[data-testid="person-card"][data-person-id="${first}"]`);
    await page.waitForSelector(`[data-testid="dossier"][data-person-id="${first}"]`);
    expect(page.url()).toContain(`#/people/${first}`);
    // Named after the photos it was found in (the files say who is on them).
    const media = await page.locator('[data-testid="appearance"] .media').allTextContents();
    expect(media.length).toBeGreaterThan(0);
    const name = media.some((m) => m.startsWith('obama')) ? 'Barack Obama' : 'Joe Biden';
    await page.fill('[data-testid="rename-form"] input[name="name"]', name);
    await page.click('[data-testid="rename-form"] button[type="submit"]');
    await expect.poll(() => page.textContent('[data-testid="dossier-name"]')).toBe(name);
    await expect.poll(() => page.textContent('[data-testid="name-history"]')).toContain(name);
    await expect.poll(() => page.textContent('[data-testid="person-events"]')).toContain(`Named “${name}”`);
    named = first!;

    await openPeople();
    const card = page.locator(`[data-testid="person-card"][data-person-id="${named}"]`);
    await expect.poll(() => card.locator('[data-testid="person-name"]').textContent()).toBe(name);
    await loadedImages('[data-testid="face-crop"]');
    await shot('people.png');

    // Search by name finds that person alone.
    await page.fill('[data-testid="people-search"] input[name="q"]', name.split(' ')[1]!);
    await expect.poll(() => cardIds()).toEqual([named]);
    await page.fill('[data-testid="people-search"] input[name="q"]', 'nobody-has-this-name');
    await page.waitForSelector('text=Nobody matches');
    expect(pageErrors).toEqual([]);
  });

  it('shows a dossier: faces, images, timeline, history and exports', async () => {
    await openDossier(named);
    const items = page.locator('[data-testid="appearance"]');
    expect(await items.count()).toBeGreaterThan(0);
    for (const w of await loadedImages('[data-testid="appearance"] img')) expect(w).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="appearance-lanes"] .mark').count()).toBe(await items.count());
    // Photos have no playback; every export answers.
    expect(await page.locator('[data-testid="appearance"] [data-action="play"]').count()).toBe(0);
    for (const format of ['json', 'csv']) {
      const href = await page.getAttribute(`a[data-export="${format}"]`, 'href');
      const res = await page.context().request.get(`${base}${href}`);
      expect(res.status(), `${format} export`).toBe(200);
      expect(res.headers()['content-disposition']).toContain(`${named}.${format}`);
    }
    await shot('dossier.png');
    // Phones: one column, the other persons below the dossier.
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('dossier-phone.png');
    await page.setViewportSize({ width: 1280, height: 900 });

    // "Not this person" on an automatic assignment: the face gets a person of its own.
    const count = await items.count();
    await page.locator('[data-assignment="auto"] [data-action="undo"]').last().click();
    await expect.poll(() => page.textContent('[data-testid="notice"]')).toContain('Taken off this person');
    const own = (await page.getAttribute('[data-testid="notice"] a', 'href'))!.slice('#/people/'.length);
    expect(own).not.toBe(named);
    if (count > 1) await expect.poll(() => items.count()).toBe(count - 1);
    else await page.waitForSelector(`[data-testid="dossier"][data-person-id="${own}"]`);
    expect(pageErrors).toEqual([]);
  });

  it('merges a person into another, and splits appearances off again', async () => {
    await openPeople();
    await expect.poll(() => cards().count()).toBeGreaterThanOrEqual(2);
    const ids = await cardIds();
    const other = ids.find((id) => id !== named)!;
    await openDossier(other);
    await page.selectOption('[data-testid="merge-form"] select', named);
    await page.click('[data-testid="merge-form"] button[type="submit"]');
    // The merged person is gone: the page follows its appearances into the surviving one.
    await page.waitForSelector(`[data-testid="dossier"][data-person-id="${named}"]`);
    await expect.poll(() => page.textContent('[data-testid="notice"]')).toContain(`${other} was merged into`);
    const merged = await page.locator('[data-testid="appearance"]').count();
    expect(merged).toBeGreaterThanOrEqual(2);
    await expect
      .poll(() => page.textContent('[data-testid="person-events"]'))
      .toContain(`${other} merged in`);

    await openPeople();
    await expect.poll(() => cardIds()).not.toContain(other);
    expect((await cardIds()).length).toBe(ids.length - 1);
    // A person that was merged away says where it went.
    await page.goto(`${base}/#/people/${other}`);
    await expect.poll(() => page.textContent('[role="alert"]')).toMatch(/^PERSON_NOT_FOUND: /);

    // Split the first appearance off: a new person appears, the survivor keeps the rest.
    await openDossier(named);
    await page.locator('[data-testid="appearance"] [data-action="select"]').first().check();
    await page.click('[data-action="split"]');
    await expect
      .poll(() => page.textContent('[data-testid="notice"]'))
      .toContain('split off into a new person');
    await expect.poll(() => page.locator('[data-testid="appearance"]').count()).toBe(merged - 1);
    const created = await page.getAttribute('[data-testid="notice"] a', 'href');
    expect(created).toMatch(/^#\/people\/Person_\d{3}$/);
    const createdId = created!.slice('#/people/'.length);
    await openPeople();
    await expect.poll(() => cardIds()).toContain(createdId);
    expect(pageErrors).toEqual([]);
  });

  it('moves appearances by drag and drop and by the select, following them when none are left', async () => {
    await openDossier(named);
    const items = page.locator('[data-testid="appearance"]');
    const count = await items.count();
    const target = (await cardIds()).find((id) => id !== named);
    const others = await page
      .locator('[data-testid="other-persons"] li')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-person-id') ?? ''));
    const to = target && others.includes(target) ? target : others[0]!;
    await items.first().dragTo(page.locator(`[data-testid="other-persons"] li[data-person-id="${to}"]`));
    await expect.poll(() => page.textContent('[data-testid="notice"]')).toContain('1 appearance moved to');
    await expect.poll(() => items.count()).toBe(count - 1);

    // Everything left goes the same way through the select: the page follows to that person.
    await page.check('[data-action="select-all"]');
    await page.selectOption('select[name="move-to"]', to);
    await page.click('[data-action="move"]');
    await page.waitForSelector(`[data-testid="dossier"][data-person-id="${to}"]`);
    await expect.poll(() => page.textContent('[data-testid="notice"]')).toContain(`moved to`);
    await expect.poll(() => page.textContent('[data-testid="person-events"]')).toContain('moved here from');
    expect(pageErrors).toEqual([]);
  });
});

describe('faces on video in Chromium', () => {
  let src: { id: string; epochMs: number };

  it('draws face boxes on the live frames', async () => {
    src = await addSource({ input: CLIP, fps: 5, realtime: true, id: 'stage' });
    await page.goto(`${base}/#/live/${src.id}`);
    await page.click('button[data-mode="frames"]');
    await waitHooks('__aimaLive', "h.mode === 'frames' && h.lastFaces.length > 0", 60_000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'live-faces.png') });
    await env.manager.settled(src.id);
  });

  it('shows the shots of the clip on the history page', async () => {
    await page.goto(`${base}/#/history?source=${src.id}`);
    const bands = page.locator('[data-testid="shot-strip"] .band');
    await expect.poll(() => bands.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    expect(await bands.first().getAttribute('title')).toMatch(/sharpness \d+ · exposure \d+%/);
    await shot('history-shots.png');
  });

  it('plays a recording with the stored faces and their persons over it', async () => {
    const listed = await env.app.inject({
      method: 'GET',
      url: `/api/v1/sources/${src.id}/recordings`,
      headers: bearer(),
    });
    if ((listed.json() as unknown[]).length === 0) {
      // A file is not recorded: cut it into segments as the recorder would write them.
      await recordAsSegments(env, src, CLIP, { gop: 15, segmentSeconds: 5 });
    }
    await page.goto(`${base}/#/playback/${src.id}?ts=${src.epochMs + 500}`);
    // Stored faces belong to persons once their tracks ended: boxes are labelled with them.
    await waitHooks('__aimaPlayback', "h.facesLoaded > 0 && h.lastFaces.some((f) => f.label !== '')", 30_000);
    const h = await page.evaluate(() => (globalThis as unknown as Globals).__aimaPlayback!);
    for (const f of h.lastFaces) expect(f.label).toBe(f.personId === '' ? '' : f.name || f.personId);
    await page.screenshot({ path: path.join(ARTIFACTS, 'playback-faces.png') });
    expect(pageErrors).toEqual([]);
  });
});
