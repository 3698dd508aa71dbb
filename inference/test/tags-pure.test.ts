// The pure parts of the zero-shot tagger: the CLIP tokenizer on a tiny merges file with known ids,
// prompt building and ensembling, softmax/scoring, window aggregation, crop planning, CLIP
// pre-processing, dossier histories and vocabulary validation.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildPromptPlan,
  centreCropRegion,
  checkTagVocabulary,
  classEmbeddings,
  createClipTokenizer,
  createCropPlanner,
  createTagAggregator,
  frameBox,
  limbBox,
  loadClipTokenizer,
  loadTagVocabulary,
  parseMerges,
  scoreImage,
  softmax,
  tagHistory,
  writeCrop,
  CLIP_MEAN,
  CLIP_STD,
  type ImageInputSpec,
  type PoseRow,
  type TagRow,
  type VideoInput,
} from '@aima/inference';
import { colourVocabulary, TINY, TINY_MERGES } from './tags-fixtures.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'aima-tags-pure-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('CLIP tokenizer', () => {
  const tok = createClipTokenizer(parseMerges(TINY_MERGES));

  it('has 512 byte tokens, one per merge, then start and end', () => {
    expect(tok.vocabSize).toBe(TINY.vocab);
    expect(tok.startToken).toBe(TINY.start);
    expect(tok.endToken).toBe(TINY.end);
  });

  it('merges words by rank and marks word ends with </w>', () => {
    expect(tok.encode('red')).toEqual([TINY.red]);
    expect(tok.encode('Green  BLUE')).toEqual([TINY.green, TINY.blue]);
    expect(tok.encode('none')).toEqual([TINY.none]);
    // No merge applies to "bed": b, e, d</w> (byte index + 256 for the word end).
    expect(tok.encode('bed')).toEqual([98 - 33, 101 - 33, 256 + 100 - 33]);
    // "a</w>" is 320, as in the real CLIP vocabulary.
    expect(tok.encode('a')).toEqual([320]);
  });

  it('splits punctuation and contractions like simple_tokenizer, and encodes UTF-8 bytes', () => {
    expect(tok.encode('red!')).toEqual([TINY.red, 256]);
    expect(tok.encode("it's")).toEqual([105 - 33, 256 + 116 - 33, 39 - 33, 256 + 115 - 33]);
    // é = C3 A9: Ã (printable 0xC3 → index 127) and © (0xA9 → index 102) + </w>.
    expect(tok.encode('é')).toEqual([127, 256 + 102]);
    expect(tok.encode('&amp;')).toEqual([256 + 38 - 33]);
  });

  it('wraps in start/end, pads with 0 and truncates keeping the end token', () => {
    expect(Array.from(tok.tokenize(['red'], 6), Number)).toEqual([TINY.start, TINY.red, TINY.end, 0, 0, 0]);
    const long = Array.from(tok.tokenize(['a a a a a a'], 4), Number);
    expect(long).toEqual([TINY.start, 320, 320, TINY.end]);
    expect(tok.tokenize(['red', 'blue']).length).toBe(2 * 77);
  });

  it('reads a gzip merges file as the real bpe_simple_vocab_16e6.txt.gz is', async () => {
    const file = path.join(dir, 'bpe.txt.gz');
    await writeFile(file, gzipSync(Buffer.from(TINY_MERGES)));
    const t = await loadClipTokenizer(file);
    expect(t.encode('green')).toEqual([TINY.green]);
    await expect(loadClipTokenizer(path.join(dir, 'missing.gz'))).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
    });
    await writeFile(path.join(dir, 'bad.txt'), '#v\nonly-one-symbol\n');
    await expect(loadClipTokenizer(path.join(dir, 'bad.txt'))).rejects.toMatchObject({
      code: 'MODEL_LOAD_FAILED',
    });
  });
});

