import { Session, drainPending } from 'chdb';
import { ensureWritableDir } from './data-dir.ts';
import type { Driver, SqlQuery, TableName } from './driver.ts';
import { StoreError, toStoreError } from './errors.ts';
import { createDriverStore } from './store.ts';
import type { Store } from './types.ts';

// libchdb binds ONE data directory per process. Stores opened on the same directory share one
// Session (ref-counted); a different directory is refused with a StoreError while one is open,
// instead of reaching the engine's own refusal (or, in older builds, an abort).
interface Entry {
  readonly session: Session;
  refs: number;
}
const sessions = new Map<string, Entry>();

/** Opens (or joins) the embedded ClickHouse in `dataDir`. */
export async function createEmbeddedStore(dataDir: string): Promise<Store> {
  const dir = await ensureWritableDir(dataDir);
  // A session closed while the engine still finished an aborted query releases the directory
  // late; wait for that before binding a new one.
  if (sessions.size === 0) await drainPending();
  const entry = acquire(dir);
  let released = false;
  const driver: Driver = {
    kind: 'embedded',
    exec: (sql, signal) =>
      guard('statement', async () => {
        const opts = signal === undefined ? {} : { signal };
        if (typeof sql === 'string') await entry.session.queryAsync(sql, opts);
        else await entry.session.queryBindAsync(sql.sql, sql.params, opts);
      }),
    query: <T>(q: SqlQuery, signal?: AbortSignal) =>
      guard('query', async () => {
        const res = await entry.session.queryBindAsync(q.sql, q.params, {
          format: 'JSONEachRow',
          ...(signal === undefined ? {} : { signal }),
        });
        return parseJsonEachRow<T>(res.text());
      }),
    insert: (table: TableName, rows: readonly object[]) =>
      guard(
        `insert into ${table}`,
        async () => {
          // Raw JSONEachRow bytes: the engine parses them; no INSERT text is built from values.
          const payload = Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n'));
          await entry.session.insert({
            table,
            values: payload,
            format: 'JSONEachRow',
            settings: { async_insert: 0 },
          });
        },
        'STORE_INSERT_FAILED',
      ),
    async close() {
      if (released) return;
      released = true;
      if (--entry.refs > 0) return;
      sessions.delete(dir);
      entry.session.close();
      await drainPending();
    },
  };
  return createDriverStore(driver);
}

function acquire(dir: string): Entry {
  const existing = sessions.get(dir);
  if (existing !== undefined) {
    existing.refs++;
    return existing;
  }
  const [other] = sessions.keys();
  if (other !== undefined) {
    throw new StoreError(
      'STORE_UNAVAILABLE',
      `embedded ClickHouse already uses data directory ${other} in this process; close those stores before opening ${dir}`,
    );
  }
  let session: Session;
  try {
    // async_insert pinned off for the whole session: we batch client-side (batch-writer.ts), and
    // engine 26.2+ defaults it on (clickhouse-notes.md §2). Each insert sets it again anyway.
    session = new Session(dir, { connectionArgs: ['--async_insert=0'] });
  } catch (e) {
    throw toStoreError(e, { fallback: 'STORE_UNAVAILABLE', context: `open embedded ClickHouse in ${dir}` });
  }
  const entry: Entry = { session, refs: 1 };
  sessions.set(dir, entry);
  return entry;
}

async function guard<T>(
  context: string,
  fn: () => Promise<T>,
  fallback: 'STORE_QUERY_FAILED' | 'STORE_INSERT_FAILED' = 'STORE_QUERY_FAILED',
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toStoreError(e, { fallback, context });
  }
}

function parseJsonEachRow<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) if (line.length > 0) out.push(JSON.parse(line) as T);
  return out;
}
