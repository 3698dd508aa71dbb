// The seed API (issue 11) through a real server: real runtime (chDB, YOLOX-Nano, YuNet/MobileFaceNet,
// the audio models), real ffmpeg for frames and audio, the shared media. Pose, tags, age and safety
// are checked wherever their analyzers are built (not stubs), so this file holds before and after
// they land.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelRegistry } from '@aima/inference';
import { buildServer } from '../src/server/index.ts';
import { createFrameAnalyzer } from '../src/seed/frame-analyzer.ts';
import type { SeedResponse } from '../src/seed/types.ts';
import type { JobRuntime } from '../src/runtime.ts';
import { resumePlan } from '../src/sources/resume.ts';
import { bearer, MEDIA, openServerEnv, type ServerEnv } from './server-helpers.ts';

const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
const MODELS = process.env.AIMA_MODELS_DIR ?? path.resolve('../shared/models');
const OBAMA = path.join(MEDIA, 'faces/test/obama1.jpg');
const DEMO = path.join(MEDIA, 'synthetic/demo_pedestrians_speech.mp4');

let env: ServerEnv;
let app: FastifyInstance;
let tmp: string;
/** A server whose analyzers resolve models from a folder without the age and audio-tag models. */
let partial: FastifyInstance;

const ffRaw = (...args: string[]): Buffer =>
  execFileSync(FFMPEG, ['-v', 'error', ...args], { maxBuffer: 256 * 1024 * 1024 });

/** A registry-backed model resolver over `modelsDir`, as the runtime's, without downloads. */
function resolverOver(modelsDir: string): JobRuntime['resolveAnalyzerModels'] {
  const registry = createModelRegistry({ modelsDir, cacheDir: path.join(tmp, 'cache') });
  return async (defs) => {
    const models = new Map();
    const unavailable = new Map<string, Error>();
    for (const def of defs) {
      for (const id of def.models) {
        try {
          models.set(id, await registry.resolve(id, { download: false }));
        } catch (err) {
          unavailable.set(def.id, err as Error);
          break;
        }
      }
    }
    return { models, unavailable };
  };
}

beforeAll(async () => {
  env = await openServerEnv();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-analyze-'));
  app = await buildServer({ ...env.deps, analyze: createFrameAnalyzer(env.runtime) });
  const lean = path.join(tmp, 'models');
  await mkdir(lean);
  for (const e of await readdir(MODELS))
    if (e !== 'age' && e !== 'audio-tag') await symlink(path.join(MODELS, e), path.join(lean, e));
  const runtime: JobRuntime = { ...env.runtime, resolveAnalyzerModels: resolverOver(lean) };
  partial = await buildServer({ ...env.deps, analyze: createFrameAnalyzer(runtime) });
}, 120_000);

afterAll(async () => {
  await partial?.close();
  await app?.close();
  await env?.close();
  await rm(tmp, { recursive: true, force: true });
});

const post = (url: string, payload: unknown, server = app) =>
  server.inject({ method: 'POST', url, headers: bearer(), payload: payload as object });

/** Whether an analyzer is built (the lead's stubs have version '0') and ran on this request. */
const built = (id: string): boolean => env.runtime.analyzers.get(id)?.version !== '0';
const ran = (r: SeedResponse, id: string): boolean => built(id) && r.analyzers.includes(id);

/** What is stored: sources and detections, to show refused requests store nothing. */
async function stored(): Promise<{ sources: number; detections: number }> {
  return {
    sources: (await env.runtime.store.listSources()).length,
    detections: await env.runtime.store.countDetections({}),
  };
}

function checkPose(r: SeedResponse): void {
  for (const f of r.frames) {
    for (const p of f.pose) {
      expect(p.keypoints).toHaveLength(17);
      for (const k of p.keypoints) expect(k).toHaveLength(3);
      const person = f.detections.find((d) => d.trackId === p.trackId && d.label === 'person');
      if (!person || p.trackId === 0) continue;
      // Confident keypoints lie inside (a margin around) their person's box.
      const [x1, y1, x2, y2] = person.box;
      const mx = (x2 - x1) * 0.25;
      const my = (y2 - y1) * 0.25;
      for (const [x, y, s] of p.keypoints as Array<[number, number, number]>) {
        if (s < 0.5) continue;
        expect(x).toBeGreaterThanOrEqual(x1 - mx);
        expect(x).toBeLessThanOrEqual(x2 + mx);
        expect(y).toBeGreaterThanOrEqual(y1 - my);
        expect(y).toBeLessThanOrEqual(y2 + my);
      }
    }
  }
}

