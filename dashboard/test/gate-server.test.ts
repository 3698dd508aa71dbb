// The minor-protection gate end to end: real chDB, real ffmpeg, real YOLOX/YuNet/MobileFaceNet,
// the real nsfwjs, and fixture age models (ONNX graphs that answer a known age) in place of
// SSR-Net, on a real clip with faces. Then through the HTTP server: every pixel route refuses the
// quarantined source (403 SOURCE_QUARANTINED) and still serves a clean one, the live socket sends
// no previews of it, and the quarantine holds after the store and server are reopened.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { parseSource } from '@aima/ingest';
import { createModelRegistry, type ModelRegistry } from '@aima/inference';
import { encodeOnnxModel } from '../../inference/test/helpers-onnx.ts';
import { runAnalysisJob, type AnalysisSummary } from '../src/jobs/analysis-job.ts';
import type { Runtime } from '../src/runtime.ts';
import { buildServer } from '../src/server/index.ts';
import { createSourceManager } from '../src/sources/manager.ts';
import type { SourceManager } from '../src/sources/types.ts';
import { ServerMessage } from '../src/protocol.ts';
import {
  MEDIA,
  TOKEN,
  bearer,
  cutClip,
  listenLocal,
  openTestRuntime,
  recordAsSegments,
  testServerDeps,
  waitFor,
} from './server-helpers.ts';

const HAMILTON = path.join(MEDIA, 'video/short_hamilton_clip.mp4');
const MODELS = process.env.AIMA_MODELS_DIR ?? path.resolve('../shared/models');

/** An SSR-Net-shaped graph ([1,3,64,64] → [1]) that answers `age` for any face. */
function ageFixture(age: number): Uint8Array {
  return encodeOnnxModel({
    inputs: [{ name: 'input', dims: [1, 3, 64, 64] }],
    outputs: [{ name: 'age', dims: [1] }],
    initializers: [
      { name: 'zero', dims: [1], data: Float32Array.from([0]) },
      { name: 'k', dims: [1], data: Float32Array.from([age]) },
    ],
    nodes: [
      { op: 'ReduceMean', inputs: ['input'], outputs: ['m'], attrs: { axes: [1, 2, 3], keepdims: 0 } },
      { op: 'Mul', inputs: ['m', 'zero'], outputs: ['z'] },
      { op: 'Add', inputs: ['z', 'k'], outputs: ['age'] },
    ],
  });
}

/** The real registry, with 'ssrnet' resolved to a fixture file (or missing). */
function registryWith(ssrnet: string | 'missing'): ModelRegistry {
  const real = createModelRegistry({ modelsDir: MODELS });
  return {
    ...real,
    list: () => real.list(),
    get: (id) => real.get(id),
    pull: (id, o) => real.pull(id, o),
    verify: (id, s) => real.verify(id, s),
    async resolve(id, o) {
      if (id !== 'ssrnet') return real.resolve(id, o);
      if (ssrnet === 'missing')
        throw Object.assign(new Error('model ssrnet not found'), { code: 'MODEL_NOT_FOUND' });
      return { ...(await real.resolve(id, o)), path: ssrnet };
    },
  };
}

let dir: string;
let dataDir: string;
let clip: string;
let minorRt: Runtime;
let adultRt: Runtime;
let minor: AnalysisSummary;
let adult: AnalysisSummary;

const analyze = (rt: Runtime, id: string, extra: object = {}): Promise<AnalysisSummary> =>
  runAnalysisJob(rt, { source: parseSource(clip), sourceId: id, fps: 2, analyzers: ['nsfw'], ...extra });

beforeAll(async () => {
  dir = path.join((await import('node:os')).tmpdir(), `aima-gate-${process.pid}-${Date.now()}`);
  dataDir = path.join(dir, 'data');
  await mkdir(dir, { recursive: true });
  // 1.6–4.1 s of the clip: every face there is at least 24 px (smaller ones would be 'unknown').
  clip = await cutClip(HAMILTON, dir, 'faces.mp4', 2.5, 1.6);
  await writeFile(path.join(dir, 'age12.onnx'), ageFixture(12));
  await writeFile(path.join(dir, 'age40.onnx'), ageFixture(40));
  minorRt = await openTestRuntime(dataDir, { models: registryWith(path.join(dir, 'age12.onnx')) });
  adultRt = await openTestRuntime(dataDir, {
    store: minorRt.store,
    models: registryWith(path.join(dir, 'age40.onnx')),
  });
}, 120_000);

