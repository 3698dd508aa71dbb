import { inspect } from 'node:util';
import { ClickHouseError } from '@clickhouse/client';
import { queryAsync, queryBindAsync } from 'chdb';
import { describe, expect, it } from 'vitest';
import { STORE_ERROR_CODES, StoreError, createStore, isStoreError } from '../index.ts';
import { toStoreError } from '../src/errors.ts';
import { redactUrl, scrubberFor, scrubbingLoggerClass } from '../src/redact.ts';

describe('StoreError', () => {
  it('maps every code to exit 7 and an HTTP status', () => {
    for (const [code, { exitCode, httpStatus }] of Object.entries(STORE_ERROR_CODES)) {
      expect(code).toMatch(/^STORE_[A-Z_]+$/);
      expect(exitCode).toBe(7);
      expect([500, 503]).toContain(httpStatus);
    }
    const e = new StoreError('STORE_UNAVAILABLE', 'down');
    expect(e).toMatchObject({ name: 'StoreError', code: 'STORE_UNAVAILABLE', httpStatus: 503, exitCode: 7 });
    expect(isStoreError(e, 'STORE_UNAVAILABLE')).toBe(true);
    expect(isStoreError(new Error('x'))).toBe(false);
  });
});

describe('toStoreError', () => {
  it('converts a chDB query error, keeping the ClickHouse code', async () => {
    const raw = await queryAsync('SELECT * FROM no_such_table').catch((e: unknown) => e);
    const e = toStoreError(raw, { fallback: 'STORE_QUERY_FAILED', context: 'query' });
    expect(e).toMatchObject({ code: 'STORE_QUERY_FAILED', clickhouseCode: '60' });
    expect(e.message).toMatch(/^query: .*UNKNOWN_TABLE/);
    expect(e.cause).toBe(raw);
  });

  it('converts a chDB parameter error', async () => {
    const raw = await queryBindAsync('SELECT {n:UInt32}', { n: 'x' }).catch((e: unknown) => e);
    expect(toStoreError(raw, { fallback: 'STORE_QUERY_FAILED', context: 'q' })).toMatchObject({
      code: 'STORE_QUERY_FAILED',
      clickhouseCode: '457',
    });
  });

  it('converts a server ClickHouseError and a socket error', () => {
    const ch = new ClickHouseError({
      message: 'Table default.x does not exist',
      code: '60',
      type: 'UNKNOWN_TABLE',
    });
    expect(toStoreError(ch, { fallback: 'STORE_INSERT_FAILED', context: 'insert into x' })).toMatchObject({
      code: 'STORE_INSERT_FAILED',
      clickhouseCode: '60',
      message: 'insert into x: Table default.x does not exist',
    });
    const sock = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
    expect(toStoreError(sock, { fallback: 'STORE_QUERY_FAILED', context: 'q' }).code).toBe(
      'STORE_UNAVAILABLE',
    );
  });

  it('scrubs secrets from the message and the cause', () => {
    const raw = new Error('failed for http://u:hunter22@h:8123/db');
    const e = toStoreError(raw, {
      fallback: 'STORE_QUERY_FAILED',
      context: 'q',
      scrub: (s) => s.replaceAll('hunter22', '***'),
    });
    expect(inspect(e, { depth: 5 })).not.toContain('hunter22');
  });
});

describe('server adapter credentials', () => {
  it('redacts user info in URLs', () => {
    expect(redactUrl('http://user:pa55@db.example:8123/aima')).toBe('http://***@db.example:8123/aima');
    expect(redactUrl('http://db.example:8123/')).toBe('http://db.example:8123/');
    expect(redactUrl('not a url:pa55')).toBe('<invalid ClickHouse URL>');
  });

  it('scrubs what the client library logs', () => {
    const url = 'http://aima:s3cret-pw@db.example:8123/aima';
    const Logger = scrubbingLoggerClass(scrubberFor(url));
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      new Logger().warn({
        module: 'Connection',
        message: `retrying ${url}`,
        args: { password: 's3cret-pw' },
      });
      new Logger().error({ module: 'Connection', message: 'failed', err: new Error(`at ${url}`) });
    } finally {
      process.stderr.write = write;
    }
    expect(lines).toHaveLength(2);
    expect(lines.join('')).toContain('http://***@db.example:8123/aima');
    expect(lines.join('')).not.toContain('s3cret-pw');
  });

  it('reports an unreachable server as STORE_UNAVAILABLE without leaking the password', async () => {
    // Port 1 on loopback refuses at once: a real failed connection, no server needed.
    const err = await createStore({ url: 'http://aima:s3cret-pw@127.0.0.1:1/aima' }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'StoreError',
      code: 'STORE_UNAVAILABLE',
      exitCode: 7,
      httpStatus: 503,
    });
    expect((err as Error).message).toContain('http://***@127.0.0.1:1/aima');
    expect(inspect(err, { depth: 10 })).not.toContain('s3cret-pw');
  });

  it('reports a malformed URL without echoing it', async () => {
    const err = await createStore({ url: 'http//aima:s3cret-pw@nowhere' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(inspect(err, { depth: 10 })).not.toContain('s3cret-pw');
  });
});
