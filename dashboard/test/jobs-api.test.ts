// Jobs end to end over REST: real chDB, real ffmpeg, real YOLOX-Nano, the embedded queue.
import { mkdtemp, rm, stat, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../src/job-service/schemas.ts';
import { clip, openJobsEnv, type JobsEnv } from './jobs-support.ts';
import { TOKEN, waitFor } from './server-helpers.ts';

let tmp: string;
let dataDir: string;
let env: JobsEnv;
let a: string;
let b: string;
let long: string;

const auth = { authorization: `Bearer ${TOKEN}` };

async function api<T>(
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const res = await env.app.inject({
    method,
    url,
    headers: auth,
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return { status: res.statusCode, json: res.json() as T };
}

const job = async (id: string): Promise<JobView> => (await api<JobView>('GET', `/api/v1/jobs/${id}`)).json;
const settled = (id: string): Promise<JobView> =>
  waitFor(async () => {
    const j = await job(id);
    return ['done', 'failed', 'cancelled'].includes(j.state) ? j : undefined;
  });

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-jobs-'));
  dataDir = path.join(tmp, 'data');
  [a, b, long] = await Promise.all([
    clip(tmp, 'a.mp4', 2),
    clip(tmp, 'b.mp4', 2, 10),
    clip(tmp, 'long.mp4', 30, 20),
  ]);
  env = await openJobsEnv(dataDir);
});
afterAll(async () => {
  await env?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('jobs over REST', () => {
  it('create → estimate → start local → done; results carry the job id; missing media fails without retries', async () => {
    const missing = path.join(tmp, 'gone.mp4');
    const created = await api<JobView>('POST', '/api/v1/jobs', {
      name: 'two clips',
      media: [a, b, missing],
      analyzers: ['detect'],
      context: { names: ['Ada'], notes: 'street scene' },
    });
    expect(created.status).toBe(201);
    const j = created.json;
    expect(j.state).toBe('created');
    expect(j.context).toEqual({ names: ['Ada'], notes: 'street scene' });
    expect(j.items.map((i) => [i.input, i.state])).toEqual([
      [a, 'pending'],
      [b, 'pending'],
      [missing, 'pending'],
    ]);
    expect(j.items[0]!.durationMs).toBeGreaterThan(1900);
    expect(j.items[2]!.durationMs).toBeNull();

    const est = await api<{ usd: number; mediaSeconds: number; throughput: number; basis: string }>(
      'GET',
      `/api/v1/jobs/${j.id}/estimate?provider=local`,
    );
    expect(est.status).toBe(200);
    expect(est.json.usd).toBe(0);
    expect(est.json.mediaSeconds).toBeCloseTo(4, 0);
    expect(est.json.throughput).toBeGreaterThan(0);
    expect(est.json.basis).toBe('measured');
    // A paid provider without a GPU pool is refused; nothing started.
    const paid = await api<{ code: string }>('GET', `/api/v1/jobs/${j.id}/estimate?provider=runpod`);
    expect([paid.status, paid.json.code]).toEqual([409, 'JOB_GPU_UNAVAILABLE']);
    const zero = await api<{ code: string }>('POST', `/api/v1/jobs/${j.id}/start`, {
      provider: 'runpod',
      budgetUsd: 0,
    });
    expect(zero.json.code).toBe('JOB_GPU_UNAVAILABLE');
    expect((await job(j.id)).state).toBe('created');

    const started = await api<JobView>('POST', `/api/v1/jobs/${j.id}/start`, { provider: 'local' });
    expect(started.status).toBe(200);
    expect(['queued', 'running']).toContain(started.json.state);
    const again = await api<{ code: string }>('POST', `/api/v1/jobs/${j.id}/start`, {});
    expect([again.status, again.json.code]).toEqual([409, 'JOB_BAD_STATE']);

    const done = await settled(j.id);
    // Done with errors: at least one item finished; the failed one is named.
    expect(done.state).toBe('done');
    expect(done.errorCode).toBe('JOB_ITEMS_FAILED');
    expect(done.progress).toBe(1);
    expect(done.items.map((i) => i.state)).toEqual(['done', 'done', 'failed']);
    expect(done.items[2]).toMatchObject({ errorCode: 'INGEST_FILE_NOT_FOUND', attempts: 1 });
    const sources = await env.runtime.store.listSources();
    for (const item of done.items.slice(0, 2)) {
      const src = sources.find((s) => s.id === item.sourceId);
      expect(src).toMatchObject({ jobId: j.id, status: 'done' });
      expect(await env.runtime.store.countDetections({ sourceId: item.sourceId! })).toBeGreaterThan(0);
    }
    const list = await api<JobView[]>('GET', '/api/v1/jobs');
    expect(list.json.map((x) => x.id)).toContain(j.id);
  });

  it('retries a transient failure (worker lost) with backoff and keeps one source of results', async () => {
    const flaky = await clip(tmp, 'flaky.mp4', 2, 30);
    env.flaky.add('flaky.mp4');
    const j = (await api<JobView>('POST', '/api/v1/jobs', { media: [flaky], analyzers: ['detect'] })).json;
    await api('POST', `/api/v1/jobs/${j.id}/start`, {});
    const done = await settled(j.id);
    expect(done.state).toBe('done');
    expect(done.errorCode).toBeUndefined();
    expect(done.items[0]).toMatchObject({ state: 'done', attempts: 2 });
    const mine = (await env.runtime.store.listSources()).filter((s) => s.jobId === j.id);
    // The failed attempt's source (and anything it stored) was deleted before the retry.
    expect(mine.map((s) => s.id)).toEqual([done.items[0]!.sourceId]);
  });

  it('pauses a running job (its item stops and waits), resumes it, and does not double results', async () => {
    const j = (await api<JobView>('POST', '/api/v1/jobs', { media: [long], analyzers: ['detect'] })).json;
    await api('POST', `/api/v1/jobs/${j.id}/start`, {});
    const firstSource = await waitFor(async () => {
      const v = await job(j.id);
      return v.items[0]!.state === 'running' && v.items[0]!.progress > 0 ? v.items[0]!.sourceId! : undefined;
    });
    const paused = await api<JobView>('POST', `/api/v1/jobs/${j.id}/pause`, { reason: 'lunch' });
    expect(paused.json).toMatchObject({ state: 'paused', pausedReason: 'lunch' });
    expect(paused.json.items[0]).toMatchObject({ state: 'queued', attempts: 0 });
    expect((await env.runtime.store.getSource(firstSource))?.status).toBe('stopped');
    await new Promise((r) => setTimeout(r, 400));
    expect((await job(j.id)).state).toBe('paused'); // nothing dispatched while paused

    const resumed = await api<JobView>('POST', `/api/v1/jobs/${j.id}/resume`);
    expect(['queued', 'running']).toContain(resumed.json.state);
    const done = await settled(j.id);
    expect(done.state).toBe('done');
    expect(done.items[0]!.attempts).toBe(1);
    expect(await env.runtime.store.getSource(firstSource)).toBeNull();
    expect((await env.runtime.store.listSources()).filter((s) => s.jobId === j.id)).toHaveLength(1);
  });

  it('cancels a running job: its source stops, the rest never runs, results so far stay', async () => {
    const j = (await api<JobView>('POST', '/api/v1/jobs', { media: [long, a], analyzers: ['detect'] })).json;
    await api('POST', `/api/v1/jobs/${j.id}/start`, {});
    const sourceId = await waitFor(async () => {
      const v = await job(j.id);
      return v.items[0]!.state === 'running' && v.items[0]!.progress > 0 ? v.items[0]!.sourceId! : undefined;
    });
    const cancelled = await api<JobView>('POST', `/api/v1/jobs/${j.id}/cancel`);
    expect(cancelled.json.state).toBe('cancelled');
    expect(cancelled.json.items.map((i) => i.state)).toEqual(['cancelled', 'cancelled']);
    expect((await env.runtime.store.getSource(sourceId))?.status).toBe('stopped');
    expect(await env.runtime.store.countDetections({ sourceId })).toBeGreaterThan(0);
    const counts = await env.queue.counts(j.id);
    expect(counts.waiting + counts.active + counts.delayed).toBe(0);
    const again = await api<{ code: string }>('POST', `/api/v1/jobs/${j.id}/resume`);
    expect(again.json.code).toBe('JOB_BAD_STATE');
  });

  it('dispatches a higher-priority job first', async () => {
    // One slot: a blocker runs while a low and then a high priority job are queued behind it.
    const blocker = (await api<JobView>('POST', '/api/v1/jobs', { media: [long], analyzers: ['detect'] }))
      .json;
    const low = (
      await api<JobView>('POST', '/api/v1/jobs', { media: [a], priority: 1, analyzers: ['detect'] })
    ).json;
    const high = (
      await api<JobView>('POST', '/api/v1/jobs', { media: [b], priority: 50, analyzers: ['detect'] })
    ).json;
    await api('POST', `/api/v1/jobs/${blocker.id}/start`, {});
    await waitFor(async () => ((await job(blocker.id)).items[0]!.state === 'running' ? true : undefined));
    await api('POST', `/api/v1/jobs/${low.id}/start`, {});
    await api('POST', `/api/v1/jobs/${high.id}/start`, {});
    const [l, h] = [await settled(low.id), await settled(high.id)];
    await api('POST', `/api/v1/jobs/${blocker.id}/cancel`).catch(() => undefined);
    const created = async (id: string) => (await env.runtime.store.getSource(id))!.createdAt;
    expect(await created(h.items[0]!.sourceId!)).toBeLessThan(await created(l.items[0]!.sourceId!));
  });

  it('refuses bad input with coded errors', async () => {
    const none = await api<{ code: string }>('POST', '/api/v1/jobs', { media: [] });
    expect([none.status, none.json.code]).toEqual([400, 'API_BAD_REQUEST']);
    const scheme = await api<{ code: string }>('POST', '/api/v1/jobs', {
      media: ['ftp://example.invalid/x.mp4'],
    });
    expect(scheme.json.code).toBe('INGEST_UNSUPPORTED_URL');
    const analyzer = await api<{ code: string }>('POST', '/api/v1/jobs', { media: [a], analyzers: ['nope'] });
    expect(analyzer.json.code).toBe('INFER_UNKNOWN_ANALYZER');
    const unknown = await api<{ code: string }>('GET', '/api/v1/jobs/job-nope');
    expect([unknown.status, unknown.json.code]).toEqual([404, 'JOB_NOT_FOUND']);
    const anon = await env.app.inject({ method: 'GET', url: '/api/v1/jobs' });
    expect(anon.statusCode).toBe(401);
  });

  it('keeps a URL’s credentials out of the store and the API (owner-only secrets file)', async () => {
    const url = 'rtsp://user:s3cret@127.0.0.1:9/cam?token=abc';
    const j = (await api<JobView>('POST', '/api/v1/jobs', { media: [url] })).json;
    expect(j.items[0]!.input).toBe('rtsp://***@127.0.0.1:9/cam?token=***');
    const rows = await env.runtime.store.listJobItems(j.id);
    expect(JSON.stringify(rows)).not.toContain('s3cret');
    const file = path.join(dataDir, 'secrets', 'job-inputs.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toContain('s3cret');
    await api('POST', `/api/v1/jobs/${j.id}/cancel`);
    expect(await readFile(file, 'utf8')).not.toContain('s3cret');
  });

  it('lists the job routes in the OpenAPI document', async () => {
    const doc = (await env.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/jobs', '/api/v1/jobs/{id}', '/api/v1/jobs/{id}/estimate']),
    );
  });

  it('exports jobs per state to Prometheus, matching the list', async () => {
    const list = (await api<JobView[]>('GET', '/api/v1/jobs')).json;
    const text = (await env.app.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
    const byState = new Map<string, number>();
    for (const j of list) byState.set(j.state, (byState.get(j.state) ?? 0) + 1);
    expect(byState.size).toBeGreaterThan(0);
    for (const [state, n] of byState) expect(text).toContain(`aima_jobs{state="${state}"} ${n}`);
  });
});
