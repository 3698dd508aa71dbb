import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { COCO80 } from '../detect/coco.ts';
import { InferenceError } from '../errors.ts';
import type { ModelSpec } from './manifest.ts';
import type { ResolvedModel } from './registry.ts';

export interface CustomDetectorOptions {
  /** Output layout of the export (default 'yolov8', which also covers YOLOv5u/v8/v11 exports). */
  readonly decoder?: 'yolov8' | 'yolox';
  /** Class names in the model's order (default COCO-80). */
  readonly labels?: readonly string[];
  /** Square input size when the model's input is dynamic (default 640; fixed inputs win). */
  readonly inputSize?: number;
}

/** Does a --model value name a file rather than a manifest id? */
export function isModelFile(ref: string): boolean {
  return ref.endsWith('.onnx') || ref.includes('/') || ref.includes(path.sep);
}

/** Class names from a text file, one per line (blank lines and # comments skipped). */
export async function readLabelsFile(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw new InferenceError('INFER_BAD_CONFIG', `cannot read labels file ${file}`, { cause: err });
  });
  const labels = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (labels.length === 0)
    throw new InferenceError('INFER_BAD_CONFIG', `labels file ${file} has no class names`);
  return labels;
}

/**
 * A user's own YOLO-family export, by path: no manifest entry and no hash to check. Pre-processing
 * follows the exporter's convention (ultralytics: RGB /255 centre letterbox; YOLOX: BGR raw
 * top-left); the input size is read from the model when the detector loads it.
 */
export async function customDetectorModel(
  file: string,
  opts: CustomDetectorOptions = {},
): Promise<ResolvedModel> {
  const abs = path.resolve(file);
  const s = await stat(abs).catch(() => null);
  if (!s?.isFile()) throw new InferenceError('MODEL_NOT_FOUND', `model file ${abs} not found`);
  const decoder = opts.decoder ?? 'yolov8';
  const size = opts.inputSize ?? (decoder === 'yolox' ? 416 : 640);
  const v8 = decoder === 'yolov8';
  const spec: ModelSpec = {
    id: path.basename(abs, '.onnx'),
    task: 'detect',
    file: abs,
    url: `file://${abs}`,
    sha256: '',
    bytes: s.size,
    license: 'user-supplied',
    input: {
      name: '',
      width: size,
      height: size,
      colorOrder: v8 ? 'RGB' : 'BGR',
      mean: [0, 0, 0],
      std: v8 ? [255, 255, 255] : [1, 1, 1],
      letterbox: { pad: 114, align: v8 ? 'center' : 'top-left' },
    },
    decoder,
    classes: opts.labels ?? COCO80,
  };
  return { spec, path: abs, origin: 'file' };
}
