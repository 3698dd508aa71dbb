// Live audio end to end, against real servers on 127.0.0.1: frames and 16 kHz audio from ONE
// ffmpeg per connection (an rtmp server made by ffmpeg -listen), and an audio-only stream (an
// http server streaming MPEG-TS/AAC that ends every 2.5 s, as a flaky encoder would) that goes
// 'live' on audio, counts audio for its stall watchdog and keeps its clock across reconnects.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ffmpegListen from '../../test-support/servers/ffmpeg-listen.ts';
import { childProcesses } from '../../test-support/servers/process.ts';
import type { StreamServer } from '../../test-support/servers/types.ts';
import { openLiveSource, parseSource, resolveFfmpeg } from '../index.ts';
import type { AudioChunk, LiveGap, LiveStateChange } from '../index.ts';
import { peak } from './helpers/audio.ts';
import { ffmpegTo, jfk, vtest } from './helpers/media.ts';

/** Our ffmpeg decoders of `url` among this process's children (servers' ffmpegs only write to it). */
function decodersOf(url: string): Array<{ pid: number; argv: readonly string[] }> {
  return childProcesses()
    .filter((c) => c.comm === 'ffmpeg' && c.argv[c.argv.indexOf('-i') + 1] === url)
    .map((c) => ({ pid: c.pid, argv: c.argv }));
}

/** Chunks are stamped on one wall clock, in order and without overlap. */
function expectOrdered(chunks: readonly AudioChunk[]): void {
  chunks.forEach((c, i) => {
    expect(c.seq).toBe(i);
    expect(c.sampleRate).toBe(16_000);
    if (i > 0) {
      const prev = chunks[i - 1]!;
      expect(c.ts).toBeGreaterThanOrEqual(prev.ts + prev.samples.length / 16 - 1e-6);
    }
  });
}

