import { mkdtemp as mkdtempFs, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  spawnWorker,
  startControlPlane,
  until,
  type ControlPlane,
  type WorkerProcess,
} from './workers-helpers.ts';

// A worker keeps the key of its welcome in its data directory: restarted (even after kill -9) it
// rejoins as the same worker without a new join token.
describe('a restarted aima worker rejoins', () => {
  let cp: ControlPlane;
  const workers: WorkerProcess[] = [];
  const dirs: string[] = [];
  const mkdtemp = async (prefix: string): Promise<string> => {
    const d = await mkdtempFs(prefix);
    dirs.push(d);
    return d;
  };
  const start = (token: string, name: string, dataDir: string): WorkerProcess => {
    const w = spawnWorker(cp.url, token, name, { AIMA_DATA_DIR: dataDir });
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    cp = await startControlPlane({ local: false });
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await cp?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('with its stored key after kill -9, as the same worker id, without --token', async () => {
    const dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'aima-rejoin-')), 'data');
    const { token } = await cp.hub.createJoinToken();
    const first = start(token, 'phoenix', dataDir);
    const id = await first.joined;
    const file = path.join(dataDir, 'worker-key.json');
    const saved = await until('the key file', () => readFile(file, 'utf8').catch(() => undefined));
    expect(JSON.parse(saved)).toMatchObject({ server: cp.url, workerId: id });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);

    first.kill9();
    await first.exited;
    await until('offline', () => cp.hub.workers().find((w) => w.id === id && w.state === 'offline'));

    const again = start('', 'phoenix', dataDir);
    expect(await again.joined, again.output()).toBe(id);
    expect(cp.hub.workers().filter((w) => w.name === 'phoenix')).toHaveLength(1);
    expect(cp.hub.workers().find((w) => w.id === id)?.state).toBe('online');
    await again.stop();
  });

  it('a key the control plane does not know: a coded error asking for a new token', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aima-rejoin-'));
    const stale = { server: cp.url, workerId: 'w-gone', workerKey: 'aima_wk_not-known-here-0123456789' };
    await writeFile(path.join(dataDir, 'worker-key.json'), JSON.stringify(stale), { mode: 0o600 });
    const w = start('', 'stale', dataDir);
    expect(await w.exited).toBe(2);
    expect(w.output()).toContain('WORKER_TOKEN_INVALID');
    expect(w.output()).toContain('new join token');
    expect(w.output()).not.toContain('not-known-here');

    // With a token as well, the token is used after the key is refused, and the new key is stored.
    const { token } = await cp.hub.createJoinToken();
    const ok = start(token, 'stale', dataDir);
    const id = await ok.joined;
    expect(id).not.toBe('w-gone');
    await until('the new key', async () => {
      const k = JSON.parse(await readFile(path.join(dataDir, 'worker-key.json'), 'utf8')) as {
        workerId: string;
      };
      return k.workerId === id || undefined;
    });
    await ok.stop();
  });

  it('a key stored for another server is not used', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aima-rejoin-'));
    const other = {
      server: 'http://127.0.0.1:1',
      workerId: 'w-other',
      workerKey: 'aima_wk_other-server-0123456789',
    };
    await writeFile(path.join(dataDir, 'worker-key.json'), JSON.stringify(other), { mode: 0o600 });
    const w = start('', 'elsewhere', dataDir);
    expect(await w.exited).toBe(2);
    expect(w.output()).toContain('usage: aima worker');
  });
});
