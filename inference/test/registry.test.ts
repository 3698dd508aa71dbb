import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, stat, writeFile, copyFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_MODELS, DOWNLOAD_ONLY_MODELS, createModelRegistry, type ModelSpec } from '@aima/inference';
import { MODELS_DIR } from './helpers.ts';

const yolox = BUILTIN_MODELS.find((m) => m.id === 'yolox-nano')!;

describe('model registry', () => {
  let tmp: string;
  let server: Server;
  let base: string;
  let requests = 0;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-registry-'));
    const real = await readFile(path.join(MODELS_DIR, yolox.file));
    // A real HTTP server on loopback stands in for the model host: same bytes, real streaming.
    server = createServer((req, res) => {
      requests++;
      if (req.url === '/yolox_nano.onnx') {
        res.writeHead(200, { 'content-length': real.byteLength });
        res.end(real);
      } else if (req.url === '/tampered.onnx') {
        const bad = Buffer.from(real);
        bad[1000] = (bad[1000]! + 1) % 256;
        res.writeHead(200);
        res.end(bad);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await rm(tmp, { recursive: true, force: true });
  });

  const withUrl = (file: string): ModelSpec[] => [{ ...yolox, url: `${base}/${file}` }];

  it('resolves every built-in model from AIMA_MODELS_DIR and verifies its sha256', async () => {
    const reg = createModelRegistry({ modelsDir: MODELS_DIR, cacheDir: path.join(tmp, 'unused') });
    for (const m of BUILTIN_MODELS) {
      const r = await reg.resolve(m.id);
      expect(r.origin).toBe('models-dir');
      expect((await stat(r.path)).size).toBe(m.bytes);
    }
    const list = await reg.list();
    const builtin = new Set(BUILTIN_MODELS.map((m) => m.id));
    expect(list.filter((m) => builtin.has(m.spec.id)).every((m) => m.origin === 'models-dir')).toBe(true);
    // Download-only models (stronger face embedders, ASR and speaker sets) are known (pullable) but
    // not present here.
    const extra = list.filter((m) => !builtin.has(m.spec.id));
    expect(extra.map((m) => m.spec.id)).toEqual(DOWNLOAD_ONLY_MODELS.map((m) => m.id));
    expect(extra.map((m) => m.spec.id)).toEqual(
      expect.arrayContaining(['sface-2021dec', 'arcface-w600k-mbf']),
    );
    expect(extra.every((m) => m.origin === null)).toBe(true);
  });

  it('names the model and every place it looked when a model is missing', async () => {
    const reg = createModelRegistry({
      modelsDir: path.join(tmp, 'empty'),
      cacheDir: path.join(tmp, 'cache-missing'),
    });
    const err = await reg.resolve('yolox-nano').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODEL_NOT_FOUND', exitCode: 6 });
    expect((err as Error).message).toContain('yolox-nano');
    expect((err as Error).message).toContain(path.join(tmp, 'empty'));
    expect((err as Error).message).toContain(path.join(tmp, 'cache-missing'));
  });

  it('rejects unknown model ids', () => {
    const reg = createModelRegistry({ modelsDir: MODELS_DIR });
    expect(() => reg.get('yolo-huge')).toThrow(expect.objectContaining({ code: 'MODEL_UNKNOWN' }));
  });

  it('detects a corrupted local file by its hash', async () => {
    const dir = path.join(tmp, 'corrupt');
    await mkdir(path.join(dir, 'detector'), { recursive: true });
    const dest = path.join(dir, yolox.file);
    await copyFile(path.join(MODELS_DIR, yolox.file), dest);
    const buf = await readFile(dest);
    buf[500] = (buf[500]! + 1) % 256;
    await writeFile(dest, buf);
    const reg = createModelRegistry({ modelsDir: dir, cacheDir: path.join(tmp, 'c2') });
    await expect(reg.resolve('yolox-nano')).rejects.toMatchObject({ code: 'MODEL_HASH_MISMATCH' });
    await expect(reg.verify('yolox-nano')).rejects.toMatchObject({ code: 'MODEL_HASH_MISMATCH' });
  });

  it('downloads with progress into the cache, verifies, then serves from the cache', async () => {
    const cacheDir = path.join(tmp, 'cache-dl');
    const reg = createModelRegistry({ modelsDir: null, cacheDir, models: withUrl('yolox_nano.onnx') });
    const progress: number[] = [];
    const r = await reg.resolve('yolox-nano', {
      download: true,
      onProgress: (p) => progress.push(p.receivedBytes),
    });
    expect(r.origin).toBe('cache');
    expect(progress.at(-1)).toBe(yolox.bytes);
    expect(progress.length).toBeGreaterThan(1);
    const before = requests;
    await reg.resolve('yolox-nano');
    expect(requests).toBe(before); // no second download
  });

  it('refuses a download whose hash does not match and leaves nothing behind', async () => {
    const cacheDir = path.join(tmp, 'cache-bad');
    const reg = createModelRegistry({ modelsDir: null, cacheDir, models: withUrl('tampered.onnx') });
    await expect(reg.pull('yolox-nano')).rejects.toMatchObject({ code: 'MODEL_HASH_MISMATCH' });
    await expect(stat(path.join(cacheDir, yolox.file))).rejects.toThrow();
  });

  it('reports HTTP failures and unreachable hosts as MODEL_DOWNLOAD_FAILED', async () => {
    const reg404 = createModelRegistry({
      modelsDir: null,
      cacheDir: path.join(tmp, 'c404'),
      models: withUrl('nope.onnx'),
    });
    await expect(reg404.pull('yolox-nano')).rejects.toMatchObject({ code: 'MODEL_DOWNLOAD_FAILED' });
    const regDown = createModelRegistry({
      modelsDir: null,
      cacheDir: path.join(tmp, 'cdown'),
      models: [{ ...yolox, url: 'http://127.0.0.1:9/yolox_nano.onnx' }],
    });
    await expect(regDown.pull('yolox-nano')).rejects.toMatchObject({ code: 'MODEL_DOWNLOAD_FAILED' });
  });
});
