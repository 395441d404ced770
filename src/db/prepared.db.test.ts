import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../test/helpers/db.js';
import { autoPreparable, openDatabase, prepared, resetPreparedStatements, withTx, type Database, type DatabaseOptions } from './database.js';

let t: TestDb;
const opened: Database[] = [];
const open = (poolSize: number, options: DatabaseOptions): Database => {
  const d = openDatabase(t.url, poolSize, 'tandem-test-prepared', options);
  opened.push(d);
  return d;
};
/** The named statements of the one connection of a pool of size 1 (the query itself has no parameters: never prepared). */
const serverStatements = async (d: Database): Promise<string[]> =>
  (await sql<{ name: string }>`select name from pg_prepared_statements order by name`.execute(d.db)).rows.map((r) => r.name);

beforeAll(async () => {
  t = await createTestDb(2);
  await sql`create table pt (id int primary key, a text not null)`.execute(t.db);
  await sql`insert into pt select g, 'v' || g from generate_series(1, 50) g`.execute(t.db);
});
afterAll(async () => {
  for (const d of opened) await d.close();
  await t.close();
});

describe('autoPreparable', () => {
  it('takes parameterised statements with a stable text and leaves out IN lists, multi-row VALUES and parameterless ones', () => {
    expect(autoPreparable('select * from pt where id = $1', [1])).toBe(true);
    expect(autoPreparable('select * from pt where id = any($1)', [[1, 2]])).toBe(true);
    expect(autoPreparable('select * from pt where id in ($1, $2)', [1, 2])).toBe(false);
    expect(autoPreparable('select * from pt where id not in ($1)', [1])).toBe(false);
    expect(autoPreparable('insert into pt (id, a) values ($1, $2), ($3, $4)', [1, 'a', 2, 'b'])).toBe(false);
    expect(autoPreparable('insert into pt (id, a) values ($1, $2)', [1, 'a'])).toBe(true);
    expect(autoPreparable('begin', [])).toBe(false);
    expect(autoPreparable(`select $1::text where 'x' = '${'y'.repeat(20_000)}'`, ['a'])).toBe(false);
  });
});

describe('prepared statements (auto)', () => {
  it('prepares a statement once per connection and reuses it', async () => {
    const d = open(1, { preparedStatements: 'auto', preparedStatementsMax: 10 });
    for (let i = 1; i <= 5; i++) {
      const r = await d.db.selectFrom('pt' as never).select(['a' as never]).where('id' as never, '=', i as never).executeTakeFirst();
      expect(r).toEqual({ a: `v${i}` });
    }
    expect(d.preparedStats()).toMatchObject({ prepared: 1, reused: 4, evicted: 0 });
    expect(await serverStatements(d)).toEqual(['tq1']);
  });

  it('keeps at most the configured number per connection: the least recently used is DEALLOCATEd, and comes back when used again', async () => {
    const d = open(1, { preparedStatementsMax: 3 });
    const q = (k: number, id: number) => sql<{ a: string; k: number }>`select a, ${k}::int as k from pt where id = ${id}`;
    // The text differs per k only through a literal alias — five distinct statements.
    const texts = [1, 2, 3, 4, 5].map((k) => (id: number) => sql<{ a: string }>`select a from pt where id = ${id} and ${sql.raw(String(k))} = ${sql.raw(String(k))}`);
    for (const [i, run] of texts.entries()) expect((await run(i + 1).execute(d.db)).rows).toEqual([{ a: `v${i + 1}` }]);
    expect(d.preparedStats()).toMatchObject({ prepared: 5, evicted: 2 });
    const names = await serverStatements(d);
    expect(names).toHaveLength(3);
    expect(names).toEqual(['tq3', 'tq4', 'tq5']);
    // Statement 1 was evicted: it is prepared again under a new name (never a reused one) and still answers right.
    expect((await texts[0]!(7).execute(d.db)).rows).toEqual([{ a: 'v7' }]);
    expect(await serverStatements(d)).toEqual(['tq4', 'tq5', 'tq6']);
    expect((await q(9, 9).execute(d.db)).rows).toEqual([{ a: 'v9', k: 9 }]);
    expect(d.preparedStats().evicted).toBe(4);
  });

  it('does not prepare IN lists; marked statements are prepared under their own name', async () => {
    const d = open(1, { preparedStatementsMax: 10 });
    const rows = await d.db.selectFrom('pt' as never).select(['id' as never]).where('id' as never, 'in', [1, 2, 3] as never).orderBy('id' as never).execute();
    expect(rows).toHaveLength(3);
    expect(await serverStatements(d)).toEqual([]);
    await sql`${prepared('pt_by_id')} select a from pt where id = ${4}`.execute(d.db);
    expect(await serverStatements(d)).toEqual(['pt_by_id']);
  });

  it('marked mode prepares only marked statements; off prepares none', async () => {
    const marked = open(1, { preparedStatements: 'marked' });
    await sql`select a from pt where id = ${1}`.execute(marked.db);
    await sql`${prepared('pt_marked')} select a from pt where id = ${2}`.execute(marked.db);
    expect(await serverStatements(marked)).toEqual(['pt_marked']);
    const off = open(1, { preparedStatements: 'off' });
    await sql`select a from pt where id = ${1}`.execute(off.db);
    const r = await sql<{ a: string }>`${prepared('pt_off')} select a from pt where id = ${2}`.execute(off.db);
    expect(r.rows).toEqual([{ a: 'v2' }]);
    expect(await serverStatements(off)).toEqual([]);
  });
});

