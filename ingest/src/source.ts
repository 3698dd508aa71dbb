import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IngestError } from './errors.ts';
import type { SourceKind, SourceRef } from './types.ts';

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const SECRET_PARAM = /token|key|pass|secret|auth|sig|credential/i;

const KIND_BY_SCHEME: Readonly<Record<string, SourceKind>> = {
  http: 'http',
  https: 'http',
  rtsp: 'rtsp',
  rtsps: 'rtsp',
  rtmp: 'rtmp',
  rtmps: 'rtmp',
  srt: 'srt',
};

/**
 * Replace credentials in a URL with `***`: the userinfo (`rtsp://user:pass@h/x` →
 * `rtsp://***@h/x`) and the values of query parameters named like token/key/pass/secret/auth/
 * sig/credential. Everything else is kept byte for byte. Strings that are not URLs come back as-is.
 */
export function redactUrl(url: string): string {
  const scheme = SCHEME.exec(url);
  if (!scheme) return url;
  const head = scheme[0];
  let rest = url.slice(head.length);

  // The authority ends at the first '/'. We deliberately do not stop at '?' or '#': people put
  // those unescaped in passwords, and redacting a little too much beats leaking a password.
  const slash = rest.indexOf('/');
  const at = rest.lastIndexOf('@', slash === -1 ? rest.length : slash);
  if (at !== -1) rest = `***${rest.slice(at)}`;

  const q = rest.indexOf('?');
  if (q === -1) return head + rest;
  const hash = rest.indexOf('#', q);
  const query = rest.slice(q + 1, hash === -1 ? undefined : hash);
  const redacted = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      return eq !== -1 && SECRET_PARAM.test(decodeName(name)) ? `${name}=***` : pair;
    })
    .join('&');
  return `${head}${rest.slice(0, q + 1)}${redacted}${hash === -1 ? '' : rest.slice(hash)}`;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/** Redact every URL inside free text (ffmpeg stderr lines quote URLs with their credentials). */
export function redactText(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, (url) => redactUrl(url));
}

/**
 * Turn a user-given path or URL into a SourceRef. Files must exist (INGEST_FILE_NOT_FOUND);
 * http(s) URLs whose path ends in `.m3u8` are HLS; rtsp(s), rtmp(s) and srt are live; any other
 * scheme is INGEST_UNSUPPORTED_URL. http/hls start as not live and are treated as live by the
 * decoders when probing finds no duration.
 */
export function parseSource(input: string): SourceRef {
  const trimmed = input.trim();
  const scheme = SCHEME.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === undefined) return fileSource(path.resolve(trimmed));
  if (scheme === 'file') return fileSource(fileUrlToPath(trimmed));

  const display = redactUrl(trimmed);
  const kind = KIND_BY_SCHEME[scheme];
  if (kind === undefined) {
    throw new IngestError('INGEST_UNSUPPORTED_URL', `unsupported URL scheme '${scheme}:' in ${display}`);
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch (err) {
    throw new IngestError('INGEST_UNSUPPORTED_URL', `malformed URL ${display}`, { cause: err });
  }
  if (url.hostname === '') {
    throw new IngestError('INGEST_UNSUPPORTED_URL', `URL has no host: ${display}`);
  }
  if (kind === 'http' && /\.m3u8$/i.test(url.pathname)) {
    return Object.freeze({ kind: 'hls', input: trimmed, display, live: false });
  }
  return Object.freeze({ kind, input: trimmed, display, live: kind !== 'http' });
}

function fileUrlToPath(url: string): string {
  try {
    return fileURLToPath(url);
  } catch (err) {
    throw new IngestError('INGEST_UNSUPPORTED_URL', `malformed file URL ${redactUrl(url)}`, { cause: err });
  }
}

function fileSource(absPath: string): SourceRef {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absPath);
  } catch (err) {
    throw new IngestError('INGEST_FILE_NOT_FOUND', `no such file: ${absPath}`, { cause: err });
  }
  // A folder is a collection of still images, analysed as one source (each image a moment).
  if (stat.isDirectory())
    return Object.freeze({ kind: 'images', input: absPath, display: absPath, live: false });
  if (!stat.isFile()) {
    throw new IngestError('INGEST_FILE_NOT_FOUND', `not a regular file or folder: ${absPath}`);
  }
  return Object.freeze({ kind: 'file', input: absPath, display: absPath, live: false });
}

/** Network sources go through sockets: their I/O errors mean "unreachable", not "bad media". */
export function isNetworkSource(src: SourceRef): boolean {
  return src.kind !== 'file' && src.kind !== 'images';
}
