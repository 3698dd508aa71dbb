// The zero-shot tagger end to end on fixture CLIP towers with known outputs (no CLIP weights exist
// here): real ORT sessions, the real tokenizer on a tiny merges file, the prompt path and the
// decoding, on synthetic coloured frames; then the analyzer through the harness with detect frame
// events and pose rows.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createImageEncoder,
  createModelSession,
  createTagsAnalyzer,
  createTextEncoder,
  createZeroShotTagger,
  loadClipTokenizer,
  softmax,
  type ModelSession,
  type PoseRow,
  type TagRow,
  type TagScore,
  type VideoInput,
} from '@aima/inference';
import { createHarness } from './helpers-analyzer.ts';
import {
  colourVocabulary,
  fixtureSpecs,
  resolvedFixtures,
  writeTagFixtures,
  type FixtureFiles,
} from './tags-fixtures.ts';

let dir: string;
let files: FixtureFiles;
const sessions: ModelSession[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'aima-tags-fixture-'));
  files = await writeTagFixtures(dir);
});
afterAll(async () => {
  for (const s of sessions) await s.close();
  await rm(dir, { recursive: true, force: true });
});

// A 96×32 frame of three 32-px columns, red | blue | black; the source is twice as large.
const RED: Box = [0, 0, 64, 64];
const BLUE: Box = [64, 0, 128, 64];
const BLACK: Box = [128, 0, 192, 64];
type Box = readonly [number, number, number, number];

function columns(seq: number, ts: number, format: 'rgb24' | 'bgr24' = 'rgb24'): VideoInput {
  const w = 96;
  const h = 32;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < 64; x++) {
      const rgb = x < 32 ? [255, 0, 0] : [0, 0, 255];
      data.set(format === 'rgb24' ? rgb : [...rgb].reverse(), (y * w + x) * 3);
    }
  return { seq, ptsMs: ts, ts, width: w, height: h, format, data, sourceWidth: 192, sourceHeight: 64 };
}

/** The probability the fixture gives the matching colour of a pure-colour crop (3 colours + none). */
function pureColourScore(): number {
  const n = Math.sqrt(1 + 0.25 ** 2);
  return softmax([100 / n, 0, 0, (100 * 0.25) / n])[0]!;
}

const byTag = (scores: readonly TagScore[]) =>
  Object.fromEntries(scores.map((s) => [`${s.category}:${s.tag}`, s.score]));

describe('zero-shot tagger on fixture towers', () => {
  it('tags a red crop red, a blue one blue, a black one nothing; the frame by its centre crop', async () => {
    const image = await createModelSession(files.image, { executionProvider: 'cpu', intraOpThreads: 1 });
    const text = await createModelSession(files.text, { executionProvider: 'cpu', intraOpThreads: 1 });
    sessions.push(image, text);
    const spec = fixtureSpecs(files, { image: 'i', text: 't', bpe: 'b' })[0]!;
    const tagger = await createZeroShotTagger({
      image: createImageEncoder(image),
      text: createTextEncoder(text),
      tokenizer: await loadClipTokenizer(files.merges),
      input: spec.input!,
      vocabulary: colourVocabulary(),
    });
    for (const format of ['rgb24', 'bgr24'] as const) {
      const [red, blue, black, frame, wrists, outside] = await tagger.tag(columns(1, 0, format), [
        { box: RED, scope: 'person' },
        { box: BLUE, scope: 'person' },
        { box: BLACK, scope: 'person' },
        { box: null, scope: 'frame' },
        { box: RED, scope: 'wrists' },
        { box: [500, 500, 600, 600], scope: 'person' },
      ]);
      const p = pureColourScore();
      expect(byTag(red!)['clothing:red']).toBeCloseTo(p, 5);
      expect(byTag(red!)['clothing:green']).toBeLessThan(1e-6);
      expect(byTag(blue!)['clothing:blue']).toBeCloseTo(p, 5);
      // Black: the image embedding is the constant alone, the "none" prompt's direction.
      expect(black!.every((s) => s.score < 1e-9)).toBe(true);
      expect(black!.length).toBe(3);
      // The whole 96×32 frame is resized on its short side and centre-cropped: the blue column.
      expect(byTag(frame!)['clothing:blue']).toBeCloseTo(p, 5);
      // Wrists look only for restraint tags.
      expect(Object.keys(byTag(wrists!))).toEqual(['restraint:red', 'restraint:blue']);
      expect(byTag(wrists!)['restraint:red']).toBeGreaterThan(0.999);
      expect(outside).toEqual([]);
    }
  });
});

