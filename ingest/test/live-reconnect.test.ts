// Live sources under failure: servers that crash and come back, freeze, or were never there.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as gstRtsp from '../../test-support/servers/gst-rtsp.ts';
import { freePort } from '../../test-support/servers/net.ts';
import * as nginxRtmp from '../../test-support/servers/nginx-rtmp.ts';
import { childProcesses } from '../../test-support/servers/process.ts';
import type { StreamServer } from '../../test-support/servers/types.ts';
import { IngestError, openLiveSource, parseSource, resolveFfmpeg } from '../index.ts';
import type { LiveGap, LiveSource, LiveSourceOptions, LiveStateChange } from '../index.ts';
import { ffmpegTo, vtest } from './helpers/media.ts';

const FAST: LiveSourceOptions = {
  fps: 5,
  maxWidth: 320,
  stallTimeoutMs: 2500,
  connectTimeoutMs: 20_000,
  backoff: { baseMs: 200, capMs: 1000 },
};

interface Seen {
  readonly seq: number;
  readonly ts: number;
}

/** Consume a source in the background, keeping what the assertions need (not the pixels). */
function watch(source: LiveSource) {
  const frames: Seen[] = [];
  const states: LiveStateChange[] = [];
  const gaps: LiveGap[] = [];
  source.on('state', (c) => states.push(c));
  source.on('gap', (g) => gaps.push(g));
  const ended = (async () => {
    for await (const f of source) frames.push({ seq: f.seq, ts: f.ts });
  })().then(
    () => null,
    (err: unknown) => err,
  );
  const until = async (what: string, ready: () => boolean, timeoutMs = 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (Date.now() > deadline) {
        const trail = states.map((s) => `${s.to}${s.error ? `(${s.error.message})` : ''}`).join(' > ');
        throw new Error(`timed out waiting for ${what}; states: ${trail}`);
      }
      await sleep(50);
    }
  };
  return { frames, states, gaps, ended, until };
}

function decoders(): number[] {
  return childProcesses()
    .filter(
      (c) => c.comm === 'ffprobe' || (c.comm === 'ffmpeg' && (c.argv.includes('pipe:1') || c.state === 'Z')),
    )
    .map((c) => c.pid);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function expectContinuous(frames: readonly Seen[]): void {
  expect(frames.map((f) => f.seq)).toEqual([...frames.keys()]);
  for (let i = 1; i < frames.length; i++) expect(frames[i]!.ts).toBeGreaterThanOrEqual(frames[i - 1]!.ts);
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const clean of cleanups.reverse()) await clean();
});

/** A TCP server that accepts connections and never answers: a hung camera. */
async function blackHole(): Promise<{ port: number; connections: () => number }> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((s) => {
    count++;
    sockets.add(s);
    s.on('error', () => {});
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as net.AddressInfo).port, connections: () => count };
}

describe.skipIf(nginxRtmp.missing() !== null)('server crashes (nginx rtmp)', () => {
  let server: nginxRtmp.NginxRtmpServer;
  beforeAll(async () => {
    server = await nginxRtmp.start();
    cleanups.push(() => server.stop());
  });

  it('survives three kill/restart cycles: gap events, seq and ts continue', async () => {
    const source = openLiveSource(parseSource(server.rtmpUrl), FAST);
    cleanups.push(() => source.close());
    const w = watch(source);
    await w.until('first frames', () => source.state === 'live' && w.frames.length >= 5);

    for (let round = 1; round <= 3; round++) {
      const fromState = w.states.length;
      await server.kill();
      await w.until(`round ${round}: losing the stream`, () => source.state !== 'live');
      await sleep(1000); // the outage
      const restartedAt = Date.now();
      await server.restart();
      const resumeFrom = w.frames.length;
      await w.until(
        `round ${round}: frames again`,
        () => w.gaps.length === round && w.frames.length >= resumeFrom + 5,
      );

      const path = w.states.slice(fromState).map((s) => s.to);
      expect(['stalled', 'reconnecting']).toContain(path[0]);
      expect(path).toContain('reconnecting');
      expect(path.at(-1)).toBe('live');
      expect(path.at(-2)).toBe('connecting');
      expect(path).not.toContain('failed');

      // The gap covers the outage, and no frame falls inside it.
      const gap = w.gaps[round - 1]!;
      expect(gap.startTs).toBeLessThan(restartedAt);
      expect(gap.endTs).toBeGreaterThan(restartedAt);
      expect(w.frames.some((f) => f.ts === gap.endTs)).toBe(true);
      expect(w.frames.filter((f) => f.ts > gap.startTs && f.ts < gap.endTs)).toEqual([]);
    }

    expectContinuous(w.frames);
    expect(source.stats.gaps).toBe(3);
    expect(source.stats.reconnects).toBeGreaterThanOrEqual(3);
    expect(source.stats.framesEmitted).toBe(w.frames.length);
    await source.close();
    expect(await w.ended).toBeNull();
    expect(decoders()).toEqual([]);
  });
});

