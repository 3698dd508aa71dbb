// The tags analyzer in real analysis jobs (real ffmpeg, YOLOX-Nano, chDB) with fixture CLIP towers
// registered under the manifest's MobileCLIP ids (no CLIP weights exist here), the vocabulary
// routes (validation errors naming the key, the user's override reaching jobs), the source tags
// route and the person dossier's clothing/restraint histories.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSource } from '@aima/ingest';
import {
  BUILTIN_MODELS,
  CLIP_BPE_ID,
  createModelRegistry,
  DOWNLOAD_ONLY_MODELS,
  MOBILECLIP_S0_IMAGE_ID,
  MOBILECLIP_S0_TEXT_ID,
  type ModelSpec,
  type TagRow,
} from '@aima/inference';
import { runAnalysisJob, type Runtime } from '../index.ts';
import { buildServer } from '../src/server/index.ts';
import { createSourceManager } from '../src/sources/manager.ts';
import type { SourceManager } from '../src/sources/types.ts';
import { bearer, openTestRuntime, testServerDeps, VTEST } from './server-helpers.ts';
import { colourVocabulary, fixtureSpecs, writeTagFixtures } from '../../inference/test/tags-fixtures.ts';

const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
const IDS = { image: MOBILECLIP_S0_IMAGE_ID, text: MOBILECLIP_S0_TEXT_ID, bpe: CLIP_BPE_ID };

let dir: string;
let runtime: Runtime;
let manager: SourceManager;
let app: FastifyInstance;
let redClip: string;

