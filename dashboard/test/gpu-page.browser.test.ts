// The GPU page in Chromium against a real GPU pool: the RunPod emulator (real HTTP on 127.0.0.1)
// boots a real worker process that joins the real hub with its one-time token and heartbeats GPU
// stats; the page shows the instance, its cost against the budget, the worker's utilisation,
// memory and temperature, the provider keys (set/unset only), offers, the ledger, and "Stop all"
// terminates the instance at the emulator.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processBoot, startRunpodEmulator, type GpuEmulator } from '../../test-support/gpu/index.ts';
import { createGpuPool } from '../src/gpu/pool.ts';
import type { GpuPool } from '../src/gpu/types.ts';
import type { Runtime } from '../src/runtime.ts';
import { buildServer } from '../src/server/index.ts';
import { createSourceManager } from '../src/sources/manager.ts';
import type { SourceManager } from '../src/sources/types.ts';
import { createWorkerHub } from '../src/workers/hub.ts';
import type { WorkerHub } from '../src/workers/types.ts';
import { ARTIFACTS, UI_DIST, ensureUiBuilt, openBrowserSession } from './browser-helpers.ts';
import { STANDIN_WORKER, emulatorProviders } from './gpu-helpers.ts';
import { TOKEN, openTestRuntime, testServerDeps, waitFor } from './server-helpers.ts';

let tmp: string;
let runtime: Runtime;
let hub: WorkerHub;
let manager: SourceManager;
let app: FastifyInstance;
let emu: GpuEmulator;
let pool: GpuPool | undefined;
let base: string;
let browser: Browser;
let page: Page;
let errors: string[];
let instanceId: string;

const VAST_KEY = 'vast-key-from-the-page-0123456789';

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-gpu-page-'));
  const dataDir = path.join(tmp, 'data');
  await Promise.all([mkdir(ARTIFACTS, { recursive: true }), ensureUiBuilt()]);
  runtime = await openTestRuntime(dataDir, { faces: { enabled: false } });
  hub = createWorkerHub({ store: runtime.store, models: runtime.models });
  manager = createSourceManager({ runtime, dataDir, executor: hub.executor(null) });
  app = await buildServer({
    ...testServerDeps(runtime, manager, dataDir),
    uiDir: UI_DIST,
    workers: hub,
    // The pool needs the server's URL, known once it listens: read per request.
    get gpu() {
      return pool;
    },
  });
  ({ base, browser, page, errors } = await openBrowserSession(app, TOKEN, { width: 1280, height: 1000 }));
  emu = await startRunpodEmulator({
    bootDelayMs: 100,
    onBoot: processBoot({ command: () => ['node', STANDIN_WORKER] }),
  });
  const { keys, providers } = await emulatorProviders(dataDir, { runpod: emu });
  pool = createGpuPool({
    store: runtime.store,
    hub,
    providers,
    keys,
    installationId: 'uipage',
    image: 'ghcr.io/example/aima-worker:test',
    serverUrl: base,
    tickMs: 100,
    pollMs: 100,
    ledgerFlushMs: 500,
    bootTimeoutMs: 30_000,
  });
  ({ instanceId } = await pool.startForJob('job-ui', { provider: 'runpod', budgetUsd: 5 }));
});

afterAll(async () => {
  await browser?.close();
  await pool?.close();
  await app?.close();
  await manager?.close();
  await hub?.close();
  await runtime?.close();
  await emu?.close();
  await rm(tmp, { recursive: true, force: true });
});

const instanceRow = () => page.locator(`[data-testid="gpu-instances"] tr[data-instance-id="${instanceId}"]`);

