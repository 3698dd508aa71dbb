import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IngestError, parseSource, redactUrl } from '../index.ts';
import { redactText } from '../src/source.ts';

const media = process.env.AIMA_MEDIA_DIR ?? '';
const vtest = path.join(media, 'video/vtest.mp4');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof IngestError ? err.code : `not an IngestError: ${String(err)}`;
  }
  return undefined;
}

describe('parseSource', () => {
  it('turns an existing file path into an absolute file source', () => {
    const rel = path.relative(process.cwd(), vtest);
    const src = parseSource(rel);
    expect(src).toEqual({ kind: 'file', input: vtest, display: vtest, live: false });
    expect(parseSource(`file://${vtest}`).input).toBe(vtest);
  });

  it('rejects a missing file with INGEST_FILE_NOT_FOUND', () => {
    expect(codeOf(() => parseSource('/no/such/file.mp4'))).toBe('INGEST_FILE_NOT_FOUND');
  });

  it('takes a folder as an image collection', () => {
    expect(parseSource(media)).toEqual({ kind: 'images', input: media, display: media, live: false });
  });

  it('classifies URLs by scheme', () => {
    expect(parseSource('http://h/x.mp4')).toMatchObject({ kind: 'http', live: false });
    expect(parseSource('https://h/live/index.M3U8?token=1')).toMatchObject({ kind: 'hls', live: false });
    expect(parseSource('rtsp://h:554/stream1')).toMatchObject({ kind: 'rtsp', live: true });
    expect(parseSource('rtsps://h/s')).toMatchObject({ kind: 'rtsp', live: true });
    expect(parseSource('rtmp://h/live/key')).toMatchObject({ kind: 'rtmp', live: true });
    expect(parseSource('rtmps://h/live/key')).toMatchObject({ kind: 'rtmp', live: true });
    expect(parseSource('srt://h:9000?mode=caller')).toMatchObject({ kind: 'srt', live: true });
  });

  it('rejects other schemes and host-less URLs with INGEST_UNSUPPORTED_URL', () => {
    expect(codeOf(() => parseSource('ftp://x'))).toBe('INGEST_UNSUPPORTED_URL');
    expect(codeOf(() => parseSource('udp://127.0.0.1:1234'))).toBe('INGEST_UNSUPPORTED_URL');
    expect(codeOf(() => parseSource('http://'))).toBe('INGEST_UNSUPPORTED_URL');
  });

  // parseSource is pure (no socket, no DNS); the addresses are loopback all the same.
  it('keeps the credentials in input but not in display or error messages', () => {
    const src = parseSource('rtsp://admin:hunter2@127.0.0.5/cam?authkey=s3cret');
    expect(src.input).toContain('hunter2');
    expect(src.display).toBe('rtsp://***@127.0.0.5/cam?authkey=***');
    try {
      parseSource('ftp://admin:hunter2@x/file');
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });
});

describe('redactUrl', () => {
  it.each([
    ['rtsp://user:pass@h/x', 'rtsp://***@h/x'],
    ['rtsp://user@h:554/x', 'rtsp://***@h:554/x'],
    ['rtsp://h/x', 'rtsp://h/x'],
    ['http://h/x.m3u8?token=abc&quality=hd', 'http://h/x.m3u8?token=***&quality=hd'],
    [
      'https://h/x?api_key=1&Signature=2&X-Amz-Credential=3&pwd=4',
      'https://h/x?api_key=***&Signature=***&X-Amz-Credential=***&pwd=4',
    ],
    ['srt://h:9000?mode=caller&passphrase=abcdefghij', 'srt://h:9000?mode=caller&passphrase=***'],
    ['http://h/x?auth=1#frag', 'http://h/x?auth=***#frag'],
    // A password with unescaped '@', '?' or '#' is still fully hidden.
    ['rtsp://admin:p@ss?w#rd@h/x', 'rtsp://***@h/x'],
    ['/local/file.mp4', '/local/file.mp4'],
  ])('%s → %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('redacts URLs inside free text', () => {
    expect(redactText("rtsp://a:b@h/x: Connection refused, tried 'http://h/y?key=z'")).toBe(
      "rtsp://***@h/x: Connection refused, tried 'http://h/y?key=***'",
    );
  });
});