describe('evictions that must not disturb a transaction', () => {
  it('a statement whose Parse failed is never DEALLOCATEd later: evicting it inside a healthy transaction does not abort it', async () => {
    const d = open(1, { preparedStatementsMax: 2 });
    // Fails at Parse (no such table): the server never gets its statement.
    await expect(sql`select a from pt_missing where id = ${1}`.execute(d.db)).rejects.toMatchObject({ code: '42P01' });
    let attempts = 0;
    const rows = await withTx(d.db, async (tx) => {
      attempts++;
      const a = (await sql<{ a: string }>`select a from pt where id = ${1}`.execute(tx)).rows;
      const b = (await sql<{ a: string }>`select a from pt where id = ${2} and true`.execute(tx)).rows;
      return [...a, ...b];
    });
    expect(rows).toEqual([{ a: 'v1' }, { a: 'v2' }]);
    expect(attempts).toBe(1);
    expect((await serverStatements(d)).length).toBeLessThanOrEqual(2);
  });
});

describe('a schema change under prepared statements', () => {
  it('re-runs a statement whose cached plan changed result type (outside a transaction) and drops the stale statements', async () => {
    await sql`create table pt_change (id int primary key, a text)`.execute(t.db);
    await sql`insert into pt_change values (1, 'x')`.execute(t.db);
    const d = open(1, {});
    const read = () => sql<Record<string, unknown>>`select * from pt_change where id = ${1}`.execute(d.db);
    expect((await read()).rows).toEqual([{ id: 1, a: 'x' }]);
    expect((await read()).rows).toEqual([{ id: 1, a: 'x' }]);
    // Another connection (a migration in another process) adds a column: the prepared plan's row type is stale.
    await sql`alter table pt_change add column b int not null default 7`.execute(t.db);
    expect((await read()).rows).toEqual([{ id: 1, a: 'x', b: 7 }]);
    expect(d.preparedStats()).toMatchObject({ reruns: 1, resets: 1 });
    expect((await read()).rows).toEqual([{ id: 1, a: 'x', b: 7 }]);
  });

  it('inside a transaction the error reaches withTx, which runs the transaction again with fresh statements', async () => {
    await sql`create table pt_change_tx (id int primary key, a text)`.execute(t.db);
    await sql`insert into pt_change_tx values (1, 'x')`.execute(t.db);
    const d = open(1, {});
    const readTx = () => withTx(d.db, async (tx) => (await sql<Record<string, unknown>>`select * from pt_change_tx where id = ${1}`.execute(tx)).rows);
    expect(await readTx()).toEqual([{ id: 1, a: 'x' }]);
    await sql`alter table pt_change_tx drop column a, add column c text not null default 'c'`.execute(t.db);
    let attempts = 0;
    const rows = await withTx(d.db, async (tx) => {
      attempts++;
      await sql`update pt_change_tx set c = 'updated' where id = ${1}`.execute(tx);
      return (await sql<Record<string, unknown>>`select * from pt_change_tx where id = ${1}`.execute(tx)).rows;
    });
    expect(rows).toEqual([{ id: 1, c: 'updated' }]);
    expect(attempts).toBe(2); // the first attempt failed on the stale plan and rolled back (its update with it)
    expect(d.preparedStats().resets).toBeGreaterThanOrEqual(1);
  });

  it('resetPreparedStatements (after migrations in this process) makes every connection drop its statements', async () => {
    const d = open(1, {});
    await sql`select a from pt where id = ${1}`.execute(d.db);
    expect(await serverStatements(d)).toEqual(['tq1']);
    resetPreparedStatements(d.db);
    expect(await serverStatements(d)).toEqual([]);
    await sql`select a from pt where id = ${1}`.execute(d.db);
    expect(await serverStatements(d)).toEqual(['tq2']);
  });
});