describe('prompts and scores', () => {
  it('builds templates × phrases per class, "none" last in each category', () => {
    const plan = buildPromptPlan(colourVocabulary());
    expect(plan.texts.slice(0, 2)).toEqual(['a photo of red', 'a photo of a person wearing red']);
    const clothing = plan.categories[0]!;
    expect(clothing.classes.map((k) => plan.classes[k]!.tag)).toEqual(['red', 'green', 'blue', null]);
    const blue = plan.classes[2]!;
    expect(plan.texts.slice(blue.from, blue.to)).toEqual([
      'a photo of blue',
      'a photo of a person wearing blue',
      'a photo of blue blue',
      'a photo of a person wearing blue blue',
    ]);
    // clothing 4 classes × 2 templates (blue: 2 phrases) + restraint 3 classes × 1.
    expect(plan.texts.length).toBe(10 + 3);
  });

  it('softmax is stable and exact on known logits', () => {
    const p = softmax([0, Math.log(3)]);
    expect(p[0]).toBeCloseTo(0.25, 12);
    expect(p[1]).toBeCloseTo(0.75, 12);
    expect(softmax([1000, 1000])).toEqual([0.5, 0.5]);
  });

  it('ensembles normalised sentence embeddings and scores 100·cos within the scope’s categories', () => {
    const plan = buildPromptPlan(colourVocabulary());
    // Sentence embeddings: the colour word decides the direction; lengths differ and must not matter.
    const sentences = plan.texts.map((t) => {
      const v = new Float32Array(4);
      if (t.includes('red')) v[0] = 3;
      else if (t.includes('green')) v[1] = 0.5;
      else if (t.includes('blue')) v[2] = 2;
      else v[3] = 1;
      return v;
    });
    const classes = classEmbeddings(plan, sentences);
    expect(Array.from(classes[0]!)).toEqual([1, 0, 0, 0]);
    const image = new Float32Array([0.6, 0.8, 0, 0]); // unit length
    const person = scoreImage(plan, classes, image, 'person');
    expect(person.map((s) => s.tag)).toEqual(['red', 'green', 'blue']);
    const expected = softmax([60, 80, 0, 0]);
    person.forEach((s, i) => expect(s.score).toBeCloseTo(expected[i]!, 9));
    // Wrists only look for restraint tags.
    expect(scoreImage(plan, classes, image, 'wrists').every((s) => s.category === 'restraint')).toBe(true);
    expect(scoreImage(plan, classes, image, 'ankles').length).toBe(2);
  });
});

describe('window aggregation', () => {
  const obs = (trackId: number, ts: number, score: number) => ({
    trackId,
    scope: 'person' as const,
    ts,
    scores: [
      { category: 'clothing' as const, tag: 'latex', score },
      { category: 'clothing' as const, tag: 'casual', score: 1 - score },
    ],
  });

  it('averages per track and window and keeps tags whose mean reaches the threshold', () => {
    const agg = createTagAggregator({ windowMs: 2000, threshold: 0.5 });
    expect(agg.push(obs(1, 10_000, 0.9))).toEqual([]);
    expect(agg.push(obs(1, 11_000, 0.5))).toEqual([]);
    expect(agg.push(obs(2, 11_500, 0.2))).toEqual([]);
    // Next window of track 1 closes its first one.
    const closed = agg.push(obs(1, 12_000, 0.1));
    expect(closed).toEqual([
      {
        trackId: 1,
        scope: 'person',
        category: 'clothing',
        tag: 'latex',
        score: 0.7,
        maxScore: 0.9,
        startTs: 10_000,
        endTs: 11_000,
        frames: 2,
      },
    ]);
    // Track 2 was not seen again: closed once its window is over.
    expect(agg.closeBefore(11_999)).toEqual([]);
    const gone = agg.closeBefore(12_000);
    expect(gone.map((t) => [t.trackId, t.tag, t.score])).toEqual([[2, 'casual', 0.8]]);
    expect(agg.flush().map((t) => [t.trackId, t.tag, t.score])).toEqual([[1, 'casual', 0.9]]);
    expect(agg.groups).toBe(0);
  });

  it('uses per-category thresholds and bounds the groups held', () => {
    const agg = createTagAggregator({
      windowMs: 1000,
      threshold: 0.95,
      thresholds: { clothing: 0.6 },
      maxGroups: 2,
    });
    agg.push(obs(1, 0, 0.7));
    agg.push(obs(2, 0, 0.7));
    const evicted = agg.push(obs(3, 0, 0.7));
    expect(evicted.map((t) => [t.trackId, t.tag])).toEqual([[1, 'latex']]);
    expect(agg.groups).toBe(2);
  });
});

