// The recorder against real ffmpeg: fixtures are cut from vtest.mp4 (h264 + aac, keyframes every
// 6.4 s) into a 10 s h264 clip with 1 s GOPs and a 4 s mpeg4 + opus mkv.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSource, resolveFfmpeg, startRecorder } from '../index.ts';
import type { RecordedSegment, Recorder, RecorderState } from '../index.ts';
import { recorderProcessId } from '../src/recorder/recorder.ts';
import { ffmpegTo, jfk, processGone, vtest } from './helpers/media.ts';
import { serveRtmp } from './helpers/servers.ts';
import type { Server } from './helpers/servers.ts';

const { ffmpeg, ffprobe } = resolveFfmpeg();
const run = promisify(execFile);
const EPOCH = Date.UTC(2024, 4, 1, 12);
const encoders = (await run(ffmpeg, ['-hide_banner', '-encoders'])).stdout;

let tmp: string;
let h264: string;
let mpeg4: string;
const servers: Server[] = [];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'aima-recorder-'));
  h264 = path.join(tmp, 'h264-gop1s.mp4');
  mpeg4 = path.join(tmp, 'mpeg4-opus.mkv');
  await Promise.all([
    ffmpegTo(ffmpeg, [
      '-t',
      '10',
      '-i',
      vtest,
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-g',
      '10',
      '-c:a',
      'copy',
      h264,
    ]),
    ffmpegTo(ffmpeg, ['-t', '4', '-i', vtest, '-c:v', 'mpeg4', '-q:v', '5', '-c:a', 'libopus', mpeg4]),
  ]);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await fs.rm(tmp, { recursive: true, force: true });
});

interface Probed {
  readonly codecs: string[];
  readonly durationS: number;
}

async function probeFile(file: string): Promise<Probed> {
  const { stdout } = await run(ffprobe, [
    '-v',
    'error',
    '-show_format',
    '-show_streams',
    '-of',
    'json',
    file,
  ]);
  const json = JSON.parse(stdout) as { streams: { codec_name: string }[]; format: { duration: string } };
  return { codecs: json.streams.map((s) => s.codec_name).sort(), durationS: Number(json.format.duration) };
}

