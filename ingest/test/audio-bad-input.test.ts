// Bad audio, for the audio path only: a sample-rate change mid-stream, damaged audio packets, an
// audio codec ffmpeg cannot decode. Chunks keep flowing at 16 kHz on a continuous clock, or the
// decode ends with a coded one-line error; never a crash, and the video of the same file decodes
// as if nothing were wrong.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio, decodeVideo, parseSource, resolveFfmpeg } from '../index.ts';
import type { AudioChunk } from '../index.ts';
import { expectContinuous, peak } from './helpers/audio.ts';
import { collect, ffmpegTo, jfk, vtest } from './helpers/media.ts';

const { ffmpeg } = resolveFfmpeg();
let dir: string;
const at = (name: string): string => path.join(dir, name);

/** Overwrite the payload of MPEG-TS packets of `pid` between the fractions `from`..`to` of the file. */
function damagePid(from: string, to: string, pid: number, range: [number, number]): number {
  const bytes = fs.readFileSync(from);
  const packets = Math.floor(bytes.length / 188);
  let damaged = 0;
  for (let p = Math.floor(packets * range[0]); p < packets * range[1]; p++) {
    const o = p * 188;
    if (bytes[o] !== 0x47 || (((bytes[o + 1]! & 0x1f) << 8) | bytes[o + 2]!) !== pid) continue;
    // Keep the TS and PES headers (the first 24 bytes): the demuxer still finds the packets, the
    // decoder gets garbage.
    for (let i = o + 24; i < o + 188; i += 3) bytes[i] = (bytes[i]! * 31 + 7) & 0xff;
    damaged++;
  }
  fs.writeFileSync(to, bytes);
  return damaged;
}

async function audioOf(file: string): Promise<{ chunks: AudioChunk[]; error: unknown }> {
  const chunks: AudioChunk[] = [];
  let error: unknown = null;
  try {
    for await (const c of await decodeAudio(parseSource(file), { epochMs: 0 })) chunks.push(c);
  } catch (err) {
    error = err;
  }
  return { chunks, error };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aima-bad-audio-'));
  const aac = (ss: number, rate: number, extra: string[], out: string): Promise<void> =>
    ffmpegTo(ffmpeg, [
      '-ss',
      String(ss),
      '-t',
      '3',
      '-i',
      jfk,
      '-ar',
      String(rate),
      '-c:a',
      'aac',
      ...extra,
      '-f',
      'mpegts',
      out,
    ]);
  await Promise.all([
    aac(0, 44_100, [], at('a.ts')),
    aac(3, 22_050, [], at('b-restart.ts')),
    aac(3, 22_050, ['-output_ts_offset', '3'], at('b-follow.ts')),
    ffmpegTo(ffmpeg, ['-t', '6', '-i', vtest, '-c:v', 'copy', '-c:a', 'aac', '-f', 'mpegts', at('av.ts')]),
  ]);
  // 44.1 kHz then 22.05 kHz, once with the clock running on and once restarting (a spliced feed).
  for (const b of ['follow', 'restart']) {
    fs.writeFileSync(
      at(`rate-${b}.ts`),
      Buffer.concat([fs.readFileSync(at('a.ts')), fs.readFileSync(at(`b-${b}.ts`))]),
    );
  }
  // A wav whose format tag names no codec ffmpeg knows.
  const wav = Buffer.from(fs.readFileSync(jfk));
  wav.writeUInt16LE(0x7777, wav.indexOf('fmt ') + 8);
  fs.writeFileSync(at('unknown-codec.wav'), wav);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('bad audio', () => {
  it.each(['follow', 'restart'])(
    'a sample-rate change mid-stream (44.1 → 22.05 kHz, clock %s): 16 kHz chunks on a continuous clock',
    async (kind) => {
      const { chunks, error } = await audioOf(at(`rate-${kind}.ts`));
      expect(error).toBeNull();
      const seconds = chunks.reduce((n, c) => n + c.samples.length, 0) / 16_000;
      expect(seconds).toBeGreaterThan(5.8);
      expect(seconds).toBeLessThan(6.3);
      expectContinuous(chunks, 1);
      // Both halves carry speech: the resampler was rebuilt for 22.05 kHz, not dropped.
      const second = chunks.filter((c) => c.ptsMs >= 3500);
      expect(second.length).toBeGreaterThan(3);
      expect(peak(second)).toBeGreaterThan(0.05);
    },
  );

  it('damaged audio packets: chunks keep flowing over the whole file, or a coded error; video unaffected', async () => {
    const damaged = damagePid(at('av.ts'), at('av-damaged.ts'), 0x101, [0.5, 0.8]);
    expect(damaged).toBeGreaterThan(10);
    const { chunks, error } = await audioOf(at('av-damaged.ts'));
    if (error === null) {
      // The undecodable stretch is filled with silence (aresample's async mode): the chunks cover
      // the whole file at 16 kHz, on an unbroken clock.
      const seconds = chunks.reduce((n, c) => n + c.samples.length, 0) / 16_000;
      expect(seconds).toBeGreaterThan(5.5);
      expectContinuous(chunks, 1);
    } else {
      expect(error).toMatchObject({
        code: expect.stringMatching(/^INGEST_AUDIO_DECODE_FAILED$|^INGEST_TRUNCATED$/),
      });
      expect(String((error as Error).message)).not.toContain('\n');
    }
    const [intact, broken] = await Promise.all([
      collect(await decodeVideo(parseSource(at('av.ts')), { fps: 5, maxWidth: 160 })),
      collect(await decodeVideo(parseSource(at('av-damaged.ts')), { fps: 5, maxWidth: 160 })),
    ]);
    expect(broken.length).toBe(intact.length);
    expect(broken.map((f) => f.ptsMs)).toEqual(intact.map((f) => f.ptsMs));
  });

  it('an audio codec ffmpeg cannot decode → INGEST_AUDIO_UNSUPPORTED, one line', async () => {
    const err = await decodeAudio(parseSource(at('unknown-codec.wav'))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INGEST_AUDIO_UNSUPPORTED', exitCode: 4, httpStatus: 422 });
    expect((err as Error).message).toMatch(
      /^no decoder for the audio of .*unknown-codec\.wav: unknown codec/,
    );
    expect((err as Error).message).not.toContain('\n');
  });
});
