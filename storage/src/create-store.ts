import { createEmbeddedStore } from './embedded-store.ts';
import { StoreError } from './errors.ts';
import { createServerStore } from './server-store.ts';
import type { Store, StoreOptions } from './types.ts';

/**
 * Opens the store: a ClickHouse server when `opts.url` is set, else embedded chDB in
 * `opts.dataDir` (created if missing; one data directory per process, shared by every store
 * opened on it). Does not migrate: call `store.migrate()` once before use.
 */
export async function createStore(opts: StoreOptions): Promise<Store> {
  if (opts.url !== undefined && opts.url !== '') return createServerStore(opts.url);
  if (opts.dataDir === undefined || opts.dataDir === '') {
    throw new StoreError(
      'STORE_DATA_DIR_UNWRITABLE',
      'no data directory given for the embedded store (dataDir)',
    );
  }
  return createEmbeddedStore(opts.dataDir);
}
