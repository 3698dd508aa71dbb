// decodeAudio on real audio-only files of every common kind, made from jfk.wav by ffmpeg, and the
// pure parts of the audio path (ashowinfo parsing, the sample clock, the decoder list).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio, decodeVideo, parseSource, probe, resolveFfmpeg } from '../index.ts';
import { AudioClock } from '../src/audio-clock.ts';
import { parseCodecs } from '../src/ffmpeg/codecs.ts';
import { parseAudioShowinfo, StderrLog } from '../src/ffmpeg/stderr.ts';
import { expectContinuous, peak } from './helpers/audio.ts';
import { collect, ffmpegTo, jfk } from './helpers/media.ts';

const line = (n: number, pts: number | 'NOPTS', samples: number): string =>
  `[Parsed_ashowinfo_2 @ 0x55c5f6eab080] [info] n:${n} pts:${pts} pts_time:0 pos:839 fmt:flt channels:1 chlayout:mono rate:16000 nb_samples:${samples} checksum:00000000 plane_checksums: [ 00000000 ]`;

describe('the audio clock (pure)', () => {
  it('parses ashowinfo lines and keeps them out of the stderr tail', () => {
    expect(parseAudioShowinfo(line(3, 1115, 372))).toEqual({ pts: 1115, rate: 16000, samples: 372 });
    expect(parseAudioShowinfo(line(0, 'NOPTS', 10))).toEqual({ pts: null, rate: 16000, samples: 10 });
    expect(parseAudioShowinfo('[Parsed_showinfo_0 @ 0x1] [info] n:0 pts:0 pts_time:0')).toBeNull();
    const log = new StderrLog();
    log.add(line(0, 0, 100));
    log.add('[aac @ 0x1] [error] Input buffer exhausted before END element found');
    expect(log.tail).toHaveLength(1);
    expect(log.errorCount).toBe(1);
  });

  it('maps samples to media time; never backwards, holes kept, waits for late lines', async () => {
    const clock = new AudioClock();
    clock.onLine(line(0, 16_000, 8000)); // 1000 ms
    expect(await clock.at(0)).toBe(1000);
    expect(await clock.at(4000)).toBe(1250);
    const late = clock.at(8000);
    clock.onLine(line(1, 24_000, 8000)); // continues exactly
    expect(await late).toBe(1500);
    clock.onLine(line(0, 0, 8000)); // a restarted clock (rebuilt resampler): continues at 2000
    expect(await clock.at(16_000)).toBe(2000);
    clock.onLine(line(1, 64_000, 8000)); // a real hole: 2500 → 4000
    expect(await clock.at(24_000)).toBe(4000);
    clock.end();
    expect(await clock.at(40_000)).toBe(5000); // past the last line: its clock continues
  });

  it('reads which codecs ffmpeg can decode', () => {
    const codecs = parseCodecs(
      [
        ' D..... = Decoding supported',
        ' -------',
        ' DEAIL. aac                  AAC (Advanced Audio Coding) (decoders: aac aac_fixed )',
        ' .EA... fake                 encode only',
        ' D.A.L. ac4                  AC-4',
      ].join('\n'),
    );
    expect([...codecs].sort()).toEqual(['aac', 'ac4']);
  });
});

describe('audio-only files', () => {
  const { ffmpeg } = resolveFfmpeg();
  let dir: string;
  const kinds = {
    mp3: ['-c:a', 'libmp3lame', '-b:a', '64k'],
    m4a: ['-c:a', 'aac', '-b:a', '64k'],
    flac: ['-c:a', 'flac'],
    opus: ['-c:a', 'libopus', '-b:a', '32k'],
    wav: ['-c:a', 'pcm_s16le', '-ar', '44100', '-ac', '2'],
  } as const;
  const file = (ext: string): string => path.join(dir, `jfk.${ext}`);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aima-audio-files-'));
    await Promise.all(
      Object.entries(kinds).map(([ext, codec]) => ffmpegTo(ffmpeg, ['-i', jfk, ...codec, file(ext)])),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(Object.keys(kinds))(
    '%s: 16 kHz mono chunks over the whole 11 s, on a continuous clock',
    async (ext) => {
      const stream = await decodeAudio(parseSource(file(ext)), { epochMs: 0 });
      expect(stream.info.video).toBeNull();
      const chunks = await collect(stream);
      const total = chunks.reduce((n, c) => n + c.samples.length, 0);
      // Encoders pad a little (mp3/aac frames, opus pre-skip); never more than ~0.1 s.
      expect(total / 16_000).toBeGreaterThan(10.9);
      expect(total / 16_000).toBeLessThan(11.2);
      expectContinuous(chunks);
      expect(chunks[0]?.ptsMs).toBeLessThan(30);
      expect(peak(chunks)).toBeGreaterThan(0.05);
      expect(peak(chunks)).toBeLessThanOrEqual(1.01);
    },
  );

  it('decodeVideo on them says INGEST_NO_VIDEO (the job host probes and runs an audio-only job)', async () => {
    for (const ext of ['mp3', 'm4a']) {
      const src = parseSource(file(ext));
      expect((await probe(src)).audio?.codec).toMatch(/mp3|aac/);
      await expect(decodeVideo(src)).rejects.toMatchObject({ code: 'INGEST_NO_VIDEO' });
    }
  });

  it('realtime: reads at the native rate (-re) and still gives every sample', async () => {
    const stream = await decodeAudio(parseSource(file('flac')), { realtime: true, durationMs: 700 });
    const chunks = await collect(stream);
    expect(chunks.reduce((n, c) => n + c.samples.length, 0)).toBe(11_200);
  });
});
