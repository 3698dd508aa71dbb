// Pipeline frames per second with faces on versus off, on a clip with faces in most frames: the
// same job (decode → detect → track → store), once with faces → persons and shots, once without.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSource } from '@aima/ingest';
import { makeSourceId, openRuntime, runAnalysisJob } from '@aima/dashboard';
import { formatProfile, type ProfileReport } from '@aima/inference';
import { loadConfig } from '../bin/src/config.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mediaDir = process.env.AIMA_MEDIA_DIR ?? path.resolve(root, '../shared/media');
const modelsDir = process.env.AIMA_MODELS_DIR ?? path.resolve(root, '../shared/models');
const CLIP = path.join(mediaDir, 'video/short_hamilton_clip.mp4');

async function run(
  faces: boolean,
  fps: number,
  region: 'persons' | 'frame' = 'persons',
): Promise<{
  fps: number;
  frames: number;
  faces: number;
  appearances: number;
  persons: number;
  shots: number;
  profile: ProfileReport;
}> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aima-bench-faces-'));
  try {
    const config = loadConfig({
      ...process.env,
      AIMA_DATA_DIR: dataDir,
      AIMA_MODELS_DIR: modelsDir,
      AIMA_EP: 'cpu',
    });
    await using runtime = await openRuntime({
      ...config,
      modelId: 'yolox-nano',
      faces: { ...config.faces, enabled: faces },
      // Video analyzers only: faces on versus off, as before analyzers were plugins.
      analyzers: faces ? ['detect', 'shots', 'faces'] : ['detect'],
    });
    const source = parseSource(CLIP);
    runtime.profile.reset();
    const s = await runAnalysisJob(runtime, {
      source,
      sourceId: makeSourceId(source),
      fps,
      shots: faces,
      analyzerConfig: { faces: { region } },
    });
    return {
      fps: s.analysisFps,
      frames: s.frames,
      faces: s.faces?.faces ?? 0,
      appearances: s.faces?.appearances ?? 0,
      persons: s.faces?.persons.length ?? 0,
      shots: s.shots,
      // Where the cores went in this run (core-ms per analysed frame, by stage).
      profile: runtime.profile.report(),
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Every frame of the 30 fps Hamilton clip (275 frames), faces off, then on (best of two each):
 * faces around persons (the default), and on the whole frame every frame (region 'frame', for reference).
 */
export async function benchFacesPipeline(): Promise<Record<string, unknown>> {
  const fps = 30;
  const best = <T extends { fps: number }>(a: T, b: T): T => (b.fps > a.fps ? b : a);
  const off = best(await run(false, fps), await run(false, fps));
  const on = best(await run(true, fps), await run(true, fps));
  const frame = best(await run(true, fps, 'frame'), await run(true, fps, 'frame'));
  console.log(`pipeline, faces off: ${off.fps.toFixed(1)} fps (${off.frames} frames)`);
  console.log(formatProfile(off.profile).replace(/^/gm, '    '));
  for (const [name, r] of [
    ['faces on (persons)', on],
    ['faces on (frame)', frame],
  ] as const) {
    console.log(
      `pipeline, ${name}: ${r.fps.toFixed(1)} fps (${r.faces} faces, ${r.appearances} appearances, ` +
        `${r.persons} persons, ${r.shots} shots) → on/off = ${(r.fps / off.fps).toFixed(2)}`,
    );
    console.log(formatProfile(r.profile).replace(/^/gm, '    '));
  }
  return {
    clip: 'video/short_hamilton_clip.mp4',
    analysisFps: fps,
    off,
    on,
    frame,
    onOverOff: on.fps / off.fps,
    frameOverOff: frame.fps / off.fps,
  };
}
