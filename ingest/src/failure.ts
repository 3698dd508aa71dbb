import fs from 'node:fs';
import { IngestError } from './errors.ts';
import type { IngestErrorCode } from './errors.ts';
import { redactText } from './source.ts';
import type { Classified } from './ffmpeg/stderr.ts';
import type { SourceRef } from './types.ts';

const WHAT: Readonly<Record<IngestErrorCode, string>> = {
  INGEST_FFMPEG_NOT_FOUND: 'ffmpeg not found for',
  INGEST_FILE_NOT_FOUND: 'no such file',
  INGEST_UNSUPPORTED_URL: 'unsupported source',
  INGEST_NOT_MEDIA: 'not a media file',
  INGEST_NO_VIDEO: 'no video stream in',
  INGEST_TRUNCATED: 'truncated or corrupt media',
  INGEST_DECODE_FAILED: 'decoding failed for',
  INGEST_UNREACHABLE: 'cannot reach',
  INGEST_ABORTED: 'aborted',
  INGEST_AUDIO_UNSUPPORTED: 'no decoder for the audio of',
  INGEST_AUDIO_DECODE_FAILED: 'audio could not be decoded from',
  INGEST_SOURCE_BLOCKED: 'source refused:',
  INGEST_PATH_OUTSIDE_ROOTS: 'path outside the media roots:',
};

/**
 * Build the IngestError for a classified ffmpeg/ffprobe failure. ffmpeg quotes the input URL
 * verbatim (credentials included), so the detail is redacted before it goes anywhere.
 */
export function failureError(src: SourceRef, failure: Classified, cause?: unknown): IngestError {
  return new IngestError(failure.code, `${WHAT[failure.code]} ${src.display}${suffix(src, failure.detail)}`, {
    cause,
  });
}

function suffix(src: SourceRef, detail: string | null): string {
  if (detail === null) return '';
  let text = detail.split(src.input).join(src.display);
  // "rtsp://h/x: Connection refused" → "Connection refused": the message names the source already.
  if (text.startsWith(`${src.display}: `)) text = text.slice(src.display.length + 2);
  text = redactText(text).replace(/\s+/g, ' ').trim();
  if (text.length > 240) text = `${text.slice(0, 237)}...`;
  return text === '' ? '' : `: ${text}`;
}

export function abortedError(src: SourceRef, cause?: unknown): IngestError {
  return new IngestError('INGEST_ABORTED', `aborted while reading ${src.display}`, { cause });
}

const ISO_BMFF_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip', 'pnot', 'uuid']);

/** Does the file start with an ISO-BMFF box (mp4/mov/3gp)? Tells a cut-off mp4 from a renamed text file. */
export function looksIsoBmff(src: SourceRef): boolean {
  if (src.kind !== 'file') return false;
  let fd: number | undefined;
  try {
    fd = fs.openSync(src.input, 'r');
    const head = Buffer.alloc(8);
    const n = fs.readSync(fd, head, 0, 8, 0);
    return n === 8 && ISO_BMFF_BOXES.has(head.toString('latin1', 4, 8));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
