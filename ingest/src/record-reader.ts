import type { Readable } from 'node:stream';

export interface RecordReaderOptions {
  /** Bytes per record: one video frame, or one audio chunk. */
  readonly recordBytes: number;
  /** Deliver a final short record at end of stream (audio), rounded down to whole `alignBytes`. */
  readonly partialTail?: { readonly alignBytes: number };
  /** Once true, records are discarded unread so the producer can drain and exit. */
  readonly discarding: () => boolean;
}

/**
 * Slice a byte stream into fixed-size records. Each record is a fresh buffer the consumer may
 * keep (one copy per byte, which the pipe's chunking makes unavoidable). `onRecord` may return
 * a promise; the stream is not read meanwhile, which is how backpressure reaches ffmpeg.
 */
export async function readRecords(
  stream: Readable,
  opts: RecordReaderOptions,
  onRecord: (record: Uint8Array) => void | Promise<void>,
): Promise<void> {
  let record = new Uint8Array(opts.recordBytes);
  let filled = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (opts.discarding()) continue;
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(opts.recordBytes - filled, chunk.length - offset);
      record.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === opts.recordBytes) {
        const full = record;
        record = new Uint8Array(opts.recordBytes);
        filled = 0;
        await onRecord(full);
        if (opts.discarding()) break;
      }
    }
  }
  if (opts.partialTail && !opts.discarding()) {
    const usable = filled - (filled % opts.partialTail.alignBytes);
    if (usable > 0) await onRecord(record.slice(0, usable));
  }
}
