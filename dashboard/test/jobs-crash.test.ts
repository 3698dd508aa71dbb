// kill -9 of the process running a job: after the restart the job resumes by itself, the cut-off
// attempt's partial results are gone, and nothing shows `running` that is not.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clip, openJobsEnv, type JobsEnv } from './jobs-support.ts';
import { waitFor } from './server-helpers.ts';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'jobs-crash-child.ts');
let tmp: string;
let env: JobsEnv | null = null;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-jobs-crash-'));
});
afterAll(async () => {
  await env?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('a job across kill -9', () => {
  it('resumes after the restart and finishes; nothing stays running', async () => {
    const dataDir = path.join(tmp, 'data');
    const [long, a] = await Promise.all([clip(tmp, 'long.mp4', 30, 20), clip(tmp, 'a.mp4', 2)]);
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, long, a], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
    const line = await waitFor(() => /running (\S+) (\S+)/.exec(out) ?? undefined, 60_000);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const [, jobId, deadSource] = line;

    env = await openJobsEnv(dataDir);
    // Right after recovery: the item cut off is queued or running again in this process, not as a leftover.
    const done = await waitFor(async () => {
      const v = await env!.jobs.get(jobId!);
      return v.state === 'done' ? v : undefined;
    });
    expect(done.items.map((i) => [i.state, i.attempts])).toEqual([
      ['done', 2],
      ['done', 1],
    ]);
    expect(await env.runtime.store.getSource(deadSource!)).toBeNull();
    expect(await env.runtime.store.countDetections({ sourceId: deadSource! })).toBe(0);
    expect((await env.runtime.store.listSources()).filter((s) => s.jobId === jobId)).toHaveLength(2);
    expect((await env.runtime.store.listJobs()).filter((j) => j.state === 'running')).toEqual([]);
    expect((await env.runtime.store.listJobItems()).filter((i) => i.state === 'running')).toEqual([]);
    expect((await env.runtime.store.listSources()).filter((s) => s.status === 'running')).toEqual([]);
  });
});
