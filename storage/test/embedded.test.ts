import { mkdtemp, rm, writeFile, chmod, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, createStore } from '../index.ts';
import { storeContract } from './contract.ts';
import { source } from './fixtures.ts';

// chDB binds one data directory per process; vitest gives this file its own process, and every
// store below shares `dataDir` except where switching directories is the point.
let tmp: string;
let dataDir: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-storage-embedded-'));
  dataDir = path.join(tmp, 'clickhouse'); // not created yet: createStore makes it
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('embedded store: fresh data directory', () => {
  it('applies every migration on first open', async () => {
    await using store = await createStore({ dataDir });
    expect(store.kind).toBe('embedded');
    expect(await store.migrate()).toEqual({
      applied: MIGRATIONS.map((m) => m.version),
      version: MIGRATIONS.at(-1)?.version,
    });
  });
});

storeContract('embedded chDB', () => createStore({ dataDir }));

describe('embedded store: one data directory per process', () => {
  it('keeps data across close and reopen', async () => {
    const a = await createStore({ dataDir });
    await a.upsertSource(source('persist-1', { status: 'done' }));
    await a.close();
    const b = await createStore({ dataDir });
    expect((await b.getSource('persist-1'))?.status).toBe('done');
    await b.close();
  });

  it('refuses a second directory while one is open, and switches once all stores closed', async () => {
    const otherDir = path.join(tmp, 'other');
    const a = await createStore({ dataDir });
    const shared = await createStore({ dataDir: `${dataDir}/./` }); // same directory, other spelling
    await expect(createStore({ dataDir: otherDir })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.stringContaining(otherDir),
    });
    await shared.close();
    expect(await a.labels()).toEqual(expect.any(Array)); // the shared engine survived
    await a.close();

    const other = await createStore({ dataDir: otherDir });
    expect(await other.migrate()).toMatchObject({ applied: MIGRATIONS.map((m) => m.version) });
    expect(await other.getSource('persist-1')).toBeNull();
    await other.close();

    await using back = await createStore({ dataDir });
    expect((await back.getSource('persist-1'))?.status).toBe('done');
  });
});

describe('embedded store: unwritable data directory', () => {
  it('rejects a path under a regular file, naming the path', async () => {
    const file = path.join(tmp, 'a-file');
    await writeFile(file, 'x');
    const bad = path.join(file, 'sub');
    await expect(createStore({ dataDir: bad })).rejects.toMatchObject({
      name: 'StoreError',
      code: 'STORE_DATA_DIR_UNWRITABLE',
      exitCode: 7,
      httpStatus: 500,
      message: expect.stringContaining(bad),
    });
  });

  it('rejects a regular file given as the directory', async () => {
    const file = path.join(tmp, 'b-file');
    await writeFile(file, 'x');
    await expect(createStore({ dataDir: file })).rejects.toMatchObject({ code: 'STORE_DATA_DIR_UNWRITABLE' });
  });

  it('rejects a directory in /proc, where even root cannot create files', async () => {
    await expect(createStore({ dataDir: '/proc/aima-no-such-dir/db' })).rejects.toMatchObject({
      code: 'STORE_DATA_DIR_UNWRITABLE',
    });
    await expect(createStore({ dataDir: '/proc/self' })).rejects.toMatchObject({
      code: 'STORE_DATA_DIR_UNWRITABLE',
    });
  });

  // root bypasses permission bits, so this case only means something for other users.
  it.skipIf(process.getuid?.() === 0)('rejects a read-only (0555) directory', async () => {
    const ro = path.join(tmp, 'read-only');
    await mkdir(ro);
    await chmod(ro, 0o555);
    await expect(createStore({ dataDir: ro })).rejects.toMatchObject({ code: 'STORE_DATA_DIR_UNWRITABLE' });
    await chmod(ro, 0o755);
  });

  it('rejects options with neither a url nor a data directory', async () => {
    await expect(createStore({})).rejects.toMatchObject({ code: 'STORE_DATA_DIR_UNWRITABLE' });
  });
});
