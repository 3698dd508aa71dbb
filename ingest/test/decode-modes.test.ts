// Decode modes (issue 13): the pure policy and argv, then real ffmpeg on vtest.mp4 and on a 25 fps
// camera-like clip made from it: 'fast' keeps 'full''s timestamps and (nearly) its pixels, and
// 'keyframes' gives exactly the keyframes ffprobe lists.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeVideo, openLiveSource, parseSource, type DecodeMode, type Frame } from '@aima/ingest';
import { decoderPlan, resolveDecodeMode } from '../src/decode-mode.ts';
import { toArgv, videoArgs, videoFilter, type FfmpegFeatures } from '../src/ffmpeg/args.ts';

const MEDIA = process.env.AIMA_MEDIA_DIR ?? path.resolve('../shared/media');
const VTEST = path.join(MEDIA, 'video/vtest.mp4');
const modern: FfmpegFeatures = { rtspTimeout: 'timeout', fpsMode: true, showinfoChecksumOption: true };

describe('decode mode policy (pure)', () => {
  it("defaults to 'fast' only for paced sources at half their rate or less", () => {
    expect(resolveDecodeMode(undefined, { paced: true, fps: 2, sourceFps: 25 })).toBe('fast');
    expect(resolveDecodeMode(undefined, { paced: true, fps: 5, sourceFps: 10 })).toBe('fast');
    expect(resolveDecodeMode(undefined, { paced: true, fps: 8, sourceFps: 10 })).toBe('full');
    expect(resolveDecodeMode(undefined, { paced: true, sourceFps: 25 })).toBe('full');
    expect(resolveDecodeMode(undefined, { paced: true, fps: 2, sourceFps: null })).toBe('full');
    // Files read as fast as possible keep their exact results.
    expect(resolveDecodeMode(undefined, { paced: false, fps: 2, sourceFps: 25 })).toBe('full');
    expect(resolveDecodeMode('keyframes', { paced: false, fps: 2, sourceFps: 25 })).toBe('keyframes');
  });

  it('skips non-reference frames only far below the source rate, else only their deblocking', () => {
    expect(decoderPlan('fast', { paced: true, fps: 2, sourceFps: 25 })).toEqual({
      mode: 'fast',
      threads: 1,
      skip: { frame: 'noref' },
    });
    expect(decoderPlan('fast', { paced: true, fps: 2, sourceFps: 10 })).toEqual({
      mode: 'fast',
      threads: 1,
      skip: { loopFilter: 'noref' },
    });
    expect(decoderPlan('full', { paced: true, fps: 2, sourceFps: 25 })).toEqual({ mode: 'full', skip: {} });
    expect(decoderPlan('full', { paced: true, fps: 2, sourceFps: 25 }, 1).threads).toBe(1);
    expect(decoderPlan('keyframes', { paced: true, fps: 2, sourceFps: 25 }).skip).toEqual({ frame: 'nokey' });
  });

  it('puts the skips on the video decoder, before -i, and caps keyframes with select', () => {
    const argv = toArgv(
      videoArgs({ kind: 'rtsp', input: 'rtsp://cam/1' }, modern, {
        streamIndex: 0,
        size: { width: 416, height: 234 },
        pixelFormat: 'rgb24',
        fps: 2,
        keyframes: true,
        threads: 1,
        skip: { frame: 'nokey' },
      }),
    );
    const i = argv.indexOf('-i');
    expect(argv.slice(i - 4, i)).toEqual(['-threads', '1', '-skip_frame:v', 'nokey']);
    expect(argv[argv.indexOf('-vf') + 1]).toBe(
      "select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,0.375000)',scale=416:234:flags=bilinear,showinfo=checksum=0",
    );
    // Without a mode, the argv is what it always was.
    expect(videoFilter({ width: 416, height: 312 }, 2, modern)).toBe(
      'fps=2,scale=416:312:flags=bilinear,showinfo=checksum=0',
    );
  });

  it('refuses unknown modes', async () => {
    const src = parseSource(VTEST);
    await expect(decodeVideo(src, { decode: 'turbo' as DecodeMode })).rejects.toThrow(RangeError);
    expect(() => openLiveSource(src, { decode: 'turbo' as DecodeMode })).toThrow(RangeError);
  });
});

