// Live video over a real socket (real ffmpeg on a real clip shown as live, through the real manager)
// and the recordings API over real fMP4 segments cut with ffmpeg.
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RecordingView, SourceView, VideoInitMessage } from '../src/protocol.ts';
import { createBoxSplitter, parseFragment, parseInit } from '../src/video/mp4.ts';
import { VTEST, bearer, cutClip, openServerEnv, waitFor, type ServerEnv } from './server-helpers.ts';

const run = promisify(execFile);

let env: ServerEnv;
let base: string;
let clip: string;
let source: SourceView;
const sockets: WebSocket[] = [];

interface VideoClient {
  readonly ws: WebSocket;
  readonly text: string[];
  readonly binary: Buffer[];
  readonly closed: Promise<number>;
}

function connectVideo(id: string, headers: Record<string, string> = bearer()): VideoClient {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/sources/${id}/video`, { headers });
  sockets.push(ws);
  const text: string[] = [];
  const binary: Buffer[] = [];
  ws.on('message', (data, isBinary) => {
    if (isBinary) binary.push(data as Buffer);
    else text.push(data.toString());
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return { ws, text, binary, closed };
}

function refusedStatus(id: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/sources/${id}/video`, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('upgrade was accepted')));
    ws.on('error', () => undefined);
  });
}

const boxType = (b: Buffer): string => b.toString('latin1', 4, 8);

/** ffmpeg processes of the video feed reading `file` (their command lines name it). */
async function feedProcesses(file: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(file) && cmd.includes('frag_keyframe')) pids.push(Number(entry));
  }
  return pids;
}

async function metric(name: string): Promise<number> {
  const res = await env.app.inject({ url: '/metrics', headers: bearer() });
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(res.body)?.[1] ?? NaN);
}

beforeAll(async () => {
  env = await openServerEnv();
  clip = await cutClip(VTEST, env.dir, 'vtest-30s.mp4', 30);
  await env.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = env.app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const res = await env.app.inject({
    method: 'POST',
    url: '/api/v1/sources',
    headers: bearer(),
    payload: { input: clip, fps: 5, realtime: true, id: 'cam' },
  });
  expect(res.statusCode, res.body).toBe(201);
  source = SourceView.parse(res.json());
}, 60_000);

afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await env?.close();
  if (clip) expect(await feedProcesses(clip)).toEqual([]);
});

describe('live video WebSocket', () => {
  it('refuses unauthenticated upgrades (401) and unknown sources (404)', async () => {
    expect(await refusedStatus('cam', {})).toBe(401);
    expect(await refusedStatus('cam', bearer('wrong'))).toBe(401);
    expect(await refusedStatus('ghost', bearer())).toBe(404);
  });

  it('streams video-init, the init segment and keyframe-led fragments; late joiners start at a keyframe', async () => {
    const a = connectVideo(source.id);
    await waitFor(() => (a.binary.length >= 6 ? true : undefined));
    const init = VideoInitMessage.parse(JSON.parse(a.text[0]!));
    expect(init).toMatchObject({ type: 'video-init', sourceId: 'cam' });
    expect(init.mime).toMatch(/^video\/mp4; codecs="avc1\.[0-9a-f]{6}"/);
    // A file shown as live: media time 0 of the feed is where the analysis was when it started.
    expect(init.epochMs).toBeGreaterThanOrEqual(source.epochMs);
    expect(init.epochMs).toBeLessThanOrEqual(Date.now());

    const [initSeg, ...frags] = a.binary;
    expect(boxType(initSeg!)).toBe('ftyp');
    const boxes = createBoxSplitter().push(initSeg!);
    expect(boxes.map((b) => b.type)).toEqual(['ftyp', 'moov']);
    const info = parseInit(boxes[1]!.data)!;
    expect(info.mime).toBe(init.mime);
    for (const f of frags) expect(boxType(f)).toBe('moof');
    expect(parseFragment(frags[0]!, info.defaultSampleFlags).keyframe).toBe(true);
    // Fragments follow one another in media time.
    const times = frags.map((f) => parseFragment(f, info.defaultSampleFlags).baseMediaDecodeTime);
    expect([...times].sort((x, y) => x - y)).toEqual(times);

    // The second client joins mid-GOP and still gets a decodable start: init, then a keyframe.
    await new Promise((r) => setTimeout(r, 1500));
    const b = connectVideo(source.id);
    await waitFor(() => (b.binary.length >= 3 ? true : undefined));
    expect(VideoInitMessage.parse(JSON.parse(b.text[0]!)).epochMs).toBe(init.epochMs);
    expect(boxType(b.binary[0]!)).toBe('ftyp');
    expect(boxType(b.binary[1]!)).toBe('moof');
    expect(parseFragment(b.binary[1]!, info.defaultSampleFlags).keyframe).toBe(true);
    // One feed serves both.
    expect(await feedProcesses(clip)).toHaveLength(1);
    expect(await metric('aima_video_clients')).toBe(2);

    a.ws.close();
    b.ws.close();
    await Promise.all([a.closed, b.closed]);
    // After the grace period the feed's ffmpeg is gone (reaped: no zombie left in /proc either).
    await waitFor(async () => ((await feedProcesses(clip)).length === 0 ? true : undefined), 15_000);
    expect(await metric('aima_video_feeds')).toBe(0);
    expect(await metric('aima_video_clients')).toBe(0);
  }, 40_000);

  it('closes with 4404 when the source has no live video', async () => {
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      headers: bearer(),
      payload: { input: clip, fps: 1, realtime: false, id: 'batch' },
    });
    expect(res.statusCode).toBe(201);
    const c = connectVideo('batch');
    expect(await c.closed).toBe(4404);
  });
});

