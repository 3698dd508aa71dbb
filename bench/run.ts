// npm run bench: every number is printed next to the floor measured in the same run.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchLiveLatency } from './live-latency.ts';
import { benchSoak } from './soak.ts';
import { benchSourcesLoad } from './sources-load.ts';
import { benchSpine } from './spine.ts';
import { benchFaces } from './faces.ts';
import { benchFacesPipeline } from './faces-pipeline.ts';
import { benchAudio } from './audio.ts';
import { benchAudioLive } from './audio-live.ts';
import { benchAudioPipeline } from './audio-pipeline.ts';
import { benchWorkerHop } from './worker-hop.ts';
import { benchSafety } from './safety.ts';
import { benchWebrtcLatency } from './webrtc-latency.ts';
import { benchDecodeModes } from './decode-modes.ts';
import { benchAudioFrontends } from './audio-frontends.ts';
import { benchPoseSources } from './pose-sources.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);
const suites: Record<string, () => Promise<Record<string, unknown>>> = {
  spine: benchSpine,
  'live-latency': benchLiveLatency,
  'sources-load': benchSourcesLoad,
  'faces-pipeline': benchFacesPipeline,
  faces: benchFaces,
  audio: benchAudio,
  'audio-pipeline': benchAudioPipeline,
  'worker-hop': benchWorkerHop,
  // Issue 11: per-analyzer costs (bench/safety-*.ts) and pipeline fps with the safety set on vs off.
  safety: benchSafety,
  // Issue 12: glass-to-glass WebRTC vs MSE in Chromium and CPU per viewer, about 2.5 minutes.
  webrtc: benchWebrtcLatency,
  // Issue 13: ffmpeg core-ms per analysed frame per decode mode, and fast-vs-full detection agreement.
  'decode-modes': benchDecodeModes,
  // Issue 13: JS cost of the audio front ends per second of audio; pose crops from 1, 2, 4 sources.
  'audio-frontends': benchAudioFrontends,
  'pose-sources': benchPoseSources,
  // About 1.5 minutes (AIMA_BENCH_AUDIO_LIVE_SECONDS, default 60, plus set-up).
  'audio-live': benchAudioLive,
  // 15 minutes by default (AIMA_SOAK_MINUTES): run alone with `npm run bench -- soak`.
  soak: benchSoak,
};

const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  },
};
for (const [name, run] of Object.entries(suites)) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n== ${name}`);
  results[name] = await run();
}
await mkdir(path.join(root, 'bench/results'), { recursive: true });
const file = path.join(root, 'bench/results', `bench-${results.date as string}.json`.replace(/:/g, '-'));
await writeFile(file, JSON.stringify(results, null, 2) + '\n');
await writeFile(path.join(root, 'bench/results/latest.json'), JSON.stringify(results, null, 2) + '\n');
console.log(`\nsaved ${path.relative(root, file)}`);
