// Persons across sources, end to end: real faces (YuNet + MobileFaceNet on CPU), real chDB, the real
// server. Image folders are the media here: every image of faces/train is one person, so who is who
// is known without looking at any result first.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppearanceView, DossierView, PersonView, SourceView } from '../src/protocol.ts';
import { createPersonsService } from '../src/persons/service.ts';
import { bearer, openServerEnv, type ServerEnv } from './server-helpers.ts';

const FACES = path.join(process.env.AIMA_MEDIA_DIR ?? '', 'faces');

let env: ServerEnv;

async function call<T>(
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  schema: z.ZodType<T>,
  payload?: Record<string, unknown>,
): Promise<T> {
  const res = await env.app.inject({
    method,
    url,
    headers: bearer(),
    ...(payload === undefined ? {} : { payload }),
  });
  expect(res.statusCode, `${method} ${url}: ${res.body.slice(0, 300)}`).toBeLessThan(300);
  return schema.parse(res.json());
}

/** A folder holding copies of the given images (paths relative to faces/), renamed `<n>-<identity>.jpg`. */
async function folder(name: string, images: readonly [identity: string, file: string][]): Promise<string> {
  const dir = path.join(env.dir, name);
  await mkdir(dir, { recursive: true });
  for (const [i, [identity, file]] of images.entries()) {
    await copyFile(path.join(FACES, file), path.join(dir, `${i + 1}-${identity}${path.extname(file)}`));
  }
  return dir;
}

async function analyse(id: string, input: string): Promise<void> {
  const res = await env.app.inject({
    method: 'POST',
    url: '/api/v1/sources',
    headers: bearer(),
    payload: { input, id },
  });
  expect(res.statusCode, res.body).toBe(201);
  await env.manager.settled(id);
  const view = await call('GET', `/api/v1/sources/${id}`, SourceView);
  expect(view, JSON.stringify(view)).toMatchObject({ status: 'done', kind: 'images' });
}

const dossierOf = (id: string): Promise<DossierView> => call('GET', `/api/v1/persons/${id}`, DossierView);
const allPersons = (): Promise<PersonView[]> => call('GET', '/api/v1/persons?all=true', z.array(PersonView));

/** identity (from the file name) → person ids its appearances in `sourceId` went to. */
async function personsByIdentity(sourceId: string): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const p of await allPersons()) {
    for (const a of (await dossierOf(p.id)).appearances) {
      if (a.sourceId !== sourceId) continue;
      const identity = /^\d+-(.+)\.\w+$/.exec(a.media)?.[1] ?? '?';
      out.set(identity, (out.get(identity) ?? new Set()).add(a.personId));
    }
  }
  return out;
}

let first: Map<string, Set<string>>;
const only = (ids: Set<string> | undefined): string => {
  expect(ids?.size, `one person expected, got ${[...(ids ?? [])].join(', ')}`).toBe(1);
  return [...ids!][0]!;
};

beforeAll(async () => {
  env = await openServerEnv();
  await analyse(
    'set-a',
    await folder('set-a', [
      ['obama', 'train/obama/obama.jpg'],
      ['biden', 'train/biden/biden.jpg'],
      ['rose', 'train/rose_leslie/img1.jpg'],
      ['kit', 'train/kit_harington/john1.jpeg'],
    ]),
  );
  first = await personsByIdentity('set-a');
}, 120_000);
afterAll(async () => {
  await env?.close();
});

