// Frames and audio chunks of one file share a clock: a beep muxed at 2.0 s onto a video that
// turns from black to white at 2.0 s is heard at the time the white frame is seen, whatever the
// container does with start times (mp4 encoder priming, MPEG-TS's 1.4 s start, audio muxed late).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio, decodeVideo, parseSource, resolveFfmpeg } from '../index.ts';
import type { Frame } from '../index.ts';
import { expectContinuous, onsetMs } from './helpers/audio.ts';
import { collect, ffmpegTo } from './helpers/media.ts';

const { ffmpeg } = resolveFfmpeg();
let dir: string;

/** Black until `at` s, then white; silence until `at`, then a 1 kHz tone. 4 s, 25 fps. */
async function make(file: string, at: number, extra: string[] = [], audioDelay = 0): Promise<void> {
  await ffmpegTo(ffmpeg, [
    ...[
      '-f',
      'lavfi',
      '-i',
      `color=c=black:s=160x120:r=25:d=4,geq=lum='if(gte(T,${at}),235,16)':cb=128:cr=128`,
    ],
    ...(audioDelay ? ['-itsoffset', String(audioDelay)] : []),
    ...[
      '-f',
      'lavfi',
      '-i',
      `aevalsrc='if(gte(t,${at - audioDelay}),0.5*sin(2*PI*1000*t),0)':s=44100:d=${4 - audioDelay}`,
    ],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'],
    ...extra,
    file,
  ]);
}

function firstWhite(frames: readonly Frame[]): Frame | undefined {
  return frames.find((f) => {
    let sum = 0;
    for (let i = 0; i < f.data.length; i += 3) sum += f.data[i]!;
    return sum / (f.data.length / 3) > 128;
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aima-av-clock-'));
  await Promise.all([
    make(path.join(dir, 'beep.mp4'), 2),
    make(path.join(dir, 'beep.ts'), 2, ['-f', 'mpegts']),
    // Audio starts 0.6 s after the video: its first chunk is at ~600 ms, not 0.
    make(path.join(dir, 'late-audio.mp4'), 2, [], 0.6),
    make(path.join(dir, 'late-audio.ts'), 2, ['-f', 'mpegts'], 0.6),
  ]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('one clock for frames and audio', () => {
  it.each(['beep.mp4', 'beep.ts', 'late-audio.mp4', 'late-audio.ts'])(
    '%s: the chunk holding the beep onset and the first white frame agree within 20 ms',
    async (name) => {
      const src = parseSource(path.join(dir, name));
      const [video, audio] = await Promise.all([
        decodeVideo(src, { epochMs: 1_000_000 }),
        decodeAudio(src, { epochMs: 1_000_000, chunkSamples: 1600 }),
      ]);
      const [frames, chunks] = await Promise.all([collect(video), collect(audio)]);
      const white = firstWhite(frames);
      const onset = onsetMs(chunks);
      expect(white).toBeDefined();
      expect(onset).not.toBeNull();
      expect(Math.abs(onset! - white!.ptsMs)).toBeLessThanOrEqual(20);
      // The beep is where it was put, on the container's clock (first stream at 0).
      expect(Math.abs(white!.ptsMs - 2000)).toBeLessThanOrEqual(45);
      // ts = epochMs + ptsMs for both.
      const chunk = chunks.find((c) => c.ptsMs <= onset! && onset! < c.ptsMs + c.samples.length / 16)!;
      expect(chunk.ts).toBe(1_000_000 + chunk.ptsMs);
      expect(white!.ts).toBe(1_000_000 + white!.ptsMs);
      expectContinuous(chunks);
      if (name.startsWith('late-audio')) expect(chunks[0]!.ptsMs).toBeGreaterThan(550);
      else expect(chunks[0]!.ptsMs).toBeLessThan(30);
    },
  );

  it('fps decimation keeps the grid on the first frame (MPEG-TS starts at 1.4 s)', async () => {
    const frames = await collect(await decodeVideo(parseSource(path.join(dir, 'beep.ts')), { fps: 5 }));
    expect(frames.length).toBeGreaterThanOrEqual(19);
    // The first frame is at the video's own start on the container clock (a few ms after the
    // audio's), and the rest follow every 200 ms.
    expect(frames[0]!.ptsMs).toBeGreaterThanOrEqual(0);
    expect(frames[0]!.ptsMs).toBeLessThan(40);
    frames.slice(1).forEach((f, i) => expect(f.ptsMs - frames[i]!.ptsMs).toBeCloseTo(200, 3));
  });
});
