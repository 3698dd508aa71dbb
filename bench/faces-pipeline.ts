// Pipeline frames per second with faces on versus off, on a clip with faces in most frames: the
// same job (decode → detect → track → store), once with faces → persons and shots, once without.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSource } from '@aima/ingest';
import { makeSourceId, openRuntime, runAnalysisJob } from '@aima/dashboard';
import { loadConfig } from '../bin/src/config.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mediaDir = process.env.AIMA_MEDIA_DIR ?? path.resolve(root, '../shared/media');
const modelsDir = process.env.AIMA_MODELS_DIR ?? path.resolve(root, '../shared/models');
const CLIP = path.join(mediaDir, 'video/short_hamilton_clip.mp4');

async function run(
  faces: boolean,
  fps: number,
): Promise<{ fps: number; frames: number; faces: number; persons: number; shots: number }> {
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
    const s = await runAnalysisJob(runtime, { source, sourceId: makeSourceId(source), fps, shots: faces });
    return {
      fps: s.analysisFps,
      frames: s.frames,
      faces: s.faces?.faces ?? 0,
      persons: s.faces?.persons.length ?? 0,
      shots: s.shots,
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Every frame of the 30 fps Hamilton clip (275 frames), faces off, then on (best of two each). */
export async function benchFacesPipeline(): Promise<Record<string, unknown>> {
  const fps = 30;
  const off = [await run(false, fps), await run(false, fps)].sort((a, b) => b.fps - a.fps)[0]!;
  const on = [await run(true, fps), await run(true, fps)].sort((a, b) => b.fps - a.fps)[0]!;
  console.log(`pipeline, faces off: ${off.fps.toFixed(1)} fps (${off.frames} frames)`);
  console.log(
    `pipeline, faces on:  ${on.fps.toFixed(1)} fps (${on.faces} faces, ${on.persons} persons, ${on.shots} shots) → on/off = ${(on.fps / off.fps).toFixed(2)}`,
  );
  return { clip: 'video/short_hamilton_clip.mp4', analysisFps: fps, off, on, onOverOff: on.fps / off.fps };
}
