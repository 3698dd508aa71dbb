import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FfmpegFeatures } from '../src/ffmpeg/args.ts';
import { toArgv } from '../src/ffmpeg/args.ts';
import { fluentArgv } from '../src/ffmpeg/process.ts';
import {
  isSafeSourceId,
  recordArgs,
  recordingMode,
  runPrefix,
  segmentName,
  segmentPattern,
} from '../src/recorder/args.ts';
import { SegmentListReader, parseSegmentListLine } from '../src/recorder/segment-list.ts';
import type { MediaInfo } from '../src/types.ts';

const features: FfmpegFeatures = { rtspTimeout: 'timeout', fpsMode: true, showinfoChecksumOption: true };

function media(video: string | null, audio: string | null): MediaInfo {
  return {
    formatName: 'mov,mp4',
    durationMs: 10_000,
    sizeBytes: 1000,
    video:
      video === null
        ? null
        : { index: 0, codec: video, width: 640, height: 360, fps: 25, frames: 250, pixelFormat: 'yuv420p' },
    audio: audio === null ? null : { index: 1, codec: audio, sampleRate: 44_100, channels: 2 },
  };
}

describe('recordingMode', () => {
  it('copies h264 and hevc video, transcodes anything else with libx264', () => {
    expect(recordingMode(media('h264', 'aac')).video).toBe('copy');
    expect(recordingMode(media('hevc', 'aac')).video).toBe('copy');
    for (const codec of ['mpeg4', 'vp9', 'mjpeg', 'av1']) {
      expect(recordingMode(media(codec, null)).video).toBe('libx264');
    }
  });

  it('copies AAC, transcodes other audio to AAC, and records no audio when there is none', () => {
    expect(recordingMode(media('h264', 'aac')).audio).toBe('copy');
    expect(recordingMode(media('h264', 'pcm_mulaw')).audio).toBe('aac');
    expect(recordingMode(media('h264', 'opus')).audio).toBe('aac');
    expect(recordingMode(media('h264', null)).audio).toBe('none');
  });
});

describe('segment names', () => {
  it('name a run by its epoch and sort by time within and across runs', () => {
    const a = runPrefix(Date.UTC(2024, 4, 1, 12, 0, 0, 5));
    expect(a).toBe('20240501T120000.005Z');
    const names = [
      segmentName(runPrefix(Date.UTC(2024, 4, 1, 12, 0, 1)), 0),
      segmentName(a, 10),
      segmentName(a, 9),
      segmentName(runPrefix(Date.UTC(2025, 0, 1)), 0),
    ];
    expect([...names].sort()).toEqual([names[2], names[1], names[0], names[3]]);
    expect(segmentName(a, 7)).toBe('20240501T120000.005Z-00000007.mp4');
  });

  it("escape '%' in the directory, which ffmpeg's pattern would expand", () => {
    expect(segmentPattern('/data/100%/cam', 'P')).toBe('/data/100%%/cam/P-%08d.mp4');
  });

  it('accept only safe source ids as directory names', () => {
    for (const ok of ['cam1', 'Front_Door-2', 'a.b']) expect(isSafeSourceId(ok)).toBe(true);
    for (const bad of ['', '../x', 'a/b', '.hidden', 'a..b', 'x'.repeat(129), 'a b', 'é']) {
      expect(isSafeSourceId(bad)).toBe(false);
    }
  });
});

