import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../helpers/db.js';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb(2);
});
afterAll(async () => t.close());

function tandem(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const cliAudit = async (action: string) =>
  (await sql<Record<string, unknown>>`select actor_type, actor_id, object_type, object_id, status, after from audit_log where action = ${action} order by occurred_at, id`.execute(t.db)).rows;

const count = async (table: string): Promise<number> => (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(t.db)).rows[0]!.n;

describe('the tandem command', () => {
  it('migrates, and says so when there is nothing to do', () => {
    const r = tandem('migrate');
    expect(r.status).toBe(0);
    expect(r.out).toContain('up to date');
  });

  it('imports nothing from a SKU file with errors, prints them by row, and exits 1', async () => {
    const file = path.join(os.tmpdir(), `tandem-skus-${process.pid}.csv`);
    fs.writeFileSync(file, 'sku,name,gtin\nCLI-1,One,\nCLI-2,Two,12345\n');
    const bad = tandem('import', 'skus', file);
    expect(bad.status).toBe(1);
    expect(bad.out).toContain('row 2: gtin');
    expect(bad.out).toContain('nothing was imported');
    expect(await count('skus')).toBe(0);
    expect(await cliAudit('tandem import skus')).toEqual([]); // nothing changed, nothing to record
    const skipped = tandem('import', 'skus', file, '--skip-invalid');
    expect(skipped.status).toBe(0);
    expect(skipped.out).toContain('imported 1 skus, skipped 1 of 2 rows');
    // The import is an administrative change: one entry, by the OS user, with the file's name and counts.
    expect(await cliAudit('tandem import skus')).toEqual([{
      actor_type: 'cli', actor_id: expect.stringContaining('@'), object_type: 'sku', object_id: null, status: 0,
      after: { file: path.basename(file), rows: 2, imported: 1, skipped: 1, errors: 1 },
    }]);
    fs.rmSync(file);
  });

  it('seeds a believable demo brand, and a second run adds nothing', async () => {
    const r = tandem('demo');
    expect(r.status).toBe(0);
    expect(await count('warehouses')).toBe(3);
    expect(await sql<{ n: number }>`select count(*)::int as n from skus where sku not like 'CLI-%' and sku not like 'Z-%'`.execute(t.db).then((x) => x.rows[0]!.n)).toBe(200);
    expect(await count('channels')).toBe(6);
    expect(await count('bins')).toBeGreaterThan(300);
    const byChannel = await sql<{ type: string; n: number; statuses: string[] }>`
      select c.type, count(o.id)::int as n, array_agg(distinct o.status) as statuses
      from channels c join orders o on o.channel_id = c.id group by c.type order by c.type`.execute(t.db);
    expect(byChannel.rows.map((r) => r.type)).toEqual(['amazon', 'api', 'csv', 'flipkart', 'shopify', 'woocommerce']);
    const reserved = await sql<{ n: number }>`select coalesce(sum(reserved), 0)::int as n from stock_levels`.execute(t.db);
    expect(reserved.rows[0]!.n).toBeGreaterThan(0);
    const orders = await count('orders');
    const cities = await sql<{ city: string }>`select address->>'city' as city from warehouses order by code`.execute(t.db);
    expect(new Set(cities.rows.map((c) => c.city)).size).toBe(3);
    const again = tandem('demo');
    expect(again.status).toBe(0);
    expect(await count('warehouses')).toBe(3);
    expect(await count('orders')).toBe(orders);
  });

  it('imports bins for a warehouse from CSV', async () => {
    const file = path.join(os.tmpdir(), `tandem-bins-${process.pid}.csv`);
    fs.writeFileSync(file, 'code,zone,walk_sequence\nZ-01,Z,1\nZ-02,Z,2\n');
    const r = tandem('import', 'bins', file, '--warehouse', 'BLR');
    expect(r.status).toBe(0);
    expect(r.out).toContain('imported 2 bins');
    expect(await cliAudit('tandem import bins')).toEqual([expect.objectContaining({ object_type: 'warehouse', object_id: 'BLR', status: 0, after: expect.objectContaining({ imported: 2 }) })]);
    fs.rmSync(file);
  });

  it('audits a postal-code import, and records nothing for a file it refuses', async () => {
    const file = path.join(os.tmpdir(), `tandem-pc-${process.pid}.csv`);
    fs.writeFileSync(file, 'country,postal_code,lat,lng\nIN,560001,12.97,77.59\nIN,400001,18.93,72.83\n');
    expect(tandem('import', 'postal-codes', file).status).toBe(0);
    fs.writeFileSync(file, 'country,postal_code,lat,lng\nIN,110001,28.63,77.21\nIN,bad,999,0\n');
    expect(tandem('import', 'postal-codes', file).status).not.toBe(0);
    expect(await cliAudit('tandem import postal-codes')).toEqual([expect.objectContaining({ object_type: 'postal_codes', status: 0, after: { file: path.basename(file), imported: 2 } })]);
    expect((await sql<{ n: number }>`select count(*)::int as n from postal_codes where postal_code = '110001'`.execute(t.db)).rows[0]!.n).toBe(0);
    fs.rmSync(file);
  });
});
