import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSourceGuard } from '@aima/ingest';
import {
  createModelRegistry,
  sha256File,
  decodeServerMessage,
  splitFrames,
  createReassembler,
  decodeValue,
  encodeMessage,
  WORKER_CLOSE,
  type ServerMessage,
  type WorkerMessage,
} from '@aima/inference';
import { parseNvidiaSmi } from '../src/workers/system.ts';
import { TOKEN, cutClip } from './server-helpers.ts';
import { ROOT, startControlPlane, until, type ControlPlane } from './workers-helpers.ts';

const run = promisify(execFile);
const VTEST = path.join(process.env.AIMA_MEDIA_DIR ?? '', 'video/vtest.mp4');
const caps = { executionProviders: ['cpu'], gpu: null, analyzers: [], cpus: 1, version: 'test' };

/** A hand-driven worker: raw protocol frames over a real socket. */
function rawWorker(url: string) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/workers/connect`);
  const inbox: ServerMessage[] = [];
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    ws.on('close', (code, reason) => r({ code, reason: String(reason) })),
  );
  ws.on('message', (d) => {
    const m = decodeServerMessage(String(d));
    if (m.ok) inbox.push(m.msg);
  });
  const open = new Promise<void>((r) => ws.on('open', () => r()));
  return {
    ws,
    inbox,
    closed,
    async send(m: WorkerMessage | Record<string, unknown>) {
      await open;
      ws.send(encodeMessage(m));
    },
    next<T extends ServerMessage['type']>(
      type: T,
      pred: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true,
    ) {
      return until(`a ${type}`, () =>
        inbox.find((m): m is Extract<ServerMessage, { type: T }> => m.type === type && pred(m as never)),
      );
    },
  };
}
const hello = (token: string, protocol = 1): WorkerMessage => ({
  type: 'hello',
  protocol,
  token,
  name: 'raw',
  capabilities: caps,
  running: [],
});

describe('worker protocol and hub', () => {
  let cp: ControlPlane;
  beforeAll(async () => {
    const guard = createSourceGuard({ policy: 'self-hosted', mediaRoots: null });
    cp = await startControlPlane({ local: false, waitForWorkerMs: 10_000, guard });
  });
  afterAll(async () => {
    await cp?.close();
  });

  it('carries typed arrays, undefined and non-finite numbers faithfully', () => {
    const emb = new Float32Array([0.1, -2.5, 3e-8, 1]);
    const sub = new Float32Array(new Float32Array([9, 8, 7, 6]).buffer, 4, 2);
    const back = decodeValue(encodeMessage({ emb, sub, args: [1, undefined], x: Infinity, n: NaN })) as {
      emb: Float32Array;
      sub: Float32Array;
      args: unknown[];
      x: number;
      n: number;
    };
    expect(back.emb).toBeInstanceOf(Float32Array);
    expect([...back.emb]).toEqual([...emb]);
    expect([...back.sub]).toEqual([8, 7]);
    expect(back.args.length).toBe(2);
    expect(back.args[1]).toBeUndefined();
    expect(back.x).toBe(Infinity);
    expect(Number.isNaN(back.n)).toBe(true);
  });

  it('splits long messages into frames under the byte cap and joins them back', () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      sourceId: 'süd "cam" 📷',
      i,
      box: [1.5, 2, 3, 4],
    }));
    const text = encodeMessage({ type: 'x', rows, emb: new Float32Array(512).fill(0.25) });
    const frames = splitFrames(text, 60_000, 7);
    expect(frames.length).toBeGreaterThan(1);
    for (const f of frames) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(60_000);
    const join = createReassembler(64 * 1024 * 1024);
    const out = frames.map((f) => join.push(f));
    expect(out.slice(0, -1).every((x) => x === null)).toBe(true);
    expect(out.at(-1)).toBe(text);
    expect(() => createReassembler(100).push(frames[0]!)).toThrow(RangeError);
  });

  it('reads the GPU from nvidia-smi output (a real H100 reading) and treats no output as no GPU', () => {
    // Captured on the device machine with the exact query the worker runs.
    const h100 = 'NVIDIA H100 80GB HBM3, 81559, 0, 0, 38\n';
    expect(parseNvidiaSmi(h100)).toEqual({
      name: 'NVIDIA H100 80GB HBM3',
      memoryMb: 81559,
      utilization: 0,
      memoryUsedMb: 0,
      temperatureC: 38,
    });
    expect(parseNvidiaSmi('')).toBeNull();
  });

  it('join tokens are one-time and expire; a wrong protocol version is refused', async () => {
    const { token } = await cp.hub.createJoinToken();
    const a = rawWorker(cp.url);
    await a.send(hello(token));
    const welcome = await a.next('welcome');
    expect(welcome.workerId).toMatch(/^w-/);
    expect(cp.hub.workers().find((w) => w.id === welcome.workerId)?.state).toBe('online');

    const again = rawWorker(cp.url);
    await again.send(hello(token));
    expect((await again.closed).code).toBe(WORKER_CLOSE.auth);

    const short = await cp.hub.createJoinToken({ ttlMs: 1 });
    await new Promise((r) => setTimeout(r, 20));
    const late = rawWorker(cp.url);
    await late.send(hello(short.token));
    expect((await late.closed).code).toBe(WORKER_CLOSE.auth);

    const fresh = await cp.hub.createJoinToken();
    const v2 = rawWorker(cp.url);
    await v2.send(hello(fresh.token, 2));
    const c = await v2.closed;
    expect(c.code).toBe(WORKER_CLOSE.version);
    expect(c.reason).toContain('protocol 2');

    // The key from the welcome reconnects the same worker.
    a.ws.close();
    await a.closed;
    const b = rawWorker(cp.url);
    await b.send({
      type: 'hello',
      protocol: 1,
      workerKey: welcome.workerKey,
      name: 'raw',
      capabilities: caps,
      running: [],
    });
    expect((await b.next('welcome')).workerId).toBe(welcome.workerId);
    b.ws.close();
    await b.closed;
  });

  it('enforces the RPC allow-list and binds writes to the assignment source', async () => {
    const { token } = await cp.hub.createJoinToken();
    const w = rawWorker(cp.url);
    await w.send(hello(token));
    await w.next('welcome');
    const clip = await cutClip(VTEST, cp.dir, 'rpc.mp4', 1);
    await cp.manager.add({
      input: clip,
      fps: 2,
      realtime: false,
      id: 'rpc-src',
      placement: { kind: 'workers' },
    });
    const assign = await w.next('assign');
    expect(assign.sourceId).toBe('rpc-src');
    expect(assign.input.kind).toBe('file');
    const base = {
      type: 'rpc',
      assignmentId: assign.assignmentId,
      attempt: assign.attempt,
      target: 'store',
    } as const;
    await w.send({ ...base, id: 1, method: 'deleteSource', args: ['rpc-src'] });
    await w.send({ ...base, id: 2, method: 'listSources', args: [] });
    await w.send({
      ...base,
      id: 3,
      seq: 1,
      method: 'insertGaps',
      args: [[{ sourceId: 'other', startTs: 1, endTs: 2, reason: 'x' }]],
    });
    await w.send({ ...base, id: 4, method: 'getSource', args: ['rpc-src'] });
    await w.send({ ...base, id: 5, attempt: 99, method: 'getSource', args: ['rpc-src'] });
    const result = (id: number) => w.next('rpc-result', (m) => m.id === id);
    expect(await result(1)).toMatchObject({ ok: false, code: 'WORKER_RPC_REFUSED' });
    expect(await result(2)).toMatchObject({ ok: false, code: 'WORKER_RPC_REFUSED' });
    expect(await result(3)).toMatchObject({ ok: false, code: 'WORKER_RPC_REFUSED' });
    expect(await result(4)).toMatchObject({ ok: true, value: { id: 'rpc-src' } });
    expect(await result(5)).toMatchObject({ ok: false, code: 'WORKER_STALE_ATTEMPT' });
    expect(await cp.runtime.store.getSource('rpc-src')).not.toBeNull();

    // The signed URL serves that file, only while the assignment runs; a forged one is refused.
    const fileUrl = new URL(assign.input.url, cp.url).href;
    expect((await fetch(fileUrl)).status).toBe(200);
    expect((await fetch(fileUrl.slice(0, -3) + 'AAA')).status).toBe(403);

    // A write applied twice (a resend) lands once.
    const gap = { sourceId: 'rpc-src', startTs: 1000, endTs: 2000, reason: 'outage' };
    await w.send({ ...base, id: 6, seq: 7, method: 'insertGaps', args: [[gap]] });
    await w.send({ ...base, id: 7, seq: 7, method: 'insertGaps', args: [[gap]] });
    await result(6);
    await result(7);
    expect(await cp.runtime.store.listGaps({ sourceId: 'rpc-src' })).toHaveLength(1);

    await w.send({
      type: 'failed',
      assignmentId: assign.assignmentId,
      code: 'TEST_FAIL',
      message: 'by the test',
    });
    expect((await cp.manager.settled('rpc-src'))?.status).toBe('failed');
    expect((await fetch(fileUrl)).status).toBe(403);
    w.ws.close();
  });

  it('serves model files to workers only; a worker registry pulls them sha256-checked, nothing else contacted', async () => {
    const { token } = await cp.hub.createJoinToken();
    const w = rawWorker(cp.url);
    await w.send(hello(token));
    const { workerKey } = await w.next('welcome');
    const url = `${cp.url}/api/v1/workers/models/yolox-nano`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { 'x-aima-worker-key': 'nope' } })).status).toBe(401);
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'aima-worker-cache-'));
    const contacted: string[] = [];
    const registry = createModelRegistry({
      modelsDir: null,
      cacheDir,
      mirror: `${cp.url}/api/v1/workers/models`,
      fetchImpl: (input, init) => {
        const u = String(input);
        contacted.push(new URL(u).host);
        // Only the control plane on 127.0.0.1 may be reached from this test.
        if (!u.startsWith(cp.url)) return Promise.reject(new Error('blocked'));
        const headers = new Headers(init?.headers);
        headers.set('x-aima-worker-key', workerKey);
        return fetch(input, { ...init, headers });
      },
    });
    const m = await registry.resolve('yolox-nano', { download: true });
    expect(m.origin).toBe('cache');
    expect(await sha256File(m.path)).toBe(m.spec.sha256);
    expect(new Set(contacted)).toEqual(new Set([new URL(cp.url).host]));
    await rm(cacheDir, { recursive: true, force: true });
    w.ws.close();
  });

  it('never sends a loopback/private URL to a worker on a rented instance (no connection made)', async () => {
    let connections = 0;
    const cam = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => cam.listen(0, '127.0.0.1', r));
    const { port } = cam.address() as net.AddressInfo;
    const { token } = await cp.hub.createJoinToken({ rented: true, instanceId: 'i-rented' });
    const w = rawWorker(cp.url);
    await w.send(hello(token));
    await w.next('welcome');
    expect(cp.hub.workers().find((x) => x.instanceId === 'i-rented')?.rented).toBe(true);
    await cp.manager.add({
      input: `rtmp://127.0.0.1:${port}/live/cam`,
      fps: 2,
      realtime: false,
      id: 'lan-cam',
      placement: { kind: 'instance', instanceId: 'i-rented' },
    });
    const v = await cp.manager.settled('lan-cam');
    expect(v?.status).toBe('failed');
    expect((await cp.runtime.store.getSource('lan-cam'))?.errorCode).toBe('WORKER_SOURCE_REFUSED');
    expect(w.inbox.some((m) => m.type === 'assign')).toBe(false);
    expect(connections).toBe(0);
    cam.close();
    w.ws.close();
  });

  it('takes a worker that stops heartbeating offline', async () => {
    const { token } = await cp.hub.createJoinToken();
    const w = rawWorker(cp.url);
    await w.send(hello(token));
    const { workerId } = await w.next('welcome');
    // Silent from here on: the hub's watchdog (3 s in these tests) cuts it off.
    await until(
      'offline',
      () => cp.hub.workers().find((x) => x.id === workerId)?.state === 'offline',
      10_000,
    );
    expect((await w.closed).code).toBe(1006);
  });

  it('an aima worker process with a refused token exits with a coded error', async () => {
    const r = await run(
      process.execPath,
      [path.join(ROOT, 'bin/aima'), 'worker', '--server', cp.url, '--token', 'aima_jt_not-a-real-token-000'],
      { cwd: ROOT, env: { ...process.env, AIMA_EP: 'cpu', AIMA_OFFLINE: '1' } },
    ).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(2);
    expect((r as { stderr: string }).stderr).toContain('WORKER_TOKEN_INVALID');
    expect((r as { stderr: string }).stderr).not.toContain('not-a-real-token');
  });

  it('aima worker token prints a one-time token from a running server', async () => {
    const { stdout } = await run(
      process.execPath,
      [path.join(ROOT, 'bin/aima'), 'worker', 'token', '--server', cp.url, '--json', '--ttl', '60'],
      { cwd: ROOT, env: { ...process.env, AIMA_TOKEN: TOKEN } },
    );
    const t = JSON.parse(stdout) as { token: string; expiresAt: number };
    expect(t.token.length).toBeGreaterThan(20);
    expect(t.expiresAt).toBeGreaterThan(Date.now());
    const w = rawWorker(cp.url);
    await w.send(hello(t.token));
    await w.next('welcome');
    w.ws.close();
  });
});
