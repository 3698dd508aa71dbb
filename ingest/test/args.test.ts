import { describe, expect, it } from 'vitest';
import type { FfmpegFeatures } from '../src/ffmpeg/args.ts';
import {
  audioArgs,
  avArgs,
  multiArgv,
  ffprobeArgs,
  fitSize,
  sourceInputOptions,
  toArgv,
  videoArgs,
  videoFilter,
} from '../src/ffmpeg/args.ts';
import { featuresFromHelp } from '../src/ffmpeg/features.ts';
import { fluentArgv } from '../src/ffmpeg/process.ts';

const modern: FfmpegFeatures = { rtspTimeout: 'timeout', fpsMode: true, showinfoChecksumOption: true };
const old: FfmpegFeatures = { rtspTimeout: 'stimeout', fpsMode: false, showinfoChecksumOption: false };

describe('sourceInputOptions', () => {
  it('adds nothing for files', () => {
    expect(sourceInputOptions('file', modern)).toEqual([]);
  });

  it('uses TCP and the socket timeout that this build understands for rtsp', () => {
    expect(sourceInputOptions('rtsp', modern)).toEqual([
      ...['-analyzeduration', '1000000', '-rtsp_transport', 'tcp', '-timeout', '10000000'],
    ]);
    expect(sourceInputOptions('rtsp', old)).toContain('-stimeout');
    expect(sourceInputOptions('rtsp', old)).not.toContain('-timeout');
  });

  it('bounds socket I/O for the other network kinds, never with -timeout (rtmp: listen)', () => {
    for (const kind of ['http', 'hls', 'rtmp', 'srt'] as const) {
      const opts = sourceInputOptions(kind, modern);
      expect(opts.join(' ')).toContain('-rw_timeout 10000000');
      expect(opts).not.toContain('-timeout');
    }
    expect(sourceInputOptions('http', modern)).not.toContain('-analyzeduration');
  });
});

describe('fitSize', () => {
  it('fits inside the box keeping the aspect ratio, with even sizes', () => {
    expect(fitSize({ width: 480, height: 360 }, 416, 416)).toEqual({ width: 416, height: 312 });
    expect(fitSize({ width: 1920, height: 1080 }, 640, 640)).toEqual({ width: 640, height: 360 });
    expect(fitSize({ width: 1080, height: 1920 }, 640, 640)).toEqual({ width: 360, height: 640 });
    expect(fitSize({ width: 1000, height: 1000 }, 333)).toEqual({ width: 332, height: 332 });
  });

  it('never upscales and keeps odd source sizes when not scaling', () => {
    expect(fitSize({ width: 480, height: 360 }, 1920, 1080)).toEqual({ width: 480, height: 360 });
    expect(fitSize({ width: 641, height: 361 })).toEqual({ width: 641, height: 361 });
  });

  it('handles a box of one side only', () => {
    expect(fitSize({ width: 480, height: 360 }, undefined, 180)).toEqual({ width: 240, height: 180 });
  });
});

