import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, VTEST } from './cli-helpers.ts';

let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-serve-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

function ffmpegChildren(pid: number): number {
  const out = execFileSync('ps', ['-eo', 'ppid=,comm=']).toString();
  return out.split('\n').filter((l) => l.trim().startsWith(`${pid} `) && l.includes('ffmpeg')).length;
}

describe('aima serve', () => {
  it('prints its URL and a generated token once, serves /healthz, needs the token, and shuts down cleanly', async () => {
    const dataDir = path.join(tmp, 'data');
    const first = await startServe(dataDir);
    const token = /API token \(shown once[^)]*\): (\S+)/.exec(first.out())?.[1];
    expect(token).toBeTruthy();
    expect((await stat(path.join(dataDir, 'token'))).mode & 0o777).toBe(0o600);
    expect((await readFile(path.join(dataDir, 'token'), 'utf8')).trim()).toBe(token);

    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    const anon = await fetch(`${first.url}/api/v1/sources`);
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as { code: string }).code).toBe('AUTH_REQUIRED');
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const added = await fetch(`${first.url}/api/v1/sources`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ input: VTEST, fps: 2, realtime: true }),
    });
    expect(added.status).toBe(201);
    // a realtime analysis is running (ffmpeg child alive) when we ask the server to stop
    for (let t0 = Date.now(); ffmpegChildren(first.child.pid!) === 0 && Date.now() - t0 < 30_000;) {
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(ffmpegChildren(first.child.pid!)).toBeGreaterThan(0);
    const exited = new Promise<number | null>((r) => first.child.on('exit', (code) => r(code)));
    first.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const id = ((await added.json()) as { id: string }).id;

    // second start: same token from the data dir, not printed again; the analysis cut off by the
    // shutdown is resumed (a source stopped by a user would stay stopped: bin/test/restart.test.ts)
    const second = await startServe(dataDir);
    expect(second.out()).not.toContain('API token');
    expect(second.out()).toContain('resumed 1 interrupted source(s)');
    const list = (await (await fetch(`${second.url}/api/v1/sources`, { headers: auth })).json()) as Array<{
      id: string;
      status: string;
    }>;
    expect(['pending', 'running']).toContain(list.find((s) => s.id === id)?.status);
    const exited2 = new Promise<number | null>((r) => second.child.on('exit', (code) => r(code)));
    second.child.kill('SIGINT');
    expect(await exited2).toBe(0);
  });
});
