import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ffmpegListen from '../../test-support/servers/ffmpeg-listen.ts';
import * as gstRtsp from '../../test-support/servers/gst-rtsp.ts';
import * as nginx from '../../test-support/servers/nginx-rtmp.ts';
import * as srt from '../../test-support/servers/srt.ts';
import type { StreamServer } from '../../test-support/servers/types.ts';
import {
  createKeyframes,
  createSourceManager,
  openRuntime,
  recordingsRoot,
  type Runtime,
  type SourceManager,
} from '../index.ts';
import type { SourceView } from '../src/protocol.ts';

const missing = nginx.missing();

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(missing !== null)(`live sources end to end (${missing ?? 'nginx-rtmp'})`, () => {
  let tmp: string;
  let server: nginx.NginxRtmpServer;
  let runtime: Runtime;
  let manager: SourceManager;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-live-e2e-'));
    server = await nginx.start();
    runtime = await openRuntime({
      dataDir: tmp,
      modelsDir: process.env.AIMA_MODELS_DIR ?? null,
      executionProvider: 'cpu',
      offline: true,
      modelId: 'yolox-nano',
    });
    manager = createSourceManager({ runtime, dataDir: tmp, segmentSeconds: 2 });
  });
  afterAll(async () => {
    await manager?.close();
    await runtime?.close();
    await server?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('analyses an RTMP stream, survives a server restart, records and indexes segments', async () => {
    const states: string[] = [];
    manager.onChange((id, v) => {
      if (id === 'cam' && v?.connection && states.at(-1) !== v.connection) states.push(v.connection);
    });
    await manager.add({ input: server.rtmpUrl, fps: 2, realtime: false, id: 'cam' });
    const view = async (): Promise<SourceView> => (await manager.get('cam'))!;
    await until(
      'first frames',
      async () => (await view()).connection === 'live' && (await view()).stats.framesAnalysed >= 6,
    );
    const recorded = async (): Promise<number> =>
      (await runtime.store.listRecordings({ sourceId: 'cam' })).length;
    await until('a first recorded segment', async () => (await recorded()) >= 1);
    const segmentsBefore = await recorded();

    // Another source runs through the outage: it must not be disturbed.
    const VTEST = path.join(process.env.AIMA_MEDIA_DIR ?? path.resolve('../shared/media'), 'video/vtest.mp4');
    await manager.add({ input: VTEST, fps: 2, realtime: true, id: 'bystander' });
    await until(
      'the bystander to run',
      async () => ((await manager.get('bystander'))?.stats.framesAnalysed ?? 0) >= 2,
    );
    expect(manager.stats.perSource.find((p) => p.id === 'cam')?.connection).toBe('live');

    await server.kill();
    await until('the outage to be noticed', async () =>
      ['stalled', 'reconnecting', 'connecting'].includes((await view()).connection ?? ''),
    );
    const before = (await view()).stats.framesAnalysed;
    await server.restart();
    await until(
      'frames after the restart',
      async () => (await view()).connection === 'live' && (await view()).stats.framesAnalysed > before + 4,
      90_000,
    );
    // the recorder came back with the connection
    await until('segments recorded after the restart', async () => (await recorded()) > segmentsBefore);
    const v = await view();
    const bystander = (await manager.get('bystander'))!;
    expect(bystander.status).toBe('running');
    expect(bystander.stats.framesAnalysed).toBeGreaterThanOrEqual(8); // kept analysing at 2 fps through the outage
    expect(bystander.stats.framesDropped).toBe(0);
    await manager.stop('bystander');
    expect(v.reconnects).toBeGreaterThanOrEqual(1);
    expect(states).toContain('live');
    expect(states.some((s) => s === 'stalled' || s === 'reconnecting')).toBe(true);
    expect(states.lastIndexOf('live')).toBeGreaterThan(
      states.indexOf('reconnecting') === -1 ? states.indexOf('stalled') : states.indexOf('reconnecting'),
    );

    await manager.stop('cam');
    const store = runtime.store;
    expect(await store.countDetections({ sourceId: 'cam', label: 'person' })).toBeGreaterThan(0);
    const gaps = await store.listGaps({ sourceId: 'cam' });
    expect(gaps.length).toBeGreaterThanOrEqual(1);
    expect(gaps[0]!.endTs).toBeGreaterThan(gaps[0]!.startTs);
    const segments = await store.listRecordings({ sourceId: 'cam' });
    expect(segments.length).toBeGreaterThanOrEqual(2);
    for (const s of segments) expect(existsSync(path.resolve(recordingsRoot(tmp), s.file))).toBe(true);
    const mid = segments[0]!.startTs + (segments[0]!.endTs - segments[0]!.startTs) / 2;
    const frame = await createKeyframes(store, recordingsRoot(tmp))('cam', mid);
    expect([frame.jpeg[0], frame.jpeg[1]]).toEqual([0xff, 0xd8]);

    // deleting the source deletes its recordings, rows and files
    await manager.remove('cam');
    expect(await store.listRecordings({ sourceId: 'cam' })).toHaveLength(0);
    for (const s of segments) expect(existsSync(path.resolve(recordingsRoot(tmp), s.file))).toBe(false);
  });
});

const servers: Array<{ name: string; missing: string | null; start: () => Promise<StreamServer> }> = [
  { name: 'rtmp (nginx-rtmp)', missing: nginx.missing(), start: () => nginx.start() },
  {
    name: 'hls (nginx-rtmp)',
    missing: nginx.missing(),
    start: async () => {
      const s = await nginx.start();
      return Object.assign(Object.create(s) as StreamServer, { url: s.hlsUrl, stop: () => s.stop() });
    },
  },
  { name: 'rtsp (GStreamer)', missing: gstRtsp.missing(), start: () => gstRtsp.start() },
  { name: 'srt (srt-live-transmit)', missing: srt.missing(), start: () => srt.start() },
  {
    name: 'http (ffmpeg -listen)',
    missing: ffmpegListen.missing(),
    start: () => ffmpegListen.start({ protocol: 'http' }),
  },
];

describe('each protocol from a real local server into stored detections', () => {
  let tmp: string;
  let runtime: Runtime;
  let manager: SourceManager;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-protocols-'));
    runtime = await openRuntime({
      dataDir: tmp,
      modelsDir: process.env.AIMA_MODELS_DIR ?? null,
      executionProvider: 'cpu',
      offline: true,
      modelId: 'yolox-nano',
    });
    manager = createSourceManager({ runtime, dataDir: tmp });
  });
  afterAll(async () => {
    await manager?.close();
    await runtime?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  for (const [i, srv] of servers.entries()) {
    it.skipIf(srv.missing !== null)(`${srv.name}${srv.missing ? ` (${srv.missing})` : ''}`, async () => {
      const server = await srv.start();
      const id = `proto-${i}`;
      try {
        await manager.add({ input: server.url, fps: 2, realtime: false, id });
        await until(
          `${srv.name} detections`,
          async () =>
            (await runtime.store.countDetections({ sourceId: id, label: 'person' })) > 0 ||
            ((await manager.get(id))?.stats.framesAnalysed ?? 0) >= 4,
          60_000,
        );
        const v = await manager.stop(id);
        expect(v.kind).toBe(srv.name.split(' ')[0]);
        expect(v.stats.framesAnalysed).toBeGreaterThanOrEqual(1);
        expect(await runtime.store.countDetections({ sourceId: id, label: 'person' })).toBeGreaterThan(0);
      } finally {
        await server.stop();
      }
    });
  }
});
