import { Kysely, PostgresDialect, sql, type RawBuilder, type Transaction } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';
import { PG, pgCode } from '../shared/errors.js';

// bigint (int8) and numeric come back as strings by default; our counters fit in JS numbers.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
// DATE stays a plain 'YYYY-MM-DD' string: it is a calendar day, not an instant.
pg.types.setTypeParser(1082, (v) => v);

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** Anything queries can run on: the pool or an open transaction. */
export type Executor = Kysely<DB>;

export interface Database {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

const PREPARE = /^\/\* prepare:([a-z0-9_]{1,60}) \*\//;

/**
 * Opt-in prepared statements: a query whose SQL starts with `/* prepare:<name> *\/` (see `prepared()`) runs as a
 * named prepared statement on its connection, so PostgreSQL parses and plans it once per connection. For hot,
 * fixed-text statements only: the name must always carry the same text.
 */
function prepareMarked(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (text: unknown, ...rest: unknown[]) => {
    const m = typeof text === 'string' ? PREPARE.exec(text) : null;
    return m ? query({ name: m[1], text, values: rest[0] }, ...rest.slice(1)) : query(text, ...rest);
  };
}

/** The marker that makes a `sql` query a named prepared statement (put it first in the query). */
export const prepared = (name: string): RawBuilder<unknown> => sql.raw(`/* prepare:${name} */ `);

/** Opens a pool and a Kysely instance over it. */
export function openDatabase(url: string, poolSize = 20, applicationName = 'tandem'): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    application_name: applicationName,
    idleTimeoutMillis: 30_000,
  });
  // A broken idle client must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  pool.on('connect', prepareMarked);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  let closed: Promise<void> | undefined;
  return {
    db,
    pool,
    close: () => (closed ??= db.destroy()),
  };
}

const RETRYABLE = new Set<string>([PG.serializationFailure, PG.deadlockDetected]);

export interface TxOptions {
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  retries?: number;
}

/**
 * Runs `fn` in one transaction, retrying the whole function on serialization failure or deadlock
 * (with jittered backoff). `fn` must have no effects outside the database.
 */
export async function withTx<T>(db: Db, fn: (tx: Tx) => Promise<T>, opts: TxOptions = {}): Promise<T> {
  const retries = opts.retries ?? 5;
  for (let attempt = 0; ; attempt++) {
    try {
      let builder = db.transaction();
      if (opts.isolation) builder = builder.setIsolationLevel(opts.isolation);
      return await builder.execute(fn);
    } catch (err) {
      const code = pgCode(err);
      if (code && RETRYABLE.has(code) && attempt < retries) {
        await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** attempt));
        continue;
      }
      throw err;
    }
  }
}
