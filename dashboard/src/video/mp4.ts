// Just enough ISO-BMFF (MP4) to relay ffmpeg's fragmented output: split the byte stream into
// top-level boxes, read the codec string and timescale from the init segment, and read each
// fragment's start time, duration and whether its first sample is a keyframe.

/** Largest top-level box accepted (a fragment of 200 ms is far smaller; a bigger one is garbage). */
export const MAX_BOX_BYTES = 32 * 1024 * 1024;

export interface Mp4Box {
  readonly type: string;
  /** The whole box, header included. */
  readonly data: Buffer;
}

/**
 * Splits a byte stream into complete top-level boxes. Chunks are kept in a list and joined only
 * when a whole box is there, so a large mdat arriving in many pipe reads is copied once.
 */
export function createBoxSplitter(): { push(chunk: Buffer): Mp4Box[] } {
  let chunks: Buffer[] = [];
  let length = 0;

  const head = (n: number): Buffer => {
    if (chunks[0]!.length < n) {
      const joined = Buffer.concat(chunks);
      chunks = [joined];
    }
    return chunks[0]!.subarray(0, n);
  };

  return {
    push(chunk) {
      chunks.push(chunk);
      length += chunk.length;
      const out: Mp4Box[] = [];
      while (length >= 8) {
        const h = head(Math.min(16, length));
        let size = h.readUInt32BE(0);
        const type = h.toString('latin1', 4, 8);
        if (size === 1) {
          if (h.length < 16) break;
          size = Number(h.readBigUInt64BE(8));
        }
        // size 0 ("to the end of the file") cannot be framed in a stream.
        if (size < 8 || size > MAX_BOX_BYTES) throw new RangeError(`bad MP4 box '${type}' of ${size} bytes`);
        if (length < size) break;
        const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        out.push({ type, data: Buffer.from(all.subarray(0, size)) });
        const rest = all.subarray(size);
        chunks = rest.length > 0 ? [rest] : [];
        length = rest.length;
      }
      return out;
    },
  };
}

/** The direct children of a container box's payload `buf` (from `start`). */
function* children(buf: Buffer, start = 8): Generator<{ type: string; body: Buffer }> {
  let at = start;
  while (at + 8 <= buf.length) {
    let size = buf.readUInt32BE(at);
    let header = 8;
    if (size === 1 && at + 16 <= buf.length) {
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = buf.length - at;
    if (size < header || at + size > buf.length) return;
    yield { type: buf.toString('latin1', at + 4, at + 8), body: buf.subarray(at + header, at + size) };
    at += size;
  }
}

function child(buf: Buffer, path: readonly string[], start = 8): Buffer | null {
  const [first, ...rest] = path;
  for (const c of children(buf, start)) {
    if (c.type !== first) continue;
    return rest.length === 0 ? c.body : child(c.body, rest, 0);
  }
  return null;
}

export interface InitInfo {
  /** The MSE type: `video/mp4; codecs="avc1.PPCCLL"`. */
  readonly mime: string;
  /** Ticks per second of the video track (tfdt and sample durations are in these). */
  readonly timescale: number;
  /** trex default_sample_flags (used when a fragment states none). */
  readonly defaultSampleFlags: number;
}

/** Reads the codec and timescale from a moov box; null when it holds no H.264 track. */
export function parseInit(moov: Buffer): InitInfo | null {
  const mdia = child(moov, ['trak', 'mdia']);
  const mdhd = mdia && child(mdia, ['mdhd'], 0);
  if (!mdhd) return null;
  const timescale = mdhd.readUInt8(0) === 1 ? mdhd.readUInt32BE(20) : mdhd.readUInt32BE(12);
  // avcC sits inside stsd > avc1, after the sample entry's fixed 78 bytes; its first four bytes
  // are version, profile, compatibility flags and level: exactly what the codec string names.
  const at = moov.indexOf('avcC', 0, 'latin1');
  if (at < 4 || at + 8 > moov.length) return null;
  const hex = (i: number): string =>
    moov
      .readUInt8(at + 4 + i)
      .toString(16)
      .padStart(2, '0');
  const trex = child(moov, ['mvex', 'trex']);
  return {
    mime: `video/mp4; codecs="avc1.${hex(1)}${hex(2)}${hex(3)}"`,
    timescale,
    defaultSampleFlags: trex && trex.length >= 24 ? trex.readUInt32BE(20) : 0,
  };
}

export interface FragmentInfo {
  /** tfdt: decode time of the first sample, in track ticks. */
  readonly baseMediaDecodeTime: number;
  /** Sum of the sample durations, in track ticks (0 if the fragment does not say). */
  readonly duration: number;
  /** The first sample is a sync sample (a decoder can start here). */
  readonly keyframe: boolean;
}

// sample_flags: bits 24-25 sample_depends_on (2 = depends on no other), bit 16 is_non_sync_sample.
const isSync = (flags: number): boolean => ((flags >>> 16) & 1) === 0 && ((flags >>> 24) & 3) !== 1;

/** Reads the first track fragment of a moof box. */
export function parseFragment(moof: Buffer, defaultSampleFlags: number): FragmentInfo {
  const traf = child(moof, ['traf']);
  if (!traf) throw new RangeError('moof without traf');
  let flags = defaultSampleFlags;
  let defaultDuration = 0;
  const tfhd = child(traf, ['tfhd'], 0);
  if (tfhd) {
    const f = tfhd.readUInt32BE(0) & 0xffffff;
    let at = 8; // version/flags, track_ID
    if (f & 0x01) at += 8;
    if (f & 0x02) at += 4;
    if (f & 0x08) defaultDuration = tfhd.readUInt32BE(at);
    if (f & 0x08) at += 4;
    if (f & 0x10) at += 4;
    if (f & 0x20) flags = tfhd.readUInt32BE(at);
  }
  const tfdt = child(traf, ['tfdt'], 0);
  const base = !tfdt ? 0 : tfdt.readUInt8(0) === 1 ? Number(tfdt.readBigUInt64BE(4)) : tfdt.readUInt32BE(4);

  let duration = 0;
  const trun = child(traf, ['trun'], 0);
  if (trun) {
    const f = trun.readUInt32BE(0) & 0xffffff;
    const count = trun.readUInt32BE(4);
    let at = 8;
    if (f & 0x01) at += 4;
    let first: number | null = null;
    if (f & 0x04) {
      first = trun.readUInt32BE(at);
      at += 4;
    }
    const perSample = [0x100, 0x200, 0x400, 0x800].filter((bit) => f & bit).length * 4;
    for (let i = 0; i < count && at + perSample <= trun.length; i++, at += perSample) {
      duration += f & 0x100 ? trun.readUInt32BE(at) : defaultDuration;
      if (i === 0 && first === null && f & 0x400) {
        first = trun.readUInt32BE(at + (f & 0x100 ? 4 : 0) + (f & 0x200 ? 4 : 0));
      }
    }
    if (first !== null) flags = first;
  }
  return { baseMediaDecodeTime: base, duration, keyframe: isSync(flags) };
}
