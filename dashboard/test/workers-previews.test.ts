import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '@aima/ingest';
import type { WorkerMessage } from '@aima/inference';
import type { LiveFrame } from '../src/jobs/analysis-job.ts';
import { createSourceManager } from '../src/sources/manager.ts';
import { mayQueue } from '../src/workers/agent.ts';
import type { SendClass } from '../src/workers/assignment.ts';
import { previewSender } from '../src/workers/preview.ts';
import type { SourceManager, SourceLiveMessage } from '../src/sources/types.ts';
import { cutClip } from './server-helpers.ts';
import {
  spawnWorker,
  startControlPlane,
  until,
  type ControlPlane,
  type WorkerProcess,
} from './workers-helpers.ts';

const VTEST = path.join(process.env.AIMA_MEDIA_DIR ?? '', 'video/vtest.mp4');
type FrameMessage = Extract<SourceLiveMessage, { type: 'frame' }>;

// A source analysed by a real `aima worker` process shows a live preview on the control plane,
// and previews cross the network only while someone watches.
describe('live previews of sources on a worker', () => {
  let cp: ControlPlane;
  let manager: SourceManager;
  let worker: WorkerProcess | null = null;
  /** Epoch ms of every preview that reached the control plane (before the manager looks at it). */
  const arrivals: number[] = [];

  beforeAll(async () => {
    cp = await startControlPlane({ local: false });
    const remote = cp.hub.executor(null);
    manager = createSourceManager({
      runtime: cp.runtime,
      dataDir: cp.dir,
      executor: (o) =>
        remote({
          ...o,
          onPreview: (p) => {
            arrivals.push(Date.now());
            o.onPreview?.(p);
          },
        }),
    });
  });
  afterAll(async () => {
    await manager?.close();
    await worker?.stop();
    await cp?.close();
  });

  it('sends frames with a JPEG and detections while subscribed, none before or after', async () => {
    const clip = await cutClip(VTEST, cp.dir, 'walk.mp4', 20);
    const { token } = await cp.hub.createJoinToken();
    worker = spawnWorker(cp.url, token, 'preview');
    await worker.joined;
    await manager.add({
      input: clip,
      fps: 5,
      realtime: true,
      id: 'watched',
      analyzers: ['detect'],
      placement: { kind: 'workers' },
    });
    await until('frames on the worker', async () => {
      return ((await manager.get('watched'))?.stats.framesAnalysed ?? 0) >= 4 || undefined;
    });
    // Nobody watches yet: nothing was encoded or sent.
    expect(arrivals).toEqual([]);

    const frames: FrameMessage[] = [];
    const off = manager.subscribe('watched', (m) => {
      if (m.type === 'frame') frames.push(m);
    });
    await until('previews with detections', () =>
      frames.filter((f) => f.detections.length > 0).length >= 3 ? true : undefined,
    );
    off();
    const f = frames.find((x) => x.detections.length > 0)!;
    const jpeg = Buffer.from(f.jpeg, 'base64');
    expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
    const meta = await sharp(jpeg).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([f.width, f.height]);
    // vtest.mp4 is 480x360; the preview is the analysed frame, at most that size.
    expect([f.sourceWidth, f.sourceHeight]).toEqual([480, 360]);
    expect(f.width).toBeLessThanOrEqual(f.sourceWidth);
    expect(f.detections[0]!.label).toBe('person');
    expect(f.detections[0]!.box).toHaveLength(4);
    expect(f.sentAt).toBeGreaterThanOrEqual(f.receivedAt - 5_000);
    const seqs = frames.map((x) => x.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);

    // Unsubscribed: after the one that may be in flight, the worker stops sending.
    await new Promise((r) => setTimeout(r, 500));
    const sent = arrivals.length;
    const framesBefore = (await manager.get('watched'))?.stats.framesAnalysed ?? 0;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await manager.get('watched'))?.stats.framesAnalysed ?? 0).toBeGreaterThan(framesBefore);
    expect(arrivals.length).toBe(sent);
    expect(frames.length).toBeLessThanOrEqual(sent);
    await manager.stop('watched');
  });
});

describe('the worker side of previews', () => {
  const frame = (seq: number): LiveFrame => ({
    event: {
      type: 'frame',
      frame: { seq, ts: 1000 + seq, ptsMs: seq * 200, detections: [], timings: { inferMs: 1 } },
    } as unknown as LiveFrame['event'],
    frame: {
      seq,
      ptsMs: seq * 200,
      ts: 1000 + seq,
      width: 32,
      height: 24,
      format: 'rgb24',
      data: Buffer.alloc(32 * 24 * 3, 128),
    } satisfies Frame,
    sourceWidth: 64,
    sourceHeight: 48,
    faces: [],
  });

  it('encodes only while watched, one at a time: a frame arriving meanwhile gets none', async () => {
    const sent: { msg: WorkerMessage; cls: SendClass | undefined }[] = [];
    let watched = false;
    const send = previewSender({ send: (msg, cls) => (sent.push({ msg, cls }), true) }, 'a1', () => watched);
    send(frame(1));
    await new Promise((r) => setTimeout(r, 100));
    expect(sent).toEqual([]);
    watched = true;
    send(frame(2));
    send(frame(3));
    await until('the preview', () => (sent.length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 100));
    expect(sent).toHaveLength(1);
    const { msg, cls } = sent[0]!;
    expect(cls).toBe('preview');
    expect(msg).toMatchObject({
      type: 'frame',
      assignmentId: 'a1',
      seq: 2,
      width: 32,
      height: 24,
      sourceWidth: 64,
    });
    const jpeg = Buffer.from((msg as { jpeg: string }).jpeg, 'base64');
    expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
    // The encoder is free again.
    send(frame(4));
    await until('the next preview', () => (sent.length > 1 ? true : undefined));
    expect(sent[1]!.msg).toMatchObject({ seq: 4 });
  });

  it('drops previews first when the socket is backed up, then events, never control messages', () => {
    expect(mayQueue('preview', 0)).toBe(true);
    expect(mayQueue('preview', 512 * 1024)).toBe(false);
    expect(mayQueue('event', 512 * 1024)).toBe(true);
    expect(mayQueue('event', 4 * 1024 * 1024)).toBe(false);
    expect(mayQueue('control', 64 * 1024 * 1024)).toBe(true);
  });
});
