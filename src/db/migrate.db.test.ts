import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createEmptyDb, type TestDb } from '../../test/helpers/db.js';
import { migrateToLatest } from './migrate.js';
import { migrations } from './migrations/index.js';

const opened: TestDb[] = [];
afterAll(async () => Promise.all(opened.map((d) => d.close())));

describe('migrations', () => {
  it('apply from an empty database, in order, and a second run does nothing', async () => {
    const db = await createEmptyDb();
    opened.push(db);
    const first = await migrateToLatest(db.db);
    expect(first.results?.map((r) => r.migrationName)).toEqual(Object.keys(migrations).sort());
    expect(first.results?.every((r) => r.status === 'Success')).toBe(true);
    const second = await migrateToLatest(db.db);
    expect(second.results).toEqual([]);
    const tables = await sql<{ n: number }>`select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_name in ('skus', 'warehouses', 'bins', 'outbox', 'api_keys', 'idempotency_keys')`.execute(db.db);
    expect(tables.rows[0]!.n).toBe(6);
  });

  it('are named by their UTC time, so name order is the order they apply in', () => {
    for (const n of Object.keys(migrations)) expect(n).toMatch(/^\d{4}_\d{2}_\d{2}_\d{4}_[a-z0-9_]+$/);
  });

  it('can run from several processes at once without applying anything twice', async () => {
    const db = await createEmptyDb();
    opened.push(db);
    const results = await Promise.all([migrateToLatest(db.db), migrateToLatest(db.db), migrateToLatest(db.db)]);
    const applied = results.flatMap((r) => r.results ?? []).filter((r) => r.status === 'Success');
    expect(applied).toHaveLength(Object.keys(migrations).length);
  });
});
