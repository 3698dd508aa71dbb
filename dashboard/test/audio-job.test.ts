// Analysis jobs with audio analyzers, through the real runtime: real ffmpeg, real models, real
// pocketsphinx, real chDB. One runtime for the file; every job analyses its own clip.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSource } from '@aima/ingest';
import { formatTranscript } from '@aima/storage';
import { openRuntime, runAnalysisJob, type AnalysisSummary, type Runtime } from '../index.ts';

const MEDIA = process.env.AIMA_MEDIA_DIR ?? path.resolve('../shared/media');
const DEMO = path.join(MEDIA, 'synthetic/demo_pedestrians_speech.mp4');
const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';

let tmp: string;
let runtime: Runtime;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-audio-job-'));
  runtime = await openRuntime({
    dataDir: tmp,
    modelsDir: process.env.AIMA_MODELS_DIR ?? null,
    executionProvider: 'cpu',
    offline: true,
    modelId: 'yolox-nano',
    faces: { enabled: false },
  });
});

afterAll(async () => {
  await runtime?.close();
  await rm(tmp, { recursive: true, force: true });
});

const ff = (...args: string[]): void => void execFileSync(FFMPEG, ['-v', 'error', '-y', ...args]);

async function analyze(
  file: string,
  id: string,
  analyzers: string[] | null,
  extra = {},
): Promise<AnalysisSummary> {
  return runAnalysisJob(runtime, { source: parseSource(file), sourceId: id, fps: 2, analyzers, ...extra });
}

