// Seeded randomized fault runs of the GPU pool on both emulators (20 runs, reproducible: the
// base seed is printed; rerun one with AIMA_GPU_FAULT_SEED=<seed> AIMA_GPU_FAULT_RUNS=1). Each
// run draws faults (create fails, no capacity, never running, running without a worker, 429 with
// and without Retry-After, 5xx, dropped connections, instance dies mid-job, slow boot, ignored
// terminate, budget hit) and checks: no instance left at the emulator, neither the ledger nor the
// bill above the budget, and the job and every instance in a final state with a code.
// The booted "worker" is a lightweight real process that joins through the hub's protocol
// (gpu-standin-worker.mjs): 20 boots of the full `aima worker` would not fit the time budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  processBoot,
  seededRandom,
  startRunpodEmulator,
  startVastEmulator,
  type BootedChild,
  type GpuEmulator,
} from '../../test-support/gpu/index.ts';
import { createGpuPool } from '../src/gpu/pool.ts';
import { STANDIN_WORKER, emulatorProviders, openControlPlane, type ControlPlane } from './gpu-helpers.ts';
import { waitFor } from './server-helpers.ts';

const BASE_SEED = Number(process.env.AIMA_GPU_FAULT_SEED ?? 1010);
const RUNS = Number(process.env.AIMA_GPU_FAULT_RUNS ?? 20);

type Fault =
  | 'create-fails'
  | 'no-capacity'
  | 'never-running'
  | 'running-without-worker'
  | '429-retry-after'
  | '429-no-retry-after'
  | '5xx'
  | 'connection-drop'
  | 'dies-mid-job'
  | 'slow-boot'
  | 'ignored-terminate'
  | 'budget-hit';
const FAULTS: readonly Fault[] = [
  'create-fails',
  'no-capacity',
  'never-running',
  'running-without-worker',
  '429-retry-after',
  '429-no-retry-after',
  '5xx',
  'connection-drop',
  'dies-mid-job',
  'slow-boot',
  'ignored-terminate',
  'budget-hit',
];

let cp: ControlPlane;
const children: BootedChild[] = [];
const summary: string[] = [];

beforeAll(async () => {
  cp = await openControlPlane();
  console.log(`GPU fault runs: base seed ${BASE_SEED}, ${RUNS} runs (AIMA_GPU_FAULT_SEED to reproduce)`);
});
afterAll(async () => {
  console.log(`GPU fault-run summary:\n${summary.join('\n')}`);
  await cp?.close();
});

// $36/h = $0.01/s, so a small budget is hit within seconds of real time.
const PRICEY_RUNPOD = [
  { id: 'EMU GPU A', name: 'EMU A', memory: 24, secure: 36, community: 36, availability: 'HIGH' as const },
  { id: 'EMU GPU B', name: 'EMU B', memory: 24, secure: 37, community: 37, availability: 'HIGH' as const },
];
const PRICEY_VAST = [0, 1, 2].map((i) => ({
  gpuName: 'EMU',
  gpuRamMb: 24576,
  dphBase: 36 + i,
  storageCost: 0.1,
  verified: true,
  reliability: 0.99,
}));

async function emulatorFor(
  provider: 'runpod' | 'vastai',
  seed: number,
  faults: Set<Fault>,
): Promise<GpuEmulator> {
  const base = {
    seed,
    bootDelayMs: 100,
    onBoot: processBoot({
      command: () => ['node', STANDIN_WORKER],
      onSpawn: (c) => children.push(c),
      graceMs: 500,
    }),
  };
  const pricey = faults.has('budget-hit');
  return provider === 'runpod'
    ? startRunpodEmulator({ ...base, ...(pricey ? { catalog: PRICEY_RUNPOD } : {}) })
    : startVastEmulator({ ...base, ...(pricey ? { machines: PRICEY_VAST } : {}) });
}

function inject(
  emu: GpuEmulator,
  provider: 'runpod' | 'vastai',
  faults: Set<Fault>,
  rnd: () => number,
  seed: number,
) {
  const create =
    provider === 'runpod'
      ? { method: 'POST', path: /^\/v2\/pods$/ }
      : { method: 'PUT', path: /^\/api\/v0\/asks\/\d+\/?$/ };
  if (faults.has('create-fails')) {
    // 4 failures outlast the client's 3 retries (fewer are absorbed by them: see '5xx').
    emu.injectFault({ ...create, fault: { kind: 'server-error', status: 503 }, times: 4 });
  }
  if (faults.has('no-capacity')) {
    emu.injectFault({ ...create, fault: { kind: 'no-capacity' }, times: 1 + Math.floor(rnd() * 3) });
  }
  if (faults.has('429-retry-after'))
    emu.injectFault({ fault: { kind: 'rate-limit', retryAfterS: 1 }, times: 2 });
  if (faults.has('429-no-retry-after')) emu.injectFault({ fault: { kind: 'rate-limit' }, times: 3 });
  const random = [
    ...(faults.has('5xx') ? [{ kind: 'server-error' as const }] : []),
    ...(faults.has('connection-drop') ? [{ kind: 'drop' as const }, { kind: 'drop-after' as const }] : []),
  ];
  if (random.length > 0) emu.setRandomFaults({ rate: 0.12, seed, faults: random });
  emu.setInstanceFaults({
    ...(faults.has('never-running') ? { neverRunning: true } : {}),
    ...(faults.has('running-without-worker') ? { runningWithoutBoot: true } : {}),
    ...(faults.has('dies-mid-job') ? { dieAfterMs: 700 } : {}),
    ...(faults.has('slow-boot') ? { extraBootDelayMs: 400 } : {}),
    ...(faults.has('ignored-terminate') ? { ignoreTerminates: 1 } : {}),
  });
}