describe.skipIf(gstRtsp.missing() !== null)('a frozen server (GStreamer rtsp)', () => {
  let server: StreamServer;
  beforeAll(async () => {
    server = await gstRtsp.start();
    cleanups.push(() => server.stop());
  });

  it('live → stalled → reconnecting → live when the server thaws', async () => {
    // A wide connect window: RTSP setup and probing take seconds on a loaded 2-core machine.
    const source = openLiveSource(parseSource(server.url), { ...FAST, connectTimeoutMs: 15_000 });
    const w = watch(source);
    let path: string[] = [];
    try {
      await w.until('first frames', () => source.state === 'live' && w.frames.length >= 3);
      server.pause();
      await w.until('the stall', () => w.states.some((s) => s.to === 'reconnecting'));
      server.resume();
      await w.until('frames again', () => w.gaps.length === 1 && source.state === 'live');
      path = w.states.map((s) => s.to);
    } finally {
      // Closed here, not in afterAll: a failure must not leave ffmpeg running into the next tests.
      server.resume();
      await source.close();
    }

    expect(path.slice(0, 3)).toEqual(['live', 'stalled', 'reconnecting']);
    expect(path.at(-1)).toBe('live');
    const stalled = w.states[1]!;
    expect(stalled.error?.code).toBe('INGEST_UNREACHABLE');
    expect(stalled.error?.message).toMatch(/no frame from rtsp:\/\/127\.0\.0\.1:\d+\/test for 2500 ms/);
    await source.close();
    expectContinuous(w.frames);
    expect(decoders()).toEqual([]);
  });
});

