// A minimal ONNX protobuf writer, enough to build small test models by hand (no python `onnx`
// here). Field numbers are those of onnx/onnx.proto3.
import type { ModelSpec } from '@aima/inference';

type Bytes = number[];

function varint(v: number): Bytes {
  if (!Number.isInteger(v) || v < 0) throw new Error(`varint needs a non-negative integer, got ${v}`);
  const out: Bytes = [];
  let n = BigInt(v);
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) b |= 0x80;
    out.push(b);
  } while (n > 0n);
  return out;
}

const tag = (field: number, wire: 0 | 2): Bytes => varint((field << 3) | wire);
const int = (field: number, v: number): Bytes => [...tag(field, 0), ...varint(v)];
const bytes = (field: number, b: ArrayLike<number>): Bytes => [
  ...tag(field, 2),
  ...varint(b.length),
  ...Array.from(b),
];
const str = (field: number, s: string): Bytes => bytes(field, new TextEncoder().encode(s));
const msg = (field: number, ...parts: Bytes[]): Bytes => bytes(field, parts.flat());

/** ONNX TensorProto.DataType values. */
const FLOAT = 1;
const INT64 = 7;

export type Dim = number | string;

/** A graph input or output; `type` defaults to float. */
export interface ValueDef {
  readonly name: string;
  readonly dims: readonly Dim[];
  readonly type?: 'float' | 'int64';
}

export interface Initializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

export interface NodeDef {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** INT (a number) or INTS (a number array) attributes. */
  readonly attrs?: Readonly<Record<string, number | readonly number[]>>;
}

export interface GraphDef {
  readonly inputs: readonly ValueDef[];
  readonly outputs: readonly ValueDef[];
  readonly initializers: readonly Initializer[];
  readonly nodes: readonly NodeDef[];
  /** ModelProto.metadata_props (sherpa-onnx reads its model parameters from them). */
  readonly metadata?: Readonly<Record<string, string | number>>;
}

function valueInfo(v: ValueDef): Bytes {
  const shape = v.dims.map((d) => msg(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  const elem = v.type === 'int64' ? INT64 : FLOAT;
  return [...str(1, v.name), ...msg(2, msg(1, int(1, elem), msg(2, ...shape)))];
}

function tensor(t: Initializer): Bytes {
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength); // little-endian
  return [
    ...t.dims.flatMap((d) => int(1, d)),
    ...int(2, t.data instanceof Float32Array ? FLOAT : INT64),
    ...str(8, t.name),
    ...bytes(9, raw),
  ];
}

function attribute(name: string, v: number | readonly number[]): Bytes {
  // AttributeProto: name=1, i=3, ints=8, type=20 (INT=2, INTS=7).
  if (typeof v === 'number') return [...str(1, name), ...int(3, v), ...int(20, 2)];
  return [...str(1, name), ...v.flatMap((x) => int(8, x)), ...int(20, 7)];
}

function node(n: NodeDef, i: number): Bytes {
  return [
    ...n.inputs.flatMap((x) => str(1, x)),
    ...n.outputs.flatMap((x) => str(2, x)),
    ...str(3, `${n.op.toLowerCase()}_${i}`),
    ...str(4, n.op),
    ...Object.entries(n.attrs ?? {}).flatMap(([k, v]) => msg(5, attribute(k, v))),
  ];
}

/** A ModelProto (IR version 8, default-domain opset 13) holding one graph, then its metadata. */
export function encodeOnnxModel(g: GraphDef): Uint8Array {
  const graph = [
    ...g.nodes.flatMap((n, i) => msg(1, node(n, i))),
    ...str(2, 'fixture'),
    ...g.initializers.flatMap((t) => msg(5, tensor(t))),
    ...g.inputs.flatMap((v) => msg(11, valueInfo(v))),
    ...g.outputs.flatMap((v) => msg(12, valueInfo(v))),
  ];
  // metadata_props = 14 (StringStringEntryProto key=1, value=2); protobuf lets it follow the rest.
  const meta = Object.entries(g.metadata ?? {}).flatMap(([k, v]) => msg(14, str(1, k), str(2, String(v))));
  return Uint8Array.from([
    ...int(1, 8),
    ...str(2, 'aima-test'),
    ...msg(7, graph),
    ...msg(8, str(1, ''), int(2, 13)),
    ...meta,
  ]);
}

export const FIXTURE_SIZE = 32;
export const FIXTURE_CLASSES = ['bright', 'dark'] as const;

/**
 * A dynamic-batch "detector" with a YOLOv8-shaped head whose output follows from the pixels:
 * images [N,3,32,32] → per-channel means (r, g, b) → one anchor [N, 4+2, 1] with
 * cx = cy = 16, w = g/8, h = b/8, score(bright) = r/256, score(dark) = (255-r)/256.
 * Every weight is a power of two, so for a uniform image the output is exact in float32.
 */
export function detectorFixtureModel(): Uint8Array {
  // MatMul rows: mean r, g, b; columns: cx, cy, w, h, bright, dark.
  const w = new Float32Array([0, 0, 0, 0, 1 / 256, -1 / 256, 0, 0, 1 / 8, 0, 0, 0, 0, 0, 0, 1 / 8, 0, 0]);
  const bias = new Float32Array([16, 16, 0, 0, 0, 255 / 256]);
  return encodeOnnxModel({
    inputs: [{ name: 'images', dims: ['N', 3, FIXTURE_SIZE, FIXTURE_SIZE] }],
    outputs: [{ name: 'output0', dims: ['N', 6, 1] }],
    initializers: [
      { name: 'W', dims: [3, 6], data: w },
      { name: 'B', dims: [6], data: bias },
      { name: 'shape', dims: [3], data: new BigInt64Array([-1n, 6n, 1n]) },
    ],
    nodes: [
      { op: 'ReduceMean', inputs: ['images'], outputs: ['means'], attrs: { axes: [2, 3], keepdims: 0 } },
      { op: 'MatMul', inputs: ['means', 'W'], outputs: ['mixed'] },
      { op: 'Add', inputs: ['mixed', 'B'], outputs: ['head'] },
      { op: 'Reshape', inputs: ['head', 'shape'], outputs: ['output0'] },
    ],
  });
}

/** The registry entry createDetector needs for the fixture (raw 0-255 pixels, RGB, no padding). */
export function detectorFixtureSpec(file: string, size: number): ModelSpec {
  return {
    id: 'fixture-dynamic-batch',
    task: 'detect',
    file,
    url: 'file://fixture',
    sha256: '',
    bytes: size,
    license: 'test fixture',
    input: {
      name: 'images',
      width: FIXTURE_SIZE,
      height: FIXTURE_SIZE,
      colorOrder: 'RGB',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      letterbox: { pad: 0, align: 'top-left' },
    },
    decoder: 'yolov8',
    classes: FIXTURE_CLASSES,
  };
}