describe('video and audio arguments', () => {
  const file = { kind: 'file' as const, input: '/m/v.mp4' };

  it('builds the filter chain: fps, explicit scale, showinfo', () => {
    expect(videoFilter({ width: 416, height: 312 }, 5)).toBe('fps=5,scale=416:312:flags=bilinear,showinfo');
    expect(videoFilter({ width: 480, height: 360 })).toBe('scale=480:360:flags=bilinear,showinfo');
  });

  it('decodes one mapped stream to raw frames at passthrough timing', () => {
    const args = videoArgs(file, modern, {
      streamIndex: 0,
      size: { width: 416, height: 312 },
      pixelFormat: 'rgb24',
      fps: 5,
      durationMs: 10_000,
    });
    expect(toArgv(args)).toEqual([
      ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info'],
      ...['-i', '/m/v.mp4'],
      ...[
        '-map',
        '0:0',
        '-an',
        '-sn',
        '-dn',
        '-vf',
        'fps=5,scale=416:312:flags=bilinear,showinfo=checksum=0',
        '-fps_mode',
        'passthrough',
      ],
      ...['-pix_fmt', 'rgb24', '-t', '10.000', '-f', 'rawvideo', 'pipe:1'],
    ]);
    const legacy = videoArgs(file, old, {
      streamIndex: 2,
      size: { width: 2, height: 2 },
      pixelFormat: 'bgr24',
    });
    expect(legacy.outputOptions).toContain('-vsync');
    expect(legacy.outputOptions).not.toContain('-t');
  });

  it('puts -re and the network options before -i', () => {
    const src = { kind: 'rtsp' as const, input: 'rtsp://h/x' };
    const argv = toArgv(
      videoArgs(src, modern, {
        streamIndex: 0,
        size: { width: 2, height: 2 },
        pixelFormat: 'rgb24',
        realtime: true,
      }),
    );
    const i = argv.indexOf('-i');
    for (const opt of ['-re', '-rtsp_transport', '-timeout']) expect(argv.indexOf(opt)).toBeLessThan(i);
  });

  it('decodes audio to 16 kHz mono f32le in the filter graph, ashowinfo last', () => {
    expect(audioArgs(file, modern, { streamIndex: 1, durationMs: 1500 }).outputOptions).toEqual([
      ...['-map', '0:1', '-vn', '-sn', '-dn'],
      ...['-af', 'aresample=16000:async=1,aformat=sample_fmts=flt:channel_layouts=mono,ashowinfo'],
      ...['-t', '1.500', '-f', 'f32le'],
    ]);
    const argv = toArgv(audioArgs(file, modern, { streamIndex: 0, copyTimestamps: true, realtime: true }));
    expect(argv.indexOf('-copyts')).toBeLessThan(argv.indexOf('-i'));
    expect(argv.indexOf('-re')).toBeLessThan(argv.indexOf('-i'));
  });

  it('A/V: one input, video to pipe:1 and audio to pipe:3', () => {
    const src = { kind: 'rtmp' as const, input: 'rtmp://127.0.0.1/live/x' };
    const argv = multiArgv(
      avArgs(src, modern, {
        video: { streamIndex: 0, size: { width: 4, height: 2 }, pixelFormat: 'rgb24' },
        audio: { streamIndex: 1 },
        threads: 1,
      }),
    );
    expect(argv.filter((a) => a === '-i')).toHaveLength(1);
    const audioAt = argv.indexOf('pipe:3');
    const videoAt = argv.indexOf('pipe:1');
    expect(videoAt).toBeGreaterThan(argv.indexOf('0:0'));
    expect(audioAt).toBeGreaterThan(argv.indexOf('0:1'));
    expect(argv.indexOf('0:1')).toBeGreaterThan(videoAt);
    expect(argv.slice(-3)).toEqual(['-f', 'f32le', 'pipe:3']);
    // Audio only: no stdout output at all.
    const audioOnly = multiArgv(avArgs(src, modern, { audio: { streamIndex: 0 } }));
    expect(audioOnly).not.toContain('pipe:1');
    expect(audioOnly.at(-1)).toBe('pipe:3');
    expect(() => avArgs(src, modern, {})).toThrow(RangeError);
  });

  it('asks ffprobe for JSON', () => {
    expect(ffprobeArgs({ kind: 'http', input: 'http://h/x' }, modern)).toEqual([
      ...['-hide_banner', '-v', 'error', '-rw_timeout', '10000000'],
      ...['-print_format', 'json', '-show_format', '-show_streams', 'http://h/x'],
    ]);
  });

  it('reaches ffmpeg through fluent-ffmpeg unchanged', () => {
    // Values with one space are what fluent would split if handed a lone array.
    const args = {
      inputOptions: ['-headers', 'X-A: b'],
      input: '/m/a b.mp4',
      outputOptions: ['-vf', 'fps=5'],
    };
    expect(fluentArgv('ffmpeg', args)).toEqual(toArgv(args));
    const real = videoArgs(file, modern, {
      streamIndex: 0,
      size: { width: 4, height: 2 },
      pixelFormat: 'rgb24',
    });
    expect(fluentArgv('ffmpeg', real)).toEqual(toArgv(real));
  });
});

describe('featuresFromHelp', () => {
  it('recognises old and new option spellings', () => {
    const rtsp4 = '  -timeout  <int> .D. listen...\n  -stimeout <int> .D. socket timeout\n';
    const rtsp5 = '  -listen_timeout <int> .D. ...\n  -timeout <int64> .D. socket I/O\n';
    expect(featuresFromHelp(rtsp4, '-vsync  video sync method', 'showinfo AVOptions:\n')).toEqual({
      rtspTimeout: 'stimeout',
      fpsMode: false,
      showinfoChecksumOption: false,
    });
    const showinfo5 =
      'showinfo AVOptions:\n   checksum          <boolean>    ..FV....... calculate checksums\n';
    expect(featuresFromHelp(rtsp5, '-fps_mode  set framerate mode', showinfo5)).toEqual({
      rtspTimeout: 'timeout',
      fpsMode: true,
      showinfoChecksumOption: true,
    });
  });
});