afterAll(async () => {
  await adultRt?.close();
  await minorRt?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the gate in analysis jobs', () => {
  it('refuses nsfw when faces are off: nothing analysed, no rows, the source failed with the code', async () => {
    await expect(analyze(adultRt, 'no-faces', { faces: false })).rejects.toMatchObject({
      code: 'SAFETY_AGE_GATE_REQUIRED',
    });
    const s = await adultRt.store.getSource('no-faces');
    expect(s?.status).toBe('failed');
    expect(s?.errorCode).toBe('SAFETY_AGE_GATE_REQUIRED');
    expect(await adultRt.store.listDetections({ sourceId: 'no-faces', limit: 10 })).toEqual([]);
    expect(await adultRt.store.listNsfwScores({ sourceId: 'no-faces' })).toEqual([]);
    expect(await adultRt.store.listAgeEstimates({ sourceId: 'no-faces' })).toEqual([]);
  }, 60_000);

  it('refuses nsfw when the age model is missing (and in a runtime without face models)', async () => {
    const noAge = await openTestRuntime(dataDir, { store: minorRt.store, models: registryWith('missing') });
    try {
      await expect(analyze(noAge, 'no-age')).rejects.toMatchObject({ code: 'SAFETY_AGE_GATE_REQUIRED' });
    } finally {
      await noAge.close();
    }
    const noFaces = await openTestRuntime(dataDir, { store: minorRt.store, faces: { enabled: false } });
    try {
      await expect(analyze(noFaces, 'no-face-models')).rejects.toMatchObject({
        code: 'SAFETY_AGE_GATE_REQUIRED',
      });
    } finally {
      await noFaces.close();
    }
    expect(await minorRt.store.listDetections({ sourceId: 'no-age', limit: 10 })).toEqual([]);
    expect(await minorRt.store.listNsfwScores({ sourceId: 'no-face-models' })).toEqual([]);
  }, 120_000);

  it('refuses nsfw when age is set to the stronger genderage model and it is not downloaded', async () => {
    await expect(
      analyze(adultRt, 'no-genderage', { analyzerConfig: { age: { model: 'genderage' } } }),
    ).rejects.toMatchObject({
      code: 'SAFETY_AGE_GATE_REQUIRED',
      message: expect.stringMatching(/needs age/),
    });
    expect(await adultRt.store.listDetections({ sourceId: 'no-genderage', limit: 10 })).toEqual([]);
  }, 60_000);

  it('a face aged 12: nsfw stops with SAFETY_MINOR_STOP, the source is quarantined and audited', async () => {
    minor = await analyze(minorRt, 'minor-src');
    expect(minor.analyzerFailures).toEqual([
      expect.objectContaining({ analyzer: 'nsfw', code: 'SAFETY_MINOR_STOP' }),
    ]);
    const ages = await minorRt.store.listAgeEstimates({ sourceId: 'minor-src' });
    expect(ages.length).toBeGreaterThan(0);
    expect(ages.every((a) => Math.abs(a.age! - 12) < 1e-3 && a.verdict === 'minor')).toBe(true);
    const q = await minorRt.store.getQuarantine('minor-src');
    expect(q).toMatchObject({ code: 'SAFETY_MINOR_DETECTED', analyzer: 'nsfw', threshold: 22 });
    expect(q!.age).toBeCloseTo(12, 3);
    expect(q!.reason).toMatch(/12\.0 years/);
    const audit = await minorRt.store.listAuditEvents({ subjectKind: 'source', subjectId: 'minor-src' });
    expect(audit).toEqual([expect.objectContaining({ actor: 'system', action: 'quarantine' })]);
    // nsfw looked at no frame: the first face it could have seen was the minor's.
    expect(await minorRt.store.listNsfwScores({ sourceId: 'minor-src' })).toEqual([]);
    // The other analyzers went on.
    expect(minor.frames).toBeGreaterThan(3);
  }, 120_000);

  it('faces aged 40: nsfw runs and stores scores; nothing is quarantined', async () => {
    adult = await analyze(adultRt, 'adult-src');
    expect(adult.analyzerFailures).toEqual([]);
    const ages = await adultRt.store.listAgeEstimates({ sourceId: 'adult-src' });
    expect(ages.length).toBeGreaterThan(0);
    expect(ages.every((a) => a.verdict === 'adult')).toBe(true);
    const scores = await adultRt.store.listNsfwScores({ sourceId: 'adult-src' });
    // One score per analysed frame (every verdict clear).
    expect(scores.length).toBe(adult.frames);
    for (const s of scores) expect(s.drawing + s.hentai + s.neutral + s.porn + s.sexy).toBeCloseTo(1, 3);
    expect(await adultRt.store.getQuarantine('adult-src')).toBeNull();
  }, 120_000);
});

