// Issue 9 benchmark: pipeline frames per second with the audio analyzers on versus off, on videos
// with sound. The same job (decode → detect → track → store in chDB) at 10 analysed fps, once with
// detect alone (the floor), once with detect + vad + loudness + sounds + asr + speech-rate, whose
// audio is decoded by a second ffmpeg and analysed beside the frames. Faces off. One runtime for
// every run, warmed up first (the audio models load on first use); best of two runs each.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSource } from '@aima/ingest';
import {
  makeSourceId,
  openRuntime,
  runAnalysisJob,
  type AnalysisSummary,
  type Runtime,
} from '@aima/dashboard';
import { loadConfig } from '../bin/src/config.ts';
import { table } from './report.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mediaDir = process.env.AIMA_MEDIA_DIR ?? path.resolve(root, '../shared/media');
const modelsDir = process.env.AIMA_MODELS_DIR ?? path.resolve(root, '../shared/models');
const CLIPS = ['synthetic/demo_pedestrians_speech.mp4', 'video/short_hamilton_clip.mp4'];
const FPS = 10;
const OFF = ['detect'];
const ON = ['detect', 'vad', 'loudness', 'sounds', 'asr', 'speech-rate'];

interface Run {
  readonly fps: number;
  readonly frames: number;
  readonly wallMs: number;
  readonly realtimeFactor: number;
  readonly analyzers: readonly string[];
  readonly results: AnalysisSummary['results'];
}

async function job(
  runtime: Runtime,
  clip: string,
  analyzers: readonly string[],
  durationMs?: number,
): Promise<Run> {
  const source = parseSource(path.join(mediaDir, clip));
  const s = await runAnalysisJob(runtime, {
    source,
    sourceId: makeSourceId(source),
    fps: FPS,
    analyzers,
    faces: false,
    shots: false,
    ...(durationMs ? { durationMs } : {}),
  });
  if (s.analyzerFailures.length > 0)
    throw new Error(`analyzer failed: ${JSON.stringify(s.analyzerFailures[0])}`);
  return {
    fps: s.analysisFps,
    frames: s.frames,
    wallMs: s.wallMs,
    realtimeFactor: s.realtimeFactor,
    analyzers: s.analyzers,
    results: s.results,
  };
}

const best = (a: Run, b: Run): Run => (a.fps >= b.fps ? a : b);

export async function benchAudioPipeline(): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aima-bench-audio-pipeline-'));
  try {
    const config = loadConfig({
      ...process.env,
      AIMA_DATA_DIR: dataDir,
      AIMA_MODELS_DIR: modelsDir,
      AIMA_EP: 'cpu',
    });
    await using runtime = await openRuntime({ ...config, modelId: 'yolox-nano', faces: { enabled: false } });
    await job(runtime, CLIPS[0]!, ON, 3000); // warm-up: every model session loaded
    const out: Record<string, unknown> = {};
    const rows: string[][] = [];
    for (const clip of CLIPS) {
      // Interleaved, so a burst of load from elsewhere hits both sides alike.
      const a1 = await job(runtime, clip, OFF);
      const b1 = await job(runtime, clip, ON);
      const a2 = await job(runtime, clip, OFF);
      const b2 = await job(runtime, clip, ON);
      const off = best(a1, a2);
      const on = best(b1, b2);
      const asr = on.results['asr'] ?? {};
      const sounds = on.results['sounds'] ?? {};
      const vad = on.results['vad'] ?? {};
      out[path.basename(clip)] = {
        analysisFps: FPS,
        off,
        on,
        onOverOff: on.fps / off.fps,
      };
      rows.push([
        path.basename(clip),
        String(off.frames),
        off.fps.toFixed(1),
        on.fps.toFixed(1),
        (on.fps / off.fps).toFixed(2),
        `${off.realtimeFactor.toFixed(2)}x / ${on.realtimeFactor.toFixed(2)}x`,
        `${Number(vad['segments'] ?? 0)} speech, ${Number(asr['words'] ?? 0)} words, ${Number(sounds['events'] ?? 0)} events`,
      ]);
    }
    console.log(
      `pipeline at ${FPS} analysed fps, faces off; off = [${OFF.join(',')}], on = [${ON.join(',')}] (best of 2):`,
    );
    console.log(
      table(
        ['clip', 'frames', 'off fps', 'on fps', 'on/off', 'realtime off / on', 'audio results (on)'],
        rows,
      ),
    );
    console.log(`  ${os.cpus().length} cores shared with other work: numbers are noisy`);
    return { analysisFps: FPS, off: OFF, on: ON, clips: out };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
