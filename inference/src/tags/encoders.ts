// Thin adapters over the shared ORT sessions of a CLIP-family pair: the image tower takes
// [N,3,H,W] floats and gives [N,D]; the text tower takes [N,77] int64 ids (and an attention mask
// when the export has one) and gives [N,D]. Foreign tensors become Float32Array rows here.
import { InferenceError } from '../errors.ts';
import type { TensorMap } from '../ort/protocol.ts';
import type { ModelSession } from '../ort/session.ts';

export interface EmbeddingEncoder {
  readonly label: string;
}

export interface ImageEncoder extends EmbeddingEncoder {
  /** `pixels`: n × [3,h,w] NCHW floats. */
  encode(pixels: Float32Array, n: number, h: number, w: number): Promise<Float32Array[]>;
}

export interface TextEncoder extends EmbeddingEncoder {
  /** `ids`: n × context token ids, zero-padded after the end token. */
  encode(ids: BigInt64Array, n: number, context: number, endToken: number): Promise<Float32Array[]>;
}

function rows(session: ModelSession, outputs: TensorMap, n: number): Float32Array[] {
  const name = session.outputs[0]?.name ?? '';
  const t = outputs[name];
  if (!t || !(t.data instanceof Float32Array) || t.dims.length !== 2 || t.dims[0] !== n)
    throw new InferenceError(
      'MODEL_BAD_OUTPUT',
      `model ${session.label}: expected a [${n}, D] embedding, got [${t?.dims.join(', ') ?? ''}]`,
    );
  const dim = t.dims[1] as number;
  const data = t.data;
  return Array.from({ length: n }, (_, i) => data.slice(i * dim, (i + 1) * dim));
}

export function createImageEncoder(session: ModelSession): ImageEncoder {
  const input = session.inputs[0]?.name;
  if (!input) throw new InferenceError('MODEL_BAD_OUTPUT', `model ${session.label}: no input`);
  return {
    label: session.label,
    async encode(pixels, n, h, w) {
      if (n === 0) return [];
      const res = await session.run({ [input]: { type: 'float32', data: pixels, dims: [n, 3, h, w] } });
      return rows(session, res.outputs, n);
    },
  };
}

export function createTextEncoder(session: ModelSession): TextEncoder {
  const ids = session.inputs.find((i) => !/mask/i.test(i.name))?.name;
  const mask = session.inputs.find((i) => /mask/i.test(i.name))?.name;
  if (!ids) throw new InferenceError('MODEL_BAD_OUTPUT', `model ${session.label}: no token input`);
  return {
    label: session.label,
    async encode(tokens, n, context, endToken) {
      if (n === 0) return [];
      const feeds: TensorMap = { [ids]: { type: 'int64', data: tokens, dims: [n, context] } };
      if (mask) {
        // 1 up to and including the end token; 0 on the padding.
        const m = new BigInt64Array(n * context);
        for (let r = 0; r < n; r++) {
          for (let i = 0; i < context; i++) {
            m[r * context + i] = 1n;
            if (tokens[r * context + i] === BigInt(endToken)) break;
          }
        }
        feeds[mask] = { type: 'int64', data: m, dims: [n, context] };
      }
      const res = await session.run(feeds);
      return rows(session, res.outputs, n);
    },
  };
}