describe('prepared statements under concurrency', () => {
  it('many connections, a small cache and concurrent transactions: every answer is right and no connection holds more than the bound', async () => {
    const max = 4;
    const d = open(6, { preparedStatementsMax: max });
    const kinds = 12; // more distinct texts than the cache holds: constant eviction
    const one = async (i: number): Promise<void> => {
      const k = i % kinds;
      const id = 1 + (i % 50);
      const text = sql<{ a: string; k: number }>`select a, ${sql.raw(String(k))} as k from pt where id = ${id}`;
      if (i % 3 === 0) {
        const rows = await withTx(d.db, async (tx) => {
          const first = (await text.execute(tx)).rows;
          const again = (await sql<{ a: string }>`select a from pt where id = ${id} and ${sql.raw(String(k))} >= 0`.execute(tx)).rows;
          expect(again).toEqual([{ a: `v${id}` }]);
          return first;
        });
        expect(rows).toEqual([{ a: `v${id}`, k }]);
      } else {
        expect((await text.execute(d.db)).rows).toEqual([{ a: `v${id}`, k }]);
      }
    };
    await Promise.all(Array.from({ length: 600 }, (_, i) => one(i)));
    const s = d.preparedStats();
    expect(s.evicted).toBeGreaterThan(0);
    expect(s.prepared + s.reused).toBeGreaterThan(600);
    // Each connection's server-side statements stay within the bound.
    const clients = await Promise.all(Array.from({ length: 6 }, () => d.pool.connect()));
    try {
      for (const c of clients) {
        const n = (await c.query<{ n: number }>('select count(*)::int as n from pg_prepared_statements')).rows[0]!.n;
        expect(n).toBeLessThanOrEqual(max);
      }
    } finally {
      for (const c of clients) c.release();
    }
  });
});

describe('pool connection timeout', () => {
  it('a query that waits longer than connectionTimeoutMs for a connection fails with database_busy (503), not a hang', async () => {
    const d = open(1, { connectionTimeoutMs: 150 });
    const busy = withTx(d.db, async (tx) => {
      await sql`select pg_sleep(0.6)`.execute(tx);
    });
    await new Promise((r) => setTimeout(r, 50));
    await expect(sql`select a from pt where id = ${1}`.execute(d.db)).rejects.toMatchObject({ kind: 'unavailable', code: 'database_busy' });
    await busy;
    expect((await sql<{ a: string }>`select a from pt where id = ${1}`.execute(d.db)).rows).toEqual([{ a: 'v1' }]);
  });
});

