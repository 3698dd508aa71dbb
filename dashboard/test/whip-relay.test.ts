// The WHIP relay's parts that need no browser: the join cache on real ffmpeg MPEG-TS, the SDP and
// arguments the relay ffmpeg gets, and the RTP port pairs.
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayArgs, relaySdp, reservePortPair, type RelayTrack } from '../src/rtc/whip/relay.ts';
import { TS_PACKET, createGopCache } from '../src/rtc/whip/ts-gop.ts';
import { resumePlan } from '../src/sources/resume.ts';

const run = promisify(execFile);

const pidOf = (b: Buffer, at = 0): number => ((b[at + 1]! & 0x1f) << 8) | b[at + 2]!;

describe('WHIP relay join cache on real MPEG-TS', () => {
  let dir: string;
  let ts: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aima-whip-ts-'));
    const file = path.join(dir, 'in.ts');
    // 4 s of H.264 (a keyframe each second) and Opus, muxed as the relay muxes.
    await run('ffmpeg', [
      '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
      '-c:a', 'libopus', '-ac', '2', '-f', 'mpegts', '-muxdelay', '0', file,
    ]); // prettier-ignore
    ts = await readFile(file);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gives a joining reader the current GOP, PAT first, decodable from its first frame', async () => {
    const cache = createGopCache(4 * 1024 * 1024);
    expect(cache.snapshot()).toEqual([]);
    // Fed in uneven runs of whole packets, as the relay's stdout arrives.
    const half = Math.floor(ts.length / TS_PACKET / 2) * TS_PACKET + 37 * TS_PACKET;
    cache.push(ts.subarray(0, half));
    const [snap] = cache.snapshot();
    expect(snap).toBeDefined();
    expect(snap!.length % TS_PACKET).toBe(0);
    expect(snap!.length).toBeLessThan(half);
    expect(pidOf(snap!)).toBe(0);
    // What the reader gets: the cached GOP, then the stream from where it joined.
    const file = path.join(dir, 'join.ts');
    await writeFile(file, Buffer.concat([snap!, ts.subarray(half)]));
    const { stdout, stderr } = await run('ffprobe', [
      '-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=key_frame', '-of', 'csv=p=0', file,
    ]); // prettier-ignore
    expect(stderr).toBe('');
    const keys = stdout.trim().split('\n');
    expect(keys[0]).toBe('1');
    // The joined GOP (at most 10 frames) and the rest: every frame of the second half is there.
    const total = (
      await run('ffprobe', [
        '-v',
        'error',
        '-count_frames',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=nb_read_frames',
        '-of',
        'csv=p=0',
        path.join(dir, 'in.ts'),
      ])
    ).stdout.trim();
    expect(parseInt(total, 10)).toBe(40);
    expect(keys.length).toBeGreaterThan(parseInt(total, 10) / 2 - 1);
    expect(keys.length).toBeLessThanOrEqual(parseInt(total, 10) / 2 + 10);
  });

  it('drops a GOP past its cap and starts again at the next keyframe', () => {
    const cache = createGopCache(3 * TS_PACKET * 10);
    cache.push(ts);
    // Each GOP of this stream is far larger than 30 packets: nothing a reader could start from.
    expect(cache.snapshot()).toEqual([]);
    expect(cache.bytes).toBeLessThanOrEqual(2 * TS_PACKET);
  });
});

describe('WHIP relay ffmpeg inputs', () => {
  const video: RelayTrack = {
    kind: 'video',
    port: 50000,
    payloadType: 102,
    codecName: 'H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' },
  };
  const audio: RelayTrack = {
    kind: 'audio',
    port: 50002,
    payloadType: 100,
    codecName: 'opus',
    clockRate: 48000,
    channels: 2,
    parameters: {},
  };

  it('describes each RTP stream in the SDP ffmpeg reads', () => {
    const sdp = relaySdp([video, audio]);
    expect(sdp).toContain('m=video 50000 RTP/AVP 102\r\n');
    expect(sdp).toContain('a=rtpmap:102 H264/90000\r\n');
    expect(sdp).toContain('a=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n');
    expect(sdp).toContain('a=rtpmap:100 opus/48000/2\r\n');
    expect(sdp).toContain('c=IN IP4 127.0.0.1\r\n');
  });

  it('copies H.264 and Opus, encodes VP8 to baseline H.264', () => {
    const copy = relayArgs('/tmp/x.sdp', [video, audio]);
    expect(copy.join(' ')).toContain('-protocol_whitelist file,udp,rtp');
    expect(copy.join(' ')).toContain('-c:v copy');
    expect(copy.join(' ')).toContain('-c:a copy');
    expect(copy.slice(-3)).toEqual(['-flush_packets', '1', 'pipe:1'].slice(-3));
    const vp8 = relayArgs('/tmp/x.sdp', [{ ...video, codecName: 'VP8', parameters: {} }]);
    expect(vp8.join(' ')).toContain('-c:v libx264');
    expect(vp8.join(' ')).toContain('-profile:v baseline');
    expect(vp8).not.toContain('-c:a');
  });

  it('reserves an even RTP port whose RTCP neighbour is free', async () => {
    const port = await reservePortPair();
    expect(port % 2).toBe(0);
    // Both are free again for ffmpeg to bind.
    const sockets = await Promise.all(
      [port, port + 1].map(
        (p) =>
          new Promise<dgram.Socket>((resolve, reject) => {
            const s = dgram.createSocket('udp4');
            s.once('error', reject);
            s.bind(p, '127.0.0.1', () => resolve(s));
          }),
      ),
    );
    for (const s of sockets) s.close();
  });
});

describe('a WHIP source after a restart', () => {
  it('is failed as interrupted, not resumed: only its publisher can start it again', () => {
    const plan = resumePlan(
      {
        id: 'cam',
        kind: 'whip',
        display: 'whip://cam',
        live: true,
        status: 'running',
        errorCode: '',
        errorMessage: '',
        epochMs: 0,
        createdAt: 0,
        updatedAt: 0,
        meta: '{"fps":5}',
      },
      null,
    );
    expect(plan).toMatchObject({ action: 'fail', code: 'SOURCE_INTERRUPTED' });
  });
});