describe('crop planning', () => {
  it('tags each track at most every everyMs, the largest persons first, and the frame', () => {
    const p = createCropPlanner({ everyMs: 1000, maxPersons: 2, frames: true });
    const persons = [
      { trackId: 1, box: [0, 0, 10, 10] as const },
      { trackId: 2, box: [0, 0, 50, 50] as const },
      { trackId: 3, box: [0, 0, 30, 30] as const },
    ];
    expect(p.frame(0, persons).map((c) => [c.trackId, c.scope])).toEqual([
      [2, 'person'],
      [3, 'person'],
      [-1, 'frame'],
    ]);
    // 500 ms later: 2 and 3 are not due; 1 still fits (the cap is per frame).
    expect(p.frame(500, persons).map((c) => c.trackId)).toEqual([1]);
    expect(p.frame(1000, persons).map((c) => c.trackId)).toEqual([2, 3, -1]);
  });

  it('puts squares around visible wrists and ankles', () => {
    const kp = new Array<number>(51).fill(0);
    const set = (k: number, x: number, y: number, s: number) => kp.splice(k * 3, 3, x, y, s);
    set(9, 40, 100, 0.9);
    set(10, 60, 100, 0.9);
    set(15, 50, 190, 0.1); // an ankle too unsure
    set(16, 50, 190, 0.2);
    const pose: PoseRow = {
      sourceId: 's',
      ts: 0,
      seq: 1,
      trackId: 7,
      box: [0, 0, 100, 200],
      keypoints: kp,
      score: 0.8,
      modelId: 'm',
    };
    // Side: max(0.3·200, 20 + 0.15·200) = 60, centred on the wrists' midpoint (50, 100).
    expect(limbBox(pose, [9, 10], 0.3)).toEqual([20, 70, 80, 130]);
    expect(limbBox(pose, [15, 16], 0.3)).toBeNull();
    const p = createCropPlanner({ everyMs: 1000, maxPersons: 4, frames: false });
    expect(p.limbs(0, [pose]).map((c) => c.scope)).toEqual(['wrists']);
    expect(p.limbs(10, [pose])).toEqual([]);
  });
});

describe('CLIP pre-processing', () => {
  const spec: ImageInputSpec = {
    name: 'x',
    width: 4,
    height: 4,
    colorOrder: 'RGB',
    mean: CLIP_MEAN,
    std: CLIP_STD,
    letterbox: { pad: 0, align: 'center' },
  };
  const frame = (format: 'rgb24' | 'bgr24'): VideoInput => {
    const data = new Uint8Array(8 * 4 * 3);
    for (let i = 0; i < 32; i++) data.set([200, 100, 50], i * 3);
    return { seq: 0, ptsMs: 0, ts: 0, width: 8, height: 4, format, data, sourceWidth: 16, sourceHeight: 8 };
  };

  it('maps source boxes to frame pixels and keeps the centre square', () => {
    expect(frameBox(frame('rgb24'), [4, 2, 12, 6])).toEqual([2, 1, 6, 3]);
    expect(frameBox(frame('rgb24'), [40, 40, 50, 50])).toBeNull();
    expect(frameBox(frame('rgb24'), null)).toEqual([0, 0, 8, 4]);
    expect(centreCropRegion([0, 0, 8, 4], 4, 4)).toEqual([2, 0, 6, 4]);
  });

  it('normalises with CLIP mean/std in the model colour order', () => {
    const out = new Float32Array(3 * 16);
    writeCrop(frame('rgb24'), [0, 0, 8, 4], spec, out, 0);
    expect(out[0]).toBeCloseTo((200 / 255 - 0.48145466) / 0.26862954, 5);
    expect(out[16]).toBeCloseTo((100 / 255 - 0.4578275) / 0.26130258, 5);
    expect(out[47]).toBeCloseTo((50 / 255 - 0.40821073) / 0.27577711, 5);
    const bgr = new Float32Array(3 * 16);
    writeCrop(frame('bgr24'), [0, 0, 8, 4], spec, bgr, 0);
    // The same bytes read as BGR: the model's R is the frame's third byte.
    expect(bgr[0]).toBeCloseTo((50 / 255 - 0.48145466) / 0.26862954, 5);
  });
});

