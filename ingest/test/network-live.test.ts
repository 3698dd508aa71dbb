// Live network sources, served by ffmpeg itself on 127.0.0.1 (see helpers/servers.ts).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeVideo, parseSource, resolveFfmpeg } from '../index.ts';
import { collect, expectCadence, vtest } from './helpers/media.ts';
import { serveRtmp, serveSrt } from './helpers/servers.ts';
import type { Server } from './helpers/servers.ts';

const { ffmpeg } = resolveFfmpeg();
const protocols = (await promisify(execFile)(ffmpeg, ['-hide_banner', '-protocols'])).stdout;
const srtInput = /Input:[\s\S]*\bsrt\b[\s\S]*Output:/.test(protocols);

const servers: Server[] = [];

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('live network sources', () => {
  it('rtmp: decodes a live stream, counting PTS from its first frame', async () => {
    const server = await serveRtmp(ffmpeg, vtest, 8);
    servers.push(server);
    const stream = await decodeVideo(parseSource(server.url), { fps: 5, maxWidth: 320, durationMs: 3000 });
    expect(stream.info.durationMs).toBeNull();
    const frames = await collect(stream);
    expect(frames.length).toBeGreaterThanOrEqual(10);
    expectCadence(frames, 200);
  });

  it.skipIf(!srtInput)(
    'srt: decodes a live MPEG-TS stream (skipped when this ffmpeg lacks srt)',
    async () => {
      const server = await serveSrt(ffmpeg, vtest, 8);
      servers.push(server);
      const stream = await decodeVideo(parseSource(server.url), { fps: 5, maxWidth: 320, durationMs: 3000 });
      expect(stream.info.durationMs).toBeNull();
      const frames = await collect(stream);
      expect(frames.length).toBeGreaterThanOrEqual(10);
      expectCadence(frames, 200);
    },
  );
});
