import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { afterAll, beforeAll } from 'vitest';
import { createServerStoreOn } from '../src/server-store.ts';
import { storeContract } from './contract.ts';

// No ClickHouse server runs here, so the server adapter's own code (query_params binding,
// client.insert with JSONEachRow and per-insert settings, client.command for DDL, result
// parsing) runs through the real @clickhouse/client against chDB's experimental
// `chdb/connection` transport. HTTP itself is covered only by server.test.ts with CLICKHOUSE_URL.
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'aima-storage-server-chdb-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

// chdb types its Connection against @clickhouse/client-common while @clickhouse/client 1.23 bundles
// its own copy of those types; the shapes match at runtime but not nominally for tsc.
type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

storeContract('server adapter over chdb/connection', async () => {
  const connection = createChdbConnection({ path: dataDir }) as unknown as ClientConnection;
  return createServerStoreOn(createClient({ connection }), 'chdb://local');
});