describe('persons across media', () => {
  it('gives each identity of the first folder its own person', () => {
    const ids = ['obama', 'biden', 'rose', 'kit'].map((n) => only(first.get(n)));
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) expect(id).toMatch(/^Person_\d{3}$/);
  });

  it('finds the same persons again in a different folder', async () => {
    await analyse(
      'set-b',
      await folder('set-b', [
        ['obama', 'train/obama/obama2.jpg'],
        ['biden', 'train/biden/biden2.jpg'],
        ['rose', 'train/rose_leslie/img2.jpg'],
        ['kit', 'train/kit_harington/john2.jpeg'],
      ]),
    );
    const second = await personsByIdentity('set-b');
    for (const n of ['obama', 'biden', 'rose', 'kit'])
      expect(only(second.get(n)), n).toBe(only(first.get(n)));
  });

  it('a name sticks: rename, analyse more media, the new appearance carries the name', async () => {
    const obama = only(first.get('obama'));
    const renamed = await call('PUT', `/api/v1/persons/${obama}/name`, PersonView, { name: 'Barack Obama' });
    expect(renamed).toMatchObject({ id: obama, name: 'Barack Obama', displayName: 'Barack Obama' });
    await analyse('set-c', await folder('set-c', [['obama', 'test/obama1.jpg']]));
    const third = await personsByIdentity('set-c');
    expect(only(third.get('obama'))).toBe(obama);
    const d = await dossierOf(obama);
    expect(d.person.name).toBe('Barack Obama');
    expect(new Set(d.appearances.map((a) => a.sourceId))).toEqual(new Set(['set-a', 'set-b', 'set-c']));
    expect(d.names).toEqual([expect.objectContaining({ from: '', to: 'Barack Obama' })]);
    const listed = await call('GET', '/api/v1/persons?q=barack', z.array(PersonView));
    expect(listed.map((p) => p.id)).toEqual([obama]);
  });

  it('merge, split and move round-trip through the API and ClickHouse', async () => {
    const rose = only(first.get('rose'));
    const kit = only(first.get('kit'));
    const roseApps = (await dossierOf(rose)).appearances;
    const kitApps = (await dossierOf(kit)).appearances;
    // Merge: every appearance of rose goes to kit, rose is gone.
    const merged = await call('POST', `/api/v1/persons/${rose}/merge`, PersonView, { into: kit });
    expect(merged.appearances).toBe(roseApps.length + kitApps.length);
    const gone = await env.app.inject({ url: `/api/v1/persons/${rose}`, headers: bearer() });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ code: 'PERSON_NOT_FOUND' });
    // Split them out again: a new person holding exactly rose's appearances.
    const keys = roseApps.map((a) => ({ sourceId: a.sourceId, appearanceId: a.appearanceId }));
    const split = await call('POST', `/api/v1/persons/${kit}/split`, PersonView, { appearances: keys });
    expect(split.id).not.toBe(kit);
    const stored = await env.runtime.store.listAppearances({ keys });
    expect(stored.map((a) => [a.personId, a.assignment])).toEqual(keys.map(() => [split.id, 'manual']));
    // Move one back to kit, then to a new person, through ClickHouse each time.
    const one = keys[0]!;
    const url = `/api/v1/appearances/${one.sourceId}/${one.appearanceId}/move`;
    expect((await call('POST', url, AppearanceView, { personId: kit })).personId).toBe(kit);
    const fresh = await call('POST', url, AppearanceView, { personId: null });
    expect(fresh.personId).not.toBe(kit);
    expect(fresh.rejected).toContain(kit);
    const [row] = await env.runtime.store.listAppearances({ keys: [one] });
    expect(row).toMatchObject({ personId: fresh.personId, assignment: 'manual' });
    const kinds = (await dossierOf(kit)).events.map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['create', 'merge', 'split', 'move']));
  });

  it('undoes an automatic assignment, and later clustering never overrides a manual decision', async () => {
    const biden = only(first.get('biden'));
    const auto = (await dossierOf(biden)).appearances.find(
      (a) => a.assignment === 'auto' && a.sourceId === 'set-b',
    );
    expect(auto, 'an automatically assigned appearance of biden').toBeDefined();
    const undone = await call('POST', `/api/v1/appearances/set-b/${auto!.appearanceId}/undo`, AppearanceView);
    expect(undone.personId).not.toBe(biden);
    expect(undone).toMatchObject({ assignment: 'manual', rejected: [biden] });
    const again = await env.app.inject({
      method: 'POST',
      url: `/api/v1/appearances/set-b/${auto!.appearanceId}/undo`,
      headers: bearer(),
    });
    expect(again.json()).toMatchObject({ code: 'PERSON_CONFLICT' });

    // A restart (a fresh persons service reading ClickHouse) and more media of biden: new faces
    // join biden automatically; the appearance the user took away stays where the user put it.
    const before = await env.runtime.store.listAppearances({});
    const manual = before.filter((a) => a.assignment === 'manual');
    const restarted = await createPersonsService(env.runtime.store);
    expect(restarted.thresholds).toEqual(env.runtime.faces!.persons.thresholds);
    // (biden.jpg, not biden2.jpg: the user has just said biden2's face is someone else.)
    await analyse('set-d', await folder('set-d', [['biden', 'train/biden/biden.jpg']]));
    expect(only((await personsByIdentity('set-d')).get('biden'))).toBe(biden);
    const after = await env.runtime.store.listAppearances({ keys: manual });
    expect(after.map((a) => [a.sourceId, a.appearanceId, a.personId])).toEqual(
      manual.map((a) => [a.sourceId, a.appearanceId, a.personId]),
    );
  });

  it('exports a dossier as JSON and CSV, naming each media file and time', async () => {
    const obama = only(first.get('obama'));
    const csv = await env.app.inject({
      url: `/api/v1/persons/${obama}/export?format=csv`,
      headers: bearer(),
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines =
      csv.body.trim().split('\r\n').length > 1 ? csv.body.trim().split('\r\n') : csv.body.trim().split('\n');
    expect(lines[0]).toBe(
      'person_id,name,source_id,source,media,start_ts,end_ts,media_start_s,media_end_s,faces,quality,assignment,similarity',
    );
    expect(lines.length - 1).toBe((await dossierOf(obama)).appearances.length);
    expect(
      lines.slice(1).every((l) => l.startsWith(`${obama},Barack Obama,set-`) && /-obama\.jpg/.test(l)),
    ).toBe(true);
    const json = await env.app.inject({
      url: `/api/v1/persons/${obama}/export?format=json`,
      headers: bearer(),
    });
    expect(json.headers['content-disposition']).toContain(`${obama}.json`);
    expect(DossierView.parse(json.json()).person.id).toBe(obama);
  });

  it('searches stored faces by similarity in ClickHouse', async () => {
    const obama = only(first.get('obama'));
    const a = (await dossierOf(obama)).appearances.find((x) => x.sourceId === 'set-a')!;
    const similar = await call(
      'GET',
      `/api/v1/appearances/set-a/${a.appearanceId}/similar?k=3`,
      z.array(z.object({ personId: z.string(), similarity: z.number(), cropUrl: z.string() })),
    );
    expect(similar).toHaveLength(3);
    expect(similar[0]!.personId).toBe(obama);
    for (let i = 1; i < similar.length; i++)
      expect(similar[i]!.similarity).toBeLessThanOrEqual(similar[i - 1]!.similarity);
    const crop = await env.app.inject({ url: similar[0]!.cropUrl, headers: bearer() });
    expect(crop.statusCode).toBe(200);
    expect(crop.headers['content-type']).toBe('image/jpeg');
    expect(crop.rawPayload.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('an unsure match asks instead of guessing; yes moves it, no keeps it apart for good', async () => {
    // A service with a high assign threshold: a real embedding of obama then falls in the unsure band.
    const obama = only(first.get('obama'));
    const strict = await createPersonsService(env.runtime.store, {
      thresholds: { assignThreshold: 0.999, unsureThreshold: 0.3 },
    });
    const [known] = await env.runtime.store.listAppearances({ personId: obama, withEmbedding: true });
    const summary = (faceTrackId: number, sign: 1 | -1) => ({
      faceTrackId,
      personTrackId: 0,
      startTs: known!.startTs,
      endTs: known!.endTs,
      faces: 1,
      goodFaces: 1,
      // Slightly off the stored vector, as a new photo would be.
      embedding: Float32Array.from(known!.embedding, (v, i) => v + sign * (i % 2 ? 0.01 : -0.01)),
      best: { ts: known!.bestTs, box: known!.bestBox, score: 0.9, quality: 0.8, crop: new Uint8Array(0) },
    });
    const ask = { sourceId: 'unsure-src', media: '', crop: '' };
    const yes = await strict.assign(summary(900_001, 1), ask);
    expect(yes).toMatchObject({ assignment: 'unsure', candidatePersonId: obama });
    expect(yes.personId).not.toBe(obama);
    expect(yes.similarity).toBeGreaterThan(0.9);
    const confirmed = await call('POST', '/api/v1/appearances/unsure-src/900001/confirm', AppearanceView);
    expect(confirmed).toMatchObject({ personId: obama, assignment: 'manual', candidatePersonId: '' });

    // A fresh service sees the confirmation (it was made through the server's own service).
    const strict2 = await createPersonsService(env.runtime.store, { thresholds: strict.thresholds });
    const no = await strict2.assign(summary(900_002, -1), ask);
    expect(no).toMatchObject({ assignment: 'unsure', candidatePersonId: obama });
    const rejected = await call('POST', '/api/v1/appearances/unsure-src/900002/reject', AppearanceView);
    expect(rejected).toMatchObject({ personId: no.personId, assignment: 'manual', candidatePersonId: '' });
    expect(rejected.rejected).toEqual([obama]);
    const answered = await env.app.inject({
      method: 'POST',
      url: '/api/v1/appearances/unsure-src/900002/confirm',
      headers: bearer(),
    });
    expect(answered.json()).toMatchObject({ code: 'PERSON_CONFLICT' });
  });

  it('refuses bad corrections with coded errors', async () => {
    const obama = only(first.get('obama'));
    const cases: [string, string, unknown, number, string][] = [
      ['POST', `/api/v1/persons/${obama}/merge`, { into: obama }, 409, 'PERSON_CONFLICT'],
      ['POST', `/api/v1/persons/${obama}/merge`, { into: 'Person_999' }, 404, 'PERSON_NOT_FOUND'],
      ['PUT', '/api/v1/persons/Person_999/name', { name: 'x' }, 404, 'PERSON_NOT_FOUND'],
      ['POST', '/api/v1/appearances/set-a/99999/move', { personId: obama }, 404, 'APPEARANCE_NOT_FOUND'],
      ['POST', `/api/v1/persons/${obama}/split`, { appearances: [] }, 400, 'API_BAD_REQUEST'],
    ];
    for (const [method, url, payload, status, code] of cases) {
      const res = await env.app.inject({
        method: method as 'POST',
        url,
        payload: payload as object,
        headers: bearer(),
      });
      expect([res.statusCode, res.json().code], url).toEqual([status, code]);
    }
  });
});