describe('dossier history', () => {
  const row = (o: Partial<TagRow>): TagRow => ({
    sourceId: 's1',
    trackId: 3,
    scope: 'person',
    category: 'restraint',
    tag: 'rope',
    score: 0.5,
    maxScore: 0.6,
    startTs: 0,
    endTs: 1000,
    frames: 1,
    modelId: 'm',
    jobId: 'job-1',
    ...o,
  });

  it('merges consecutive windows of a tag on a track, frame-weighted', () => {
    const h = tagHistory(
      [
        row({ startTs: 2000, endTs: 3000, score: 0.8, frames: 3, scope: 'wrists', maxScore: 0.9 }),
        row({}),
        row({ startTs: 20_000, endTs: 21_000 }),
        row({ trackId: 4 }),
      ],
      5000,
    );
    expect(h.map((e) => [e.trackId, e.startTs, e.endTs, e.frames, e.score, e.maxScore, e.scopes])).toEqual([
      [3, 0, 3000, 4, 0.725, 0.9, ['person', 'wrists']],
      [4, 0, 1000, 1, 0.5, 0.6, ['person']],
      [3, 20_000, 21_000, 1, 0.5, 0.6, ['person']],
    ]);
    expect(h.every((e) => e.jobId === 'job-1' && e.sourceId === 's1')).toBe(true);
  });
});

describe('vocabulary', () => {
  it('the built-in vocabulary is valid and has the issue’s categories', async () => {
    const v = await loadTagVocabulary();
    expect(v.categories.map((c) => c.id)).toEqual(['clothing', 'restraint', 'context', 'scene']);
    const tags = (id: string) => v.categories.find((c) => c.id === id)!.tags.map((t) => t.tag);
    expect(tags('clothing')).toEqual(
      expect.arrayContaining(['casual', 'latex', 'leather', 'pvc', 'uniform']),
    );
    expect(tags('restraint')).toEqual(
      expect.arrayContaining(['rope', 'chain', 'handcuffs', 'tape', 'straps']),
    );
    expect(tags('context')).toEqual(expect.arrayContaining(['bed', 'chair', 'pole']));
    expect(tags('scene')).toEqual(['indoor', 'outdoor']);
  });

  it('names the exact key of what is wrong', () => {
    const bad = (mutate: (v: ReturnType<typeof colourVocabulary>) => unknown) => {
      const r = checkTagVocabulary(mutate(structuredClone(colourVocabulary())));
      return r.ok ? null : r.issue;
    };
    expect(bad((v) => v)).toBeNull();
    expect(bad((v) => ({ ...v, version: 2 }))).toMatchObject({ key: 'version' });
    expect(bad((v) => ((v.categories[0]!.templates[1] = 'no placeholder'), v))).toMatchObject({
      key: 'categories.0.templates.1',
      message: 'must contain {} exactly once',
    });
    expect(bad((v) => ((v.categories[1]!.tags[1]!.tag = 'red'), v))).toMatchObject({
      key: 'categories.1.tags.1.tag',
      message: "duplicate tag 'red'",
    });
    expect(bad((v) => ((v.categories[0]!.tags[0]!.tag = 'Red Tag'), v))).toMatchObject({
      key: 'categories.0.tags.0.tag',
    });
    expect(bad((v) => ({ ...v, categories: [{ ...v.categories[0], id: 'mood' }] }))).toMatchObject({
      key: 'categories.0.id',
    });
    expect(bad((v) => ({ ...v, categories: [v.categories[0], v.categories[0]] }))).toMatchObject({
      key: 'categories.1.id',
    });
    expect(bad((v) => ({ ...v, extra: 1 }))).toMatchObject({ key: '(root)' });
  });

  it('a broken vocabulary file is SAFETY_BAD_VOCABULARY naming the key', async () => {
    const file = path.join(dir, 'v.json');
    await writeFile(file, JSON.stringify({ version: 1, categories: [] }));
    await expect(loadTagVocabulary(file)).rejects.toMatchObject({
      code: 'SAFETY_BAD_VOCABULARY',
      message: expect.stringContaining('categories:'),
    });
    await writeFile(file, '{');
    await expect(loadTagVocabulary(file)).rejects.toMatchObject({ code: 'SAFETY_BAD_VOCABULARY' });
  });
});