describe('no pixels of a quarantined source, through any route', () => {
  let manager: SourceManager;
  let app: FastifyInstance;
  let base: string;
  const get = (url: string) => app.inject({ method: 'GET', url, headers: bearer() });

  beforeAll(async () => {
    await recordAsSegments({ dataDir, runtime: minorRt }, { id: 'minor-src', epochMs: minor.epochMs }, clip, {
      gop: 10,
      segmentSeconds: 1,
    });
    await recordAsSegments({ dataDir, runtime: minorRt }, { id: 'adult-src', epochMs: adult.epochMs }, clip, {
      gop: 10,
      segmentSeconds: 1,
    });
    manager = createSourceManager({ runtime: minorRt, dataDir });
    const sourceForFile = (sig: string): string | null =>
      sig.startsWith('m.') ? 'minor-src' : sig.startsWith('a.') ? 'adult-src' : null;
    app = await buildServer({
      ...testServerDeps(minorRt, manager, dataDir),
      workers: { sourceForFile } as never,
    });
    base = await listenLocal(app);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await manager?.close();
  });

  const refused = (res: { statusCode: number; json(): unknown }): void => {
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'SOURCE_QUARANTINED' });
  };

  it('keyframes', async () => {
    refused(await get(`/api/v1/sources/minor-src/frame?ts=${minor.epochMs + 500}`));
    const ok = await get(`/api/v1/sources/adult-src/frame?ts=${adult.epochMs + 500}`);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toBe('image/jpeg');
  });

  it('face crops of appearances', async () => {
    const [m] = await minorRt.store.listAppearances({ sourceId: 'minor-src' });
    const [a] = (await minorRt.store.listAppearances({ sourceId: 'adult-src' })).filter((x) => x.crop !== '');
    expect(m && a).toBeTruthy();
    refused(await get(`/api/v1/appearances/minor-src/${m!.appearanceId}/crop.jpg`));
    refused(await get(`/api/v1/appearances/minor%2Dsrc/${m!.appearanceId}/crop.jpg`));
    const ok = await get(`/api/v1/appearances/adult-src/${a!.appearanceId}/crop.jpg`);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toBe('image/jpeg');
  });

  it('recordings: the list and the segments', async () => {
    refused(await get('/api/v1/sources/minor-src/recordings'));
    const list = await get('/api/v1/sources/adult-src/recordings');
    expect(list.statusCode).toBe(200);
    const segs = list.json() as Array<{ url: string }>;
    expect(segs.length).toBeGreaterThan(0);
    expect((await get(segs[0]!.url)).statusCode).toBe(200);
    refused(await get(segs[0]!.url.replace('adult-src', 'minor-src')));
  });

  it('the live video socket (refused before the upgrade) and worker file URLs', async () => {
    refused(await get('/api/v1/sources/minor-src/video'));
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/sources/minor-src/video`, {
      headers: bearer(),
    });
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
    });
    expect(status).toBe(403);
    refused(await get('/api/v1/workers/files/m.abc.def'));
    // A clean source's file URL reaches the route (which then judges the signature itself).
    expect((await get('/api/v1/workers/files/a.abc.def')).statusCode).not.toBe(403);
  });

  it('metadata stays: the source view carries the quarantine, admins list quarantines and the audit log', async () => {
    const v = (await get('/api/v1/sources/minor-src')).json() as {
      quarantine: { code: string; reason: string } | null;
    };
    expect(v.quarantine).toMatchObject({ code: 'SAFETY_MINOR_DETECTED' });
    expect(
      ((await get('/api/v1/sources/adult-src')).json() as { quarantine: unknown }).quarantine,
    ).toBeNull();
    const qs = (await get('/api/v1/quarantines')).json() as Array<{ sourceId: string }>;
    expect(qs.map((q) => q.sourceId)).toContain('minor-src');
    expect(qs.map((q) => q.sourceId)).not.toContain('adult-src');
    const audit = (await get('/api/v1/audit?subjectKind=source&subjectId=minor-src')).json() as unknown[];
    expect(audit).toHaveLength(1);
    // Detections (metadata) stay readable.
    expect((await get('/api/v1/sources/minor-src/detections?limit=10')).statusCode).toBe(200);
  });

  it('the live socket: no previews of a source quarantined while it runs; a clean one still streams', async () => {
    const messages: ServerMessage[] = [];
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/live`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    ws.on('message', (d) => messages.push(ServerMessage.parse(JSON.parse(d.toString()))));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const add = (id: string, analyzers: string[]) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/sources',
        headers: bearer(),
        payload: { input: clip, fps: 2, realtime: true, id, analyzers },
      });
    expect((await add('live-minor', ['nsfw'])).statusCode).toBe(201);
    expect((await add('live-clean', ['detect', 'faces'])).statusCode).toBe(201);
    for (const id of ['live-minor', 'live-clean'])
      ws.send(JSON.stringify({ type: 'subscribe', sourceId: id }));
    await manager.settled('live-minor');
    await manager.settled('live-clean');
    await waitFor(
      () => messages.some((m) => m.type === 'source' && m.source.id === 'live-minor' && m.source.quarantine),
      20_000,
      'the quarantine view',
    );
    ws.close();
    const frames = (id: string) => messages.filter((m) => m.type === 'frame' && m.sourceId === id).length;
    expect(frames('live-clean')).toBeGreaterThan(0);
    expect(frames('live-minor')).toBe(0);
    expect(
      messages.some((m) => m.type === 'analyzer' && m.sourceId === 'live-minor' && m.kind === 'quarantine'),
    ).toBe(true);
    refused(await get(`/api/v1/sources/live-minor/frame?ts=${Date.now()}`));
  }, 120_000);
});

describe('across a restart', () => {
  it('the reopened store and server still refuse every pixel of the quarantined source', async () => {
    // Close everything that holds the data dir, then open it again from scratch.
    await adultRt.close();
    await minorRt.close();
    const rt = await openTestRuntime(dataDir);
    minorRt = rt;
    adultRt = rt;
    const manager = createSourceManager({ runtime: rt, dataDir });
    const app = await buildServer(testServerDeps(rt, manager, dataDir));
    try {
      const get = (url: string) => app.inject({ method: 'GET', url, headers: bearer() });
      const r = await get(`/api/v1/sources/minor-src/frame?ts=${minor.epochMs + 500}`);
      expect(r.statusCode).toBe(403);
      expect((await get('/api/v1/sources/minor-src/recordings')).statusCode).toBe(403);
      expect((await get(`/api/v1/sources/adult-src/frame?ts=${adult.epochMs + 500}`)).statusCode).toBe(200);
      const v = (await get('/api/v1/sources/minor-src')).json() as { quarantine: { code: string } | null };
      expect(v.quarantine?.code).toBe('SAFETY_MINOR_DETECTED');
    } finally {
      await app.close();
      await manager.close();
    }
  }, 120_000);
});
