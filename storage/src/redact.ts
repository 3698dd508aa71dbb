import { inspect } from 'node:util';
import type { Logger, LogParams, WarnLogParams } from '@clickhouse/client';

// Credentials in CLICKHOUSE_URL must never reach an error, a log line or an API response.
// (@aima/ingest has the project-wide redactUrl for stream URLs; storage needs only the userinfo
// part of an http(s) URL and must not depend on ingest at runtime.)

/** `http://user:pass@h:8123/db` → `http://***@h:8123/db`; unparseable input is not echoed at all. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return u.toString();
    const host = u.host;
    u.username = '';
    u.password = '';
    return u.toString().replace(`//${host}`, `//***@${host}`);
  } catch {
    return '<invalid ClickHouse URL>';
  }
}

/** A function replacing the raw URL and its password in any text (a user name is no secret). */
export function scrubberFor(url: string): (text: string) => string {
  const safe = redactUrl(url);
  const secrets: string[] = [];
  try {
    const u = new URL(url);
    if (u.password !== '') secrets.push(u.password, decodeURIComponent(u.password));
  } catch {
    // An unparseable URL has no parts to pick out; the whole string is replaced below.
  }
  return (text) => {
    let out = url.length > 0 ? text.split(url).join(safe) : text;
    for (const s of secrets) if (s.length > 0) out = out.split(s).join('***');
    return out;
  };
}

/**
 * A logger class for @clickhouse/client that writes its warnings and errors to stderr with
 * secrets scrubbed, in place of its default logger, which prints arguments and errors verbatim.
 */
export function scrubbingLoggerClass(scrub: (text: string) => string): new () => Logger {
  const write = (level: string, p: LogParams & { err?: Error }): void => {
    const extra = [p.args, p.err].filter((x) => x !== undefined).map((x) => inspect(x, { depth: 4 }));
    process.stderr.write(
      scrub(`[${level}][@clickhouse/client][${p.module}] ${p.message} ${extra.join(' ')}`) + '\n',
    );
  };
  return class ScrubbingLogger implements Logger {
    // The client is created at WARN level: it never calls the three below.
    trace(): void {}
    debug(): void {}
    info(): void {}
    warn(p: WarnLogParams): void {
      write('WARN', p);
    }
    error(p: WarnLogParams & { err: Error }): void {
      write('ERROR', p);
    }
  };
}