describe.skipIf(ffmpegListen.missing() !== null)('A/V from one ffmpeg (rtmp)', () => {
  let server: StreamServer;
  let dir: string;
  beforeAll(async () => {
    // vtest.mp4's own audio track is silent: give its picture jfk's voice.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aima-live-av-'));
    const media = path.join(dir, 'talking.mp4');
    await ffmpegTo(resolveFfmpeg().ffmpeg, [
      ...['-t', '8', '-i', vtest, '-i', jfk, '-map', '0:v', '-map', '1:a'],
      ...['-c:v', 'copy', '-c:a', 'aac', '-shortest', media],
    ]);
    server = await ffmpegListen.start({ protocol: 'rtmp', clip: { media, seconds: 8 } });
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('frames and audio chunks on one clock, from a single ffmpeg process writing two pipes', async () => {
    const source = openLiveSource(parseSource(server.url), {
      fps: 5,
      maxWidth: 160,
      threads: 1,
      audio: { chunkSamples: 4000 },
    });
    const states: string[] = [];
    source.on('state', (s: LiveStateChange) => states.push(`${s.from}->${s.to}`));
    const chunks: AudioChunk[] = [];
    const hearing = (async () => {
      for await (const c of source.audio!) chunks.push(c);
    })();
    const frames: Array<{ ts: number; ptsMs: number }> = [];
    let processes: Array<{ pid: number; argv: readonly string[] }> = [];
    try {
      for await (const f of source) {
        frames.push({ ts: f.ts, ptsMs: f.ptsMs });
        if (frames.length === 5) processes = decodersOf(server.url);
        if (frames.length >= 12 && chunks.length >= 6) break;
      }
    } finally {
      await source.close();
    }
    await hearing;
    // One connection's worth of decoding: one ffmpeg, with video on pipe:1 and audio on pipe:3.
    expect(processes).toHaveLength(1);
    expect(processes[0]!.argv).toContain('pipe:1');
    expect(processes[0]!.argv).toContain('pipe:3');
    expect(decodersOf(server.url)).toEqual([]);
    expect(states).toEqual(['connecting->live', 'live->stopped']);

    expectOrdered(chunks);
    expect(chunks.every((c) => c.samples.length === 4000)).toBe(true);
    expect(peak(chunks)).toBeGreaterThan(0.01);
    // One origin: ts - ptsMs is the same for frames and chunks.
    const origin = frames[0]!.ts - frames[0]!.ptsMs;
    for (const x of [...frames, ...chunks]) expect(x.ts - x.ptsMs).toBeCloseTo(origin, 3);
    // And the two tracks cover the same stretch of time (the clip's audio and video are in step).
    expect(Math.abs(chunks[0]!.ptsMs - frames[0]!.ptsMs)).toBeLessThan(500);
    expect(source.stats).toMatchObject({ reconnects: 0, audioChunksEmitted: chunks.length });
    expect(source.stats.lastAudioAt).not.toBeNull();
  });
});

describe('an audio-only live stream (http, MPEG-TS/AAC)', () => {
  const { ffmpeg } = resolveFfmpeg();
  let server: http.Server;
  let url: string;
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    // Every request gets a fresh encoder: 2.5 s of jfk at its own pace, then the stream ends.
    server = http.createServer((req, res) => {
      const child = spawn(
        ffmpeg,
        [
          ...['-hide_banner', '-nostdin', '-v', 'error', '-re', '-t', '2.5', '-i', jfk],
          ...['-c:a', 'aac', '-b:a', '48k', '-f', 'mpegts', 'pipe:1'],
        ],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      children.add(child);
      child.once('exit', () => children.delete(child));
      res.writeHead(200, { 'Content-Type': 'video/mp2t' });
      child.stdout.pipe(res);
      res.once('close', () => child.kill('SIGKILL'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/audio.ts`;
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("goes 'live' on audio, audio feeds the stall watchdog, and ts continues across reconnects", async () => {
    const source = openLiveSource(parseSource(url), {
      audio: {},
      stallTimeoutMs: 1500,
      connectTimeoutMs: 15_000,
      backoff: { baseMs: 50, capMs: 100 },
    });
    const states: LiveStateChange[] = [];
    const gaps: LiveGap[] = [];
    source.on('state', (s) => states.push(s));
    source.on('gap', (g) => gaps.push(g));
    const chunks: AudioChunk[] = [];
    let frames = 0;
    const watching = (async () => {
      for await (const _ of source) frames++;
    })();
    try {
      for await (const c of source.audio!) {
        chunks.push(c);
        if (source.stats.reconnects >= 1 && chunks.length >= 10) break;
      }
    } finally {
      await source.close();
      await watching;
    }
    expect(frames).toBe(0);
    expect(source.info?.video).toBeNull();
    const went = states.map((s) => s.to);
    expect(went[0]).toBe('live');
    // 2.5 s per connection with a 1.5 s stall timeout: only audio kept it from 'stalled'.
    expect(went).not.toContain('stalled');
    expect(went).toContain('reconnecting');
    expect(states.find((s) => s.to === 'reconnecting')?.error?.code).toBe('INGEST_UNREACHABLE');
    expectOrdered(chunks);
    expect(gaps.length).toBeGreaterThanOrEqual(1);
    const gap = gaps[0]!;
    // The chunks on both sides of the outage: the gap's ends, nothing in between.
    expect(chunks.some((c) => c.ts === gap.endTs)).toBe(true);
    expect(chunks.filter((c) => c.ts > gap.startTs && c.ts < gap.endTs)).toEqual([]);
    expect(source.stats).toMatchObject({ framesEmitted: 0, audioChunksEmitted: chunks.length });
    expect(source.stats.audioChunksDropped).toBeGreaterThanOrEqual(0);
    expect(peak(chunks)).toBeGreaterThan(0.05);
  });
});

describe('live audio from files (finite sources) and abort', () => {
  it('a file played as a live source: frames and audio to the end, then stopped', async () => {
    const source = openLiveSource(parseSource(vtest), { fps: 2, maxWidth: 96, audio: {} });
    const chunks: AudioChunk[] = [];
    const hearing = (async () => {
      for await (const c of source.audio!) chunks.push(c);
    })();
    let frames = 0;
    for await (const _ of source) frames++;
    await hearing;
    expect(source.state).toBe('stopped');
    // 79.5 s of video at 2 fps, and of (silent) audio at 0.5 s a chunk, all of it: nothing
    // dropped behind a consumer that keeps up.
    expect(frames).toBeGreaterThan(150);
    expect(chunks.length + source.stats.audioChunksDropped).toBeGreaterThanOrEqual(158);
    expectOrdered(chunks);
  });

  it('abort: audio iteration throws INGEST_ABORTED once ffmpeg is reaped', async () => {
    const ctrl = new AbortController();
    const source = openLiveSource(parseSource(jfk), { audio: { highWaterMark: 2 }, signal: ctrl.signal });
    const err = await (async () => {
      for await (const _ of source.audio!) ctrl.abort();
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INGEST_ABORTED' });
    expect(source.state).toBe('stopped');
    expect(decodersOf(jfk)).toEqual([]);
  });
});
