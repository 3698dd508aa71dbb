// A job survives a graceful restart: running items are handed back at shutdown and resume after
// it (kill -9: jobs-crash.test.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../src/job-service/schemas.ts';
import { clip, openJobsEnv, type JobsEnv } from './jobs-support.ts';
import { waitFor } from './server-helpers.ts';

let tmp: string;
let dataDir: string;
let a: string;
let long: string;
let env: JobsEnv | null = null;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-jobs-restart-'));
  dataDir = path.join(tmp, 'data');
  [a, long] = await Promise.all([clip(tmp, 'a.mp4', 2), clip(tmp, 'long.mp4', 30, 20)]);
});
afterAll(async () => {
  await env?.close();
  await rm(tmp, { recursive: true, force: true });
});

const settled = (e: JobsEnv, id: string): Promise<JobView> =>
  waitFor(async () => {
    const j = await e.jobs.get(id);
    return ['done', 'failed', 'cancelled'].includes(j.state) ? j : undefined;
  });

describe('jobs across restarts', () => {
  it('a graceful restart hands running items back; the job resumes and finishes', async () => {
    env = await openJobsEnv(dataDir);
    const j = await env.jobs.create({ media: [long, a], analyzers: ['detect'] });
    await env.jobs.start(j.id);
    const first = await waitFor(async () => {
      const v = await env!.jobs.get(j.id);
      return v.items[0]!.state === 'running' && v.items[0]!.progress > 0 ? v.items[0]!.sourceId : undefined;
    });
    await env.close();
    env = null;

    env = await openJobsEnv(dataDir);
    const done = await settled(env, j.id);
    expect(done.state).toBe('done');
    expect(done.items.map((i) => [i.state, i.attempts])).toEqual([
      ['done', 1],
      ['done', 1],
    ]);
    // The cut-off attempt's partial results are gone; one source per item remains.
    expect(await env.runtime.store.getSource(first!)).toBeNull();
    expect((await env.runtime.store.listSources()).filter((s) => s.jobId === j.id)).toHaveLength(2);
    await env.close();
    env = null;
  });
});
