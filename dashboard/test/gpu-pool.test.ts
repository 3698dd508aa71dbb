// The GPU pool against both provider emulators (real HTTP on 127.0.0.1) and a real control plane:
// an explicit start rents an instance, the emulator boots a real worker process that joins the
// hub with the instance's one-time token, the job drains, the instance is terminated, and the
// ledger equals the emulator's bill to the second. Billing runs on a clock the test moves by hand
// (shared by pool and emulator); every timer stays real.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startRunpodEmulator,
  startVastEmulator,
  processBoot,
  type BootedChild,
  type GpuEmulator,
} from '../../test-support/gpu/index.ts';
import { createRunpodProvider } from '@aima/inference';
import { createGpuPool } from '../src/gpu/pool.ts';
import { gpuKeysFile } from '../src/gpu/keys.ts';
import type { GpuPool, GpuPoolOptions } from '../src/gpu/types.ts';
import { TOKEN, bearer, waitFor } from './server-helpers.ts';
import {
  AIMA_BIN,
  STANDIN_WORKER,
  bootRealWorker,
  emulatorProviders,
  manualClock,
  openControlPlane,
  type ControlPlane,
} from './gpu-helpers.ts';

const run = promisify(execFile);
let cp: ControlPlane;
const children: BootedChild[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  cp = await openControlPlane();
});
afterAll(async () => {
  await cp?.close();
});

/** A lightweight real process joining over the worker protocol, with fixed GPU stats. */
function bootWorker() {
  return processBoot({
    command: () => ['node', STANDIN_WORKER],
    onSpawn: (c) => children.push(c),
  });
}

async function poolFor(
  emu: GpuEmulator,
  provider: 'runpod' | 'vastai',
  clock: { now: () => number },
  over: Partial<GpuPoolOptions> = {},
): Promise<GpuPool> {
  const { keys, providers } = await emulatorProviders(cp.dataDir, { [provider]: emu });
  const pool = createGpuPool({
    store: cp.runtime.store,
    hub: cp.hub,
    providers,
    keys,
    installationId: 'inst1',
    image: 'ghcr.io/example/aima-worker:test',
    serverUrl: cp.url,
    now: clock.now,
    tickMs: 50,
    pollMs: 50,
    ledgerFlushMs: 5000,
    sweepMs: 60_000,
    bootTimeoutMs: 60_000,
    ...over,
  });
  cp.pool = pool;
  return pool;
}

for (const provider of ['runpod', 'vastai'] as const) {
  describe(`lifecycle on the ${provider} emulator`, () => {
    it('start → worker joins → drained → terminated; ledger equals the bill to the second', async () => {
      const clock = manualClock();
      const opts = {
        now: clock.now,
        bootDelayMs: 100,
        // A data dir per provider: one a worker already joined from holds its key, and a worker
        // started over it rejoins as that worker instead of as the new instance.
        onBoot: bootRealWorker(path.join(cp.dir, `worker-data-${provider}`), (c) => children.push(c)),
      };
      const emu = provider === 'runpod' ? await startRunpodEmulator(opts) : await startVastEmulator(opts);
      const pool = await poolFor(emu, provider, clock);
      try {
        const jobId = `job-${provider}`;
        // The clock is frozen while it boots, so the pool's boot timeout cannot fire: bound it here.
        const { instanceId } = await Promise.race([
          pool.startForJob(jobId, { provider, budgetUsd: 5 }),
          sleep(45_000).then(() => {
            throw new Error(
              `worker did not join (${children.length} started, emulator: ${JSON.stringify(emu.instances().map((i) => i.status))}): ` +
                children.map((c) => `pid ${c.pid} running ${c.running}: ${c.tail()}`).join('\n---\n'),
            );
          }),
        ]);

        // Tagged, with the join settings in its env, and its worker online through the hub.
        const [emuInst] = emu.instances();
        expect(emuInst?.label).toBe(`aima-inst1-${jobId}`);
        expect(emuInst?.env).toMatchObject({
          AIMA_INSTALLATION_ID: 'inst1',
          AIMA_JOB_ID: jobId,
          AIMA_SERVER_URL: cp.url,
          AIMA_WORKER_RENTED: '1',
        });
        expect(emuInst?.env.AIMA_JOIN_TOKEN).toMatch(/.{16,}/);
        const worker = cp.hub.workers().find((w) => w.instanceId === instanceId);
        expect(worker?.state).toBe('online');
        expect(worker?.rented).toBe(true);

        // 37.25 s of (clock) work, in steps the guard ticks through; ledger rows get written.
        for (let i = 0; i < 149; i++) {
          clock.advance(250);
          await sleep(5);
        }
        const view = (await pool.instances()).find((i) => i.id === instanceId);
        expect(view).toMatchObject({ state: 'running', jobId, provider, workerId: worker?.id });

        pool.jobDrained(jobId);
        const ended = await waitFor(
          async () => {
            const v = (await pool.instances()).find((i) => i.id === instanceId);
            return v?.state === 'terminated' ? v : undefined;
          },
          10_000,
          'terminated',
        );
        expect(ended.errorCode).toBe('');
        expect(emu.liveInstances()).toEqual([]);
        const child = children.find((c) => c.instanceId === emuInst?.id);
        await waitFor(() => (child?.running === false ? true : undefined), 5000, 'worker process gone');

        // Ledger = bill, to the second: same clock, billed from the provider's start.
        const rows = await pool.ledger({ jobId });
        expect(rows.length).toBeGreaterThan(1);
        const seconds = rows.reduce((s, r) => s + r.seconds, 0);
        const usd = rows.reduce((s, r) => s + r.amountUsd, 0);
        const billed = emu.instances()[0]!;
        expect(seconds).toBe(38); // 37.25 s → 38 started seconds
        expect(seconds).toBe(Math.ceil(((billed.endedAt ?? 0) - (billed.startedAt ?? 0)) / 1000));
        expect(usd).toBeCloseTo(emu.billedUsd(billed.id), 12);
        expect(await pool.jobCost(jobId)).toBeCloseTo(usd, 12);
      } finally {
        await pool.close();
        await emu.close();
      }
    });
  });
}

