// `aima analyze <folder>` and `aima persons` as a person would run them: real processes, real faces,
// the embedded ClickHouse in a temp data directory.
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aima, MEDIA_DIR } from './cli-helpers.ts';

const FACES = path.join(MEDIA_DIR, 'faces');
let tmp: string;
let env: Record<string, string>;

interface PersonOut {
  id: string;
  name: string;
  appearances: number;
  items: { sourceId: string; file: string; start: string; mediaStartS: number; assignment: string }[];
}

async function folder(name: string, files: readonly string[]): Promise<string> {
  const dir = path.join(tmp, name);
  await mkdir(dir, { recursive: true });
  for (const f of files) await copyFile(path.join(FACES, f), path.join(dir, f.replace(/\//g, '_')));
  return dir;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-persons-cli-'));
  env = { AIMA_DATA_DIR: path.join(tmp, 'data') };
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('aima analyze <folder> + aima persons', () => {
  it('analyses a folder of images: each image a moment, faces grouped into persons', async () => {
    const dir = await folder('photos', [
      'train/obama/obama.jpg',
      'train/obama/obama2.jpg',
      'train/biden/biden.jpg',
      'train/biden/biden2.jpg',
    ]);
    const r = await aima(['analyze', dir, '--id', 'photos', '--json'], env, 180_000);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      kind: string;
      frames: number;
      faces: { faces: number; persons: string[] };
    };
    expect(summary.kind).toBe('images');
    expect(summary.frames).toBe(4);
    expect(summary.faces.faces).toBeGreaterThanOrEqual(4);
    expect(summary.faces.persons).toHaveLength(2);
  });

  it('aima persons --json lists persons with their appearances, each naming its file and time', async () => {
    const r = await aima(['persons', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const persons = JSON.parse(r.stdout) as PersonOut[];
    expect(persons).toHaveLength(2);
    const byFile = new Map(persons.flatMap((p) => p.items.map((a) => [path.basename(a.file), p.id])));
    expect(byFile.get('train_obama_obama.jpg')).toBe(byFile.get('train_obama_obama2.jpg'));
    expect(byFile.get('train_biden_biden.jpg')).toBe(byFile.get('train_biden_biden2.jpg'));
    expect(byFile.get('train_obama_obama.jpg')).not.toBe(byFile.get('train_biden_biden.jpg'));
    for (const p of persons) {
      expect(p.id).toMatch(/^Person_\d{3}$/);
      for (const a of p.items) {
        expect(a.file.startsWith(path.join(tmp, 'photos'))).toBe(true);
        expect(Date.parse(a.start)).toBeGreaterThan(0);
        expect(a.sourceId).toBe('photos');
      }
    }
    // The human table and a CSV file say the same.
    const table = await aima(['persons'], env);
    expect(table.stdout).toMatch(/Person_001/);
    const out = path.join(tmp, 'persons.csv');
    expect((await aima(['persons', '--out', out], env)).code).toBe(0);
    const csv = (await readFile(out, 'utf8')).trim().split(/\r?\n/);
    expect(csv[0]).toBe(
      'person_id,name,source_id,appearance_id,file,start,end,media_start_s,media_end_s,faces,assignment',
    );
    expect(csv).toHaveLength(1 + persons.reduce((n, p) => n + p.items.length, 0));
  });

  it('a video: appearances name the file and the media time', async () => {
    const clip = path.join(MEDIA_DIR, 'video/short_hamilton_clip.mp4');
    const r = await aima(['analyze', clip, '--id', 'hamilton', '--fps', '3', '--json'], env, 180_000);
    expect(r.code, r.stderr).toBe(0);
    const persons = JSON.parse((await aima(['persons', '--json', '--all'], env)).stdout) as PersonOut[];
    const items = persons.flatMap((p) => p.items).filter((a) => a.sourceId === 'hamilton');
    expect(items.length).toBeGreaterThan(0);
    for (const a of items) {
      expect(a.file).toBe(clip);
      expect(a.mediaStartS).toBeGreaterThanOrEqual(0);
      expect(a.mediaStartS).toBeLessThan(10.1);
    }
  });

  it('a still and a video: the reference photo of the performer joins the person seen in the clip', async () => {
    // faces/hamilton_refs holds stills of Lin-Manuel Miranda and Alex Lacamoire (the repo's reference
    // faces for the Hamilton clip); the performer in close-up is matched across the two media.
    const refs = path.join(FACES, 'hamilton_refs');
    expect((await aima(['analyze', refs, '--id', 'refs'], env, 120_000)).code).toBe(0);
    const persons = JSON.parse((await aima(['persons', '--json', '--all'], env)).stdout) as PersonOut[];
    const lin = persons.find((p) => p.items.some((a) => a.file.endsWith('lin-manuel-miranda.png')));
    expect(lin).toBeDefined();
    expect(lin!.items.some((a) => a.sourceId === 'hamilton')).toBe(true);
    expect(new Set(lin!.items.map((a) => a.sourceId))).toEqual(new Set(['hamilton', 'refs']));
  });

  it('unknown person: exit 3 with a one-line coded error', async () => {
    const r = await aima(['persons', 'Person_999'], env);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/PERSON_NOT_FOUND/);
  });
});
