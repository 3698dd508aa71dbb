// The vocabulary settings page and the dossier's clothing/restraint histories in Chromium against
// the real server (chDB): add a tag and save (the server keeps it), a broken template is refused
// with the key named on the page; a person's tags link to their source's playback with the job id.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TagRow } from '@aima/inference';
import type { Runtime } from '../src/runtime.ts';
import { buildServer } from '../src/server/index.ts';
import { createSourceManager } from '../src/sources/manager.ts';
import type { SourceManager } from '../src/sources/types.ts';
import { ARTIFACTS, UI_DIST, ensureUiBuilt, openBrowserSession } from './browser-helpers.ts';
import { TOKEN, bearer, openTestRuntime, testServerDeps, waitFor } from './server-helpers.ts';

let tmp: string;
let runtime: Runtime;
let manager: SourceManager;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-tags-ui-'));
  const dataDir = path.join(tmp, 'data');
  await Promise.all([mkdir(ARTIFACTS, { recursive: true }), ensureUiBuilt()]);
  runtime = await openTestRuntime(dataDir, { faces: { enabled: false } });
  manager = createSourceManager({ runtime, dataDir });
  app = await buildServer({ ...testServerDeps(runtime, manager, dataDir), uiDir: UI_DIST });
  ({ base, browser, page, errors } = await openBrowserSession(app, TOKEN, { width: 1280, height: 1000 }));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await manager?.close();
  await runtime?.close();
  await rm(tmp, { recursive: true, force: true });
});

const vocabulary = async () =>
  (await app.inject({ method: 'GET', url: '/api/v1/tags/vocabulary', headers: bearer() })).json() as {
    source: string;
    vocabulary: { categories: Array<{ id: string; tags: Array<{ tag: string; prompts?: string[] }> }> };
  };

describe('vocabulary page', () => {
  it('lists the categories, adds a tag with prompts and saves it', async () => {
    await page.goto(`${base}/#/vocabulary`);
    const clothing = page.locator('[data-testid="vocabulary-category"][data-category="clothing"]');
    await clothing.waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-testid="vocabulary-category"]').count()).toBe(4);
    expect(await clothing.locator('[data-testid="vocabulary-tag"][data-tag="latex"]').count()).toBe(1);
    expect(await page.locator('[data-testid="vocabulary-origin"]').textContent()).toContain('Built-in');

    await clothing.locator('[data-testid="vocabulary-new-tag"]').fill('Rubber Boots');
    await clothing
      .locator('textarea[aria-label="Prompts of the new clothing tag"]')
      .fill('rubber boots\nwellingtons');
    await clothing.locator('form.add button[type="submit"]').click();
    await clothing.locator('[data-testid="vocabulary-tag"][data-tag="rubber-boots"]').waitFor();
    // Removing one: the × next to it.
    await clothing.locator('[data-testid="vocabulary-tag"][data-tag="costume"] button').click();
    await page.locator('[data-testid="vocabulary-save"]').click();
    await page.locator('[data-testid="vocabulary-saved"]').waitFor();
    const saved = await vocabulary();
    expect(saved.source).toBe('user');
    const tags = saved.vocabulary.categories.find((c) => c.id === 'clothing')!.tags;
    expect(tags.find((t) => t.tag === 'rubber-boots')).toEqual({
      tag: 'rubber-boots',
      prompts: ['rubber boots', 'wellingtons'],
    });
    expect(tags.some((t) => t.tag === 'costume')).toBe(false);
    expect(await page.locator('[data-testid="vocabulary-origin"]').textContent()).toContain(
      'Your vocabulary',
    );
  });

  it('shows the server’s validation error naming the key, and keeps the saved vocabulary', async () => {
    const templates = page.locator(
      '[data-testid="vocabulary-category"][data-category="restraint"] [data-testid="vocabulary-templates"]',
    );
    await templates.fill('a photo of rope without the placeholder');
    await templates.blur();
    await page.locator('[data-testid="vocabulary-save"]').click();
    const error = page.locator('[data-testid="vocabulary-error"]');
    await error.waitFor();
    expect(await error.textContent()).toBe(
      'TAGS_BAD_VOCABULARY: categories.1.templates.0: must contain {} exactly once',
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'tags-vocabulary.png'), fullPage: true });
    const kept = await vocabulary();
    expect(
      kept.vocabulary.categories.find((c) => c.id === 'clothing')!.tags.some((t) => t.tag === 'rubber-boots'),
    ).toBe(true);
  });
});

