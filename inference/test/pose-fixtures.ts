// Pose fixture graphs: ONNX models whose outputs are given constants whatever the image (the image
// goes in as 0 × its mean, so the input is a real, used input), for the YOLOv8-pose and RTMPose
// decoders, which have no real weights here.
import { writeFile } from 'node:fs/promises';
import { encodeOnnxModel } from './helpers-onnx.ts';

export interface ConstantOutput {
  readonly name: string;
  readonly dims: number[];
  readonly data: Float32Array;
}

/** Writes a model with input `images` of `input` dims and the given constant outputs to `file`. */
export async function writeConstantModel(
  file: string,
  input: readonly number[],
  outs: readonly ConstantOutput[],
): Promise<string> {
  await writeFile(
    file,
    encodeOnnxModel({
      inputs: [{ name: 'images', dims: input }],
      outputs: outs.map((o) => ({ name: o.name, dims: o.dims })),
      initializers: [
        { name: 'zero', dims: [1], data: new Float32Array([0]) },
        ...outs.map((o) => ({ name: `${o.name}_c`, dims: o.dims, data: o.data })),
      ],
      nodes: [
        { op: 'ReduceMean', inputs: ['images'], outputs: ['m'], attrs: { axes: [1, 2, 3], keepdims: 0 } },
        { op: 'Mul', inputs: ['m', 'zero'], outputs: ['z'] },
        ...outs.map((o) => ({ op: 'Add', inputs: ['z', `${o.name}_c`], outputs: [o.name] })),
      ],
    }),
  );
  return file;
}

/**
 * A YOLOv8-pose output [1, 56, N] from per-anchor rows: [cx, cy, w, h, score, 17 × (x, y, v)]
 * (missing values are 0).
 */
export function yoloPoseOutput(rows: ReadonlyArray<readonly number[]>): ConstantOutput {
  const n = rows.length;
  const data = new Float32Array(56 * n);
  rows.forEach((r, i) => r.forEach((v, c) => (data[c * n + i] = v)));
  return { name: 'output0', dims: [1, 56, n], data };
}