describe('audio analyzers in analysis jobs', () => {
  it('a video with speech: objects, speech, transcript with word times, search and VTT, on one clock', async () => {
    const s = await analyze(DEMO, 'demo', ['detect', 'vad', 'loudness', 'asr', 'speech-rate']);
    expect(s.analyzers).toEqual(['detect', 'vad', 'loudness', 'asr', 'speech-rate']);
    expect(s.analyzerFailures).toEqual([]);
    expect(s.audio).toBe(true);
    expect(s.tracksByClass['person']).toBeGreaterThan(0);
    const { store } = runtime;
    // The synthetic clip's speech spans 2.0-10.78 s (audible end about 10.4 s).
    const speech = await store.listSpeechSegments({ sourceId: 'demo' });
    expect(speech.length).toBeGreaterThan(0);
    expect(speech[0]!.startTs - s.epochMs).toBeGreaterThan(1700);
    expect(speech[0]!.startTs - s.epochMs).toBeLessThan(2400);
    expect(speech.at(-1)!.endTs - s.epochMs).toBeGreaterThan(10_000);
    expect(speech.at(-1)!.endTs - s.epochMs).toBeLessThan(11_200);
    const loud = await store.listLoudness({ sourceId: 'demo' });
    // One row per second of sound: 20 s of video, plus the AAC encoder's padding second.
    expect(loud.length).toBeGreaterThanOrEqual(20);
    expect(loud.length).toBeLessThanOrEqual(21);
    const transcript = await store.listTranscript({ sourceId: 'demo' });
    expect(transcript.length).toBeGreaterThan(0);
    const words = transcript.flatMap((t) => t.words);
    expect(words.length).toBeGreaterThan(5);
    expect(transcript.every((t) => t.engine === 'pocketsphinx')).toBe(true);
    // Words are timed inside the speech, in order.
    for (const w of words) {
      expect(w.startTs).toBeGreaterThanOrEqual(s.epochMs + 1500);
      expect(w.endTs).toBeLessThanOrEqual(s.epochMs + 11_500);
    }
    for (let i = 1; i < words.length; i++)
      expect(words[i]!.startTs).toBeGreaterThanOrEqual(words[i - 1]!.startTs);
    // Search finds a recognised word and points at its moment.
    const probe = words.find((w) => /^[a-z]{4,}$/.test(w.word))!;
    const hits = await store.searchTranscripts({ q: probe.word.toUpperCase() });
    expect(
      hits.some((h) => h.sourceId === 'demo' && h.matches.some((m) => m.startTs === probe.startTs)),
    ).toBe(true);
    const vtt = formatTranscript(transcript, 'vtt', { epochMs: s.epochMs });
    expect(vtt.startsWith('WEBVTT')).toBe(true);
    expect(vtt).toMatch(/00:00:0\d\.\d{3} --> 00:00:1\d\.\d{3}/);
    const rates = await store.listSpeechRate({ sourceId: 'demo' });
    expect(rates.length).toBe(transcript.length);
    expect(rates[0]!.wordsPerMinute).toBeGreaterThan(30);
  });

  it('an audio-only file is a first-class source; a video without audio simply has no audio rows', async () => {
    const a = await analyze(path.join(MEDIA, 'speech/jfk.flac'), 'jfk', null);
    expect(a.frames).toBe(0);
    expect(a.audio).toBe(true);
    expect(a.mediaMs).toBeGreaterThan(10_500);
    expect(a.analyzerFailures).toEqual([]);
    expect((await runtime.store.listTranscript({ sourceId: 'jfk' })).length).toBeGreaterThan(0);
    const events = await runtime.store.listAudioEvents({ sourceId: 'jfk' });
    expect(events.map((e) => e.label)).toContain('speech');

    const v = await analyze(path.join(MEDIA, 'video/bottle-detection.mp4'), 'bottles', null, {
      durationMs: 3000,
    });
    expect(v.audio).toBe(false);
    expect(v.analyzerFailures).toEqual([]);
    expect(v.frames).toBeGreaterThan(0);
    expect(await runtime.store.listSpeechSegments({ sourceId: 'bottles' })).toEqual([]);
    expect(await runtime.store.listLoudness({ sourceId: 'bottles' })).toEqual([]);
  });

  it('A/V sync: a sound muxed at 4.0 s onto a video is on the timeline within 100 ms of it', async () => {
    const glass = path.join(MEDIA, 'events/glass_breaking/1-20133-A-39.wav');
    const clip = path.join(tmp, 'glass-at-4s.mp4');
    ff(
      '-i', path.join(MEDIA, 'video/vtest.mp4'), '-i', glass,
      '-filter_complex', '[1:a]atrim=0:1.5,asetpts=N/SR/TB,adelay=3840:all=1,apad,atrim=0:8[a]',
      '-map', '0:v', '-map', '[a]', '-t', '8', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', clip,
    ); // prettier-ignore
    const s = await analyze(clip, 'glass', ['detect', 'sounds']);
    const events = await runtime.store.listAudioEvents({ sourceId: 'glass' });
    const ev = events.find((e) => e.label === 'glass-breaking');
    expect(ev, JSON.stringify(events)).toBeDefined();
    // The break starts 0.16 s into the clip, which was delayed by 3.84 s.
    expect(Math.abs(ev!.startTs - s.epochMs - 4000)).toBeLessThanOrEqual(100);
    // Frames of the same job share the epoch: the detections around that moment are there too.
    const dets = await runtime.store.listDetections({
      sourceId: 'glass',
      from: ev!.startTs - 1000,
      to: ev!.startTs + 1000,
    });
    expect(dets.length).toBeGreaterThan(0);
  });

  it('a missing ASR model stops asr alone with a coded error; video and the other analyzers go on', async () => {
    const s = await analyze(DEMO, 'no-model', ['detect', 'vad', 'asr'], {
      analyzerConfig: { asr: { engine: 'sherpa-whisper' } },
      durationMs: 6000,
    });
    expect(s.status).toBe('done');
    expect(s.analyzerFailures).toEqual([
      expect.objectContaining({ analyzer: 'asr', code: 'MODEL_NOT_FOUND' }),
    ]);
    expect(s.frames).toBeGreaterThan(0);
    expect((await runtime.store.listSpeechSegments({ sourceId: 'no-model' })).length).toBeGreaterThan(0);
    expect(await runtime.store.listTranscript({ sourceId: 'no-model' })).toEqual([]);
    const row = await runtime.store.getSource('no-model');
    expect(row?.status).toBe('done');
  });

  it('a corrupt audio stream stops the audio analyzers only; the frames are all analysed', async () => {
    // An mpegts whose audio packets are damaged half way (bytes overwritten in place).
    const ts = path.join(tmp, 'corrupt-audio.ts');
    ff('-i', DEMO, '-t', '6', '-c:v', 'copy', '-c:a', 'mp2', '-f', 'mpegts', ts);
    const clean = await analyze(ts, 'clean-ts', ['detect']);
    const { open } = await import('node:fs/promises');
    const fh = await open(ts, 'r+');
    const { size } = await fh.stat();
    // Every audio PID packet (0x101 is ffmpeg's first audio PID) from the middle on gets garbage.
    const buf = Buffer.alloc(size);
    await fh.read(buf, 0, size, 0);
    for (let off = Math.floor(size / 2 / 188) * 188; off + 188 <= size; off += 188) {
      const pid = ((buf[off + 1]! & 0x1f) << 8) | buf[off + 2]!;
      if (buf[off] === 0x47 && pid === 0x101) buf.fill(0xa5, off + 8, off + 188);
    }
    await fh.write(buf, 0, size, 0);
    await fh.close();
    const s = await analyze(ts, 'corrupt-audio', ['detect', 'vad', 'loudness']);
    expect(s.status).toBe('done');
    expect(s.frames).toBe(clean.frames);
    // Whatever the decoder made of the damage, nothing crashed and what was analysed is stored.
    for (const f of s.analyzerFailures) expect(f.code).toMatch(/^[A-Z_]+$/);
    expect((await runtime.store.listLoudness({ sourceId: 'corrupt-audio' })).length).toBeGreaterThan(0);
  });
});
