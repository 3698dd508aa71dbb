// The job service over the Redis queue (a real redis-server on 127.0.0.1): the same flow as on the
// embedded queue — bad media fails once, a lost worker is retried, pause and resume, priorities.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisMissing, startRedis, type RedisServer } from '../../test-support/redis.ts';
import type { JobView } from '../src/job-service/schemas.ts';
import type { JobPayload } from '../src/job-service/types.ts';
import { createBullmqQueue } from '../src/queue/index.ts';
import { clip, openJobsEnv, type JobsEnv } from './jobs-support.ts';
import { waitFor } from './server-helpers.ts';

const noRedis = redisMissing();
let tmp: string;
let redis: RedisServer;
let env: JobsEnv;
let a: string;
let long: string;

beforeAll(async () => {
  if (noRedis !== null) return;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-jobs-redis-'));
  redis = await startRedis();
  [a, long] = await Promise.all([clip(tmp, 'a.mp4', 2), clip(tmp, 'long.mp4', 30, 20)]);
  env = await openJobsEnv(path.join(tmp, 'data'), {}, () =>
    createBullmqQueue<JobPayload>({ url: redis.url, name: 'jobs' }),
  );
});
afterAll(async () => {
  await env?.close();
  await redis?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const settled = (id: string): Promise<JobView> =>
  waitFor(async () => {
    const j = await env.jobs.get(id);
    return ['done', 'failed', 'cancelled'].includes(j.state) ? j : undefined;
  });

describe.skipIf(noRedis !== null)('jobs on the Redis queue', () => {
  it('runs a job to done with a failed bad item and a retried transient one', async () => {
    const flaky = await clip(tmp, 'flaky.mp4', 2, 40);
    env.flaky.add('flaky.mp4');
    const j = await env.jobs.create({ media: [a, path.join(tmp, 'gone.mp4'), flaky], analyzers: ['detect'] });
    await env.jobs.start(j.id);
    const done = await settled(j.id);
    expect(done).toMatchObject({ state: 'done', errorCode: 'JOB_ITEMS_FAILED' });
    expect(done.items.map((i) => [i.state, i.attempts, i.errorCode ?? ''])).toEqual([
      ['done', 1, ''],
      ['failed', 1, 'INGEST_FILE_NOT_FOUND'],
      ['done', 2, ''],
    ]);
  });

  it('pauses and resumes a running job; another job runs meanwhile, results are not doubled', async () => {
    const j = await env.jobs.create({ media: [long], analyzers: ['detect'] });
    await env.jobs.start(j.id);
    await waitFor(async () => {
      const v = await env.jobs.get(j.id);
      return v.items[0]!.state === 'running' && v.items[0]!.progress > 0 ? true : undefined;
    });
    const paused = await env.jobs.pause(j.id);
    expect(paused.items[0]!.state).toBe('queued');
    const high = await env.jobs.create({ media: [a], priority: 10, analyzers: ['detect'] });
    await env.jobs.start(high.id);
    expect((await settled(high.id)).state).toBe('done');
    expect((await env.jobs.get(j.id)).state).toBe('paused');
    await env.jobs.resume(j.id);
    const done = await settled(j.id);
    expect(done.state).toBe('done');
    expect((await env.runtime.store.listSources()).filter((s) => s.jobId === j.id)).toHaveLength(1);
  });
});