describe('cost guard', () => {
  it('a budget of 0 refuses before any provider call', async () => {
    const clock = manualClock();
    const emu = await startRunpodEmulator({ now: clock.now, onBoot: bootWorker() });
    const pool = await poolFor(emu, 'runpod', clock);
    try {
      const before = emu.requests.length;
      await expect(pool.startForJob('job-zero', { provider: 'runpod', budgetUsd: 0 })).rejects.toMatchObject({
        code: 'GPU_BUDGET_EXCEEDED',
      });
      // The start sweep may list; nothing else reached the provider.
      expect(emu.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
      expect(emu.instances()).toEqual([]);
    } finally {
      await pool.close();
      await emu.close();
    }
  });

  it('stops at the budget: terminated before the ledger or the bill pass it, the job told why', async () => {
    const clock = manualClock();
    const emu = await startRunpodEmulator({ now: clock.now, bootDelayMs: 50, onBoot: bootWorker() });
    const pool = await poolFor(emu, 'runpod', clock, { terminateMarginMs: 2000 });
    const paused: string[] = [];
    pool.onBudgetExceeded((jobId, reason) => paused.push(`${jobId}: ${reason}`));
    try {
      const budgetUsd = 0.002; // L4 at $0.39/h: about 18 s
      const { instanceId } = await pool.startForJob('job-budget', { provider: 'runpod', budgetUsd });
      for (let i = 0; i < 400 && paused.length === 0; i++) {
        clock.advance(200);
        await sleep(10);
      }
      expect(paused[0]).toMatch(/^job-budget: job budget \$0\.0020 reached/);
      const v = await waitFor(
        async () => {
          const x = (await pool.instances()).find((i) => i.id === instanceId);
          return x?.state === 'terminated' ? x : undefined;
        },
        10_000,
        'terminated',
      );
      expect(v.errorCode).toBe('GPU_BUDGET_EXCEEDED');
      expect(await pool.jobCost('job-budget')).toBeLessThanOrEqual(budgetUsd);
      expect(emu.totalBilledUsd()).toBeLessThanOrEqual(budgetUsd);
      expect(emu.liveInstances()).toEqual([]);
    } finally {
      await pool.close();
      await emu.close();
    }
  });

  it('terminates an instance whose worker has had no work for the idle timeout', async () => {
    const clock = manualClock();
    const emu = await startRunpodEmulator({ now: clock.now, bootDelayMs: 50, onBoot: bootWorker() });
    const pool = await poolFor(emu, 'runpod', clock, { idleTimeoutMs: 60_000 });
    const ended: string[] = [];
    pool.onInstanceEnded((e) => ended.push(`${e.jobId} ${e.code}`));
    try {
      const { instanceId } = await pool.startForJob('job-idle', { provider: 'runpod', budgetUsd: 1 });
      for (let i = 0; i < 200 && ended.length === 0; i++) {
        clock.advance(1000);
        await sleep(10);
      }
      expect(ended).toEqual(['job-idle GPU_IDLE_TIMEOUT']);
      const v = (await pool.instances()).find((i) => i.id === instanceId);
      expect(v).toMatchObject({ state: 'terminated', errorCode: 'GPU_IDLE_TIMEOUT' });
      expect(emu.liveInstances()).toEqual([]);
    } finally {
      await pool.close();
      await emu.close();
    }
  });

  it('the daily budget stops every instance and refuses new starts', async () => {
    // A day of its own: the other tests' ledger rows count against theirs.
    const clock = manualClock(Date.UTC(2027, 0, 1, 9, 0, 0));
    const emu = await startRunpodEmulator({ now: clock.now, bootDelayMs: 50, onBoot: bootWorker() });
    const daily = 0.004; // L4 at $0.39/h: about 37 s
    const pool = await poolFor(emu, 'runpod', clock, { dailyBudgetUsd: daily, terminateMarginMs: 2000 });
    const paused: string[] = [];
    pool.onBudgetExceeded((jobId, reason) => paused.push(`${jobId}: ${reason}`));
    try {
      await pool.startForJob('job-day', { provider: 'runpod', budgetUsd: 1 });
      for (let i = 0; i < 300 && paused.length === 0; i++) {
        clock.advance(500);
        await sleep(10);
      }
      expect(paused[0]).toMatch(/^job-day: daily GPU budget/);
      await waitFor(() => (emu.liveInstances().length === 0 ? true : undefined), 10_000, 'terminated');
      await expect(pool.startForJob('job-day2', { provider: 'runpod', budgetUsd: 1 })).rejects.toMatchObject({
        code: 'GPU_DAILY_BUDGET_EXCEEDED',
      });
      expect(emu.instances()).toHaveLength(1);
      expect(emu.totalBilledUsd()).toBeLessThanOrEqual(daily);
    } finally {
      await pool.close();
      await emu.close();
    }
  });

  it('sweeps orphans of this installation at start, leaves others alone, closes stale rows', async () => {
    const clock = manualClock();
    const emu = await startRunpodEmulator({ now: clock.now, bootDelayMs: 20 });
    const direct = createRunpodProvider({ apiKey: emu.apiKey, baseUrl: emu.url });
    const [offer] = await direct.offers();
    const base = { offerId: offer!.id, image: 'x', env: {} };
    const ghost = await direct.create({ ...base, label: 'aima-inst1-ghost' });
    const stale = await direct.create({ ...base, label: 'aima-inst1-stale' });
    const foreign = await direct.create({ ...base, label: 'aima-other-job' });
    const mine = await direct.create({ ...base, label: 'my-own-pod' });
    await cp.runtime.store.upsertGpuInstance({
      id: 'gpu-stale',
      provider: 'runpod',
      providerId: stale.id,
      jobId: 'stale',
      label: 'aima-inst1-stale',
      gpuType: offer!.gpuType,
      state: 'running',
      pricePerHour: stale.pricePerHour,
      createdAt: clock.now() - 60_000,
      startedAt: clock.now() - 50_000,
      terminatedAt: null,
      workerId: '',
      errorCode: '',
      errorMessage: '',
    });
    const pool = await poolFor(emu, 'runpod', clock);
    try {
      await waitFor(() => (emu.liveInstances().length === 2 ? true : undefined), 10_000, 'sweep');
      expect(
        emu
          .liveInstances()
          .map((i) => i.id)
          .sort(),
      ).toEqual([foreign.id, mine.id].sort());
      expect(ghost.id).not.toBe(stale.id);
      const row = await waitFor(
        async () => {
          const r = (await cp.runtime.store.listGpuInstances({ jobId: 'stale' }))[0];
          return r?.state === 'terminated' ? r : undefined;
        },
        10_000,
        'stale row closed',
      );
      expect(row.errorCode).toBe('GPU_ORPHAN');
      // The unwatched 50 s were billed: the ledger closes them.
      expect((await pool.ledger({ jobId: 'stale' })).reduce((s, r) => s + r.seconds, 0)).toBe(50);
    } finally {
      await pool.close();
      await direct.terminate(foreign.id);
      await direct.terminate(mine.id);
      await emu.close();
    }
  });
});

describe('REST', () => {
  it('offers, instances, ledger, write-only keys, stop-all', async () => {
    const clock = manualClock();
    const emu = await startRunpodEmulator({ now: clock.now, bootDelayMs: 50, onBoot: bootWorker() });
    const pool = await poolFor(emu, 'runpod', clock);
    const req = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
      const res = await cp.app.inject({ method, url, headers: bearer(), ...(payload ? { payload } : {}) });
      return { status: res.statusCode, json: res.json(), body: res.body };
    };
    try {
      const offers = await req('GET', '/api/v1/gpu/offers?provider=runpod');
      expect(offers.status).toBe(200);
      expect(offers.json.map((o: { gpuType: string }) => o.gpuType)).toContain('RTX 4090');
      const prices = offers.json.map((o: { pricePerHour: number }) => o.pricePerHour);
      expect(prices).toEqual([...prices].sort((a, b) => a - b));
      expect((await req('GET', '/api/v1/gpu/offers?provider=vastai')).json.code).toBe(
        'GPU_PROVIDER_NOT_CONFIGURED',
      );

      // Keys: set from the settings page, stored 0600, never returned.
      expect((await req('GET', '/api/v1/gpu/keys')).json).toEqual({ runpod: true, vastai: false });
      const secret = 'vast-secret-key-0123456789';
      const put = await req('PUT', '/api/v1/gpu/keys', { vastai: secret });
      expect(put.json).toEqual({ runpod: true, vastai: true });
      expect(put.body).not.toContain(secret);
      expect((await stat(gpuKeysFile(cp.dataDir))).mode & 0o777).toBe(0o600);
      expect((await req('GET', '/api/v1/gpu/keys')).body).not.toContain(secret);
      expect((await req('PUT', '/api/v1/gpu/keys', { vastai: null })).json).toEqual({
        runpod: true,
        vastai: false,
      });

      const { instanceId } = await pool.startForJob('job-rest', { provider: 'runpod', budgetUsd: 1 });
      clock.advance(5000);
      // Utilisation/memory/temperature from the worker's heartbeats.
      const withStats = await waitFor(
        async () => {
          const r = await req('GET', '/api/v1/gpu/instances');
          const v = r.json.find((i: { id: string }) => i.id === instanceId);
          return v?.stats?.gpuUtil === 42 ? v : undefined;
        },
        10_000,
        'worker stats',
      );
      expect(withStats.stats).toEqual({
        gpuUtil: 42,
        gpuMemUsedMb: 2048,
        gpuMemTotalMb: 24576,
        gpuTempC: 61,
      });
      const inst = await req('GET', '/api/v1/gpu/instances');
      expect(inst.json.find((i: { id: string }) => i.id === instanceId)).toMatchObject({
        state: 'running',
        jobId: 'job-rest',
        budgetUsd: 1,
      });

      // The CLI, as a real process against the listening server.
      const cli = async (...args: string[]) => {
        const { stdout } = await run('node', [AIMA_BIN, 'gpu', ...args, '--server', cp.url, '--json'], {
          env: { ...process.env, AIMA_TOKEN: TOKEN, AIMA_DATA_DIR: cp.dataDir },
        });
        return JSON.parse(stdout) as unknown;
      };
      expect(await cli('offers', '--provider', 'runpod', '--gpu-type', 'L4')).toEqual([
        expect.objectContaining({ provider: 'runpod', gpuType: 'L4' }),
      ]);
      expect(await cli('instances')).toEqual(
        expect.arrayContaining([expect.objectContaining({ id: instanceId, state: 'running' })]),
      );

      const stop = { json: (await cli('stop-all')) as { stopped: number } };
      expect(stop.json.stopped).toBeGreaterThanOrEqual(1);
      expect(emu.liveInstances()).toEqual([]);
      const after = (await req('GET', '/api/v1/gpu/instances')).json.find(
        (i: { id: string }) => i.id === instanceId,
      );
      expect(after).toMatchObject({ state: 'terminated', errorCode: 'GPU_STOPPED' });
      const ledger = await req('GET', '/api/v1/gpu/ledger?jobId=job-rest');
      expect(ledger.json.totalSeconds).toBe(5);
      expect(ledger.json.totalUsd).toBeCloseTo(emu.billedUsd(emu.instances()[0]!.id), 12);
    } finally {
      await pool.close();
      await emu.close();
    }
  });
});