describe('person dossier', () => {
  it('shows clothing and restraint histories linking to playback, with the job id', async () => {
    const { store } = runtime;
    const t0 = Date.UTC(2026, 0, 5, 12, 0, 0);
    await store.upsertPersons([
      {
        id: 'Person_001',
        seq: 1,
        name: '',
        createdAt: t0,
        updatedAt: t0,
        mergedInto: '',
        version: 1,
        deleted: false,
      },
    ]);
    await store.insertFaces([
      {
        sourceId: 'clip-a',
        ts: t0,
        frameSeq: 1,
        faceTrackId: 5,
        personTrackId: 3,
        box: [0, 0, 10, 10],
        score: 0.9,
        quality: 0.8,
        good: true,
      },
    ]);
    await store.upsertAppearances([
      {
        sourceId: 'clip-a',
        appearanceId: 5,
        personId: 'Person_001',
        startTs: t0,
        endTs: t0 + 4000,
        faces: 1,
        goodFaces: 1,
        quality: 0.8,
        bestTs: t0,
        bestBox: [0, 0, 10, 10],
        media: '',
        crop: '',
        embedding: [],
        assignment: 'manual',
        similarity: 0,
        candidatePersonId: '',
        rejected: [],
        version: 1,
        deleted: false,
      },
    ]);
    const row = (o: Partial<TagRow>): TagRow => ({
      sourceId: 'clip-a',
      trackId: 3,
      scope: 'person',
      category: 'clothing',
      tag: 'leather',
      score: 0.62,
      maxScore: 0.7,
      startTs: t0,
      endTs: t0 + 2000,
      frames: 2,
      modelId: 'mobileclip-s0.image',
      jobId: 'job-42',
      ...o,
    });
    await store.insertTags([
      row({}),
      row({
        scope: 'wrists',
        category: 'restraint',
        tag: 'rope',
        score: 0.81,
        startTs: t0 + 2000,
        endTs: t0 + 4000,
      }),
      // Another track of the source: not this person's.
      row({ trackId: 9, tag: 'uniform' }),
    ]);

    await page.goto(`${base}/#/people/Person_001`);
    const section = page.locator('[data-testid="person-tags"]');
    await waitFor(
      async () => ((await section.locator('[data-testid="tag-entry"]').count()) === 2 ? true : undefined),
      15_000,
    );
    const clothing = section.locator('[data-testid="tag-history-clothing"] [data-testid="tag-entry"]');
    expect(await clothing.getAttribute('data-tag')).toBe('leather');
    expect(await clothing.textContent()).toContain('job-42');
    expect(await clothing.textContent()).toContain('62%');
    expect(await clothing.locator('a').getAttribute('href')).toBe(`#/playback/clip-a?ts=${t0}`);
    const restraint = section.locator('[data-testid="tag-history-restraint"] [data-testid="tag-entry"]');
    expect(await restraint.getAttribute('data-tag')).toBe('rope');
    expect(await restraint.textContent()).toContain('wrists');
    expect(await restraint.locator('a').getAttribute('href')).toBe(`#/playback/clip-a?ts=${t0 + 2000}`);
    await section.screenshot({ path: path.join(ARTIFACTS, 'tags-dossier.png') });
    expect(errors).toEqual([]);
  });
});