describe('the tags analyzer with fixture models', () => {
  it('tags person tracks, wrists and the frame per window, with the job id', async () => {
    const ids = { image: 'fixture-clip.image', text: 'fixture-clip.text', bpe: 'fixture-clip.bpe' };
    const def = createTagsAnalyzer({
      detectEvents: 'analysis-events',
      imageModel: ids.image,
      textModel: ids.text,
      bpeModel: ids.bpe,
    });
    expect(def.models).toEqual([ids.image, ids.text, ids.bpe]);
    const h = await createHarness(
      def,
      { vocabularyFile: files.vocabulary, everyMs: 500, windowMs: 2000, threshold: 0.5 },
      {
        sourceId: 'colours',
        running: ['detect', 'pose', 'tags'],
        models: resolvedFixtures(fixtureSpecs(files, ids)),
        services: { store: { getSource: async () => ({ jobId: 'job-7' }) } },
      },
    );
    const det = (trackId: number, box: Box) => ({ label: 'person', classId: 0, score: 0.9, trackId, box });
    const kp = new Array<number>(51).fill(0);
    // Wrists of track 1 inside the red column (source pixels), ankles of track 2 in the black one.
    kp.splice(9 * 3, 6, 20, 30, 0.9, 40, 30, 0.9);
    const kp2 = new Array<number>(51).fill(0);
    kp2.splice(15 * 3, 6, 150, 50, 0.9, 170, 50, 0.9);
    for (const [seq, ts] of [
      [1, 1000],
      [2, 1500],
      [3, 2000],
      [4, 2250],
    ] as const) {
      await h.instance.video!(columns(seq, ts));
      const detect = () =>
        h.instance.results!('detect', {
          table: 'analysis-events',
          rows: [
            { type: 'window', window: {} },
            {
              type: 'frame',
              frame: { seq, ts, ptsMs: ts, detections: [det(1, RED), det(2, BLUE), det(0, BLACK)] },
            },
          ],
        });
      const pose = (trackId: number, box: Box, keypoints: number[]): PoseRow => ({
        sourceId: 'colours',
        ts,
        seq,
        trackId,
        box,
        keypoints,
        score: 0.9,
        modelId: 'fixture-pose',
      });
      const poses = () =>
        h.instance.results!('pose', { table: 'poses', rows: [pose(1, RED, kp), pose(2, BLUE, kp2)] });
      // Pose consumes detect as well: its rows for a frame may reach tags before detect's event.
      if (seq <= 2) {
        await detect();
        await poses();
      } else {
        await poses();
        await detect();
      }
    }
    await h.instance.finish();
    const rows = h.rows<TagRow>('tags');
    await h.close();
    expect(h.failures).toEqual([]);
    const key = (r: TagRow) =>
      `${r.trackId}/${r.scope}/${r.category}:${r.tag}@${r.startTs}-${r.endTs}x${r.frames}`;
    // Track 2 at 2250 ms is 250 ms after 2000: not due (everyMs 500), so that window has one frame.
    expect(rows.map(key).sort()).toEqual(
      [
        '1/person/clothing:red@1000-1500x2',
        '2/person/clothing:blue@1000-1500x2',
        '-1/frame/clothing:blue@1000-1500x2',
        '1/wrists/restraint:red@1000-1500x2',
        '1/person/clothing:red@2000-2000x1',
        '2/person/clothing:blue@2000-2000x1',
        '-1/frame/clothing:blue@2000-2000x1',
        '1/wrists/restraint:red@2000-2000x1',
      ].sort(),
    );
    // The unconfirmed track (0) is never tagged; the black ankles gave no tag.
    expect(
      rows.every((r) => r.sourceId === 'colours' && r.jobId === 'job-7' && r.modelId === ids.image),
    ).toBe(true);
    for (const r of rows) expect(r.score).toBeCloseTo(pureColourScore(), 3);
    expect(
      h.lives.filter((l) => l.kind === 'tags').flatMap((l) => (l.data as { rows: TagRow[] }).rows),
    ).toHaveLength(8);
    expect(h.instance.summary?.()).toMatchObject({ rows: 8, modelId: ids.image });
  });
});