describe('POST /api/v1/analyze/frame', () => {
  it('a JPEG of a person: detections, a face linked to a person, a source of kind api', async () => {
    const jpeg = (await readFile(OBAMA)).toString('base64');
    const res = await post('/api/v1/analyze/frame', { frame: `data:image/jpeg;base64,${jpeg}` });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json<SeedResponse>();
    expect(r.frames).toHaveLength(1);
    const f = r.frames[0]!;
    expect([f.width, f.height]).toEqual([1480, 832]);
    const person = f.detections.find((d) => d.label === 'person');
    expect(person, JSON.stringify(f.detections)).toBeDefined();
    // Boxes are in the client's pixels although the frame was analysed smaller.
    expect(person!.box[2]).toBeLessThanOrEqual(1480);
    expect(person!.box[2] - person!.box[0]).toBeGreaterThan(200);
    expect(f.persons.length).toBeGreaterThan(0);
    expect(f.persons[0]!.personId).toMatch(/^Person_\d+/);
    expect(r.audio).toEqual({ events: [], transcript: [] });
    expect(r.quarantine).toBeNull();
    // No audio: the audio analyzers of the default set are left out, and not reported as failures.
    expect(r.analyzers).not.toContain('sounds');
    for (const u of r.unavailable) expect(u.code).toMatch(/^[A-Z_]+$/);
    // Every default analyzer either ran or says why not.
    for (const id of ['detect', 'faces', 'pose', 'tags', 'age', 'safety'])
      expect(r.analyzers.includes(id) || r.unavailable.some((u) => u.analyzer === id), id).toBe(true);
    if (ran(r, 'pose')) {
      expect(f.pose.length).toBeGreaterThan(0);
      checkPose(r);
    }
    if (ran(r, 'age')) {
      expect(f.age?.length ?? 0).toBeGreaterThan(0);
      for (const a of f.age!) expect(['adult', 'minor', 'unknown']).toContain(a.verdict);
    }
    if (ran(r, 'tags')) for (const t of f.tags) expect(t.score).toBeGreaterThanOrEqual(0);
    if (ran(r, 'safety')) expect(r.safety?.persons ?? 0).toBeGreaterThan(0);

    // The run is a source like any other: listed, with its detections queryable.
    const src = await env.runtime.store.getSource(r.sourceId);
    expect(src?.kind).toBe('api');
    expect(src?.status).toBe('done');
    expect(
      await env.runtime.store.countDetections({ sourceId: r.sourceId, label: 'person' }),
    ).toBeGreaterThan(0);
    const view = await app.inject({ method: 'GET', url: `/api/v1/sources/${r.sourceId}`, headers: bearer() });
    expect(view.statusCode, view.body).toBe(200);
    expect(view.json<{ kind: string }>().kind).toBe('api');
  }, 120_000);

  it('a raw pixel array (rgba numbers and rgb base64) is analysed like an image', async () => {
    const [w, h] = [370, 208];
    const rgba = ffRaw('-i', OBAMA, '-vf', `scale=${w}:${h}`, '-pix_fmt', 'rgba', '-f', 'rawvideo', '-');
    expect(rgba.length).toBe(w * h * 4);
    const a = await post('/api/v1/analyze/frame', {
      frame: { width: w, height: h, format: 'rgba', data: [...rgba] },
      analyzers: ['detect'],
    });
    expect(a.statusCode, a.body).toBe(200);
    const ra = a.json<SeedResponse>();
    expect(ra.analyzers).toEqual(['detect']);
    expect([ra.frames[0]!.width, ra.frames[0]!.height]).toEqual([w, h]);
    expect(ra.frames[0]!.detections.some((d) => d.label === 'person')).toBe(true);
    const rgb = ffRaw('-i', OBAMA, '-vf', `scale=${w}:${h}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', '-');
    const b = await post('/api/v1/analyze/frame', {
      frame: { width: w, height: h, format: 'rgb', data: rgb.toString('base64') },
      analyzers: ['detect'],
    });
    expect(b.statusCode, b.body).toBe(200);
    expect(b.json<SeedResponse>().frames[0]!.detections.some((d) => d.label === 'person')).toBe(true);
  }, 60_000);
});

describe('POST /api/v1/analyze/batch', () => {
  it('frames cut by ffmpeg with the clip’s audio at 48 kHz: detections on every frame, audio results', async () => {
    const dir = path.join(tmp, 'demo');
    await mkdir(dir);
    // Six frames, one a second, and the same six seconds of sound as 48 kHz float samples.
    ffRaw('-i', DEMO, '-t', '6', '-vf', 'fps=1', '-q:v', '3', path.join(dir, 'f%02d.jpg'));
    const files = (await readdir(dir)).filter((f) => f.endsWith('.jpg')).sort();
    expect(files.length).toBe(6);
    const frames = await Promise.all(
      files.map(async (f) => (await readFile(path.join(dir, f))).toString('base64')),
    );
    const pcm = ffRaw('-i', DEMO, '-t', '6', '-vn', '-ac', '1', '-ar', '48000', '-f', 'f32le', '-');
    const samples = [...new Float32Array(pcm.buffer, pcm.byteOffset, pcm.length / 4)];
    const res = await post('/api/v1/analyze/batch', {
      frames,
      fps: 1,
      audio_data: samples,
      sample_rates: 48000,
    });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json<SeedResponse>();
    expect(r.frames.map((f) => f.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.frames[1]!.ts - r.frames[0]!.ts).toBe(1000);
    for (const f of r.frames) expect(f.detections.length, `frame ${f.index}`).toBeGreaterThan(0);
    // Tracked across the sequence: some track id is confirmed on more than one frame.
    const ids = r.frames.flatMap((f) => f.detections.map((d) => d.trackId).filter((t) => t > 0));
    expect(new Set(ids).size).toBeLessThan(ids.length);
    if (r.analyzers.includes('sounds')) expect(r.audio.events.map((e) => e.label)).toContain('speech');
    if (r.analyzers.includes('asr')) {
      expect(r.audio.transcript.length).toBeGreaterThan(0);
      // Speech starts 2 s into the clip: on the frames' clock.
      expect(r.audio.transcript[0]!.startTs - r.frames[0]!.ts).toBeGreaterThan(1500);
    }
    if (ran(r, 'pose')) checkPose(r);
    if (ran(r, 'safety')) expect(r.safety).not.toBeNull();
    expect((await env.runtime.store.listAudioEvents({ sourceId: r.sourceId })).length).toBe(
      r.audio.events.length,
    );
  }, 180_000);
});

describe('audio encodings', () => {
  it('one 16-bit clip per frame at different rates: resampled to 16 kHz and joined in frame order', async () => {
    const tone = (rate: number, seconds: number): string => {
      const b = Buffer.alloc(rate * seconds * 2);
      for (let i = 0; i < rate * seconds; i++)
        b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
      return b.toString('base64');
    };
    const frame = (await readFile(OBAMA)).toString('base64');
    const res = await post('/api/v1/analyze/batch', {
      frames: [frame, frame],
      audio_data: [tone(8000, 1), tone(44100, 1)],
      audio_encoding: 's16',
      sample_rates: [8000, 44100],
      analyzers: ['detect', 'loudness'],
    });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json<SeedResponse>();
    expect(r.analyzers).toEqual(['detect', 'loudness']);
    // Two seconds of sound in all: two loudness rows, neither silent (the tone is -12 dBFS).
    const rows = await env.runtime.store.listLoudness({ sourceId: r.sourceId });
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.silent).toBe(false);
    expect(rows[1]!.ts - rows[0]!.ts).toBe(1000);
  }, 60_000);
});

describe('bad input: coded 4xx, nothing stored', () => {
  const png = async (): Promise<Buffer> =>
    ffRaw('-i', OBAMA, '-vf', 'scale=64:36', '-f', 'image2pipe', '-c:v', 'png', '-');
  /** A PNG header claiming width × height (the decoder never runs). */
  const pngClaiming = async (width: number, height: number): Promise<string> => {
    const b = Buffer.from(await png());
    b.writeUInt32BE(width, 16);
    b.writeUInt32BE(height, 20);
    return b.toString('base64');
  };

  it('answers each bad request with its code and stores nothing', async () => {
    const good = (await png()).toString('base64');
    const corrupt = Buffer.from(await png());
    corrupt.fill(0x5a, 40, corrupt.length - 20);
    const cases: Array<[string, string, unknown, number, string]> = [
      ['bad base64', 'frame', { frame: '@@not base64@@' }, 400, 'ANALYZE_BAD_FRAME'],
      [
        'not an image',
        'frame',
        { frame: Buffer.from('hello world, no picture').toString('base64') },
        400,
        'ANALYZE_BAD_FRAME',
      ],
      ['corrupt PNG', 'frame', { frame: corrupt.toString('base64') }, 400, 'ANALYZE_BAD_FRAME'],
      ['huge PNG', 'frame', { frame: await pngClaiming(5000, 5000) }, 413, 'ANALYZE_FRAME_TOO_LARGE'],
      ['20 MP PNG', 'frame', { frame: await pngClaiming(4096, 4096 + 1024) }, 413, 'ANALYZE_FRAME_TOO_LARGE'],
      [
        'pixel count',
        'frame',
        { frame: { width: 4, height: 4, data: new Array(47).fill(0) } },
        400,
        'ANALYZE_PIXELS_MISMATCH',
      ],
      [
        'pixel base64 count',
        'frame',
        { frame: { width: 4, height: 4, format: 'gray', data: 'AAAA' } },
        400,
        'ANALYZE_PIXELS_MISMATCH',
      ],
      [
        'pixel value',
        'frame',
        { frame: { width: 1, height: 1, data: [0, 256, 0] } },
        400,
        'ANALYZE_BAD_FRAME',
      ],
      [
        'low rate',
        'frame',
        { frame: good, audio_data: [0, 0.1], sample_rate: 4000 },
        400,
        'ANALYZE_BAD_SAMPLE_RATE',
      ],
      [
        'absurd rate',
        'frame',
        { frame: good, audio_data: [0, 0.1], sample_rate: 1e7 },
        400,
        'ANALYZE_BAD_SAMPLE_RATE',
      ],
      ['no rate', 'frame', { frame: good, audio_data: [0, 0.1] }, 400, 'ANALYZE_BAD_SAMPLE_RATE'],
      [
        'sample out of range',
        'frame',
        { frame: good, audio_data: [0, 2], sample_rate: 16000 },
        400,
        'ANALYZE_BAD_AUDIO',
      ],
      [
        'odd s16 bytes',
        'frame',
        { frame: good, audio_data: 'AAAA', audio_encoding: 's16', sample_rate: 16000 },
        400,
        'ANALYZE_BAD_AUDIO',
      ],
      [
        '61 s of audio',
        'frame',
        {
          frame: good,
          audio_data: Buffer.alloc(61 * 8000 * 2).toString('base64'),
          audio_encoding: 's16',
          sample_rate: 8000,
        },
        413,
        'ANALYZE_AUDIO_TOO_LONG',
      ],
      [
        'unknown analyzer',
        'frame',
        { frame: good, analyzers: ['detect', 'telepathy'] },
        400,
        'INFER_UNKNOWN_ANALYZER',
      ],
      ['65 frames', 'batch', { frames: new Array(65).fill(good) }, 413, 'ANALYZE_TOO_MANY_FRAMES'],
      [
        'mixed sizes',
        'batch',
        { frames: [good, await pngClaiming(64, 48)] },
        400,
        'ANALYZE_FRAME_SIZE_MISMATCH',
      ],
      [
        'rates per clip',
        'batch',
        { frames: [good, good], audio_data: [[0], [0], [0]], sample_rates: [16000, 16000] },
        400,
        'ANALYZE_BAD_SAMPLE_RATE',
      ],
      ['a bad frame late in a batch', 'batch', { frames: [good, good, '%%%'] }, 400, 'ANALYZE_BAD_FRAME'],
      ['unknown field', 'frame', { frame: good, sampleRate: 16000 }, 400, 'API_BAD_REQUEST'],
    ];
    const before = await stored();
    for (const [name, kind, body, status, code] of cases) {
      const res = await post(`/api/v1/analyze/${kind}`, body);
      expect(res.statusCode, `${name}: ${res.body}`).toBe(status);
      expect(res.json<{ code: string }>().code, name).toBe(code);
    }
    // A body over 32 MiB is refused before it is parsed.
    const big = await post('/api/v1/analyze/frame', { frame: 'A'.repeat(33 * 1024 * 1024) });
    expect(big.statusCode).toBe(413);
    expect(big.json<{ code: string }>().code).toBe('API_BODY_TOO_LARGE');
    expect(await stored()).toEqual(before);
  }, 120_000);

  it('a named analyzer without its model: 422 ANALYZE_MODEL_MISSING, nothing stored', async () => {
    const before = await stored();
    const res = await post(
      '/api/v1/analyze/frame',
      {
        frame: (await png()).toString('base64'),
        audio_data: [0, 0.1, 0],
        sample_rate: 16000,
        analyzers: ['detect', 'sounds'],
      },
      partial,
    );
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json<{ code: string; message: string }>()).toMatchObject({ code: 'ANALYZE_MODEL_MISSING' });
    expect(res.json<{ message: string }>().message).toContain('MODEL_NOT_FOUND');
    // In the default set the same analyzer is listed as unavailable, with the registry's code.
    const ok = await post(
      '/api/v1/analyze/frame',
      { frame: (await png()).toString('base64'), audio_data: [0, 0.1, 0], sample_rate: 16000 },
      partial,
    );
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json<SeedResponse>().unavailable).toContainEqual(
      expect.objectContaining({ analyzer: 'sounds', code: 'MODEL_NOT_FOUND' }),
    );
    expect((await stored()).sources).toBe(before.sources + 1);
  }, 60_000);

  it('nsfw without a working age model is refused by the gate, nothing stored', async () => {
    if (!built('nsfw') || !built('age')) return; // the gate's analyzers have not landed yet
    const before = await stored();
    const res = await post(
      '/api/v1/analyze/frame',
      { frame: (await png()).toString('base64'), analyzers: ['detect', 'faces', 'nsfw'] },
      partial,
    );
    expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.json<{ code: string }>().code).toBe('SAFETY_AGE_GATE_REQUIRED');
    expect(await stored()).toEqual(before);
  }, 60_000);

  it('nsfw on a face that cannot be aged: the gate quarantines the source, the answer says so', async () => {
    if (!built('nsfw') || !built('age')) return; // the gate's analyzers have not landed yet
    // A 64×36 picture: its face is far too small to be aged, so the gate cannot clear it.
    const res = await post('/api/v1/analyze/frame', {
      frame: (await png()).toString('base64'),
      analyzers: ['detect', 'faces', 'age', 'nsfw'],
    });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json<SeedResponse>();
    expect(r.frames[0]!.age?.[0]?.verdict).toBe('unknown');
    expect(r.quarantine?.code).toBe('SAFETY_AGE_UNKNOWN');
    expect(r.unavailable).toContainEqual(
      expect.objectContaining({ analyzer: 'nsfw', code: 'SAFETY_MINOR_STOP' }),
    );
    // nsfw never classified the frame, and the answer holds no picture data.
    expect(r.frames[0]!.nsfw).toBeUndefined();
    expect(res.body.length).toBeLessThan(20_000);
    expect((await env.runtime.store.getQuarantine(r.sourceId))?.code).toBe('SAFETY_AGE_UNKNOWN');
  }, 60_000);

  it('a seed run cut off by a restart is failed as interrupted, never re-read as a file', async () => {
    const res = await post('/api/v1/analyze/frame', {
      frame: (await png()).toString('base64'),
      analyzers: ['detect'],
    });
    const rec = (await env.runtime.store.getSource(res.json<SeedResponse>().sourceId))!;
    expect(resumePlan({ ...rec, status: 'running' }, null)).toMatchObject({
      action: 'fail',
      code: 'SOURCE_INTERRUPTED',
    });
  });

  it('more seed runs than allowed at once: 503 ANALYZE_BUSY for the extra one', async () => {
    const one = createFrameAnalyzer(env.runtime, { concurrent: 1 });
    const req = { frames: [(await png()).toString('base64')], fps: 1, audio: null, analyzers: ['detect'] };
    const [a, b] = await Promise.allSettled([one.analyze(req), one.analyze(req)]);
    expect(a.status).toBe('fulfilled');
    expect(b.status === 'rejected' && (b.reason as { code: string }).code).toBe('ANALYZE_BUSY');
  });

  it('without a seed engine the routes answer 503 ANALYZE_UNAVAILABLE', async () => {
    const res = await post('/api/v1/analyze/frame', { frame: 'AAAA' }, env.app);
    expect(res.statusCode).toBe(503);
    expect(res.json<{ code: string }>().code).toBe('ANALYZE_UNAVAILABLE');
  });

  it('documents both routes with their limits and examples', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/openapi.json' });
    if (res.statusCode !== 200) return expect.fail(`openapi: ${res.statusCode}`);
    const doc = res.json<{ paths: Record<string, Record<string, Record<string, unknown>>> }>();
    for (const p of ['/api/v1/analyze/frame', '/api/v1/analyze/batch']) {
      const op = doc.paths[p]?.['post'] as {
        description: string;
        requestBody: unknown;
        responses: Record<string, unknown>;
      };
      expect(op.description).toContain('ANALYZE_FRAME_TOO_LARGE');
      expect(JSON.stringify(op.requestBody)).toContain('examples');
      expect(JSON.stringify(op.responses['200'])).toContain('"example"');
      expect(op.responses['413']).toBeDefined();
    }
  });
});
