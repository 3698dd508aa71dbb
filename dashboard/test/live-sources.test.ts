import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nginx from '../../test-support/servers/nginx-rtmp.ts';
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
