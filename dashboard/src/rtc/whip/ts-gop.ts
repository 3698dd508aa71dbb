// The relay's join cache: the MPEG-TS packets since the last video keyframe (from the PAT/PMT
// ffmpeg writes just before it), so a reader that connects mid-stream (the recorder, the live-view
// feed, an ingest reconnect) starts with decodable video at once instead of waiting out a GOP with
// probe errors. Pure: fed whole 188-byte packets, it parses PAT and PMT to find the H.264 PID.

export const TS_PACKET = 188;
const PAT_PID = 0;
const H264_STREAM_TYPE = 0x1b;

export interface GopCache {
  /** Feeds whole TS packets (length a multiple of 188). */
  push(packets: Buffer): void;
  /** What a new reader is sent first: the current GOP, PAT/PMT included (empty until a keyframe). */
  snapshot(): Buffer[];
  readonly bytes: number;
}

/** A GOP past `maxBytes` is dropped (readers then join live, as without a cache) until the next keyframe. */
export function createGopCache(maxBytes: number): GopCache {
  let pmtPid = -1;
  let videoPid = -1;
  let gop: Buffer[] = [];
  let bytes = 0;
  // Index in `gop` of the latest PAT: a keyframe's GOP starts there (ffmpeg repeats PAT/PMT before it).
  let patAt = -1;
  // True until the first keyframe, and again after an overflow until the next one.
  let waiting = true;

  const onPacket = (p: Buffer): void => {
    if (p[0] !== 0x47) return;
    const pusi = (p[1]! & 0x40) !== 0;
    const pid = ((p[1]! & 0x1f) << 8) | p[2]!;
    const afc = (p[3]! >> 4) & 0x3;
    const afLen = afc & 0x2 ? p[4]! : 0;
    const payloadAt = afc & 0x2 ? 5 + afLen : 4;
    if (pid === PAT_PID && pusi) {
      pmtPid = patPmtPid(p, payloadAt);
      patAt = gop.length;
    } else if (pid === pmtPid && pusi) {
      videoPid = pmtVideoPid(p, payloadAt);
    }
    const keyframe = pid === videoPid && pusi && afLen > 0 && (p[5]! & 0x40) !== 0;
    if (keyframe) {
      // A new GOP: from the PAT/PMT written just before it when there are, else from here.
      const from = patAt >= 0 && gop.length - patAt <= 8 ? patAt : gop.length;
      for (let i = 0; i < from; i++) bytes -= gop[i]!.length;
      gop = gop.slice(from);
      patAt = patAt >= from ? patAt - from : -1;
      waiting = false;
    }
    if (waiting) {
      // Nothing a reader could start from yet (no keyframe since the start or the overflow):
      // only the latest PAT and PMT are kept, for the next keyframe's GOP to start with.
      if (pid === PAT_PID) {
        gop = [p];
        bytes = p.length;
        patAt = 0;
      } else if (pid === pmtPid && gop.length === 1) {
        gop.push(p);
        bytes += p.length;
      }
      return;
    }
    gop.push(p);
    bytes += p.length;
    if (bytes > maxBytes) {
      gop = [];
      bytes = 0;
      patAt = -1;
      waiting = true;
    }
  };

  return {
    push(packets) {
      for (let at = 0; at + TS_PACKET <= packets.length; at += TS_PACKET) {
        onPacket(packets.subarray(at, at + TS_PACKET));
      }
    },
    snapshot() {
      return waiting ? [] : [Buffer.concat(gop)];
    },
    get bytes() {
      return bytes;
    },
  };
}

/** The PMT PID of the first program in a PAT section (−1 if none). */
function patPmtPid(p: Buffer, payloadAt: number): number {
  const s = payloadAt + 1 + (p[payloadAt] ?? 0); // pointer_field
  const sectionLength = ((p[s + 1]! & 0x0f) << 8) | p[s + 2]!;
  const end = Math.min(s + 3 + sectionLength - 4, TS_PACKET);
  for (let i = s + 8; i + 4 <= end; i += 4) {
    const program = (p[i]! << 8) | p[i + 1]!;
    if (program !== 0) return ((p[i + 2]! & 0x1f) << 8) | p[i + 3]!;
  }
  return -1;
}

/** The elementary PID of the H.264 stream in a PMT section (−1 if none). */
function pmtVideoPid(p: Buffer, payloadAt: number): number {
  const s = payloadAt + 1 + (p[payloadAt] ?? 0);
  const sectionLength = ((p[s + 1]! & 0x0f) << 8) | p[s + 2]!;
  const end = Math.min(s + 3 + sectionLength - 4, TS_PACKET);
  const programInfoLength = ((p[s + 10]! & 0x0f) << 8) | p[s + 11]!;
  for (let i = s + 12 + programInfoLength; i + 5 <= end;) {
    const type = p[i]!;
    const pid = ((p[i + 1]! & 0x1f) << 8) | p[i + 2]!;
    const esInfo = ((p[i + 3]! & 0x0f) << 8) | p[i + 4]!;
    if (type === H264_STREAM_TYPE) return pid;
    i += 5 + esInfo;
  }
  return -1;
}
