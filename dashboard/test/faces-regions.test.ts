// Faces looked for only around persons (region 'persons', the default: windows around detect's
// person boxes, known faces a few times a second) against the whole frame on every frame (region
// 'frame', as before): the same persons on the real Hamilton clip. Real ffmpeg, YOLOX-Nano, YuNet,
// MobileFaceNet on CPU and chDB; each run in its own fresh installation.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseSource } from '@aima/ingest';
import type { AppearanceRecord, FaceRecord } from '@aima/storage';
import { afterAll, describe, expect, it } from 'vitest';
import { runAnalysisJob } from '../src/jobs/analysis-job.ts';
import { MEDIA, openTestRuntime } from './server-helpers.ts';

const CLIP = path.join(MEDIA, 'video/short_hamilton_clip.mp4');

interface Run {
  readonly appearances: readonly AppearanceRecord[];
  readonly faces: readonly FaceRecord[];
  readonly persons: number;
  /** Frames with a face row. */
  readonly withFaces: number;
  readonly frames: number;
  readonly epochMs: number;
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function analyse(region: 'frame' | 'persons', fps: number): Promise<Run> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `aima-faces-${region}-`));
  dirs.push(dir);
  await using runtime = await openTestRuntime(dir);
  expect(runtime.faces, 'face models must be installed').not.toBeNull();
  const source = parseSource(CLIP);
  const s = await runAnalysisJob(runtime, {
    source,
    sourceId: 'clip',
    fps,
    analyzers: ['detect', 'shots', 'faces'],
    analyzerConfig: { faces: { region } },
  });
  const appearances = await runtime.store.listAppearances({ sourceId: 'clip' });
  const faces = await runtime.store.listFaces({ sourceId: 'clip' });
  return {
    appearances,
    faces,
    persons: new Set(appearances.map((a) => a.personId).filter((p) => p !== '')).size,
    withFaces: new Set(faces.map((f) => f.frameSeq)).size,
    frames: s.frames,
    epochMs: s.epochMs,
  };
}

/** Each person track's persons (by the appearances of the face tracks linked to it). */
function personsByTrack(r: Run): Map<number, Set<string>> {
  const personOf = new Map(r.appearances.map((a) => [a.appearanceId, a.personId]));
  const out = new Map<number, Set<string>>();
  for (const f of r.faces) {
    const p = personOf.get(f.faceTrackId) ?? '';
    if (f.personTrackId === 0 || p === '') continue;
    let s = out.get(f.personTrackId);
    if (!s) out.set(f.personTrackId, (s = new Set()));
    s.add(p);
  }
  return out;
}

const show = (r: Run): string =>
  `${r.frames} frames, ${r.withFaces} with faces, ${r.faces.length} faces, ${r.appearances.length} appearances, ` +
  `${r.persons} persons\n` +
  r.appearances
    .map(
      (a) =>
        `  ${a.appearanceId} ${a.startTs - r.epochMs}–${a.endTs - r.epochMs} ms ${a.personId || '-'} ` +
        `(${a.faces} faces, ${a.goodFaces} good)`,
    )
    .join('\n');

// Tolerances: the persons and their assigned appearances are the same; an assigned appearance
// starts within START_MS of its counterpart (faces are looked for on every frame until known, so
// a face track starts on the same frame but for a plan lag's worth of frames) and overlaps it in
// time; appearances without a good face (nobody's) may differ by a few one-off detections.
const START_MS = 300;
const EXTRA_UNASSIGNED = 4;

describe('faces around persons versus the whole frame', () => {
  // 10 fps (a typical file rate) and 30 fps (every frame, as the faces-pipeline bench runs).
  it.each([10, 30])(
    'finds the same persons, on the same person tracks, at %i fps',
    { timeout: 120_000 },
    async (fps) => {
      const frame = await analyse('frame', fps);
      const persons = await analyse('persons', fps);
      const why = `frame: ${show(frame)}\npersons: ${show(persons)}`;
      console.log(why);
      expect(frame.persons, why).toBeGreaterThan(0);
      expect(persons.persons, why).toBe(frame.persons);
      // Fewer frames looked at (the point of it), never more faces.
      expect(persons.faces.length, why).toBeLessThan(frame.faces.length);

      // Person ids are per installation: match assigned appearances by time, then require one
      // consistent renaming of persons between the runs.
      const assigned = (r: Run): AppearanceRecord[] =>
        r.appearances.filter((a) => a.personId !== '').sort((a, b) => a.startTs - b.startTs);
      const fa = assigned(frame);
      const pa = assigned(persons);
      expect(pa.length, why).toBe(fa.length);
      const rename = new Map<string, string>();
      fa.forEach((a, i) => {
        const b = pa[i]!;
        const [a0, a1] = [a.startTs - frame.epochMs, a.endTs - frame.epochMs];
        const [b0, b1] = [b.startTs - persons.epochMs, b.endTs - persons.epochMs];
        expect(Math.abs(a0 - b0), why).toBeLessThanOrEqual(START_MS);
        expect(Math.min(a1, b1) - Math.max(a0, b0), why).toBeGreaterThanOrEqual(0);
        if (!rename.has(a.personId)) rename.set(a.personId, b.personId);
        expect(b.personId, why).toBe(rename.get(a.personId));
      });
      expect(new Set(rename.values()).size, why).toBe(rename.size);

      // The detector's person tracks (the same in both runs) hold the same persons.
      const ta = personsByTrack(frame);
      const tb = personsByTrack(persons);
      expect([...tb.keys()].sort(), why).toEqual([...ta.keys()].sort());
      for (const [track, ps] of ta) {
        expect([...tb.get(track)!].sort(), `person track ${track}\n${why}`).toEqual(
          [...ps].map((p) => rename.get(p)).sort(),
        );
      }

      const unassigned = (r: Run): number => r.appearances.filter((a) => a.personId === '').length;
      expect(Math.abs(unassigned(persons) - unassigned(frame)), why).toBeLessThanOrEqual(EXTRA_UNASSIGNED);
    },
  );
});
