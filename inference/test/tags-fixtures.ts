// Fixtures of the zero-shot tags tests: a tiny CLIP merges file with known token ids, and CLIP-shaped
// ONNX graphs with known outputs (no CLIP weights exist here).
//   image tower: pixel_values [N,3,S,S] (0..1) → [mean R, mean G, mean B, 0.25]
//   text tower:  input_ids [N,77] → Gather of a fixed [vocab, 4] table → ReduceSum over tokens;
//                "red" → [1,0,0,0], "green" → [0,1,0,0], "blue" → [0,0,1,0], "none" → [0,0,0,1].
// So a red crop is closest to prompts with "red", a black one to the "none" prompt.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelSpec, ResolvedModel, TagVocabulary } from '@aima/inference';
import { encodeOnnxModel } from './helpers-onnx.ts';

export const TINY_MERGES = [
  '#version: 0.2 (test)',
  'g r',
  'gr e',
  'gre e',
  'gree n</w>',
  'r e',
  're d</w>',
  'b l',
  'bl u',
  'blu e</w>',
  'n o',
  'no n',
  'non e</w>',
  '',
].join('\n');

/** Known ids of the tiny vocabulary (512 byte tokens, then one id per merge, then the specials). */
export const TINY = { red: 517, green: 515, blue: 520, none: 523, start: 524, end: 525, vocab: 526 } as const;

export const FIXTURE_INPUT = 32;
const DIM = 4;

/** `size`: the square input (32 in the tests; 224 in the bench, as OpenCLIP ViT-B/32 takes). */
export function imageTowerFixture(size = FIXTURE_INPUT): Uint8Array {
  const w = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
  return encodeOnnxModel({
    inputs: [{ name: 'pixel_values', dims: ['N', 3, size, size] }],
    outputs: [{ name: 'image_embeds', dims: ['N', DIM] }],
    initializers: [
      { name: 'W', dims: [3, DIM], data: w },
      { name: 'B', dims: [DIM], data: new Float32Array([0, 0, 0, 0.25]) },
    ],
    nodes: [
      {
        op: 'ReduceMean',
        inputs: ['pixel_values'],
        outputs: ['means'],
        attrs: { axes: [2, 3], keepdims: 0 },
      },
      { op: 'MatMul', inputs: ['means', 'W'], outputs: ['mixed'] },
      { op: 'Add', inputs: ['mixed', 'B'], outputs: ['image_embeds'] },
    ],
  });
}

export function textTowerFixture(): Uint8Array {
  const table = new Float32Array(TINY.vocab * DIM);
  table[TINY.red * DIM + 0] = 1;
  table[TINY.green * DIM + 1] = 1;
  table[TINY.blue * DIM + 2] = 1;
  table[TINY.none * DIM + 3] = 1;
  return encodeOnnxModel({
    inputs: [
      { name: 'input_ids', dims: ['N', 77], type: 'int64' },
      // Present as in exports that take one; the fixture does not read it.
      { name: 'attention_mask', dims: ['N', 77], type: 'int64' },
    ],
    outputs: [{ name: 'text_embeds', dims: ['N', DIM] }],
    initializers: [
      { name: 'table', dims: [TINY.vocab, DIM], data: table },
      { name: 'axes', dims: [1], data: new BigInt64Array([1n]) },
    ],
    nodes: [
      { op: 'Gather', inputs: ['table', 'input_ids'], outputs: ['tokens'], attrs: { axis: 0 } },
      { op: 'ReduceSum', inputs: ['tokens', 'axes'], outputs: ['text_embeds'], attrs: { keepdims: 0 } },
    ],
  });
}

/** A vocabulary over the fixture's colour words. */
export function colourVocabulary(): TagVocabulary {
  return {
    version: 1,
    revision: 0,
    categories: [
      {
        id: 'clothing',
        scopes: ['person', 'frame'],
        templates: ['a photo of {}', 'a photo of a person wearing {}'],
        none: ['none'],
        tags: [{ tag: 'red' }, { tag: 'green' }, { tag: 'blue', prompts: ['blue', 'blue blue'] }],
      },
      {
        id: 'restraint',
        scopes: ['wrists', 'ankles'],
        templates: ['a photo of {}'],
        none: ['none'],
        tags: [{ tag: 'red' }, { tag: 'blue' }],
      },
    ],
  };
}

export interface FixtureFiles {
  readonly image: string;
  readonly text: string;
  readonly merges: string;
  readonly vocabulary: string;
}

/** Writes the fixture graphs, merges and vocabulary into `dir`. */
export async function writeTagFixtures(dir: string, size = FIXTURE_INPUT): Promise<FixtureFiles> {
  const files = {
    image: path.join(dir, 'image.onnx'),
    text: path.join(dir, 'text.onnx'),
    merges: path.join(dir, 'merges.txt'),
    vocabulary: path.join(dir, 'vocabulary.json'),
  };
  await writeFile(files.image, imageTowerFixture(size));
  await writeFile(files.text, textTowerFixture());
  await writeFile(files.merges, TINY_MERGES);
  await writeFile(files.vocabulary, JSON.stringify(colourVocabulary()));
  return files;
}

/** Registry entries of the fixtures under the given ids (RGB 0..1, as MobileCLIP wants it). */
export function fixtureSpecs(
  files: FixtureFiles,
  ids: { image: string; text: string; bpe: string },
  size = FIXTURE_INPUT,
): ModelSpec[] {
  const base = { url: 'file://fixture', sha256: '', bytes: 0, license: 'test fixture' } as const;
  return [
    {
      ...base,
      id: ids.image,
      task: 'image-text',
      file: files.image,
      decoder: 'clip-image',
      input: {
        name: 'pixel_values',
        width: size,
        height: size,
        colorOrder: 'RGB',
        mean: [0, 0, 0],
        std: [255, 255, 255],
        letterbox: { pad: 0, align: 'center' },
      },
    },
    { ...base, id: ids.text, task: 'image-text', file: files.text, decoder: 'clip-text', input: null },
    { ...base, id: ids.bpe, task: 'data', file: files.merges, decoder: 'none', input: null },
  ];
}

export function resolvedFixtures(specs: readonly ModelSpec[]): Map<string, ResolvedModel> {
  return new Map(specs.map((s) => [s.id, { spec: s, path: s.file, origin: 'file' as const }]));
}
