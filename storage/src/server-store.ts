import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Driver, SqlQuery, TableName } from './driver.ts';
import type { StoreErrorCode } from './errors.ts';
import { toStoreError } from './errors.ts';
import { redactUrl, scrubberFor, scrubbingLoggerClass } from './redact.ts';
import { createDriverStore } from './store.ts';
import type { Store } from './types.ts';

// Pinned per client rather than left to server defaults, which differ by version
// (clickhouse-notes.md §2): we batch client-side, so inserts are synchronous.
const INSERT_SETTINGS = { async_insert: 0 } as const;

/** Opens a store on a ClickHouse server (`http[s]://[user:pass@]host:port[/db]`). */
export async function createServerStore(url: string): Promise<Store> {
  const scrub = scrubberFor(url);
  let client: ClickHouseClient;
  try {
    client = createClient({
      url,
      clickhouse_settings: { ...INSERT_SETTINGS },
      log: { LoggerClass: scrubbingLoggerClass(scrub), level: ClickHouseLogLevel.WARN },
    });
  } catch (e) {
    throw toStoreError(e, { fallback: 'STORE_UNAVAILABLE', context: `connect to ${redactUrl(url)}`, scrub });
  }
  // Fail at start-up with a clear code rather than on the first write.
  const ping = await client.ping();
  if (!ping.success) {
    await client.close();
    throw toStoreError(ping.error, {
      fallback: 'STORE_UNAVAILABLE',
      context: `connect to ${redactUrl(url)}`,
      scrub,
    });
  }
  return createServerStoreOn(client, url);
}

/**
 * The server adapter over an already-built client (also how tests plug chDB's experimental
 * `chdb/connection` into @clickhouse/client). `url` is used only to scrub errors.
 */
export function createServerStoreOn(client: ClickHouseClient, url: string): Store {
  const scrub = scrubberFor(url);
  const guard = async <T>(
    context: string,
    fn: () => Promise<T>,
    fallback: StoreErrorCode = 'STORE_QUERY_FAILED',
  ): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw toStoreError(e, { fallback, context, scrub });
    }
  };
  const driver: Driver = {
    kind: 'server',
    exec: (query, signal) =>
      guard('statement', async () => {
        const q = typeof query === 'string' ? { sql: query, params: {} } : query;
        await client.command({
          query: q.sql,
          query_params: q.params,
          ...(signal === undefined ? {} : { abort_signal: signal }),
        });
      }),
    query: <T>(q: SqlQuery, signal?: AbortSignal) =>
      guard('query', async () => {
        const rs = await client.query({
          query: q.sql,
          query_params: q.params,
          format: 'JSONEachRow',
          ...(signal === undefined ? {} : { abort_signal: signal }),
        });
        return rs.json<T>();
      }),
    insert: (table: TableName, rows: readonly object[]) =>
      guard(
        `insert into ${table}`,
        async () => {
          await client.insert({
            table,
            values: [...rows],
            format: 'JSONEachRow',
            clickhouse_settings: { ...INSERT_SETTINGS },
          });
        },
        'STORE_INSERT_FAILED',
      ),
    close: () => client.close(),
  };
  return createDriverStore(driver);
}
