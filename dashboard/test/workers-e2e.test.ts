import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ffmpegListen from '../../test-support/servers/ffmpeg-listen.ts';
import type { StreamServer } from '../../test-support/servers/types.ts';
import { cutClip } from './server-helpers.ts';
import {
  spawnWorker,
  startControlPlane,
  until,
  type ControlPlane,
  type WorkerProcess,
} from './workers-helpers.ts';

const VTEST = path.join(process.env.AIMA_MEDIA_DIR ?? '', 'video/vtest.mp4');

// Real `aima worker` child processes against an in-process control plane (real chDB, YOLOX-Nano).
describe('aima worker processes', () => {
  let cp: ControlPlane;
  let clip: string;
  let reference: { detections: number; tracks: number; windows: number };
  const workers: WorkerProcess[] = [];
  let stream: StreamServer | null = null;

  const counts = async (sourceId: string) => {
    const s = cp.runtime.store;
    return {
      detections: await s.countDetections({ sourceId }),
      tracks: (await s.listTracks({ sourceId })).length,
      windows: (await s.listWindows({ sourceId })).length,
    };
  };
  const worker = async (name: string): Promise<WorkerProcess> => {
    const { token } = await cp.hub.createJoinToken();
    const w = spawnWorker(cp.url, token, name);
    workers.push(w);
    await w.joined;
    return w;
  };

  beforeAll(async () => {
    cp = await startControlPlane({ local: true });
    clip = await cutClip(VTEST, cp.dir, 'walk.mp4', 8);
    // The in-process reference run of the same file.
    await cp.manager.add({
      input: clip,
      fps: 5,
      realtime: false,
      id: 'ref',
      analyzers: ['detect'],
      placement: { kind: 'local' },
    });
    expect((await cp.manager.settled('ref'))?.status).toBe('done');
    reference = await counts('ref');
    expect(reference.detections).toBeGreaterThan(50);
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await stream?.stop();
    await cp?.close();
  });

  it('runs a file on a worker process: the same rows as in process, each batch once', async () => {
    const w = await worker('w1');
    await cp.manager.add({
      input: clip,
      fps: 5,
      realtime: false,
      id: 'remote',
      analyzers: ['detect'],
      placement: { kind: 'workers' },
    });
    const v = await cp.manager.settled('remote');
    expect(v?.status, w.output()).toBe('done');
    expect(await counts('remote')).toEqual(reference);
    const ledger = await cp.runtime.store.listResultBatches({ sourceId: 'remote' });
    expect(ledger.length).toBeGreaterThan(0);
    const keys = ledger.map((r) => `${r.attempt}/${r.seq}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(cp.hub.workers().find((x) => x.name === 'w1')?.capabilities.cpus).toBeGreaterThan(0);
    await w.stop();
  });

  it('re-runs a file when its worker is killed with SIGKILL mid-file: counts equal the in-process run', async () => {
    const w = await worker('w2');
    await cp.manager.add({
      input: clip,
      fps: 5,
      realtime: true,
      id: 'killed',
      analyzers: ['detect'],
      placement: { kind: 'any' },
    });
    await until(
      'frames on the worker',
      async () => ((await cp.manager.get('killed'))?.stats.framesAnalysed ?? 0) >= 5,
    );
    expect(cp.hub.workers().find((x) => x.name === 'w2')?.assignments).toBe(1);
    w.kill9();
    const v = await cp.manager.settled('killed');
    expect(v?.status).toBe('done');
    expect(await counts('killed')).toEqual(reference);
    const ledger = await cp.runtime.store.listResultBatches({ sourceId: 'killed' });
    const keys = ledger.map((r) => `${r.attempt}/${r.seq}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('survives a network blip: the worker reconnects, resent writes apply once, one attempt', async () => {
    // A TCP relay between worker and control plane whose connections the test cuts.
    const target = new URL(cp.url);
    const pairs = new Set<net.Socket>();
    const relay = net.createServer((client) => {
      const up = net.connect(Number(target.port), '127.0.0.1');
      for (const s of [client, up]) {
        pairs.add(s);
        s.on('close', () => pairs.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(up).pipe(client);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const { port } = relay.address() as net.AddressInfo;
    const { token } = await cp.hub.createJoinToken();
    const w = spawnWorker(`http://127.0.0.1:${port}`, token, 'blip');
    workers.push(w);
    await w.joined;
    await cp.manager.add({
      input: clip,
      fps: 5,
      realtime: true,
      id: 'blip',
      analyzers: ['detect'],
      placement: { kind: 'workers' },
    });
    await until('frames', async () => ((await cp.manager.get('blip'))?.stats.framesAnalysed ?? 0) >= 5);
    for (const s of pairs) s.destroy();
    const v = await cp.manager.settled('blip');
    expect(v?.status, w.output()).toBe('done');
    expect(w.output()).toContain('reconnecting');
    expect(await counts('blip')).toEqual(reference);
    const ledger = await cp.runtime.store.listResultBatches({ sourceId: 'blip' });
    expect(new Set(ledger.map((r) => r.attempt))).toEqual(new Set([1]));
    expect(new Set(ledger.map((r) => r.seq)).size).toBe(ledger.length);
    await w.stop();
    relay.close();
  });

  it('moves a live source to another worker within seconds when its worker dies', async () => {
    const t1 = Date.now();
    stream = await ffmpegListen.start({ protocol: 'rtmp' });
    console.log(`stream up after ${Date.now() - t1} ms`);
    const a = await worker('live-a');
    await cp.manager.add({
      input: stream.url,
      fps: 2,
      realtime: false,
      id: 'cam',
      analyzers: ['detect'],
      placement: { kind: 'workers' },
    });
    await until(
      'live frames',
      async () => ((await cp.manager.get('cam'))?.stats.framesAnalysed ?? 0) >= 3,
      40_000,
    );
    const b = await worker('live-b');
    const before = await cp.runtime.store.countDetections({ sourceId: 'cam' });
    const t0 = Date.now();
    a.kill9();
    await until(
      'the source on live-b',
      () => cp.hub.workers().find((x) => x.name === 'live-b' && x.assignments === 1),
      20_000,
    );
    const windowsBefore = (await cp.runtime.store.listWindows({ sourceId: 'cam' })).length;
    await until(
      'new windows from live-b',
      async () => (await cp.runtime.store.listWindows({ sourceId: 'cam' })).length > windowsBefore + 1,
      30_000,
    );
    console.log(`live source moved and producing again after ${Date.now() - t0} ms`);
    // Earlier results stay.
    expect(await cp.runtime.store.countDetections({ sourceId: 'cam' })).toBeGreaterThanOrEqual(before);
    await cp.manager.stop('cam');
    await b.stop();
  });
});