describe('recordings API', () => {
  let segments: { file: string; startTs: number; endTs: number; bytes: number }[];
  const t0 = 1_700_000_000_000;

  beforeAll(async () => {
    // Real fMP4 segments, as the recorder writes them: a relative path for the first, absolute after.
    const dir = path.join(env.dataDir, 'recordings', 'cam');
    await mkdir(dir, { recursive: true });
    await run('ffmpeg', [
      '-v', 'error', '-y', '-i', clip, '-t', '10', '-an', '-c:v', 'libx264', '-preset', 'ultrafast',
      '-g', '20', '-f', 'segment', '-segment_time', '4', '-reset_timestamps', '1', '-segment_format', 'mp4',
      '-segment_format_options', 'movflags=+frag_keyframe+empty_moov+default_base_moof',
      '-segment_list', path.join(dir, 'list.csv'), '-segment_list_type', 'csv', path.join(dir, 'seg%03d.mp4'),
    ]); // prettier-ignore
    const list = (await readFile(path.join(dir, 'list.csv'), 'utf8')).trim().split('\n');
    segments = await Promise.all(
      list.map(async (line, i) => {
        const [name = '', start = '0', end = '0'] = line.split(',');
        const abs = path.join(dir, name);
        return {
          file: i === 0 ? path.join('cam', name) : abs,
          startTs: t0 + Math.round(Number(start) * 1000),
          endTs: t0 + Math.round(Number(end) * 1000),
          bytes: (await readFile(abs)).length,
        };
      }),
    );
    expect(segments.length).toBeGreaterThanOrEqual(2);
    await env.runtime.store.insertRecordings(segments.map((s) => ({ sourceId: 'cam', ...s })));
  });

  const get = (url: string, headers: Record<string, string> = {}) =>
    env.app.inject({ url, headers: { ...bearer(), ...headers } });

  it('lists the segments of a range with their URLs', async () => {
    const res = await get(`/api/v1/sources/cam/recordings?from=${t0}&to=${t0 + 60_000}`);
    expect(res.statusCode, res.body).toBe(200);
    const views = RecordingView.array().parse(res.json());
    expect(views.map((v) => v.startTs)).toEqual(segments.map((s) => s.startTs));
    expect(views[0]!.url).toBe(`/api/v1/sources/cam/recordings/${t0}.mp4`);
    const later = await get(`/api/v1/sources/cam/recordings?from=${segments[1]!.startTs}`);
    expect(RecordingView.array().parse(later.json()).length).toBe(segments.length - 1);
    expect((await get('/api/v1/sources/ghost/recordings')).statusCode).toBe(404);
    expect((await env.app.inject({ url: '/api/v1/sources/cam/recordings' })).statusCode).toBe(401);
  });

  it('streams a segment whole and by Range', async () => {
    const seg = segments[1]!;
    const bytes = await readFile(seg.file);
    const url = `/api/v1/sources/cam/recordings/${seg.startTs}.mp4`;
    const whole = await get(url);
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-type']).toBe('video/mp4');
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.rawPayload.equals(bytes)).toBe(true);

    const part = await get(url, { range: 'bytes=100-1099' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-1099/${bytes.length}`);
    expect(part.rawPayload.equals(bytes.subarray(100, 1100))).toBe(true);
    const tail = await get(url, { range: 'bytes=-500' });
    expect(tail.statusCode).toBe(206);
    expect(tail.rawPayload.equals(bytes.subarray(bytes.length - 500))).toBe(true);
    expect((await get(url, { range: `bytes=${bytes.length}-` })).statusCode).toBe(416);

    // The relative path resolves under <dataDir>/recordings.
    const first = await get(`/api/v1/sources/cam/recordings/${t0}.mp4`, { range: 'bytes=0-7' });
    expect(first.statusCode).toBe(206);
    expect(first.rawPayload.toString('latin1', 4, 8)).toBe('ftyp');
  });

  it('serves only what the store lists for that source', async () => {
    const abs = segments[1]!.file;
    for (const name of [
      '999.mp4',
      `${t0 + 1}.mp4`,
      'seg001.mp4',
      '..%2F..%2F..%2F..%2Fetc%2Fpasswd',
      '..%2Fcam%2Fseg001.mp4',
      encodeURIComponent(abs),
      `${t0}.mp4%00.txt`,
    ]) {
      const res = await get(`/api/v1/sources/cam/recordings/${name}`);
      expect(res.statusCode, name).toBe(404);
      expect(res.rawPayload.includes(Buffer.from('ftyp'))).toBe(false);
    }
    expect((await get(`/api/v1/sources/cam/../../etc/passwd`)).statusCode).toBe(404);
    // Another source's id never reaches cam's files.
    expect((await get(`/api/v1/sources/batch/recordings/${t0}.mp4`)).statusCode).toBe(404);
  });

  it('downloads a snapshot as an attachment', async () => {
    const res = await get(`/api/v1/sources/cam/frame?ts=${source.epochMs + 1000}&download=1`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(String(res.headers['content-disposition'])).toMatch(/^attachment; filename="cam-.*\.jpg"$/);
    const inline = await get(`/api/v1/sources/cam/frame?ts=${source.epochMs + 1000}`);
    expect(inline.headers['content-disposition']).toBeUndefined();
  });
});
