import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSourceGuard } from '@aima/ingest';
import {
  createSourceManager,
  openRuntime,
  type Runtime,
  type SourceLiveMessage,
  type SourceManager,
} from '../index.ts';

const MEDIA = process.env.AIMA_MEDIA_DIR ?? path.resolve('../shared/media');
const VTEST = path.join(MEDIA, 'video/vtest.mp4');

let tmp: string;
let clip: string;
let runtime: Runtime;
let manager: SourceManager;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-manager-'));
  clip = path.join(tmp, 'clip.mp4');
  execFileSync(process.env.FFMPEG_PATH ?? 'ffmpeg', [
    '-v',
    'error',
    '-i',
    VTEST,
    '-t',
    '4',
    '-c',
    'copy',
    clip,
  ]);
  runtime = await openRuntime({
    dataDir: tmp,
    modelsDir: process.env.AIMA_MODELS_DIR ?? null,
    executionProvider: 'cpu',
    offline: true,
    modelId: 'yolox-nano',
  });
  manager = createSourceManager({ runtime, dataDir: tmp, maxConcurrent: 1 });
});

afterAll(async () => {
  await manager?.close();
  await runtime?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('source manager', () => {
  it('analyses a source and streams previews, windows and tracks to subscribers', async () => {
    const messages: SourceLiveMessage[] = [];
    const view = await manager.add({ input: clip, fps: 5, realtime: true, id: 'clip-live' });
    expect(view.status).toBe('running');
    manager.subscribe('clip-live', () => {
      throw new Error('a broken subscriber must not break the others');
    });
    manager.subscribe('clip-live', (m) => messages.push(m));
    const done = await manager.settled('clip-live');
    expect(done?.status).toBe('done');
    expect(done?.stats.framesAnalysed).toBeGreaterThanOrEqual(19);
    const frames = messages.filter((m) => m.type === 'frame');
    expect(frames.length).toBeGreaterThan(5);
    const seqs = frames.map((f) => f.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const f = frames.at(-1)!;
    expect(Buffer.from(f.jpeg, 'base64').subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    // Faces are on: frames are decoded at up to 960 px (here vtest's own 480x360), not the detector's 416.
    expect(f).toMatchObject({ width: 480, height: 360, sourceWidth: 480, sourceHeight: 360 });
    expect(f.detections.some((d) => d.label === 'person')).toBe(true);
    expect(f.receivedAt).toBeLessThanOrEqual(f.sentAt);
    const windows = messages.filter((m) => m.type === 'window');
    expect(windows.length).toBeGreaterThanOrEqual(3);
    expect(windows.some((w) => w.type === 'window' && (w.counts.person ?? 0) > 0)).toBe(true);
    expect(messages.some((m) => m.type === 'track' && m.phase === 'start')).toBe(true);
  });

  it('queues sources beyond maxConcurrent as pending, and stops them on request', async () => {
    const a = await manager.add({ input: VTEST, fps: 2, realtime: true, id: 'long-a' });
    const b = await manager.add({ input: clip, fps: 5, realtime: false, id: 'queued-b' });
    expect(a.status).toBe('running');
    expect(b.status).toBe('pending');
    expect(manager.stats).toMatchObject({ running: 1, queued: 1 });
    const stoppedB = await manager.stop('queued-b');
    expect(stoppedB.status).toBe('stopped');
    const stoppedA = await manager.stop('long-a');
    expect(stoppedA.status).toBe('stopped');
    // results produced before the stop are kept
    expect((await runtime.store.getSource('long-a'))?.status).toBe('stopped');
  });

  it('marks a bad file failed with its code and keeps going', async () => {
    const bad = path.join(tmp, 'bad.mp4');
    await writeFile(bad, 'not a video');
    await manager.add({ input: bad, fps: 5, realtime: false, id: 'bad-file' });
    const v = await manager.settled('bad-file');
    expect(v).toMatchObject({ status: 'failed', errorCode: 'INGEST_NOT_MEDIA' });
  });

  it('rejects missing files, duplicate ids and unknown sources with coded errors', async () => {
    await expect(
      manager.add({ input: path.join(tmp, 'nope.mp4'), fps: 5, realtime: false }),
    ).rejects.toMatchObject({
      code: 'INGEST_FILE_NOT_FOUND',
      httpStatus: 404,
    });
    await expect(
      manager.add({ input: clip, fps: 5, realtime: false, id: 'clip-live' }),
    ).rejects.toMatchObject({
      code: 'SOURCE_EXISTS',
    });
    await expect(manager.stop('no-such')).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND' });
    expect(() => manager.subscribe('no-such', () => undefined)).toThrow(
      expect.objectContaining({ code: 'SOURCE_NOT_FOUND' }),
    );
  });

  it('removes a source and all its rows', async () => {
    const removed: string[] = [];
    manager.onChange((id, v) => v === null && removed.push(id));
    await manager.remove('clip-live');
    expect(await manager.get('clip-live')).toBeNull();
    expect(await runtime.store.countDetections({ sourceId: 'clip-live' })).toBe(0);
    expect(removed).toEqual(['clip-live']);
    expect((await manager.list()).map((s) => s.id)).not.toContain('clip-live');
  });
  it('resumes what a crash cut off, checking each source again with the guard first', async () => {
    const now = Date.now();
    const row = {
      kind: 'rtsp' as const,
      live: true,
      status: 'running' as const,
      errorCode: '',
      errorMessage: '',
      epochMs: now,
      createdAt: now,
      updatedAt: now,
      meta: JSON.stringify({ fps: 2, realtime: false }),
    };
    // As a killed process leaves them: 'running' rows nothing runs. Port 1 on 127.0.0.1 is closed.
    await runtime.store.upsertSource({ ...row, id: 'crashed-cam', display: 'rtsp://127.0.0.1:1/cam' });
    await runtime.store.upsertSource({
      ...row,
      id: 'crashed-clip',
      kind: 'file',
      live: false,
      display: clip,
    });
    const strict = createSourceManager({
      runtime,
      dataDir: tmp,
      guard: createSourceGuard({ policy: 'public-only', mediaRoots: [tmp] }),
    });
    try {
      const resumed = await strict.recover();
      // The file is inside the media roots and starts over; the loopback camera is now refused.
      expect(resumed.map((v) => v.id)).toEqual(['crashed-clip']);
      expect(await runtime.store.getSource('crashed-cam')).toMatchObject({
        status: 'failed',
        errorCode: 'INGEST_SOURCE_BLOCKED',
      });
      expect((await strict.settled('crashed-clip'))?.status).toBe('done');
    } finally {
      await strict.close();
    }
  });
});
