import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe as serve, VTEST } from './cli-helpers.ts';

const startServe = (dataDir: string) => serve(dataDir, { AIMA_TOKEN: 'restart-test-token' });

/** What this test uses of test-support's ffmpeg listen server (a real HTTP stream on 127.0.0.1). */
interface ListenServer {
  readonly url: string;
  stop(): Promise<void>;
}
interface ListenModule {
  missing(): string | null;
  start(o: { protocol: 'http' | 'rtmp' }): Promise<ListenServer>;
}
// Imported by URL: test-support belongs to the ingest and dashboard projects, and a static import
// from bin's project trips tsc -b over whose declaration output it is (as in bench/audio-live.ts).
const ffmpegListen = (await import(
  new URL('../../test-support/servers/ffmpeg-listen.ts', import.meta.url).href
)) as ListenModule;

interface View {
  id: string;
  status: string;
  errorCode?: string;
  stats: { framesAnalysed: number };
  display?: string;
}

const auth = { authorization: 'Bearer restart-test-token', 'content-type': 'application/json' };

async function sources(url: string): Promise<View[]> {
  return (await (await fetch(`${url}/api/v1/sources`, { headers: auth })).json()) as View[];
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe.skipIf(ffmpegListen.missing() !== null)('aima serve after kill -9', () => {
  let tmp: string;
  let stream: ListenServer;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-restart-'));
    stream = await ffmpegListen.start({ protocol: 'http' });
  });
  afterAll(async () => {
    await stream?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('brings the stream back by itself, starts the file over, and shows nothing running that is not', async () => {
    const dataDir = path.join(tmp, 'data');
    const first = await startServe(dataDir);
    // The stream's URL carries credentials: the restarted source must use them without ever showing them.
    const secretUrl = stream.url.replace('http://', 'http://cam:s3cret@');
    for (const body of [
      { input: secretUrl, fps: 2, realtime: false, id: 'cam' },
      { input: VTEST, fps: 2, realtime: true, id: 'clip' },
    ]) {
      const res = await fetch(`${first.url}/api/v1/sources`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
    }
    await until('both sources analysing', async () => {
      const list = await sources(first.url);
      return list.length === 2 && list.every((s) => s.status === 'running' && s.stats.framesAnalysed >= 2);
    });
    const killed = new Promise<void>((r) => first.child.on('exit', () => r()));
    first.child.kill('SIGKILL');
    await killed;

    const vault = path.join(dataDir, 'secrets', 'source-inputs.json');
    expect((await stat(vault)).mode & 0o777).toBe(0o600);
    expect(await readFile(vault, 'utf8')).toContain('s3cret');

    const second = await startServe(dataDir);
    try {
      expect(second.out()).toContain('resumed 2 interrupted source(s)');
      // Running again, with frames of this run (the counters start at 0 in a new process).
      await until('both sources analysing again', async () => {
        const list = await sources(second.url);
        return list.length === 2 && list.every((s) => s.status === 'running' && s.stats.framesAnalysed >= 2);
      });
      const list = await sources(second.url);
      expect(JSON.stringify(list)).not.toContain('s3cret');
      expect(second.out()).not.toContain('s3cret');
      // The file started over: its meta counts the resume, and it runs to its end.
      const res = await fetch(`${second.url}/api/v1/sources/clip`, { headers: auth });
      expect(res.status).toBe(200);
    } finally {
      const exited = new Promise<number | null>((r) => second.child.on('exit', (code) => r(code)));
      second.child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }

    // A clean shutdown marks interrupted work for the next start, not as stopped by a user.
    const third = await startServe(dataDir);
    try {
      expect(third.out()).toContain('resumed 2 interrupted source(s)');
      await until('the stream to run after a clean restart', async () =>
        (await sources(third.url)).some(
          (s) => s.id === 'cam' && s.status === 'running' && s.stats.framesAnalysed >= 1,
        ),
      );
      // A source the user stopped stays stopped across restarts.
      expect(
        (await fetch(`${third.url}/api/v1/sources/cam/stop`, { method: 'POST', headers: auth, body: '{}' }))
          .status,
      ).toBeLessThan(300);
    } finally {
      const exited = new Promise<void>((r) => third.child.on('exit', () => r()));
      third.child.kill('SIGTERM');
      await exited;
    }
    const fourth = await startServe(dataDir);
    try {
      const cam = (await sources(fourth.url)).find((s) => s.id === 'cam');
      expect(cam?.status).toBe('stopped');
      expect(
        (await sources(fourth.url)).filter((s) => s.status === 'running').every((s) => s.id === 'clip'),
      ).toBe(true);
    } finally {
      const exited = new Promise<void>((r) => fourth.child.on('exit', () => r()));
      fourth.child.kill('SIGTERM');
      await exited;
    }
  }, 240_000);
});
