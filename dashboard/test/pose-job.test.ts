// The pose analyzer inside real analysis jobs: real ffmpeg, YOLOX-Nano tracks, the real MoveNet,
// rows in chDB, the /poses and /pose-features routes answering them, live 'pose' messages.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSource } from '@aima/ingest';
import { KEYPOINT_NAMES, type LivePose, type LiveResult } from '@aima/inference';
import { writeConstantModel, yoloPoseOutput } from '../../inference/test/pose-fixtures.ts';
import { runAnalysisJob } from '../index.ts';
import { bearer, MEDIA, openServerEnv, type ServerEnv } from './server-helpers.ts';

const BOOK = path.join(MEDIA, 'video/asl/book.mkv');
const at = (n: (typeof KEYPOINT_NAMES)[number]): number => KEYPOINT_NAMES.indexOf(n) * 3;

let env: ServerEnv;
beforeAll(async () => {
  env = await openServerEnv();
});
afterAll(async () => {
  await env?.close();
});

describe('pose in analysis jobs', () => {
  it('detect + pose on an ASL clip: poses and features stored, served, and pushed live', async () => {
    const lives: LiveResult[] = [];
    const s = await runAnalysisJob(env.runtime, {
      source: parseSource(BOOK),
      sourceId: 'asl-book',
      fps: 5,
      analyzers: ['detect', 'pose'],
      onAnalyzerLive: (analyzer, msg) => {
        if (analyzer === 'pose') lives.push(msg);
      },
    });
    expect(s.analyzers).toEqual(['detect', 'pose']);
    expect(s.analyzerFailures).toEqual([]);
    const totals = s.results['pose']!;
    expect(totals).toMatchObject({ modelId: 'movenet-lightning', unmatched: 0 });
    expect(Number(totals['poses'])).toBeGreaterThan(5);
    expect(Number(totals['modelRuns'])).toBe(Number(totals['poses'])); // one run per person crop

    const poses = await env.runtime.store.listPoses({ sourceId: 'asl-book' });
    expect(poses.length).toBe(Number(totals['poses']));
    // One signer, one track.
    expect(new Set(poses.map((p) => p.trackId)).size).toBe(1);
    for (const p of poses) {
      expect(p.keypoints).toHaveLength(51);
      expect(p.modelId).toBe('movenet-lightning');
      // Facing the camera: the subject's left shoulder is right of the right one in the image.
      expect(p.keypoints[at('left_shoulder')]).toBeGreaterThan(p.keypoints[at('right_shoulder')]!);
      expect(p.keypoints[at('nose') + 1]).toBeLessThan(p.keypoints[at('left_shoulder') + 1]!);
      expect(p.ts).toBeGreaterThanOrEqual(s.epochMs);
    }
    const features = await env.runtime.store.listPoseFeatures({ sourceId: 'asl-book' });
    console.log(
      'pose totals',
      JSON.stringify(totals),
      'features',
      JSON.stringify(
        features.map((f) => [
          f.posture,
          f.motionEnergy.toFixed(2),
          f.immobileMs,
          f.wristsTogether,
          f.armsAboveHead,
        ]),
      ),
    );
    // 3.7 s of video in 1 s windows: 3 or 4 windows of the one track.
    expect(features.length).toBeGreaterThanOrEqual(3);
    expect(features.length).toBeLessThanOrEqual(5);
    expect(features.reduce((n, f) => n + f.frames, 0)).toBe(poses.length);
    for (const f of features) {
      expect(f.endTs - f.startTs).toBe(1000);
      expect(f.motionEnergy).toBeGreaterThanOrEqual(0);
      // Signing from the waist up: no knees in view, never lying.
      expect(f.posture).not.toBe('lying');
    }
    // Signing hands move: the clip is not one still person.
    expect(Math.max(...features.map((f) => f.motionEnergy))).toBeGreaterThan(0.05);

    // One live message per analysed frame, each with the frame's skeletons.
    expect(lives.length).toBe(s.frames);
    const withPeople = lives.filter((m) => (m.data as LivePose).persons.length > 0);
    expect(withPeople.length).toBe(poses.length);
    expect((withPeople[0]!.data as LivePose).persons[0]!.keypoints).toHaveLength(51);
    expect(withPeople[0]!.kind).toBe('pose');

    // The routes answer what is stored, by range.
    const all = await env.app.inject({ url: '/api/v1/sources/asl-book/poses', headers: bearer() });
    expect(all.statusCode).toBe(200);
    const body = all.json() as Array<{ ts: number; keypoints: number[]; trackId: number }>;
    expect(body.length).toBe(poses.length);
    expect(body[0]!.keypoints).toEqual(poses[0]!.keypoints);
    const mid = poses[Math.floor(poses.length / 2)]!.ts;
    const part = await env.app.inject({
      url: `/api/v1/sources/asl-book/poses?from=${mid}&to=${mid + 1}`,
      headers: bearer(),
    });
    expect((part.json() as unknown[]).length).toBe(1);
    const feat = await env.app.inject({ url: '/api/v1/sources/asl-book/pose-features', headers: bearer() });
    expect(feat.statusCode).toBe(200);
    expect((feat.json() as Array<{ posture: string }>).map((f) => f.posture)).toEqual(
      features.map((f) => f.posture),
    );
    // Rows from a remote worker arrive as unknown: a malformed one is refused, nothing half-stored.
    const bad = { ...poses[0]!, sourceId: 'asl-bad', keypoints: poses[0]!.keypoints.slice(0, 50) };
    await expect(env.runtime.store.insertPoses([poses[0]!, bad])).rejects.toMatchObject({
      code: 'STORE_QUERY_FAILED',
    });
    expect(await env.runtime.store.listPoses({ sourceId: 'asl-bad' })).toEqual([]);
    const missing = await env.app.inject({ url: '/api/v1/sources/nope/poses', headers: bearer() });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'SOURCE_NOT_FOUND' });
    const badQuery = await env.app.inject({
      url: '/api/v1/sources/asl-book/poses?from=x',
      headers: bearer(),
    });
    expect(badQuery.statusCode).toBe(400);
    const anon = await env.app.inject({ url: '/api/v1/sources/asl-book/poses' });
    expect(anon.statusCode).toBe(401);
  });

  it('a pose model that is not there stops pose alone with a coded error; detect goes on', async () => {
    const s = await runAnalysisJob(env.runtime, {
      source: parseSource(BOOK),
      sourceId: 'asl-no-model',
      fps: 2,
      durationMs: 1500,
      analyzers: ['detect', 'pose'],
      analyzerConfig: { pose: { model: 'rtmpose-t' } },
    });
    expect(s.status).toBe('done');
    expect(s.analyzerFailures).toEqual([
      expect.objectContaining({ analyzer: 'pose', code: 'MODEL_NOT_FOUND' }),
    ]);
    expect(s.frames).toBeGreaterThan(0);
    expect(await env.runtime.store.listPoses({ sourceId: 'asl-no-model' })).toEqual([]);
  });

  it('a YOLOv8-pose model (fixture) runs once per frame and its people are matched to detect tracks by IoU', async () => {
    // The analyzer takes model files from AIMA_MODELS_DIR or the model cache: a cache of its own here.
    const cache = await mkdtemp(path.join(os.tmpdir(), 'aima-pose-cache-'));
    const before = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = cache;
    try {
      const dir = path.join(cache, 'aima', 'models', 'pose');
      await mkdir(dir, { recursive: true });
      // Frames of the 640×480 clip are decoded at 416×312 and letterboxed into 640×640 (scale
      // 640/416, padY 80): input pixels are source pixels shifted down by 80. Person one sits where
      // YOLOX finds the signer (about [201, 87, 412, 474]); person two in the empty top right.
      const kp = Array.from({ length: 17 }, (_, k) => [250 + 5 * k, 230 + 15 * k, 0.8]).flat();
      const file = await writeConstantModel(
        path.join(dir, 'yolo-fixture.onnx'),
        [1, 3, 640, 640],
        [
          yoloPoseOutput([
            [306, 360, 211, 387, 0.9, ...kp],
            [600, 100, 20, 20, 0.8],
          ]),
        ],
      );
      const s = await runAnalysisJob(env.runtime, {
        source: parseSource(BOOK),
        sourceId: 'asl-yolo',
        fps: 3,
        analyzers: ['detect', 'pose'],
        analyzerConfig: { pose: { model: file } },
      });
      expect(s.analyzerFailures).toEqual([]);
      const totals = s.results['pose']!;
      expect(totals).toMatchObject({ modelId: 'yolo-fixture', modelRuns: s.frames });
      const poses = await env.runtime.store.listPoses({ sourceId: 'asl-yolo' });
      const tracked = poses.filter((p) => p.trackId > 0);
      const loose = poses.filter((p) => p.trackId === 0);
      const dets = await env.runtime.store.listDetections({ sourceId: 'asl-yolo' });
      const personTracks = new Set(dets.filter((d) => d.label === 'person').map((d) => d.trackId));
      expect(tracked.length).toBeGreaterThan(3);
      expect(tracked.every((p) => personTracks.has(p.trackId))).toBe(true);
      // The unmatched person is stored without a track, once per frame.
      expect(loose.length).toBe(s.frames);
      expect(Number(totals['unmatched'])).toBe(s.frames);
      expect(loose[0]!.box.map(Math.round)).toEqual([590, 10, 610, 30]);
      // The fixture's keypoints, in source pixels (constant, so smoothing leaves them be).
      for (const p of tracked) {
        for (let k = 0; k < 17; k++) {
          expect(p.keypoints[k * 3]).toBeCloseTo(250 + 5 * k, 1);
          expect(p.keypoints[k * 3 + 1]).toBeCloseTo(150 + 15 * k, 1);
          expect(p.keypoints[k * 3 + 2]).toBeCloseTo(0.8, 5);
        }
      }
      // A file outside the model folders is refused (the config can come over the API).
      const out = await runAnalysisJob(env.runtime, {
        source: parseSource(BOOK),
        sourceId: 'asl-outside',
        fps: 2,
        durationMs: 1000,
        analyzers: ['detect', 'pose'],
        analyzerConfig: { pose: { model: '/etc/passwd.onnx' } },
      });
      expect(out.analyzerFailures).toEqual([
        expect.objectContaining({ analyzer: 'pose', code: 'INFER_BAD_CONFIG' }),
      ]);
    } finally {
      if (before === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = before;
      await rm(cache, { recursive: true, force: true });
    }
  });
});
