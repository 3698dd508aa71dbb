// The pure parts of jobs (failure classes, estimate maths, views) and the media expansion and
// secrets file over real files and real ffprobe.
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobItemRecord, JobRecord } from '@aima/storage';
import { isTransientFailure, retryDelay } from '../src/job-service/classify.ts';
import { deviceClass, estimateJob, loadThroughput, throughputOf } from '../src/job-service/estimate.ts';
import { expandMedia } from '../src/job-service/media.ts';
import { createJobInputVault } from '../src/job-service/secrets.ts';
import { toJobView } from '../src/job-service/views.ts';
import { clip } from './jobs-support.ts';
import { MEDIA } from './server-helpers.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-jobs-unit-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('failure classes', () => {
  it('retries what broke around the media, never bad media or unknown codes', () => {
    for (const code of [
      'WORKER_LOST',
      'STORE_UNAVAILABLE',
      'INGEST_UNREACHABLE',
      'INGEST_DECODE_FAILED',
      'SOURCE_INTERRUPTED',
    ]) {
      expect(isTransientFailure(code), code).toBe(true);
    }
    for (const code of [
      'INGEST_FILE_NOT_FOUND', 'INGEST_NOT_MEDIA', 'INGEST_TRUNCATED', 'INGEST_NO_VIDEO', 'INGEST_UNSUPPORTED_URL',
      'INGEST_SOURCE_BLOCKED', 'INFER_UNKNOWN_ANALYZER', 'MODEL_NOT_FOUND', 'INTERNAL', '',
    ]) expect(isTransientFailure(code), code).toBe(false); // prettier-ignore
  });

  it('backs off 2 s, 8 s, 30 s by default', () => {
    const d = [2000, 8000, 30000];
    expect([1, 2, 3, 4].map((r) => retryDelay(r, d))).toEqual([2000, 8000, 30000, 30000]);
  });
});

describe('estimate', () => {
  const table = loadThroughput();

  it('adds analyzer costs per media second, measured on the local CPU class', () => {
    const detect = throughputOf(table, table.local, ['detect'], 10);
    expect(detect.basis).toBe('measured');
    expect(detect.throughput).toBeCloseTo(8.47, 1); // 84.7 frames/s at 10 fps
    const both = throughputOf(table, table.local, ['detect', 'vad'], 10);
    expect(both.throughput).toBeLessThan(detect.throughput);
    expect(throughputOf(table, table.local, ['detect', 'shots'], 10).basis).toBe('estimated');
    expect(deviceClass(table, 'runpod', 'NVIDIA H100 80GB')).toBe('gpu-large');
    expect(deviceClass(table, 'vastai', 'RTX 4090')).toBe('gpu-small');
  });

  it('prices media × throughput × the cheapest offer, and refuses without a pool or an offer', async () => {
    const gpu = {
      offers: async () => [
        { gpuType: 'RTX 4090', gpuName: 'RTX 4090', pricePerHour: 0.5 },
        { gpuType: 'RTX 4090', gpuName: 'RTX 4090', pricePerHour: 0.4 },
      ],
      startForJob: () => Promise.reject(new Error('an estimate never rents')),
      jobDrained: () => undefined,
      onBudgetExceeded: () => () => undefined,
    };
    const e = await estimateJob({ table, gpu, provider: 'vastai', gpuType: null, analyzers: ['detect'], fps: 5, durationsMs: [3_600_000, null] });
    const tp = throughputOf(table, 'gpu-small', ['detect'], 5).throughput;
    expect(e).toMatchObject({ pricePerHour: 0.4, gpuType: 'RTX 4090', mediaSeconds: 3600, unknownItems: 1, basis: 'estimated' });
    expect(e.usd).toBeCloseTo(((3600 / tp) / 3600) * 0.4, 3);
    await expect(estimateJob({ table, gpu: undefined, provider: 'runpod', gpuType: null, analyzers: ['detect'], fps: 5, durationsMs: [] }))
      .rejects.toMatchObject({ code: 'JOB_GPU_UNAVAILABLE' });
    await expect(estimateJob({ table, gpu: { ...gpu, offers: async () => [] }, provider: 'runpod', gpuType: 'B300', analyzers: [], fps: 5, durationsMs: [] }))
      .rejects.toMatchObject({ code: 'JOB_NO_OFFER' });
  }); // prettier-ignore
});

