// The host a network source will connect to, as one canonical string. Two parsers read a URL:
// WHATWG (ours) and ffmpeg's av_url_split (the one that connects). Where they could disagree
// (`http://public.example\@169.254.169.254/`, percent-escapes, non-ASCII), the source is refused:
// checking one host while ffmpeg dials another would defeat the guard.
import { IngestError } from '../errors.ts';
import type { SourceRef } from '../types.ts';

/** Characters a real host name or IP literal is made of (IPv6 in brackets). */
const PLAIN_HOST = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])$/;

/**
 * The canonical host of a network source: lower case, IPv4 in dotted-quad form whatever the
 * spelling (`2852039166`, `0xa9.0xfe.0xa9.0xfe`, `0251.0376.0251.0376`, `169.254.43518` all become
 * `169.254.169.254`), IPv6 without brackets in compressed form.
 */
export function sourceHost(src: SourceRef): string {
  const raw = ffmpegHost(src.input);
  if (!PLAIN_HOST.test(raw)) {
    throw new IngestError('INGEST_SOURCE_BLOCKED', `source ${src.display} refused: ambiguous host name`);
  }
  let whatwg: URL;
  try {
    whatwg = new URL(src.input);
  } catch (err) {
    throw new IngestError('INGEST_UNSUPPORTED_URL', `malformed URL ${src.display}`, { cause: err });
  }
  // rtsp/rtmp/srt are not "special" schemes: WHATWG leaves their host opaque (no IPv4 number
  // parsing), so both hosts are normalised the way http would, which is what inet_aton accepts.
  const ours = canonical(whatwg.hostname, src);
  if (ours !== canonical(raw, src)) {
    throw new IngestError('INGEST_SOURCE_BLOCKED', `source ${src.display} refused: ambiguous host name`);
  }
  return ours.startsWith('[') ? ours.slice(1, -1) : ours;
}

function canonical(host: string, src: SourceRef): string {
  try {
    const h = new URL(`http://${host}/`).hostname;
    if (h === '') throw new Error('empty host');
    return h;
  } catch (err) {
    throw new IngestError('INGEST_UNSUPPORTED_URL', `malformed host in ${src.display}`, { cause: err });
  }
}

/**
 * The host as ffmpeg's av_url_split finds it: the authority ends at the first of "/?#", the
 * userinfo at the last '@' before that, the port at the first ':' (or after `[...]`).
 */
export function ffmpegHost(url: string): string {
  const start = url.indexOf('://');
  const p = start === -1 ? url : url.slice(start + 3);
  const end = p.search(/[/?#]/);
  const authority = end === -1 ? p : p.slice(0, end);
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    return close === -1 ? host : host.slice(0, close + 1);
  }
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
