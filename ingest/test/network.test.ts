import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeVideo, IngestError, parseSource, resolveFfmpeg } from '../index.ts';
import type { DecodeStream, Frame } from '../index.ts';
import { collect, expectCadence, ffmpegTo, mediaDir, vtest } from './helpers/media.ts';
import { serveDirectory } from './helpers/servers.ts';
import type { Server } from './helpers/servers.ts';

const { ffmpeg } = resolveFfmpeg();

const servers: Server[] = [];
let tmp: string;
let media: Server;
let hls: Server;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aima-ingest-net-'));
  await ffmpegTo(
    ffmpeg,
    ['-i', vtest, '-t', '6', '-c', 'copy', '-f', 'hls', '-hls_time', '2'].concat([
      '-hls_list_size',
      '0',
      '-hls_playlist_type',
      'vod',
      path.join(tmp, 'index.m3u8'),
    ]),
  );
  media = await serveDirectory(path.join(mediaDir, 'video'));
  hls = await serveDirectory(tmp);
  servers.push(media, hls);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function failure(url: string): Promise<{ error: IngestError; ms: number }> {
  const t0 = Date.now();
  let stream: DecodeStream<Frame> | undefined;
  try {
    stream = await decodeVideo(parseSource(url));
    await collect(stream);
  } catch (err) {
    if (err instanceof IngestError) return { error: err, ms: Date.now() - t0 };
    throw err;
  } finally {
    await stream?.close();
  }
  throw new Error(`expected ${url} to fail`);
}

describe('network sources', () => {
  it('http: decodes an mp4 served with Range support', async () => {
    const stream = await decodeVideo(parseSource(`${media.url}/vtest.mp4`), {
      fps: 5,
      maxWidth: 320,
      durationMs: 3000,
    });
    expect(stream.info.durationMs).toBeGreaterThan(79_000);
    const frames = await collect(stream);
    expect(frames.length).toBe(15);
    expect(frames[0]).toMatchObject({ width: 320, height: 240 });
    expectCadence(frames, 200);
  });

  it('hls: decodes a VOD playlist from its start', async () => {
    const stream = await decodeVideo(parseSource(`${hls.url}/index.m3u8`), {
      fps: 5,
      maxWidth: 320,
      durationMs: 3000,
    });
    expect(stream.info.formatName).toBe('hls');
    expect(stream.info.durationMs).toBeGreaterThan(5_000);
    const frames = await collect(stream);
    expect(frames.length).toBe(15);
    expectCadence(frames, 200);
  });

  it('unreachable rtsp and http URLs → INGEST_UNREACHABLE, quickly', async () => {
    for (const url of ['rtsp://127.0.0.1:9/x', 'http://127.0.0.1:9/x.mp4']) {
      const { error, ms } = await failure(url);
      expect(error).toMatchObject({ code: 'INGEST_UNREACHABLE', exitCode: 5, httpStatus: 502 });
      expect(ms).toBeLessThan(15_000);
    }
  });

  it('never puts credentials in error messages', async () => {
    const { error } = await failure('rtsp://admin:hunter2@127.0.0.1:9/x?token=t0psecret');
    expect(error.code).toBe('INGEST_UNREACHABLE');
    expect(error.message).toContain('rtsp://***@127.0.0.1:9/x?token=***');
    expect(error.message).not.toMatch(/hunter2|t0psecret|admin/);
  });

  it('an http 404 → INGEST_UNREACHABLE', async () => {
    const { error } = await failure(`${media.url}/missing.mp4`);
    expect(error.code).toBe('INGEST_UNREACHABLE');
    expect(error.message).toMatch(/404/);
  });

  it('a server that accepts but never answers → INGEST_UNREACHABLE within 20 s', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const { error, ms } = await failure(`http://127.0.0.1:${port}/x.mp4`);
      expect(error.code).toBe('INGEST_UNREACHABLE');
      expect(ms).toBeLessThan(20_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('ftp:// → INGEST_UNSUPPORTED_URL', () => {
    expect(() => parseSource('ftp://x')).toThrow(expect.objectContaining({ code: 'INGEST_UNSUPPORTED_URL' }));
  });
});
