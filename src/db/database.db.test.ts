import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../test/helpers/db.js';
import { openDatabase, withTx } from './database.js';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await sql`create table counter (id int primary key, n int not null)`.execute(t.db);
  await sql`insert into counter values (1, 0)`.execute(t.db);
});
afterAll(async () => t.close());

describe('withTx', () => {
  it('retries serialization failures until every concurrent serializable increment lands exactly once', async () => {
    let attempts = 0;
    const increment = () =>
      withTx(
        t.db,
        async (tx) => {
          attempts++;
          const row = await sql<{ n: number }>`select n from counter where id = 1`.execute(tx);
          await sql`select pg_sleep(0.005)`.execute(tx);
          await sql`update counter set n = ${row.rows[0]!.n + 1} where id = 1`.execute(tx);
        },
        { isolation: 'serializable', retries: 50 },
      );
    await Promise.all(Array.from({ length: 10 }, increment));
    const final = await sql<{ n: number }>`select n from counter where id = 1`.execute(t.db);
    expect(final.rows[0]!.n).toBe(10);
    expect(attempts).toBeGreaterThan(10); // conflicts happened and were retried
  });

  it('rolls back everything when the function throws', async () => {
    await expect(
      withTx(t.db, async (tx) => {
        await sql`update counter set n = 999 where id = 1`.execute(tx);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const final = await sql<{ n: number }>`select n from counter where id = 1`.execute(t.db);
    expect(final.rows[0]!.n).toBe(10);
  });

  it('does not retry errors that are not transient', async () => {
    let attempts = 0;
    await expect(
      withTx(t.db, async (tx) => {
        attempts++;
        await sql`insert into counter values (1, 0)`.execute(tx);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(attempts).toBe(1);
  });
});

describe('a connection that breaks while a transaction holds it', () => {
  it('fails that transaction, does not crash the process, and the pool goes on with a new connection', async () => {
    const d = openDatabase(t.url, 1, 'tandem-test-broken');
    const unhandled: unknown[] = [];
    const onUncaught = (err: unknown): void => void unhandled.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      await expect(
        withTx(d.db, async (tx) => {
          const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx)).rows[0]!.pid;
          // The server ends this connection while the transaction awaits other work (no query of it is running).
          await sql`select pg_terminate_backend(${pid})`.execute(t.db);
          await new Promise((r) => setTimeout(r, 100));
          await sql`select 1`.execute(tx);
        }),
      ).rejects.toThrow();
      expect(unhandled).toEqual([]);
      expect((await sql<{ n: number }>`select ${2}::int as n`.execute(d.db)).rows).toEqual([{ n: 2 }]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await d.close();
    }
  });
});
