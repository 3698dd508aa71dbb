import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUILTIN_MODELS,
  createModelRegistry,
  DEFAULT_FACE_DETECTOR_ID,
  DEFAULT_FACE_EMBEDDER_ID,
  DOWNLOAD_ONLY_MODELS,
} from '@aima/inference';
import { MODELS_DIR } from './helpers.ts';

describe('face models in the manifest', () => {
  let tmp: string;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-face-models-'));
    // A loopback host that serves the wrong bytes under every name.
    server = createServer((_req, res) => {
      res.writeHead(200);
      res.end(Buffer.alloc(4096, 7));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await rm(tmp, { recursive: true, force: true });
  });

  it('has the default face detector and embedder locally, verified', async () => {
    const reg = createModelRegistry({ modelsDir: MODELS_DIR, cacheDir: path.join(tmp, 'unused') });
    for (const id of [DEFAULT_FACE_DETECTOR_ID, DEFAULT_FACE_EMBEDDER_ID]) {
      const r = await reg.resolve(id);
      expect(r.origin).toBe('models-dir');
      expect((await stat(r.path)).size).toBe(r.spec.bytes);
    }
  });

  it('lists the download-only embedders with pinned hashes, sizes and URLs', () => {
    // The download-only list also holds ASR and speaker models (their own tests check them).
    const embedders = DOWNLOAD_ONLY_MODELS.filter((m) => m.task === 'face-embed');
    expect(embedders.map((m) => m.id)).toEqual(['sface-2021dec', 'arcface-w600k-mbf']);
    for (const m of embedders) {
      expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(m.bytes).toBeGreaterThan(1_000_000);
      expect(m.url).toMatch(/^https:\/\//);
      expect(m.input).toMatchObject({ width: 112, height: 112 });
      expect(BUILTIN_MODELS.some((b) => b.id === m.id)).toBe(false);
    }
    expect(DOWNLOAD_ONLY_MODELS[0]!.url).toContain('47534e27c9851bb1128ccc0102f1145e27f23f98');
  });

  it('the registry says where it looked for them, and refuses a download whose sha256 differs', async () => {
    const models = [...BUILTIN_MODELS, ...DOWNLOAD_ONLY_MODELS];
    const reg = createModelRegistry({ modelsDir: MODELS_DIR, cacheDir: path.join(tmp, 'cache'), models });
    const listed = await reg.list();
    for (const m of DOWNLOAD_ONLY_MODELS) expect(listed.find((s) => s.spec.id === m.id)?.origin).toBeNull();
    await expect(reg.resolve('sface-2021dec')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    const redirected = createModelRegistry({
      modelsDir: null,
      cacheDir: path.join(tmp, 'cache'),
      models: DOWNLOAD_ONLY_MODELS.map((m) => ({ ...m, url: `${base}/${path.basename(m.file)}` })),
    });
    await expect(redirected.pull('arcface-w600k-mbf')).rejects.toMatchObject({ code: 'MODEL_HASH_MISMATCH' });
    await expect(stat(path.join(tmp, 'cache', 'face-embed/w600k_mbf.onnx'))).rejects.toThrow();
  });
});