describe('recordArgs', () => {
  const file = { kind: 'file' as const, input: '/m/in put.mp4' };
  const base = {
    segmentSeconds: 2,
    pattern: '/rec/cam/P-%08d.mp4',
    listFile: '/tmp/x/segments.csv',
    live: false,
  };

  it('stream-copies into fMP4 segments with a CSV list, ending in a null sink for pipe:1', () => {
    const info = media('h264', 'aac');
    const args = recordArgs(file, features, { ...base, info, mode: recordingMode(info) });
    const argv = toArgv(args).join(' ');
    expect(argv).toContain('-map 0:0 -map 0:1 -sn -dn -c:v copy -c:a copy');
    expect(argv).toContain(
      '-f segment -segment_time 2 -segment_format mp4 -segment_format_options movflags=+frag_keyframe+empty_moov+default_base_moof -reset_timestamps 1 -segment_list /tmp/x/segments.csv -segment_list_type csv /rec/cam/P-%08d.mp4',
    );
    expect(argv.endsWith('/rec/cam/P-%08d.mp4 -map 0:0 -c copy -f null pipe:1')).toBe(true);
    expect(argv).not.toContain('-re ');
    expect(argv).not.toContain('libx264');
    expect(argv).not.toContain('genpts');
  });

  it('tags copied HEVC as hvc1', () => {
    const info = media('hevc', null);
    const argv = toArgv(recordArgs(file, features, { ...base, info, mode: recordingMode(info) }));
    expect(argv.join(' ')).toContain('-c:v copy -tag:v hvc1 -an');
  });

  it('transcodes with libx264 veryfast and a keyframe at every segment boundary', () => {
    const info = media('vp9', 'opus');
    const args = recordArgs(file, features, { ...base, info, mode: recordingMode(info), durationMs: 4000 });
    const argv = toArgv(args).join(' ');
    expect(argv).toContain('-c:v libx264 -preset veryfast -pix_fmt yuv420p');
    expect(argv).toContain('-force_key_frames expr:gte(t,n_forced*2)');
    expect(argv).toContain('-c:a aac');
    expect(argv).toContain('-t 4.000');
  });

  it('adds live input flags for live sources, -re when asked', () => {
    const info = media('h264', null);
    const rtsp = { kind: 'rtsp' as const, input: 'rtsp://u:p@cam/x' };
    const live = toArgv(recordArgs(rtsp, features, { ...base, info, mode: recordingMode(info), live: true }));
    expect(live.join(' ')).toContain('-fflags +genpts+discardcorrupt');
    expect(live.join(' ')).toContain('-rtsp_transport tcp');
    const re = toArgv(
      recordArgs(file, features, { ...base, info, mode: recordingMode(info), realtime: true }),
    );
    expect(re).toContain('-re');
  });

  it('is what fluent-ffmpeg hands to ffmpeg, word for word (spaces in paths included)', () => {
    const info = media('mpeg4', 'mp3');
    const args = recordArgs(file, features, {
      ...base,
      pattern: '/rec dir/cam/P-%08d.mp4',
      info,
      mode: recordingMode(info),
    });
    expect(fluentArgv('ffmpeg', args)).toEqual(toArgv(args));
  });

  it('refuses a source without video', () => {
    const info = media(null, 'aac');
    expect(() => recordArgs(file, features, { ...base, info, mode: recordingMode(info) })).toThrow(
      RangeError,
    );
  });
});

describe('segment list', () => {
  it('parses csv lines, quoted names included', () => {
    expect(parseSegmentListLine('P-00000001.mp4,2.000000,4.000000')).toEqual({
      name: 'P-00000001.mp4',
      start: 2,
      end: 4,
    });
    expect(parseSegmentListLine('"a,""b"".mp4",0.000000,1.500000\r')).toEqual({
      name: 'a,"b".mp4',
      start: 0,
      end: 1.5,
    });
    for (const bad of ['', 'x.mp4', 'x.mp4,1', 'x.mp4,a,b', ',1,2', 'x.mp4,1,']) {
      expect(parseSegmentListLine(bad)).toBeNull();
    }
  });

  let tmp: string;
  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'aima-seglist-'));
  });
  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('follows the file as lines are appended, holding back a line still being written', async () => {
    const file = path.join(tmp, 'segments.csv');
    const reader = new SegmentListReader(file);
    expect(await reader.read()).toEqual([]); // not created yet
    await fs.writeFile(file, 'a.mp4,0.000000,2.000000\nb.mp4,2.0000');
    expect((await reader.read()).map((e) => e.name)).toEqual(['a.mp4']);
    await fs.appendFile(file, '00,4.000000\n');
    expect(await reader.read()).toEqual([{ name: 'b.mp4', start: 2, end: 4 }]);
    expect(await reader.read()).toEqual([]);
  });
});
