// A live stream with speech through the source manager: frames and audio from one connection, VAD
// and the transcript pushed live (partials, then the final that replaces them), rows stored.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ffmpegListen from '../../test-support/servers/ffmpeg-listen.ts';
import type { StreamServer } from '../../test-support/servers/types.ts';
import {
  createSourceManager,
  openRuntime,
  type Runtime,
  type SourceLiveMessage,
  type SourceManager,
} from '../index.ts';

const MEDIA = process.env.AIMA_MEDIA_DIR ?? path.resolve('../shared/media');
const DEMO = path.join(MEDIA, 'synthetic/demo_pedestrians_speech.mp4');

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 90_000,
): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

type AnalyzerMessage = Extract<SourceLiveMessage, { type: 'analyzer' }>;

describe.skipIf(ffmpegListen.missing() !== null)('live audio analysis', () => {
  let tmp: string;
  let server: StreamServer;
  let http: StreamServer;
  let runtime: Runtime;
  let manager: SourceManager;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'aima-live-audio-'));
    // The demo clip (speech 2.0-10.8 s) served as a live RTMP stream, looped.
    server = await ffmpegListen.start({ protocol: 'rtmp', clip: { media: DEMO, seconds: 14 } });
    // The same as an endless MPEG-TS over HTTP: a URL that is live only because it has no end.
    http = await ffmpegListen.start({ protocol: 'http', clip: { media: DEMO, seconds: 14 } });
    runtime = await openRuntime({
      dataDir: tmp,
      modelsDir: process.env.AIMA_MODELS_DIR ?? null,
      executionProvider: 'cpu',
      offline: true,
      modelId: 'yolox-nano',
      faces: { enabled: false },
    });
    manager = createSourceManager({ runtime, dataDir: tmp });
  });
  afterAll(async () => {
    await manager?.close();
    await runtime?.close();
    await server?.stop();
    await http?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('pushes speech and transcript partials then finals over the live channel, and stores them', async () => {
    const messages: AnalyzerMessage[] = [];
    let frames = 0;
    await manager.add({
      input: server.url,
      fps: 2,
      realtime: false,
      id: 'mic',
      analyzers: ['detect', 'vad', 'asr'],
    });
    manager.subscribe('mic', (m) => {
      if (m.type === 'analyzer') messages.push(m);
      if (m.type === 'frame') frames++;
    });
    type Transcript = { segmentId: string; partial: boolean; text: string; startTs: number; endTs: number };
    const transcripts = (): Array<{ m: AnalyzerMessage; d: Transcript; i: number }> =>
      messages.flatMap((m, i) => (m.kind === 'transcript' ? [{ m, d: m.data as Transcript, i }] : []));
    // A final that replaced partials of the same utterance (short utterances may get none: partials
    // come at most every 2 s of speech).
    const replaced = () =>
      transcripts().find(
        (f) =>
          !f.d.partial &&
          transcripts().some((p) => p.d.partial && p.d.segmentId === f.d.segmentId && p.i < f.i),
      );
    await until('a final that replaced partials', () => replaced() !== undefined);
    const final = replaced()!.m;
    const data = replaced()!.d;
    expect(final.analyzer).toBe('asr');
    expect(data.text.length).toBeGreaterThan(0);
    // The VAD said when speech started and ended, before the final came.
    const speech = messages
      .filter((m) => m.kind === 'speech')
      .map((m) => (m.data as { state: string }).state);
    expect(speech).toContain('start');
    expect(speech).toContain('end');
    // Frames kept flowing beside the audio (one connection serves both).
    expect(frames).toBeGreaterThan(0);
    // Utterance times are on the frames' wall clock: within the last minute, in order.
    expect(data.endTs).toBeGreaterThan(data.startTs);
    expect(Math.abs(Date.now() - data.endTs)).toBeLessThan(60_000);
    await until(
      'the transcript row',
      async () => (await runtime.store.listTranscript({ sourceId: 'mic' })).length > 0,
    );
    const rows = await runtime.store.listTranscript({ sourceId: 'mic' });
    expect(rows[0]!.segmentId).toBe(data.segmentId);
    await manager.stop('mic');
  });

  it('an endless HTTP stream is live too: partial transcripts come before the final', async () => {
    const messages: AnalyzerMessage[] = [];
    await manager.add({ input: http.url, fps: 2, realtime: false, id: 'radio', analyzers: ['vad', 'asr'] });
    manager.subscribe('radio', (m) => {
      if (m.type === 'analyzer' && m.kind === 'transcript') messages.push(m);
    });
    const partial = (m: AnalyzerMessage): boolean => (m.data as { partial: boolean }).partial;
    await until('a partial, then a final', () => {
      const i = messages.findIndex(partial);
      return i >= 0 && messages.slice(i).some((m) => !partial(m));
    });
    await manager.stop('radio');
  });
});
