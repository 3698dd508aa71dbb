// The source guard behind POST /api/v1/sources and the uploads route, on a real runtime: refused
// sources answer 403 {code, message} (no credentials in it), leave no source row, spawn no ffmpeg
// and open no connection (a counting TCP server on 127.0.0.1 proves it); files inside a media root
// are analysed as before. Names are never looked up: IP literals and an injected resolver only.
import child_process from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loopbackConnect, loopbackSpawn } from '../../test-support/loopback-only.ts';
import { createSourceGuard, type SourceGuard } from '@aima/ingest';
import { buildServer } from '../src/server/index.ts';
import { VTEST, bearer, cutClip, openServerEnv, type ServerEnv } from './server-helpers.ts';

let env: ServerEnv;
let media: string;
let clip: string;
let counter: net.Server;
let port = 0;
let connections = 0;
const realSpawn = child_process.spawn;
const realConnect = net.Socket.prototype.connect;
// Spies that also refuse anything aimed outside loopback: a broken guard fails the test, it never
// sends a packet to the addresses named here.
const spawnSpy = vi.spyOn(child_process, 'spawn').mockImplementation(loopbackSpawn(realSpawn));
const connectSpy = vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(loopbackConnect(realConnect));
const lookups: string[] = [];

const guardFor = (policy: 'self-hosted' | 'public-only'): SourceGuard =>
  createSourceGuard({
    policy,
    mediaRoots: [path.join(env.dataDir, 'uploads'), media],
    resolve: async (host) => {
      lookups.push(host);
      if (host === 'metadata.test') return ['169.254.169.254'];
      throw new Error(`ENOTFOUND ${host}`);
    },
  });

async function post(app: FastifyInstance, input: string) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/sources',
    headers: bearer(),
    payload: { input, fps: 2 },
  });
}

beforeAll(async () => {
  syncBuiltinESMExports(); // the spy on child_process.spawn reaches `import { spawn }` too
  counter = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => counter.listen(0, '127.0.0.1', r));
  port = (counter.address() as net.AddressInfo).port;
  env = await openServerEnv();
  media = path.join(env.dir, 'media');
  await mkdir(media, { recursive: true });
  clip = await cutClip(VTEST, media, 'clip.mp4', 1);
  await writeFile(path.join(env.dir, 'outside.mp4'), 'x');
  await symlink('/etc/passwd', path.join(media, 'passwd.mp4'));
}, 120_000);
afterAll(async () => {
  await env?.close();
  await new Promise((r) => counter?.close(r));
  vi.restoreAllMocks();
  syncBuiltinESMExports();
});

describe('POST /api/v1/sources with a source guard', () => {
  it('refuses blocked addresses and paths before storing, spawning or connecting anything', async () => {
    const app = await buildServer({ ...env.deps, sourceGuard: guardFor('self-hosted') });
    const strict = await buildServer({ ...env.deps, sourceGuard: guardFor('public-only') });
    try {
      spawnSpy.mockClear();
      connectSpy.mockClear();
      const refused: Array<[FastifyInstance, string, string]> = [
        [app, '/etc/shadow', 'INGEST_PATH_OUTSIDE_ROOTS'],
        [app, 'file:///etc/shadow', 'INGEST_PATH_OUTSIDE_ROOTS'],
        [app, path.join(media, 'passwd.mp4'), 'INGEST_PATH_OUTSIDE_ROOTS'],
        [app, `${media}/../outside.mp4`, 'INGEST_PATH_OUTSIDE_ROOTS'],
        [app, `${media}/../no-such-file.mp4`, 'INGEST_PATH_OUTSIDE_ROOTS'],
        [app, 'http://169.254.169.254/latest/meta-data/', 'INGEST_SOURCE_BLOCKED'],
        [app, 'http://[::ffff:169.254.169.254]/', 'INGEST_SOURCE_BLOCKED'],
        [app, 'http://2852039166/latest/meta-data/', 'INGEST_SOURCE_BLOCKED'],
        [app, 'rtsp://user:secret@169.254.169.254/x', 'INGEST_SOURCE_BLOCKED'],
        [app, `http://metadata.test:${port}/latest/meta-data/`, 'INGEST_SOURCE_BLOCKED'],
        [strict, `rtsp://127.0.0.1:${port}/x`, 'INGEST_SOURCE_BLOCKED'],
        [strict, `rtsp://127.0.0.1:1/x`, 'INGEST_SOURCE_BLOCKED'],
      ];
      for (const [server, input, code] of refused) {
        const res = await post(server, input);
        expect(res.statusCode, input).toBe(403);
        expect(res.json(), input).toEqual({ code, message: expect.any(String) });
        expect(res.body).not.toContain('secret');
      }
      expect(lookups).toEqual(['metadata.test']);
      expect(spawnSpy).not.toHaveBeenCalled();
      expect(connectSpy).not.toHaveBeenCalled();
      expect(connections).toBe(0);
      expect(await env.manager.list()).toEqual([]);
      expect(await env.runtime.store.listSources()).toEqual([]);
    } finally {
      await app.close();
      await strict.close();
    }
  });

  it('keeps INGEST_FILE_NOT_FOUND inside the roots and analyses files there as before', async () => {
    const app = await buildServer({ ...env.deps, sourceGuard: guardFor('public-only') });
    try {
      const missing = await post(app, path.join(media, 'missing.mp4'));
      expect(missing.statusCode).toBe(404);
      expect(missing.json().code).toBe('INGEST_FILE_NOT_FOUND');

      spawnSpy.mockClear();
      const res = await post(app, clip);
      expect(res.statusCode, res.body).toBe(201);
      const { id } = res.json() as { id: string };
      await env.manager.settled(id);
      expect((await env.manager.get(id))?.status).toBe('done');
      expect(spawnSpy).toHaveBeenCalled(); // the spy does see ffmpeg: its silence above means something

      // Uploads land in <dataDir>/uploads, a media root: accepted through the guard.
      const up = await app.inject({
        method: 'PUT',
        url: '/api/v1/uploads/upload.mp4?fps=2',
        headers: { ...bearer(), 'content-type': 'application/octet-stream' },
        payload: await readFile(clip),
      });
      expect(up.statusCode, up.body).toBe(201);
      await env.manager.settled((up.json() as { id: string }).id);
    } finally {
      await app.close();
    }
  }, 120_000);
});
