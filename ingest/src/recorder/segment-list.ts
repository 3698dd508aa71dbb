// Reading the segment muxer's CSV list: one `name,start,end` line per finished segment, appended
// and flushed by ffmpeg after the segment's data has been written (libavformat/segment.c,
// segment_end), so a line on disk means a complete file.
import fs from 'node:fs/promises';

export interface SegmentListEntry {
  /** File name as ffmpeg wrote it (the basename of the segment). */
  readonly name: string;
  /** Seconds on the recording's timeline (media time of the input). */
  readonly start: number;
  readonly end: number;
}

/**
 * Parse one list line. ffmpeg quotes the name (doubling inner quotes) only when it holds a comma,
 * quote or line break; the two times never do, so they are taken from the right.
 */
export function parseSegmentListLine(line: string): SegmentListEntry | null {
  const text = line.replace(/\r$/, '');
  const lastComma = text.lastIndexOf(',');
  const midComma = lastComma <= 0 ? -1 : text.lastIndexOf(',', lastComma - 1);
  if (midComma <= 0) return null;
  const start = Number(text.slice(midComma + 1, lastComma));
  const end = Number(text.slice(lastComma + 1));
  if (!Number.isFinite(start) || !Number.isFinite(end) || text.slice(lastComma + 1).trim() === '')
    return null;
  let name = text.slice(0, midComma);
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"'))
    name = name.slice(1, -1).replaceAll('""', '"');
  if (name === '') return null;
  return { name, start, end };
}

/**
 * Follows a list file as ffmpeg appends to it: each read() returns the entries of the lines
 * completed since the last read. A line still being written (no newline yet) waits for the next
 * read; the file not existing yet is "nothing new". Not re-entrant: the caller serialises reads.
 */
export class SegmentListReader {
  private offset = 0;
  /** Bytes after the last newline: a line ffmpeg is still writing. */
  private partial: Buffer = Buffer.alloc(0);

  constructor(private readonly file: string) {}

  async read(): Promise<SegmentListEntry[]> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    // Position and leftover are committed only after a whole read: a failed read is simply
    // repeated by the next one.
    const chunks: Buffer[] = [this.partial];
    let offset = this.offset;
    try {
      for (;;) {
        const buf = Buffer.alloc(16_384);
        const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        chunks.push(buf.subarray(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
    this.offset = offset;
    const bytes = Buffer.concat(chunks);
    const end = bytes.lastIndexOf(0x0a) + 1;
    this.partial = bytes.subarray(end);
    const entries: SegmentListEntry[] = [];
    for (const line of bytes.toString('utf8', 0, end).split('\n')) {
      const entry = parseSegmentListLine(line);
      if (entry !== null) entries.push(entry);
    }
    return entries;
  }
}
