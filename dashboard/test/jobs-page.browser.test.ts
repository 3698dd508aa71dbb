// The Jobs and GPU pages in Chromium against the real server: job service, embedded queue, source
// manager, YOLOX-Nano on CPU and chDB, on a real 2 s clip. Screenshots go to test-artifacts/.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../src/job-service/schemas.ts';
import { buildServer } from '../src/server/index.ts';
import { ARTIFACTS, UI_DIST, ensureUiBuilt, openBrowserSession } from './browser-helpers.ts';
import { clip, openJobsEnv, type JobsEnv } from './jobs-support.ts';
import { TOKEN, testServerDeps } from './server-helpers.ts';

let tmp: string;
let env: JobsEnv;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let page: Page;
let errors: string[];
let a: string;

const auth = { authorization: `Bearer ${TOKEN}` };
const row = (id: string) => page.locator(`tr[data-job-id="${id}"]`);
const stateOf = (id: string) => row(id).locator('[data-testid="job-state"]');

async function createJob(body: object): Promise<JobView> {
  const res = await env.app.inject({ method: 'POST', url: '/api/v1/jobs', headers: auth, payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function jobView(id: string): Promise<JobView> {
  return (await env.app.inject({ method: 'GET', url: `/api/v1/jobs/${id}`, headers: auth })).json();
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-jobs-page-'));
  await mkdir(ARTIFACTS, { recursive: true });
  [a] = await Promise.all([clip(tmp, 'a.mp4', 2), ensureUiBuilt()]);
  const dataDir = path.join(tmp, 'data');
  env = await openJobsEnv(dataDir);
  // The same services behind a second server that also serves the built UI (the env's has none).
  app = await buildServer({
    ...testServerDeps(env.runtime, env.manager, dataDir),
    uiDir: UI_DIST,
    jobs: env.jobs,
  });
  const session = await openBrowserSession(app, TOKEN, { width: 1280, height: 900 });
  ({ base, browser, page, errors } = session);
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await env?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('Jobs page', () => {
  it('shows a job with its state, starts it locally, and links each item to its results', async () => {
    const job = await createJob({ name: 'street clip', media: [a], analyzers: ['detect'] });
    await page.goto(`${base}/#/jobs`);
    await expect.poll(() => stateOf(job.id).textContent(), { timeout: 15_000 }).toBe('created');
    expect(await row(job.id).textContent()).toContain('street clip');

    // The explicit start: open the job, keep the free local provider, Start.
    await row(job.id).locator('[data-action="open-start"]').click();
    const start = page.locator('[data-testid="job-start"]');
    await start.locator('[data-action="start"]').click();
    await expect.poll(() => stateOf(job.id).textContent(), { timeout: 60_000 }).toBe('done');

    const done = await jobView(job.id);
    const sourceId = done.items[0]?.sourceId;
    expect(sourceId).toBeTruthy();
    // The job stays opened after the start: its items are shown below its row.
    const link = page.locator('[data-testid="job-detail"] [data-action="results"]').first();
    expect(await link.getAttribute('href')).toBe(`#/history?source=${encodeURIComponent(sourceId!)}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'jobs-page.png'), fullPage: true });
  });

  it('creates a job from the form and cancels it with a confirm', async () => {
    await page.goto(`${base}/#/jobs`);
    const form = page.locator('[data-testid="job-create"]');
    await form.locator('textarea[name="media"]').fill(`${a}\n\n${a}\n`);
    await form.locator('input[name="name"]').fill('from the form');
    await form.locator('input[name="priority"]').fill('7');
    await form.locator('button[type="submit"]').click();
    const created = page.locator('tr[data-job-id]', { hasText: 'from the form' });
    await created.waitFor({ timeout: 15_000 });
    const id = (await created.getAttribute('data-job-id'))!;
    const view = await jobView(id);
    expect(view.priority).toBe(7);
    expect(view.items).toHaveLength(2);
    expect(await stateOf(id).textContent()).toBe('created');

    const cancel = row(id).locator('[data-action="cancel"]');
    await cancel.click();
    expect(await cancel.textContent()).toContain('Confirm');
    expect((await jobView(id)).state).toBe('created');
    await cancel.click();
    await expect.poll(() => stateOf(id).textContent(), { timeout: 15_000 }).toBe('cancelled');
  });

  it('shows a refused start as its coded one-line error (no GPU pool in this server)', async () => {
    const job = await createJob({ name: 'paid', media: [a], analyzers: ['detect'] });
    await page.goto(`${base}/#/jobs`);
    await row(job.id).locator('[data-action="open-start"]').click();
    const start = page.locator('[data-testid="job-start"]');
    await start.locator('select[name="provider"]').selectOption('runpod');
    // A paid provider cannot start without a budget.
    expect(await start.locator('[data-action="start"]').isDisabled()).toBe(true);
    await start.locator('input[name="budget"]').fill('1');
    await start.locator('[data-action="start"]').click();
    const err = start.locator('.error');
    await err.waitFor({ timeout: 15_000 });
    expect(await err.textContent()).toMatch(/^[A-Z][A-Z0-9_]+: \S/);
    expect((await jobView(job.id)).state).toBe('created');
  });
});

describe('GPU page', () => {
  it('renders without a GPU pool and says so with a coded error', async () => {
    await page.goto(`${base}/#/gpu`);
    await page.locator('[data-testid="gpu-page"]').waitFor();
    const err = page.locator('[data-testid="gpu-page"] .error').first();
    await err.waitFor({ timeout: 15_000 });
    expect(await err.textContent()).toMatch(/^[A-Z][A-Z0-9_]+: \S/);
    expect(await page.locator('[data-testid="gpu-keys"]').count()).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'gpu-page-no-pool.png'), fullPage: true });
    expect(errors.filter((e) => !e.includes('WebSocket'))).toEqual([]);
  });
});
