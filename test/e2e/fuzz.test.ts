import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await t.call('POST', '/api/v1/skus', { body: { sku: 'FUZZ-BASE', name: 'base' } });
  await t.call('POST', '/api/v1/warehouses', {
    body: { code: 'FZ', name: 'Fuzz', address: { line1: 'x', city: 'y', postal_code: '1', country: 'IN' }, timezone: 'UTC' },
  });
});
afterAll(async () => t.close());

/** Row counts of every table, the outbox's last sequence: "the database is unchanged" means this is equal. */
async function snapshot(): Promise<Record<string, number>> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'tandem_migrations%'`.execute(t.db.db);
  const out: Record<string, number> = {};
  for (const { table_name } of tables.rows) {
    const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table_name)}`.execute(t.db.db);
    out[table_name] = r.rows[0]!.n;
  }
  return out;
}

const concrete = (url: string, ids: Record<string, string>): string => url.replace(/:(\w+)/g, (_m, name: string) => ids[name] ?? 'x_unknown_1');

/** Bodies that must be refused: garbage JSON values, objects with an unknown field, or wrong types in known fields. */
const badBody = fc.oneof(
  fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
  fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }).map((o) => ({ ...o, __not_a_field: true })),
  fc.record({
    sku: fc.oneof(fc.integer(), fc.constant(''), fc.string({ minLength: 65, maxLength: 80 }), fc.constant(null)),
    name: fc.oneof(fc.integer(), fc.constant(''), fc.boolean()),
    qty: fc.oneof(fc.integer({ max: 0 }), fc.double(), fc.string()),
    code: fc.oneof(fc.constant(''), fc.integer(), fc.constant('../../etc')),
  }),
);

const badRaw = fc.oneof(
  fc.constantFrom('{', '{"a":', '[1,2', '{"sku": "A" "name": "B"}', 'null null', '\u0000', '{"sku":"A"}garbage'),
  fc.string({ maxLength: 40 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
);

describe('bad input', () => {
  it('never answers 500 and never changes the database, whatever JSON is thrown at the write endpoints', async () => {
    const writes = t.app.routeTable.filter((r) => ['POST', 'PATCH', 'PUT'].includes(r.method) && !r.url.startsWith('/api/docs'));
    expect(writes.length).toBeGreaterThan(5);
    const wh = (await t.call('GET', '/api/v1/warehouses/FZ')).body.id as string;
    const ids = { id: wh, sku: 'FUZZ-BASE' };
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...writes), fc.oneof(badBody.map((b) => ({ body: b })), badRaw.map((raw) => ({ raw }))), async (route, input) => {
        const path = concrete(route.url, ids);
        const r =
          'raw' in input
            ? await t.call(route.method, path, { raw: input.raw, headers: { 'content-type': 'application/json' } })
            : await t.call(route.method, path, { body: input.body });
        expect(r.status, `${route.method} ${route.url} → ${r.text}`).toBeGreaterThanOrEqual(400);
        expect(r.status, `${route.method} ${route.url} → ${r.text}`).toBeLessThan(500);
        expect(r.headers.get('content-type')).toContain('application/problem+json');
        expect(typeof r.body.code).toBe('string');
      }),
      { numRuns: 300 },
    );
    expect(await snapshot()).toEqual(before);
  });
});