async function frames(file: string, decode: DecodeMode, durationMs?: number): Promise<Frame[]> {
  const stream = await decodeVideo(parseSource(file), {
    fps: 2,
    maxWidth: 416,
    maxHeight: 416,
    decode,
    ...(durationMs ? { durationMs } : {}),
  });
  const out: Frame[] = [];
  for await (const f of stream) out.push(f);
  return out;
}

/** Mean absolute difference of two frames' bytes (0-255). */
function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

function keyframeTimesMs(file: string, seconds: number): number[] {
  const out = execFileSync(
    'ffprobe',
    [
      ...['-v', 'error', '-select_streams', 'v:0', '-skip_frame', 'nokey', '-read_intervals', `%+${seconds}`],
      ...['-show_entries', 'frame=best_effort_timestamp_time', '-of', 'csv=p=0', file],
    ],
    { encoding: 'utf8' },
  );
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => Math.round(Number(l.split(',')[0]) * 1000))
    .filter((ms) => ms < seconds * 1000);
}

describe('decode modes on real media', () => {
  let dir: string;
  let cam: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aima-decode-modes-'));
    cam = path.join(dir, 'cam25.mp4');
    // A 25 fps H.264 "camera" with non-reference B-frames; temporal noise so no frame is a copy.
    await promisify(execFile)('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-i', VTEST, '-t', '12'],
      ...['-vf', 'scale=640:360,fps=25,noise=alls=6:allf=t', '-an'],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '50', cam],
    ]);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  // Tolerance: 'fast' frames sit on the same timestamps as 'full', and differ from them by a mean
  // absolute byte difference under 4 (of 255) on ≥ 95 % of frames (a non-deblocked or neighbouring
  // frame; a wrong or repeated frame of a moving scene differs by far more).
  for (const [name, file] of [
    ['vtest.mp4 (10 fps: deblocking skipped)', () => VTEST],
    ['a 25 fps camera (non-reference frames skipped)', () => cam],
  ] as const) {
    it(`'fast' keeps 'full''s timestamps and frames on ${name}`, async () => {
      const f = file();
      const [full, fast] = [await frames(f, 'full', 20_000), await frames(f, 'fast', 20_000)];
      expect(fast.length).toBeGreaterThanOrEqual(20);
      expect(fast.map((x) => x.ptsMs)).toEqual(full.map((x) => x.ptsMs));
      const diffs = fast.map((x, i) => meanAbsDiff(x.data, full[i]!.data));
      const close = diffs.filter((d) => d < 4).length;
      expect(close / diffs.length).toBeGreaterThanOrEqual(0.95);
    });
  }

  it("'keyframes' gives exactly ffprobe's keyframes, at their own timestamps", async () => {
    const got = (await frames(VTEST, 'keyframes')).map((x) => x.ptsMs);
    const want = keyframeTimesMs(VTEST, 80);
    expect(want.length).toBeGreaterThan(5);
    expect(got).toEqual(want);
    // The camera clip: keyframes every 2 s (GOP 50 at 25 fps).
    const camGot = (await frames(cam, 'keyframes')).map((x) => x.ptsMs);
    expect(camGot).toEqual(keyframeTimesMs(cam, 12));
  });

  it("'keyframes' is capped at fps when keyframes come faster", async () => {
    // Every frame a keyframe (-g 1), 25 fps: at fps 2, about 2 of them a second.
    const intra = path.join(dir, 'intra.mp4');
    await promisify(execFile)('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-i', cam, '-t', '4', '-c:v', 'libx264'],
      ...['-preset', 'ultrafast', '-g', '1', intra],
    ]);
    const pts = (await frames(intra, 'keyframes')).map((x) => x.ptsMs);
    expect(pts.length).toBeGreaterThanOrEqual(6);
    expect(pts.length).toBeLessThanOrEqual(11);
    for (let i = 1; i < pts.length; i++) expect(pts[i]! - pts[i - 1]!).toBeGreaterThanOrEqual(375);
  });

  it('a live source reports the mode it decodes with', async () => {
    const live = openLiveSource(parseSource(VTEST), {
      fps: 2,
      maxWidth: 416,
      maxHeight: 416,
      decode: 'keyframes',
    });
    let n = 0;
    for await (const frame of live) if (frame.width > 0) n++;
    expect(live.stats.decode).toBe('keyframes');
    expect(n).toBe(keyframeTimesMs(VTEST, 80).length);
  });
});
