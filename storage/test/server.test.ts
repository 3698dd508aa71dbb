import { randomUUID } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe } from 'vitest';
import { createStore } from '../index.ts';
import { storeContract } from './contract.ts';

// A real ClickHouse server, when one is given. Each run gets its own database, dropped afterwards,
// so the contract's "fresh schema" expectations hold on a shared server.
const url = process.env.CLICKHOUSE_URL ?? '';
const title =
  url === '' ? 'server adapter (skipped: CLICKHOUSE_URL not set)' : 'server adapter (CLICKHOUSE_URL)';

describe.skipIf(url === '')(title, () => {
  const db = `aima_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  let admin: ClickHouseClient;
  let dbUrl: string;

  beforeAll(async () => {
    admin = createClient({ url });
    await admin.command({ query: 'CREATE DATABASE IF NOT EXISTS {db:Identifier}', query_params: { db } });
    const u = new URL(url);
    u.pathname = `/${db}`;
    dbUrl = u.toString();
  });
  afterAll(async () => {
    await admin?.command({ query: 'DROP DATABASE IF EXISTS {db:Identifier}', query_params: { db } });
    await admin?.close();
  });

  storeContract('ClickHouse server', () => createStore({ url: dbUrl }));
});