describe('seeded GPU fault runs', () => {
  for (let run = 0; run < RUNS; run++) {
    const seed = BASE_SEED + run;
    it(`run ${run} (seed ${seed})`, async () => {
      const rnd = seededRandom(seed);
      const provider = run % 2 === 0 ? ('runpod' as const) : ('vastai' as const);
      // Consecutive seeds cycle through every fault; half the runs add a second, seeded one.
      const faults = new Set<Fault>([FAULTS[seed % FAULTS.length]!]);
      if (rnd() < 0.5) faults.add(FAULTS[Math.floor(rnd() * FAULTS.length)]!);
      const budgetUsd = faults.has('budget-hit') ? 0.08 : 1;

      const emu = await emulatorFor(provider, seed, faults);
      const { providers } = await emulatorProviders(
        cp.dataDir,
        { [provider]: emu },
        { maxRetryDelayMs: 1000 },
      );
      const errors: unknown[] = [];
      const pool = createGpuPool({
        store: cp.runtime.store,
        hub: cp.hub,
        providers,
        installationId: `fault${seed}`,
        image: 'ghcr.io/example/aima-worker:test',
        serverUrl: cp.url,
        tickMs: 50,
        pollMs: 100,
        ledgerFlushMs: 500,
        sweepMs: 300,
        bootTimeoutMs: 1500,
        // Covers a terminate that meets 429s (Retry-After 1 s) or retried 5xx.
        terminateMarginMs: 4000,
        onError: (e) => errors.push(e),
      });
      const paused: string[] = [];
      pool.onBudgetExceeded((jobId, reason) => paused.push(reason));
      const jobId = `job-${seed}`;
      inject(emu, provider, faults, rnd, seed);
      try {
        let jobState: string;
        try {
          const { instanceId } = await pool.startForJob(jobId, { provider, budgetUsd });
          // The job's work: until it drains (1 s), the budget stops it, or the instance dies.
          const endedEarly = await waitFor(
            async () => {
              const v = (await pool.instances()).find((i) => i.id === instanceId);
              return v?.state === 'terminated' || v?.state === 'terminating' ? true : undefined;
            },
            faults.has('budget-hit') ? 15_000 : 1000,
            'work',
          ).catch(() => false);
          if (!endedEarly) pool.jobDrained(jobId);
          jobState = paused.length > 0 ? 'paused' : 'ran';
        } catch (err) {
          jobState = `failed ${(err as { code?: string }).code ?? 'NO_CODE'}`;
        }

        // Quiescence: every instance of the job final, nothing alive at the emulator (the sweep
        // removes what ambiguous creates left behind), no worker process running.
        const rows = await waitFor(
          async () => {
            const r = await cp.runtime.store.listGpuInstances({ jobId });
            return r.every((x) => x.state === 'terminated' || x.state === 'failed') ? r : undefined;
          },
          20_000,
          'instances final',
        );
        await waitFor(
          () => (emu.liveInstances().length === 0 ? true : undefined),
          20_000,
          'no orphan at the emulator',
        );
        await waitFor(
          () => (children.every((c) => !c.running) ? true : undefined),
          10_000,
          'worker processes gone',
        );

        const ledger = await pool.ledger({ jobId });
        const ledgerUsd = ledger.reduce((s, r) => s + r.amountUsd, 0);
        const billedUsd = emu.totalBilledUsd();
        summary.push(
          `  run ${run} seed ${seed} ${provider} [${[...faults].join(', ')}] → job ${jobState}; instances ` +
            `${rows.map((r) => `${r.state}${r.errorCode ? `:${r.errorCode}` : ''}`).join(' ') || 'none'}; ` +
            `ledger $${ledgerUsd.toFixed(6)} bill $${billedUsd.toFixed(6)} budget $${budgetUsd}`,
        );

        expect(emu.liveInstances()).toEqual([]);
        expect(ledgerUsd).toBeLessThanOrEqual(budgetUsd);
        expect(billedUsd).toBeLessThanOrEqual(budgetUsd);
        // Clear end states: a failed start carries a GPU code; a failed instance carries one too.
        expect(jobState).toMatch(/^(ran|paused|failed GPU_[A-Z_]+)$/);
        for (const r of rows) {
          if (r.state === 'failed') expect(r.errorCode).toMatch(/^GPU_/);
          if (r.errorCode !== '') expect(r.errorMessage.length).toBeGreaterThan(0);
        }
        if (jobState === 'paused') expect(rows.some((r) => r.errorCode === 'GPU_BUDGET_EXCEEDED')).toBe(true);
        if (faults.has('budget-hit') && jobState === 'ran') {
          throw new Error(`budget run did not stop at the budget: ${paused.join('; ')}`);
        }
      } finally {
        await pool.close();
        await emu.close();
      }
    });
  }
});