/** The fixture towers under the manifest's ids, in a cache dir, with their real sha256. */
async function fixtureRegistry(cacheDir: string) {
  const files = await writeTagFixtures(await mkdtemp(path.join(dir, 'fx-')));
  const specs: ModelSpec[] = [];
  for (const s of fixtureSpecs(files, IDS)) {
    const rel = path.join('tags', path.basename(s.file));
    await mkdir(path.join(cacheDir, 'tags'), { recursive: true });
    const bytes = await readFile(s.file);
    await writeFile(path.join(cacheDir, rel), bytes);
    specs.push({
      ...s,
      file: rel,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  const taken = new Set(specs.map((s) => s.id));
  return createModelRegistry({
    modelsDir: process.env.AIMA_MODELS_DIR ?? null,
    cacheDir,
    models: [...BUILTIN_MODELS, ...DOWNLOAD_ONLY_MODELS.filter((m) => !taken.has(m.id)), ...specs],
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'aima-tags-api-'));
  const dataDir = path.join(dir, 'data');
  runtime = await openTestRuntime(dataDir, {
    models: await fixtureRegistry(path.join(dir, 'cache')),
    faces: { enabled: false },
  });
  manager = createSourceManager({ runtime, dataDir });
  app = await buildServer(testServerDeps(runtime, manager, dataDir));
  // vtest's pedestrians with every pixel's brightness put in the red channel alone: every crop is red.
  redClip = path.join(dir, 'red.mp4');
  execFileSync(FFMPEG, [
    ...['-v', 'error', '-y', '-i', VTEST, '-t', '4'],
    ...['-vf', 'colorchannelmixer=rr=0.3:rg=0.59:rb=0.11:gr=0:gg=0:gb=0:br=0:bg=0:bb=0', '-an', redClip],
  ]);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await manager?.close();
  await runtime?.close();
  await rm(dir, { recursive: true, force: true });
});

const api = (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
  app.inject({
    method,
    url,
    headers: bearer(),
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

describe('vocabulary routes', () => {
  it('serves the built-in vocabulary, refuses invalid ones naming the key, saves a valid one', async () => {
    const def = await api('GET', '/api/v1/tags/vocabulary');
    expect(def.statusCode).toBe(200);
    expect(def.json().source).toBe('default');
    expect(def.json().vocabulary.categories.map((c: { id: string }) => c.id)).toEqual([
      'clothing',
      'restraint',
      'context',
      'scene',
    ]);

    const bad = structuredClone(colourVocabulary());
    bad.categories[0]!.templates[0] = 'a photo without a placeholder';
    const r1 = await api('PUT', '/api/v1/tags/vocabulary', bad);
    expect(r1.statusCode).toBe(400);
    expect(r1.json()).toMatchObject({
      code: 'TAGS_BAD_VOCABULARY',
      message: 'categories.0.templates.0: must contain {} exactly once',
    });
    const dup = structuredClone(colourVocabulary());
    dup.categories[0]!.tags.push({ tag: 'red' });
    const r2 = await api('PUT', '/api/v1/tags/vocabulary', dup);
    expect(r2.statusCode).toBe(400);
    expect(r2.json().message).toBe("categories.0.tags.3.tag: duplicate tag 'red'");
    const r3 = await api('PUT', '/api/v1/tags/vocabulary', { version: 1, categories: [{ id: 'mood' }] });
    expect(r3.statusCode).toBe(400);
    expect(r3.json().message).toMatch(/^categories\.0\.id: /);
    // Nothing was saved by the refused requests.
    expect((await api('GET', '/api/v1/tags/vocabulary')).json().source).toBe('default');

    const ok = await api('PUT', '/api/v1/tags/vocabulary', colourVocabulary());
    expect(ok.statusCode).toBe(200);
    const now = (await api('GET', '/api/v1/tags/vocabulary')).json();
    expect(now.source).toBe('user');
    expect(now.vocabulary.categories[0].tags.map((t: { tag: string }) => t.tag)).toEqual([
      'red',
      'green',
      'blue',
    ]);
    expect((await stat(path.join(dir, 'data', 'vocabulary.json'))).isFile()).toBe(true);
  });
});

describe('the tags analyzer in a job', () => {
  it("tags person tracks and frames with the user's vocabulary, stored with the job id", async () => {
    const s = await runAnalysisJob(runtime, {
      source: parseSource(redClip),
      sourceId: 'red-walk',
      jobId: 'job-tags-1',
      fps: 2,
      analyzers: ['detect', 'tags'],
    });
    expect(s.analyzerFailures).toEqual([]);
    const rows = await runtime.store.listTags({ sourceId: 'red-walk' });
    const persons = rows.filter((r) => r.scope === 'person');
    const frames = rows.filter((r) => r.scope === 'frame');
    expect(persons.length).toBeGreaterThan(0);
    expect(frames.length).toBeGreaterThan(0);
    // Every crop of a red-only picture is red to the fixture towers (the user's colour vocabulary).
    expect(rows.every((r) => r.category === 'clothing' && r.tag === 'red')).toBe(true);
    expect(rows.every((r) => r.jobId === 'job-tags-1' && r.modelId === MOBILECLIP_S0_IMAGE_ID)).toBe(true);
    expect(rows.every((r) => r.score >= 0.3 && r.startTs <= r.endTs && r.frames >= 1)).toBe(true);
    expect(frames.every((r) => r.trackId === -1)).toBe(true);
    // Person rows are on detect's person tracks of this source (a track that ends below detect's
    // minimum score is not stored as a track, but its tags were already taken).
    const tracks = await runtime.store.listTracks({ sourceId: 'red-walk', label: 'person' });
    const personTracks = new Set(tracks.map((t) => t.trackId));
    expect(persons.every((r) => r.trackId > 0)).toBe(true);
    expect(persons.some((r) => personTracks.has(r.trackId))).toBe(true);
    // Each track at most every 1000 ms: a 2000 ms window holds at most 2 of its frames.
    expect(persons.every((r) => r.frames <= 2)).toBe(true);

    const res = await api('GET', '/api/v1/sources/red-walk/tags');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toHaveLength(rows.length);
    const one = persons[0]!;
    const ranged = await api(
      'GET',
      `/api/v1/sources/red-walk/tags?from=${one.startTs}&to=${one.endTs + 1}&trackId=${one.trackId}`,
    );
    expect(ranged.json().length).toBeGreaterThan(0);
    expect(ranged.json().every((r: TagRow) => r.trackId === one.trackId)).toBe(true);
    expect((await api('GET', '/api/v1/sources/nope/tags')).statusCode).toBe(404);
    expect((await api('GET', '/api/v1/sources/red-walk/tags?category=mood')).statusCode).toBe(400);
  }, 180_000);

  it("a person's dossier lists the clothing and restraint tags of the tracks their faces were on", async () => {
    const { store } = runtime;
    const tagged = (await store.listTags({ sourceId: 'red-walk' })).find((r) => r.scope === 'person')!;
    const t0 = tagged.startTs;
    const now = Date.now();
    await store.upsertPersons([
      {
        id: 'Person_900',
        seq: 900,
        name: '',
        createdAt: now,
        updatedAt: now,
        mergedInto: '',
        version: 1,
        deleted: false,
      },
    ]);
    await store.insertFaces([
      {
        sourceId: 'red-walk',
        ts: t0,
        frameSeq: 1,
        faceTrackId: 41,
        personTrackId: tagged.trackId,
        box: [0, 0, 10, 10],
        score: 0.9,
        quality: 0.8,
        good: true,
      },
    ]);
    await store.upsertAppearances([
      {
        sourceId: 'red-walk',
        appearanceId: 41,
        personId: 'Person_900',
        startTs: t0,
        endTs: t0 + 500,
        faces: 1,
        goodFaces: 1,
        quality: 0.8,
        bestTs: t0,
        bestBox: [0, 0, 10, 10],
        media: '',
        crop: '',
        embedding: [],
        assignment: 'manual',
        similarity: 0,
        candidatePersonId: '',
        rejected: [],
        version: 1,
        deleted: false,
      },
    ]);
    // A restraint window on the same track (as the wrists crops give), from another analysis.
    await store.insertTags([
      { ...tagged, scope: 'wrists', category: 'restraint', tag: 'rope', score: 0.7, maxScore: 0.8 },
    ]);
    const res = await api('GET', '/api/v1/persons/Person_900/tags');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.personId).toBe('Person_900');
    expect(body.clothing.length).toBeGreaterThan(0);
    expect(
      body.clothing.every(
        (e: TagRow) =>
          e.tag === 'red' &&
          e.sourceId === 'red-walk' &&
          e.jobId === 'job-tags-1' &&
          e.trackId === tagged.trackId,
      ),
    ).toBe(true);
    expect(body.restraint).toEqual([
      expect.objectContaining({
        sourceId: 'red-walk',
        jobId: 'job-tags-1',
        tag: 'rope',
        scopes: ['wrists'],
        startTs: tagged.startTs,
        endTs: tagged.endTs,
        score: 0.7,
      }),
    ]);
    expect((await api('GET', '/api/v1/persons/Person_404/tags')).statusCode).toBe(404);
  });

  it('a broken override fails tags alone with a coded error naming the key; the job goes on', async () => {
    const file = path.join(dir, 'data', 'vocabulary.json');
    const broken = structuredClone(colourVocabulary());
    broken.categories[1]!.none = [];
    await writeFile(file, JSON.stringify(broken));
    const s = await runAnalysisJob(runtime, {
      source: parseSource(redClip),
      sourceId: 'red-broken',
      fps: 2,
      durationMs: 1000,
      analyzers: ['detect', 'tags'],
    });
    expect(s.status).toBe('done');
    expect(s.analyzerFailures).toEqual([
      expect.objectContaining({ analyzer: 'tags', code: 'SAFETY_BAD_VOCABULARY' }),
    ]);
    expect(s.analyzerFailures[0]!.message).toContain('categories.1.none: ');
    expect(await runtime.store.listTags({ sourceId: 'red-broken' })).toEqual([]);
    const res = await api('GET', '/api/v1/tags/vocabulary');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'TAGS_BAD_VOCABULARY',
      message: expect.stringContaining('categories.1.none: '),
    });
  }, 120_000);

  it('documents the tags routes in OpenAPI', async () => {
    const doc = (await api('GET', '/api/openapi.json')).json() as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(ops).toEqual(
      expect.arrayContaining([
        'getTagVocabulary',
        'putTagVocabulary',
        'resetTagVocabulary',
        'getSourceTags',
        'getPersonTags',
      ]),
    );
  });

  it('a reset brings the built-in vocabulary back', async () => {
    const res = await api('DELETE', '/api/v1/tags/vocabulary');
    expect(res.statusCode).toBe(200);
    expect(res.json().source).toBe('default');
  });
});
