// Every live protocol end to end: a real local server (see test-support/servers) → openLiveSource →
// decoded frames. Each server is skipped, with the apt-get line to fix it, when its tools are absent.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as ffmpegListen from '../../test-support/servers/ffmpeg-listen.ts';
import * as gstRtsp from '../../test-support/servers/gst-rtsp.ts';
import * as nginxRtmp from '../../test-support/servers/nginx-rtmp.ts';
import type { NginxRtmpServer } from '../../test-support/servers/nginx-rtmp.ts';
import { childProcesses } from '../../test-support/servers/process.ts';
import * as srt from '../../test-support/servers/srt.ts';
import type { StreamServer } from '../../test-support/servers/types.ts';
import { openLiveSource, parseSource } from '../index.ts';
import type { LiveStateChange } from '../index.ts';

/** Our decoders among this process's children (servers' ffmpeg publishers never write to pipe:1). */
function decoders(): number[] {
  return childProcesses()
    .filter(
      (c) => c.comm === 'ffprobe' || (c.comm === 'ffmpeg' && (c.argv.includes('pipe:1') || c.state === 'Z')),
    )
    .map((c) => c.pid);
}

interface Played {
  readonly frames: Array<{
    seq: number;
    ts: number;
    ptsMs: number;
    width: number;
    height: number;
    bytes: number;
  }>;
  readonly states: LiveStateChange[];
}

/** Open `url` live, take `count` frames, break out (which closes it), and check what came. */
async function play(url: string, count = 8): Promise<Played> {
  const source = openLiveSource(parseSource(url), { fps: 5, maxWidth: 320, connectTimeoutMs: 30_000 });
  const states: LiveStateChange[] = [];
  source.on('state', (change) => states.push(change));
  const frames: Played['frames'][number][] = [];
  try {
    for await (const f of source) {
      frames.push({
        seq: f.seq,
        ts: f.ts,
        ptsMs: f.ptsMs,
        width: f.width,
        height: f.height,
        bytes: f.data.length,
      });
      if (frames.length >= count) break;
    }
  } finally {
    await source.close();
  }
  expect(source.state).toBe('stopped');
  expect(states.map((s) => `${s.from}->${s.to}`)).toEqual(['connecting->live', 'live->stopped']);
  expect(frames.map((f) => f.seq)).toEqual([...Array(count).keys()]);
  expect(frames[0]?.ptsMs).toBe(0);
  for (const [i, f] of frames.entries()) {
    expect(f.width).toBe(320);
    expect(f.bytes).toBe(f.width * f.height * 3);
    if (i > 0) expect(f.ts).toBeGreaterThan(frames[i - 1]!.ts);
    expect(f.ts - frames[0]!.ts).toBeCloseTo(f.ptsMs, 6);
  }
  expect(source.stats).toMatchObject({ framesEmitted: count, reconnects: 0, gaps: 0 });
  // Breaking out of the loop reaped ffmpeg (and the probe before it). Polled briefly: a test
  // server's own per-connection ffmpeg (a child of this process too) may be reaped a moment later.
  await vi.waitFor(() => expect(decoders()).toEqual([]), { timeout: 5000, interval: 100 });
  return { frames, states };
}

const servers: StreamServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

describe.skipIf(nginxRtmp.missing() !== null)('nginx-rtmp', () => {
  let server: NginxRtmpServer;
  beforeAll(async () => {
    server = await nginxRtmp.start();
    servers.push(server);
  });

  it('rtmp: frames from nginx', async () => {
    await play(server.rtmpUrl);
  });

  it('hls: frames from nginx', async () => {
    await play(server.hlsUrl);
  });
});

describe.skipIf(gstRtsp.missing() !== null)('gstreamer rtsp server', () => {
  it('rtsp: frames from GStreamer', async () => {
    const server = await gstRtsp.start();
    servers.push(server);
    await play(server.url);
  });
});

describe.skipIf(srt.missing() !== null)('srt-live-transmit', () => {
  it('srt: frames relayed by srt-live-transmit', async () => {
    const server = await srt.start();
    servers.push(server);
    await play(server.url);
  });
});

describe.skipIf(ffmpegListen.missing() !== null)('ffmpeg -listen', () => {
  it('http: an endless MPEG-TS response from ffmpeg', async () => {
    const server = await ffmpegListen.start({ protocol: 'http' });
    servers.push(server);
    await play(server.url);
  });
});