describe('job view', () => {
  const job: JobRecord = {
    id: 'job-1', name: 'n', state: 'running', priority: 0, analyzers: [], context: '{"notes":"x"}', provider: 'local',
    gpuType: '', instanceId: '', budgetUsd: 0, estimate: '', costUsd: 0, pausedReason: '', errorCode: '', errorMessage: '',
    createdAt: 1, updatedAt: 1, startedAt: 1, finishedAt: null,
  }; // prettier-ignore
  const item = (index: number, state: JobItemRecord['state'], durationMs: number | null): JobItemRecord => ({
    jobId: 'job-1', index, inputDisplay: `/m/${index}.mp4`, input: `/m/${index}.mp4`, kind: 'file', sourceId: '', state,
    attempts: 0, durationMs, progress: 0, errorCode: '', errorMessage: '',
  }); // prettier-ignore

  it('weights progress by media time and derives the ETA from measured throughput', () => {
    const v = toJobView(job, [item(0, 'done', 30_000), item(1, 'queued', 10_000)], new Map(), { mediaMs: 30_000, wallMs: 10_000 });
    expect(v.progress).toBeCloseTo(0.75);
    expect(v.etaSeconds).toBeCloseTo(10 / 3, 1); // 10 s of media left at 3x
    expect(v.context).toEqual({ notes: 'x' });
    const unknown = toJobView(job, [item(0, 'done', 30_000), item(1, 'queued', null)], new Map(), { mediaMs: 1, wallMs: 1 });
    expect(unknown.etaSeconds).toBeNull();
    expect(unknown.progress).toBeCloseTo(0.5); // unknown length weighs the mean of the known ones
  }); // prettier-ignore
});

describe('media expansion', () => {
  it('a folder of videos is one item per file in name order; a folder of images is one item', async () => {
    const parts = path.join(tmp, 'parts');
    await mkdir(parts);
    await clip(parts, 'part10.mp4', 1);
    await clip(parts, 'part2.mp4', 2);
    const images = path.join(tmp, 'images');
    await mkdir(images);
    await copyFile(path.join(MEDIA, 'faces/test/obama1.jpg'), path.join(images, 'a.jpg'));
    await copyFile(path.join(MEDIA, 'faces/test/kit_with_rose.jpg'), path.join(images, 'b.jpg'));
    const items = await expandMedia([parts, images, path.join(tmp, 'gone.mp4')], { fps: 2 });
    expect(items.map((i) => [path.basename(i.display), i.kind])).toEqual([
      ['part2.mp4', 'file'],
      ['part10.mp4', 'file'],
      ['images', 'images'],
      ['gone.mp4', 'file'],
    ]);
    expect(items[0]!.durationMs).toBeGreaterThan(1900);
    expect(items[2]!.durationMs).toBe(1000); // two images at 2 fps
    expect(items[3]!.durationMs).toBeNull();
    await mkdir(path.join(tmp, 'empty'));
    await expect(expandMedia([path.join(tmp, 'empty')], { fps: 2 })).rejects.toMatchObject({
      code: 'JOB_MEDIA_MISSING',
    });
  });

  it('refuses what the guard refuses (the whole job), but keeps a missing file as an item', async () => {
    const guard = {
      check: async (input: string) => {
        if (input.startsWith('/etc'))
          throw Object.assign(new Error('outside'), { code: 'INGEST_PATH_OUTSIDE_ROOTS' });
        if (input.endsWith('gone.mp4'))
          throw Object.assign(new Error('gone'), { code: 'INGEST_FILE_NOT_FOUND' });
        return {};
      },
    };
    await expect(expandMedia(['/etc/shadow'], { guard, fps: 2 })).rejects.toMatchObject({
      code: 'INGEST_PATH_OUTSIDE_ROOTS',
    });
    expect(await expandMedia([path.join(tmp, 'gone.mp4')], { guard, fps: 2 })).toHaveLength(1);
  });
});

describe('secret inputs', () => {
  it('lives in an owner-only file and is forgotten with its job', async () => {
    const vault = createJobInputVault(tmp);
    await vault.setAll('job-a', new Map([[0, 'rtsp://u:p@h/x']]));
    const file = path.join(tmp, 'secrets', 'job-inputs.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(await createJobInputVault(tmp).get('job-a', 0)).toBe('rtsp://u:p@h/x');
    await vault.deleteJob('job-a');
    expect(await readFile(file, 'utf8')).toBe('{}');
  });
});
