// `aima jobs …` against a real server (the `aima serve` parts, started in this process on
// 127.0.0.1): the token from the data directory, --json views with their state, coded errors.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildServer,
  createEmbeddedQueue,
  createJobService,
  createKeyframes,
  createSourceManager,
  openRuntime,
  recordingsRoot,
  type JobPayload,
  type JobService,
  type JobView,
  type Runtime,
  type SourceManager,
} from '@aima/dashboard';
import { main } from '../src/main.ts';
import { loadOrCreateToken } from '../src/token.ts';
import { MODELS_DIR, VTEST } from './cli-helpers.ts';

let tmp: string;
let dataDir: string;
let url: string;
let clipA: string;
let runtime: Runtime;
let manager: SourceManager;
let jobs: JobService;
let app: FastifyInstance;
let closeQueue: () => Promise<void>;

async function aima(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (f: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        f(chunk.toString());
        cb();
      },
    });
  const code = await main(args, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)) as unknown as NodeJS.WriteStream,
    env: { ...process.env, AIMA_DATA_DIR: dataDir, AIMA_TOKEN: '' },
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-jobs-cli-'));
  dataDir = path.join(tmp, 'data');
  clipA = path.join(tmp, 'a.mp4');
  await promisify(execFile)('ffmpeg', ['-v', 'error', '-i', VTEST, '-t', '2', '-an', '-c:v', 'libx264', '-preset', 'ultrafast', clipA]); // prettier-ignore
  // As `aima serve` does: a token in the data directory, the runtime, manager, queue and jobs.
  const { token } = await loadOrCreateToken(dataDir, undefined);
  runtime = await openRuntime({ dataDir, modelsDir: MODELS_DIR, executionProvider: 'cpu', offline: true, modelId: 'yolox-nano', faces: { enabled: false } }); // prettier-ignore
  manager = createSourceManager({ runtime, dataDir });
  const queue = await createEmbeddedQueue<JobPayload>(runtime.store, { name: 'jobs' });
  closeQueue = () => queue.close();
  jobs = createJobService({
    store: runtime.store,
    manager,
    queue,
    dataDir,
    analyzers: runtime.analyzers,
    fps: 2,
    pollMs: 100,
  });
  await jobs.recover();
  app = await buildServer({
    manager, store: runtime.store, token, dataDir, uiDir: null, labels: runtime.detector.labels,
    keyframe: createKeyframes(runtime.store, recordingsRoot(dataDir)), jobs,
  }); // prettier-ignore
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterAll(async () => {
  await app?.close();
  await jobs?.close();
  await manager?.close();
  await closeQueue?.();
  await runtime?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('aima jobs', () => {
  it('creates, shows, starts and lists a job through the API; --json shows its state', async () => {
    const created = await aima('jobs', 'create', clipA, '--name', 'cli job', '--priority', '5', '--analyzers', 'detect', '--names', 'Ada,Bob', '--server', url, '--json'); // prettier-ignore
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const job = JSON.parse(created.stdout) as JobView;
    expect(job).toMatchObject({
      name: 'cli job',
      state: 'created',
      priority: 5,
      context: { names: ['Ada', 'Bob'] },
    });

    const est = await aima('jobs', 'estimate', job.id, '--server', url);
    expect(est.stdout).toMatch(/^\$0\.0000 for 2(\.\d)?s of media/);

    const started = await aima('jobs', 'start', job.id, '--provider', 'local', '--server', url, '--json');
    expect(['queued', 'running']).toContain((JSON.parse(started.stdout) as JobView).state);
    let shown: JobView;
    const until = Date.now() + 30_000;
    do {
      shown = JSON.parse((await aima('jobs', 'show', job.id, '--server', url, '--json')).stdout) as JobView;
      if (shown.state === 'done') break;
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < until);
    expect(shown.state).toBe('done');
    expect(shown.items[0]!.state).toBe('done');

    const text = await aima('jobs', 'show', job.id, '--server', url);
    expect(text.stdout).toContain(`job ${job.id}  cli job`);
    expect(text.stdout).toMatch(/state\s+done/);
    const list = await aima('jobs', 'list', '--server', url);
    expect(list.stdout).toMatch(new RegExp(`${job.id}\\s+cli job\\s+done\\s+100%`));
  });

  it('maps coded errors: unknown job, bad state, budget, unreachable server, bad usage', async () => {
    const unknown = await aima('jobs', 'show', 'job-nope', '--server', url);
    expect([unknown.code, unknown.stderr]).toEqual([3, "aima: JOB_NOT_FOUND: no job with id 'job-nope'\n"]);
    const j = JSON.parse((await aima('jobs', 'create', clipA, '--server', url, '--json')).stdout) as JobView;
    const resume = await aima('jobs', 'resume', j.id, '--server', url);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/^aima: JOB_BAD_STATE: /);
    const cancel = await aima('jobs', 'cancel', j.id, '--server', url);
    expect(cancel.stdout).toBe(`${j.id} cancelled\n`);
    // A closed port on 127.0.0.1: nothing listens there.
    const down = await aima('jobs', 'list', '--server', 'http://127.0.0.1:9');
    expect(down.code).toBe(5);
    expect(down.stderr).toMatch(
      /^aima: CLI_SERVER_UNREACHABLE: cannot reach the AIMA server at http:\/\/127\.0\.0\.1:9/,
    );
    expect((await aima('jobs', 'frobnicate')).stderr).toMatch(/CLI_USAGE/);
    expect((await aima('jobs', 'start', j.id, '--budget', 'lots', '--server', url)).stderr).toMatch(
      /CLI_BAD_VALUE: --budget/,
    );
  });
});
