// The Jobs and GPU pages' pure parts: routes, input parsing, formatting, and that the page's
// schemas accept what the server's views produce (the jobs schema is imported; the GPU views are
// TypeScript interfaces in modules that pull in the whole inference package, so they are copied).
import { describe, expect, it } from 'vitest';
import { JobView as ServerJobView } from '../../src/job-service/schemas.ts';
import { href, parseHash } from '../src/lib/routes.ts';
import {
  formatEta,
  formatUsd,
  jobActions,
  JobView,
  parseList,
  parseMediaLines,
  JOB_STATES,
} from '../src/lib/jobs.ts';
import {
  GpuInstanceView,
  GpuOffer,
  isKeySet,
  isLive,
  LedgerEntry,
  statsOf,
  WorkerView,
} from '../src/lib/gpu.ts';

const job = {
  id: 'job-1',
  name: 'Interview',
  state: 'running',
  priority: 5,
  analyzers: ['detect'],
  context: { names: ['Anna'], notes: 'part 1 and 2' },
  provider: 'runpod',
  gpuType: 'NVIDIA GeForce RTX 4090',
  budgetUsd: 2,
  estimate: {
    usd: 0.12,
    gpuSeconds: 600,
    mediaSeconds: 1200,
    pricePerHour: 0.44,
    throughput: 2,
    basis: 'measured',
    provider: 'runpod',
    gpuType: 'NVIDIA GeForce RTX 4090',
    unknownItems: 0,
  },
  costUsd: 0.05,
  progress: 0.4,
  etaSeconds: 360,
  createdAt: 1,
  updatedAt: 2,
  startedAt: 2,
  finishedAt: null,
  items: [
    {
      index: 0,
      input: 'https://***@example.org/a.mp4',
      kind: 'url',
      sourceId: 'src-1',
      state: 'running',
      progress: 0.4,
      etaSeconds: 360,
      durationMs: 1_200_000,
      attempts: 1,
    },
    {
      index: 1,
      input: '/media/b.mp4',
      kind: 'file',
      sourceId: null,
      state: 'failed',
      progress: 0,
      etaSeconds: null,
      durationMs: null,
      attempts: 3,
      errorCode: 'INGEST_NOT_MEDIA',
      errorMessage: 'not a media file',
    },
  ],
};

describe('jobs page', () => {
  it('routes #/jobs and #/gpu', () => {
    for (const r of [{ name: 'jobs' }, { name: 'gpu' }] as const) expect(parseHash(href(r))).toEqual(r);
  });

  it("accepts the server's JobView", () => {
    const server = ServerJobView.parse(job);
    const view = JobView.parse(server);
    expect(view.items[1]?.errorCode).toBe('INGEST_NOT_MEDIA');
    expect(view.estimate?.usd).toBe(0.12);
  });

  it('parses the create form and formats numbers', () => {
    expect(parseMediaLines(' /a.mp4\n\n  https://x/y.mp4 \n')).toEqual(['/a.mp4', 'https://x/y.mp4']);
    expect(parseList('detect, faces  vad')).toEqual(['detect', 'faces', 'vad']);
    expect(parseList('  ')).toBeUndefined();
    expect(formatUsd(0)).toBe('$0');
    expect(formatUsd(0.001234)).toBe('$0.0012');
    expect(formatUsd(1.5)).toBe('$1.50');
    expect(formatUsd(null)).toBe('—');
    expect(formatEta(42)).toBe('42 s');
    expect(formatEta(600)).toBe('10 min');
    expect(formatEta(3 * 3600 + 5 * 60)).toBe('3 h 05 min');
  });

  it('offers only the actions a state allows', () => {
    const offered = Object.fromEntries(JOB_STATES.map((s) => [s, jobActions(s)]));
    expect(offered.created).toEqual({ start: true, pause: false, resume: false, cancel: true });
    expect(offered.running).toEqual({ start: false, pause: true, resume: false, cancel: true });
    expect(offered.paused).toEqual({ start: false, pause: false, resume: true, cancel: true });
    for (const s of ['done', 'failed', 'cancelled'] as const)
      expect(offered[s]).toEqual({ start: false, pause: false, resume: false, cancel: false });
  });
});

describe('gpu page', () => {
  const instance = {
    id: 'gi-1',
    provider: 'runpod',
    providerId: 'pod-7',
    jobId: 'job-1',
    label: 'aima-x-job-1',
    gpuType: 'NVIDIA GeForce RTX 4090',
    state: 'running',
    pricePerHour: 0.44,
    createdAt: 1,
    startedAt: 2,
    terminatedAt: null,
    costUsd: 0.02,
    budgetUsd: 2,
    workerId: 'w-1',
    errorCode: '',
    errorMessage: '',
    stats: null,
  };
  const worker = {
    id: 'w-1',
    name: 'pod-7',
    instanceId: 'gi-1',
    rented: true,
    state: 'online',
    capabilities: {
      executionProviders: ['cuda', 'cpu'],
      gpu: { name: 'RTX 4090', memoryMb: 24564 },
      analyzers: [],
      cpus: 8,
      version: '1',
    },
    stats: {
      gpu: { utilization: 87, memoryUsedMb: 2048, memoryTotalMb: 24564, temperatureC: 66 },
      cpuLoad: 0.3,
      assignments: 1,
    },
    lastSeen: 3,
    assignments: 1,
  };

  it("accepts the server's instance, worker, ledger and offer views", () => {
    const i = GpuInstanceView.parse(instance);
    const w = WorkerView.parse(worker);
    const entry = {
      instanceId: 'gi-1',
      jobId: 'job-1',
      provider: 'runpod',
      fromTs: 2,
      toTs: 12_000,
      seconds: 12,
      ratePerHour: 0.44,
      amountUsd: (12 * 0.44) / 3600,
    };
    expect(LedgerEntry.parse(entry).seconds).toBe(12);
    const offer = {
      provider: 'vastai',
      id: '123',
      gpuType: 'RTX 4090',
      gpuName: 'RTX 4090',
      memoryGb: 24,
      pricePerHour: 0.4,
      availability: 'HIGH',
    };
    expect(GpuOffer.parse(offer).id).toBe('123');
    // No stats on the instance yet: the worker's heartbeat fills utilisation, memory and temperature.
    expect(statsOf(i, new Map([['gi-1', w]]))).toEqual({
      gpuUtil: 87,
      gpuMemUsedMb: 2048,
      gpuMemTotalMb: 24564,
      gpuTempC: 66,
    });
    expect(isLive(i)).toBe(true);
    expect(statsOf({ ...i, state: 'terminated' }, new Map([['gi-1', w]]))).toBeNull();
    expect(isLive({ state: 'terminated' })).toBe(false);
  });

  it('reads key status without ever holding a key', () => {
    expect(isKeySet({ runpod: true, vastai: false }, 'runpod')).toBe(true);
    expect(isKeySet({ runpod: { set: false } }, 'runpod')).toBe(false);
    expect(isKeySet(null, 'vastai')).toBeNull();
  });
});