describe('GPU page', () => {
  it("shows the running instance with its budget and its worker's GPU stats", async () => {
    await page.goto(`${base}/#/gpu`);
    await instanceRow().waitFor({ timeout: 15_000 });
    await waitFor(
      async () => ((await instanceRow().textContent())?.includes('42%') ? true : undefined),
      15_000,
    );
    const text = (await instanceRow().textContent()) ?? '';
    expect(await instanceRow().locator('[data-state]').getAttribute('data-state')).toBe('running');
    expect(text).toContain('runpod');
    // The price the pool rented at (the emulator's cheapest offer), per hour.
    const api = await app.inject({
      method: 'GET',
      url: '/api/v1/gpu/instances',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const view = (api.json() as { id: string; pricePerHour: number; gpuType: string }[]).find(
      (i) => i.id === instanceId,
    );
    expect(view?.pricePerHour).toBeGreaterThan(0);
    expect(text).toContain(`$${view!.pricePerHour.toFixed(2)}`);
    expect(text).toContain(view!.gpuType);
    expect(text).toMatch(/\$[0-9.]+ \/ \$5\.00/); // cost so far against the job's budget
    expect(text).toContain('42%');
    expect(text).toContain('2.0 / 24.0 GB');
    expect(text).toContain('61 °C');
    expect(text).toContain('job-ui');
  });

  it('shows provider keys only as set/unset, and takes a new one without echoing it', async () => {
    const keys = page.locator('[data-testid="gpu-keys"]');
    await waitFor(async () =>
      (await keys.locator('[data-testid="key-runpod"]').textContent()) === 'set' ? true : undefined,
    );
    expect(await keys.locator('[data-testid="key-vastai"]').textContent()).toBe('unset');
    await keys.locator('input[name="vastai"]').fill(VAST_KEY);
    await keys.locator('button[type="submit"]').click();
    await waitFor(async () =>
      (await keys.locator('[data-testid="key-vastai"]').textContent()) === 'set' ? true : undefined,
    );
    expect(await keys.locator('input[name="vastai"]').inputValue()).toBe('');
    expect(await page.content()).not.toContain(VAST_KEY);
    const status = await app.inject({
      method: 'GET',
      url: '/api/v1/gpu/keys',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(status.json()).toEqual({ runpod: true, vastai: true });
  });

  it('looks up offers with prices, cheapest first', async () => {
    const form = page.locator('[data-testid="gpu-offers-form"]');
    await form.locator('select[name="provider"]').selectOption('runpod');
    await form.locator('button[type="submit"]').click();
    const rows = page.locator('[data-testid="gpu-offers"] tbody tr');
    await rows.first().waitFor({ timeout: 15_000 });
    const prices = (await rows.locator('td:nth-child(4)').allTextContents()).map((t) =>
      Number(t.replace('$', '')),
    );
    expect(prices.length).toBeGreaterThan(1);
    expect([...prices].sort((a, b) => a - b)).toEqual(prices);
  });

  it('"Stop all" asks first, then terminates the instance at the provider; the ledger shows the bill', async () => {
    const stop = page.locator('[data-testid="gpu-stop-all"]');
    await stop.locator('[data-action="stop-all"]').click();
    // Nothing happens before the confirm.
    expect(emu.liveInstances()).toHaveLength(1);
    await stop.locator('[data-action="confirm-stop-all"]').click();
    await waitFor(
      () => (emu.liveInstances().length === 0 ? true : undefined),
      20_000,
      'the emulator instance gone',
    );
    await waitFor(async () =>
      (await instanceRow().locator('[data-state]').getAttribute('data-state')) === 'terminated'
        ? true
        : undefined,
    );
    await waitFor(async () =>
      (await page.locator('[data-testid="ledger-total"]').count()) > 0 ? true : undefined,
    );
    expect(await page.locator('[data-testid="ledger-total"]').textContent()).toMatch(/billed · \$/);
    // A terminated instance shows no GPU stats (its last heartbeat is not a live reading).
    expect(await instanceRow().textContent()).not.toContain('42%');
    await page.screenshot({ path: path.join(ARTIFACTS, 'gpu-page.png'), fullPage: true });
    expect(errors.filter((e) => !e.includes('WebSocket'))).toEqual([]);
  });
});