describe('sources that are not there', () => {
  it('an unreachable URL: reconnects with growing backoff, never fails, never shows credentials', async () => {
    const port = await freePort(); // nothing listens there
    const url = `rtsp://admin:hunter2@127.0.0.1:${port}/stream?token=s3cr3t`;
    // random ≈ 1: each delay sits at its ceiling, so the growth is visible.
    const source = openLiveSource(parseSource(url), {
      ...FAST,
      backoff: { baseMs: 100, capMs: 5000 },
      random: () => 0.99,
    });
    cleanups.push(() => source.close());
    const w = watch(source);
    await w.until('four retries', () => w.states.filter((s) => s.to === 'reconnecting').length >= 4);

    const retries = w.states.filter((s) => s.to === 'reconnecting');
    const delays = retries.map((s) => s.delayMs ?? -1);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
    expect(retries.map((s) => s.attempt).slice(0, 4)).toEqual([1, 2, 3, 4]);
    for (const r of retries) {
      expect(r.error?.code).toBe('INGEST_UNREACHABLE');
      expect(r.error?.message).toContain(`rtsp://***@127.0.0.1:${port}/stream?token=***`);
    }
    expect(w.states.map((s) => s.to)).not.toContain('failed');

    const t0 = Date.now();
    await source.close();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(source.state).toBe('stopped');
    expect(await w.ended).toBeNull();
    expect(decoders()).toEqual([]);
    const everything = JSON.stringify({ states: w.states, stats: source.stats });
    for (const secret of ['hunter2', 's3cr3t', 'admin']) expect(everything).not.toContain(secret);
  });

  it('a server that never answers: connect timeout, then close() reaps the hung probe at once', async () => {
    const hole = await blackHole();
    const source = openLiveSource(parseSource(`rtmp://user:pw@127.0.0.1:${hole.port}/live/x`), {
      ...FAST,
      connectTimeoutMs: 1500,
      backoff: { baseMs: 50, capMs: 100 },
    });
    cleanups.push(() => source.close());
    const w = watch(source);
    await w.until('a connect timeout', () => w.states.some((s) => s.to === 'reconnecting'));
    expect(w.states[0]?.error?.message).toMatch(/within 1500 ms of connecting/);
    // The next attempt hangs in ffprobe; close() must not wait for its 10 s socket timeout.
    await w.until('the next probe', () => hole.connections() >= 2 && decoders().length > 0);
    const t0 = Date.now();
    await source.close();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(decoders()).toEqual([]);
    expect(JSON.stringify(w.states)).not.toContain('pw@');
  });

  it('maxAttempts: gives up with failed, and iteration throws the last error', async () => {
    const port = await freePort();
    const source = openLiveSource(parseSource(`rtmp://127.0.0.1:${port}/live/x`), {
      ...FAST,
      maxAttempts: 2,
      backoff: { baseMs: 10, capMs: 10 },
    });
    cleanups.push(() => source.close());
    const w = watch(source);
    const error = await w.ended;
    expect(error).toBeInstanceOf(IngestError);
    expect((error as IngestError).code).toBe('INGEST_UNREACHABLE');
    expect(w.states.map((s) => s.to)).toEqual(['reconnecting', 'connecting', 'failed']);
    expect(w.states.at(-1)?.error?.code).toBe('INGEST_UNREACHABLE');
    expect(source.closed).toBe(true);
    expect(decoders()).toEqual([]);
  });

  it('abort: stops the source and iteration throws INGEST_ABORTED', async () => {
    const hole = await blackHole();
    const ctrl = new AbortController();
    const source = openLiveSource(parseSource(`rtmp://127.0.0.1:${hole.port}/live/x`), {
      ...FAST,
      signal: ctrl.signal,
    });
    cleanups.push(() => source.close());
    const w = watch(source);
    await w.until('the probe', () => hole.connections() >= 1);
    ctrl.abort();
    const error = await w.ended;
    expect((error as IngestError).code).toBe('INGEST_ABORTED');
    expect(w.states.map((s) => [s.to, s.error?.code])).toEqual([['stopped', 'INGEST_ABORTED']]);
    expect(decoders()).toEqual([]);
  });
});

describe('a finite source', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aima-live-file-'));
    await ffmpegTo(resolveFfmpeg().ffmpeg, [
      '-i',
      vtest,
      '-t',
      '2',
      '-an',
      '-c',
      'copy',
      path.join(tmp, 'two.mp4'),
    ]);
    cleanups.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
  });

  it('plays to its end and stops, without reconnecting', async () => {
    const source = openLiveSource(parseSource(path.join(tmp, 'two.mp4')), { fps: 5, maxWidth: 160 });
    const w = watch(source);
    expect(await w.ended).toBeNull();
    expect(w.states.map((s) => s.to)).toEqual(['live', 'stopped']);
    // 2 s at 5 fps; a file decodes faster than real time, so drop-oldest may have dropped a few.
    expect(source.stats.framesEmitted + source.stats.framesDropped).toBeGreaterThanOrEqual(9);
    expect(source.stats.framesEmitted).toBe(w.frames.length);
    expectContinuous(w.frames);
    expect(source.stats.reconnects).toBe(0);
  });
});
