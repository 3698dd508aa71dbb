import type { z } from 'zod';
import { ServerMessage, WorkerMessage } from './protocol.ts';

// JSON that carries what our rows and summaries hold beyond plain JSON: typed arrays (face
// embeddings are Float32Array) byte for byte, `undefined` (trailing optional arguments), and
// non-finite numbers. Tagged objects use a `$` key no row of ours has.

const TYPED = {
  Float32Array,
  Float64Array,
  Int8Array,
  Int16Array,
  Int32Array,
  Uint8Array,
  Uint16Array,
  Uint32Array,
  Uint8ClampedArray,
} as const;
type TypedName = keyof typeof TYPED;

type Tagged =
  { $: 'ta'; t: TypedName; b: string } | { $: 'u' } | { $: 'n'; v: 'NaN' | 'Infinity' | '-Infinity' };

function replacer(this: unknown, key: string, value: unknown): unknown {
  // `this[key]` is the raw value: Buffer and typed arrays must not go through their toJSON.
  const raw = (this as Record<string, unknown>)[key];
  if (ArrayBuffer.isView(raw) && !(raw instanceof DataView)) {
    const name = raw.constructor.name === 'Buffer' ? 'Uint8Array' : (raw.constructor.name as TypedName);
    if (name in TYPED) {
      const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
      return { $: 'ta', t: name, b } satisfies Tagged;
    }
  }
  if (value === undefined) return { $: 'u' } satisfies Tagged;
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return { $: 'n', v: String(value) as 'NaN' } satisfies Tagged;
  }
  // An AbortSignal cannot cross a process; the receiving side has its own lifecycle.
  if (typeof AbortSignal !== 'undefined' && value instanceof AbortSignal) return { $: 'u' } satisfies Tagged;
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || !('$' in value)) return value;
  const t = value as Tagged;
  switch (t.$) {
    case 'ta': {
      const bytes = Buffer.from(t.b, 'base64');
      // A fresh, aligned buffer: Buffer's pooled memory may sit at an offset a Float32Array refuses.
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      const Ctor = TYPED[t.t];
      return Ctor ? new Ctor(copy.buffer, 0, copy.byteLength / Ctor.BYTES_PER_ELEMENT) : value;
    }
    case 'u':
      return undefined;
    case 'n':
      return Number(t.v);
    default:
      return value;
  }
}

/** Encodes any value (a protocol message) to one JSON text frame. */
export function encodeMessage(msg: unknown): string {
  return JSON.stringify(msg, replacer);
}

/** Decodes a frame without validating it (tests; the typed decoders below validate). */
export function decodeValue(text: string): unknown {
  return JSON.parse(text, reviver);
}

export type Decoded<T> =
  { readonly ok: true; readonly msg: T } | { readonly ok: false; readonly reason: string };

function decodeWith<S extends z.ZodTypeAny>(schema: S, text: string): Decoded<z.output<S>> {
  let value: unknown;
  try {
    value = decodeValue(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, msg: r.data as z.output<S> };
  const issue = r.error.issues[0];
  return { ok: false, reason: `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}` };
}

/** A worker → control plane frame, validated. */
export const decodeWorkerMessage = (text: string): Decoded<WorkerMessage> => decodeWith(WorkerMessage, text);
/** A control plane → worker frame, validated. */
export const decodeServerMessage = (text: string): Decoded<ServerMessage> => decodeWith(ServerMessage, text);

// Frames have a size cap (the server's WebSocket maxPayload, 64 KiB): a longer message travels as
// parts `$part:<id>:<0|1 last>:<slice>` (the slice raw, not re-escaped) and is reassembled before
// it is decoded. Sizes are UTF-8 bytes, which is what the cap counts.

const PART = '$part:';

/** Splits an encoded message into frames of at most `maxBytes` UTF-8 bytes (one frame if it fits). */
export function splitFrames(text: string, maxBytes: number, id: number): string[] {
  if (Buffer.byteLength(text) <= maxBytes) return [text];
  // ASCII is one byte a character; anything else is at most three per UTF-16 unit.
  const ascii = !/[^\p{ASCII}]/u.test(text);
  const size = Math.max(256, Math.floor((maxBytes - 64) / (ascii ? 1 : 3)));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) {
    // Never cut a surrogate pair in two.
    let end = Math.min(text.length, i + size);
    if (end < text.length && /[\ud800-\udbff]/.test(text[end - 1]!)) end--;
    out.push(`${PART}${id}:${end >= text.length ? 1 : 0}:${text.slice(i, end)}`);
    i = end - size;
  }
  return out;
}

/** Joins parts back into messages; refuses (throws) one longer than `maxChars` in total. */
export interface Reassembler {
  /** The whole message text once its last part arrived; null while parts are missing. */
  push(frame: string): string | null;
}

export function createReassembler(maxChars: number): Reassembler {
  const partial = new Map<string, { list: string[]; size: number }>();
  return {
    push(frame) {
      if (!frame.startsWith(PART)) return frame;
      const a = frame.indexOf(':', PART.length);
      const b = frame.indexOf(':', a + 1);
      if (a < 0 || b < 0) throw new RangeError('malformed part');
      const id = frame.slice(PART.length, a);
      const last = frame.slice(a + 1, b) === '1';
      const d = frame.slice(b + 1);
      const p = partial.get(id) ?? { list: [], size: 0 };
      p.size += d.length;
      if (p.size > maxChars) {
        partial.delete(id);
        throw new RangeError(`message over ${maxChars} characters`);
      }
      p.list.push(d);
      if (!last) {
        partial.set(id, p);
        return null;
      }
      partial.delete(id);
      return p.list.join('');
    },
  };
}
