// Pure decoders for the seed API's byte inputs: strict base64 (data URLs accepted) and the picture
// size from a JPEG/PNG header, read before any decoder sees the bytes (so a 60000 × 60000 PNG of a
// few KiB is refused without being expanded).
import { DashboardError, type DashboardErrorCode } from '../errors.ts';

const DATA_URL = /^data:([a-z0-9.+/-]*)(;[a-z0-9=.-]+)*;base64,/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Bytes of a base64 string (whitespace ignored, padding optional); throws `code` when malformed. */
export function decodeBase64(text: string, code: DashboardErrorCode, what: string): Buffer {
  const body = text.replace(DATA_URL, '').replace(/\s+/g, '');
  // Node's decoder skips what it does not understand; we refuse it instead.
  if (body.length === 0 || !BASE64.test(body) || body.length % 4 === 1) {
    throw new DashboardError(code, `${what}: not valid base64`);
  }
  return Buffer.from(body, 'base64');
}

export type ImageKind = 'jpeg' | 'png';

export interface ImageHeader {
  readonly kind: ImageKind;
  readonly width: number;
  readonly height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Kind and size of a JPEG or PNG, from its header; null when it is neither (or truncated). */
export function readImageHeader(b: Uint8Array): ImageHeader | null {
  if (b.length >= 24 && PNG_SIGNATURE.every((v, i) => b[i] === v)) {
    // IHDR is the first chunk: length(4) 'IHDR'(4) width(4) height(4).
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!) !== 'IHDR') return null;
    return { kind: 'png', width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) return readJpegSize(b);
  return null;
}

// Start-of-frame markers carry the size: SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function readJpegSize(b: Uint8Array): ImageHeader | null {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    // Fill bytes and markers without a length.
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end or scan data before any frame header
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (len < 2) return null;
    if (isSof(marker)) {
      if (i + 9 > b.length) return null;
      const height = (b[i + 5]! << 8) | b[i + 6]!;
      const width = (b[i + 7]! << 8) | b[i + 8]!;
      return { kind: 'jpeg', width, height };
    }
    i += 2 + len;
  }
  return null;
}

/** Channels per pixel of a raw pixel format. */
export function channelsOf(format: 'rgb' | 'rgba' | 'bgr' | 'gray'): number {
  return format === 'rgba' ? 4 : format === 'gray' ? 1 : 3;
}

/** Numbers 0..255 → bytes; throws ANALYZE_BAD_FRAME at the first value that is not one. */
export function bytesOfNumbers(values: readonly number[], what: string): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || v > 255) {
      throw new DashboardError('ANALYZE_BAD_FRAME', `${what}[${i}]: not an integer 0..255`);
    }
    out[i] = v;
  }
  return out;
}