/** Decodes the whole file; throws on any decode error. */
async function playable(file: string): Promise<void> {
  await run(ffmpeg, ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-']);
}

function watch(rec: Recorder): { segments: RecordedSegment[]; states: RecorderState[] } {
  const segments: RecordedSegment[] = [];
  const states: RecorderState[] = [];
  rec.on('segment', (s) => segments.push(s));
  rec.on('state', (s) => states.push(s));
  return { segments, states };
}

function expectContiguous(segments: readonly RecordedSegment[]): void {
  for (const [i, s] of segments.entries()) {
    expect(s.endTs).toBeGreaterThan(s.startTs);
    if (i > 0) expect(s.startTs).toBe(segments[i - 1]!.endTs);
  }
}

describe('startRecorder', () => {
  it('stream-copies h264 into ~2 s fMP4 segments and announces each once complete', async () => {
    const dir = path.join(tmp, 'copy');
    const rec = startRecorder(parseSource(h264), {
      dir,
      sourceId: 'cam1',
      segmentSeconds: 2,
      epochMs: EPOCH,
    });
    const { segments, states } = watch(rec);
    const result = await rec.done;

    expect(result).toMatchObject({ state: 'stopped', error: null, segments: 5 });
    expect(rec.mode).toEqual({ video: 'copy', audio: 'copy' });
    expect(states).toEqual(['recording', 'stopped']);
    expect(segments).toHaveLength(5);
    expect(segments[0]?.startTs).toBe(EPOCH);
    expect(segments.at(-1)?.endTs).toBeCloseTo(EPOCH + 10_000, -3);
    expectContiguous(segments);
    for (const s of segments) expect(s.endTs - s.startTs).toBeCloseTo(2000, -2);

    const onDisk = (await fs.readdir(path.join(dir, 'cam1'))).map((f) => path.join(dir, 'cam1', f));
    expect(onDisk).toEqual(segments.map((s) => s.file)); // readdir order = name order = time order
    let total = 0;
    for (const s of segments) {
      expect(s.sourceId).toBe('cam1');
      expect(s.bytes).toBe((await fs.stat(s.file)).size);
      total += s.bytes;
      const p = await probeFile(s.file);
      expect(p.codecs).toEqual(['aac', 'h264']);
      expect(Math.abs(p.durationS - 2)).toBeLessThan(0.35);
      await playable(s.file);
    }
    expect(result.bytes).toBe(total);
    expect(processGone(recorderProcessId(rec)!)).toBe(true);
    expect(rec.closed).toBe(true);
  });

  it('transcodes non-h264 video (mpeg4 + opus in mkv) to h264 + aac, cut on time', async () => {
    const rec = startRecorder(parseSource(mpeg4), {
      dir: path.join(tmp, 'transcode'),
      sourceId: 'cam2',
      segmentSeconds: 2,
      epochMs: EPOCH,
    });
    const { segments } = watch(rec);
    expect(await rec.done).toMatchObject({ state: 'stopped', segments: 2 });
    expect(rec.mode).toEqual({ video: 'libx264', audio: 'aac' });
    expect(segments.map((s) => [s.startTs - EPOCH, s.endTs - EPOCH])).toEqual([
      [0, 2000],
      [2000, 4000],
    ]);
    for (const s of segments) {
      const p = await probeFile(s.file);
      expect(p.codecs).toEqual(['aac', 'h264']);
      expect(Math.abs(p.durationS - 2)).toBeLessThan(0.35);
      await playable(s.file);
    }
  });

  it.skipIf(!encoders.includes('libx265'))('stream-copies hevc, tagged hvc1 for browsers', async () => {
    const hevc = path.join(tmp, 'hevc.mkv');
    const x265 = ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'keyint=10:log-level=error'];
    await ffmpegTo(ffmpeg, ['-t', '4', '-i', vtest, ...x265, '-an', hevc]);
    const rec = startRecorder(parseSource(hevc), {
      dir: path.join(tmp, 'hevc'),
      sourceId: 'h',
      segmentSeconds: 2,
    });
    const { segments } = watch(rec);
    expect(await rec.done).toMatchObject({ state: 'stopped', segments: 2 });
    expect(rec.mode).toEqual({ video: 'copy', audio: 'none' });
    for (const s of segments) {
      const { stdout } = await run(ffprobe, [
        '-v',
        'error',
        '-show_entries',
        'stream=codec_name,codec_tag_string',
        '-of',
        'csv=p=0',
        s.file,
      ]);
      expect(stdout.trim()).toBe('hevc,hvc1');
      await playable(s.file);
    }
  });

  it("cuts stream-copied video at the source's keyframes (vtest: every 6.4 s)", async () => {
    const rec = startRecorder(parseSource(vtest), {
      dir: path.join(tmp, 'gop'),
      sourceId: 'cam3',
      segmentSeconds: 2,
      epochMs: EPOCH,
      durationMs: 14_000,
    });
    const { segments } = watch(rec);
    expect((await rec.done).state).toBe('stopped');
    expect(segments.map((s) => s.startTs - EPOCH)).toEqual([0, 6400, 12_800]);
    expectContiguous(segments);
  });

  it('close() finalises and announces the segment in progress; twice is fine; no ffmpeg left', async () => {
    const rec = startRecorder(parseSource(h264), {
      dir: path.join(tmp, 'close'),
      sourceId: 'cam4',
      segmentSeconds: 2,
      realtime: true,
    });
    const { segments, states } = watch(rec);
    await new Promise<void>((resolve) => rec.on('segment', () => resolve()));
    const [a, b] = await Promise.all([rec.close(), rec.close()]);
    expect(a).toBe(b);
    expect(await rec.close()).toBe(a);
    await rec[Symbol.asyncDispose]();
    expect(a).toMatchObject({ state: 'stopped', error: null });
    expect(states).toEqual(['recording', 'stopping', 'stopped']);
    expect(segments.length).toBeGreaterThanOrEqual(2); // the first, and the one close() cut short
    expectContiguous(segments);
    expect(segments[0]!.startTs).toBe(rec.epochMs);
    const last = segments.at(-1)!;
    expect((await probeFile(last.file)).codecs).toContain('h264');
    await playable(last.file);
    expect(processGone(recorderProcessId(rec)!)).toBe(true);
  });

  it('stops on abort like close(), and an aborted signal starts nothing', async () => {
    const pre = startRecorder(parseSource(h264), {
      dir: path.join(tmp, 'abort'),
      sourceId: 'cam5',
      signal: AbortSignal.abort(),
    });
    expect(await pre.done).toEqual({ state: 'stopped', error: null, segments: 0, bytes: 0 });
    expect(recorderProcessId(pre)).toBeUndefined();

    const ac = new AbortController();
    const rec = startRecorder(parseSource(h264), {
      dir: path.join(tmp, 'abort'),
      sourceId: 'cam5',
      realtime: true,
      signal: ac.signal,
    });
    rec.on('state', (s) => {
      if (s === 'recording') ac.abort();
    });
    const result = await rec.done;
    expect(result).toMatchObject({ state: 'stopped', error: null });
    expect(processGone(recorderProcessId(rec)!)).toBe(true);
  });

  it('reports a live source that goes away (rtmp publisher stops) after its segments', async () => {
    const server = await serveRtmp(ffmpeg, h264, 5);
    servers.push(server);
    const rec = startRecorder(parseSource(server.url), {
      dir: path.join(tmp, 'live'),
      sourceId: 'rtmp',
      segmentSeconds: 2,
    });
    const { segments, states } = watch(rec);
    const errors: string[] = [];
    rec.on('error', (e) => errors.push(e.code));
    const result = await rec.done;
    expect(result.state).toBe('failed');
    expect(result.error?.code).toBe('INGEST_UNREACHABLE');
    expect(errors).toEqual(['INGEST_UNREACHABLE']);
    expect(states).toEqual(['recording', 'failed']);
    expect(segments.length).toBeGreaterThanOrEqual(2);
    expectContiguous(segments);
    for (const s of segments) await playable(s.file);
    expect(processGone(recorderProcessId(rec)!)).toBe(true);
  });

  it('fails with INGEST_NO_VIDEO for audio-only input, creating nothing', async () => {
    const dir = path.join(tmp, 'audio-only');
    const rec = startRecorder(parseSource(jfk), { dir, sourceId: 'mic' });
    const result = await rec.done;
    expect(result).toMatchObject({ state: 'failed', segments: 0 });
    expect(result.error).toMatchObject({ name: 'IngestError', code: 'INGEST_NO_VIDEO', exitCode: 4 });
    await expect(fs.stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('rejects unsafe source ids and bad segment lengths up front', () => {
    const src = parseSource(h264);
    for (const sourceId of ['../etc', 'a/b', '']) {
      expect(() => startRecorder(src, { dir: tmp, sourceId })).toThrow(RangeError);
    }
    expect(() => startRecorder(src, { dir: tmp, sourceId: 'x', segmentSeconds: 0 })).toThrow(RangeError);
    expect(() => startRecorder(src, { dir: tmp, sourceId: 'x', epochMs: -1 })).toThrow(RangeError);
  });
});
