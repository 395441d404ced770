import { Kysely, PostgresDialect, sql, type RawBuilder, type Transaction } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';
import { AppError, PG, pgCode } from '../shared/errors.js';
import { activeEnlistment } from './tx-enlistment.js';

// bigint (int8) and numeric come back as strings by default; our counters fit in JS numbers.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
// DATE stays a plain 'YYYY-MM-DD' string: it is a calendar day, not an instant.
pg.types.setTypeParser(1082, (v) => v);

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** Anything queries can run on: the pool or an open transaction. */
export type Executor = Kysely<DB>;

/**
 * Which statements run as named prepared statements (`TANDEM_PREPARED_STATEMENTS`):
 * - `auto` (default): every parameterised statement whose text is stable (see `autoPreparable`), through a bounded
 *   per-connection cache, plus the statements marked with `prepared()`;
 * - `marked`: only the statements marked with `prepared()`;
 * - `off`: none (e.g. behind a transaction-mode connection pooler that cannot keep per-connection statements).
 */
export type PreparedMode = 'auto' | 'marked' | 'off';
export const PREPARED_MODES: readonly PreparedMode[] = ['auto', 'marked', 'off'];

export interface DatabaseOptions {
  preparedStatements?: PreparedMode;
  /** Most auto-prepared statements per connection (`TANDEM_PREPARED_STATEMENTS_MAX`, default 256); beyond it the least recently used one is DEALLOCATEd. */
  preparedStatementsMax?: number;
  /** How long a query waits for a free pool connection before failing with 503 `database_busy` (`DB_CONNECTION_TIMEOUT_MS`); 0 = no limit (default). */
  connectionTimeoutMs?: number;
}

/** Counters of the prepared-statement cache, summed over the pool's connections. */
export interface PreparedStats {
  /** Statements prepared (a PostgreSQL Parse with a name), automatic ones only. */
  prepared: number;
  /** Executions that reused a statement prepared earlier on their connection. */
  reused: number;
  /** Statements DEALLOCATEd because the cache was full. */
  evicted: number;
  /** Connections whose statements were all dropped (a stale plan after a schema change, or `resetPreparedStatements`). */
  resets: number;
  /** Statements that failed on a stale prepared plan outside a transaction and ran again. */
  reruns: number;
}

export interface Database {
  db: Db;
  pool: pg.Pool;
  /** What the prepared-statement cache did so far (for tests and diagnostics). */
  preparedStats(): PreparedStats;
  close(): Promise<void>;
}

const PREPARE = /^\/\* prepare:([a-z0-9_]{1,60}) \*\//;
/** `in ($1, $2, …)` (Kysely's IN list) and multi-row `VALUES (…), (…)`: the text changes with the list's length. */
const VARYING_TEXT = /\bin \(\$\d+|\),\s*\(\$\d+/i;
const MAX_PREPARED_TEXT = 16_384;

/**
 * Whether `auto` mode prepares a statement: it has parameters (a statement without any is usually a one-off or a
 * cheap BEGIN/COMMIT) and its text does not vary with the data — an IN list or a multi-row VALUES makes a new
 * text for every length, which would only churn the cache. Hot paths use `= any($1)` / `unnest($1)` instead.
 */
export function autoPreparable(text: string, values: unknown): boolean {
  return Array.isArray(values) && values.length > 0 && text.length <= MAX_PREPARED_TEXT && !VARYING_TEXT.test(text);
}

/**
 * An error that means a prepared statement of this connection no longer fits the database: a schema change altered
 * its result type ("cached plan must not change result type", 0A000), or the server no longer knows it (26000) or
 * already has its name (42P05) — the connection's statements are dropped and the statement may simply run again.
 */
export function isStalePreparedStatement(err: unknown): boolean {
  const code = pgCode(err);
  if (code === '26000' || code === '42P05') return true;
  return code === '0A000' && /cached plan must not change result type/.test((err as Error).message ?? '');
}

interface PoolState {
  mode: PreparedMode;
  max: number;
  /** Bumped by `resetPreparedStatements`: every connection drops its statements before its next query. */
  epoch: number;
  stats: PreparedStats;
}

interface PgConnection {
  parsedStatements: Record<string, string>;
  submittedNamedStatements?: Record<string, string>;
}
type QueryFn = (...args: unknown[]) => Promise<unknown> | undefined;

/**
 * One connection's prepared statements. Automatic statements get a name unique on the connection (`tq<n>`, never
 * reused for another text, so a statement that could not be DEALLOCATEd can never collide with a later one); the map
 * keeps them in least-recently-used order and is bounded by `max`.
 */
class ConnectionStatements {
  private readonly byText = new Map<string, string>();
  private seq = 0;
  /** Drop every statement (DEALLOCATE ALL) before the next query that runs outside a failed transaction. */
  pendingReset = false;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly original: QueryFn,
    private readonly state: PoolState,
    public epoch: number,
  ) {}

  private get connection(): PgConnection {
    return (this.client as unknown as { connection: PgConnection }).connection;
  }

  private get failedTransaction(): boolean {
    return (this.client as unknown as { getTransactionStatus?: () => string | null }).getTransactionStatus?.() === 'E';
  }

  /** Called before every query: applies a pending reset when the connection can take a DEALLOCATE. */
  beforeQuery(): void {
    if (this.epoch !== this.state.epoch) {
      this.epoch = this.state.epoch;
      this.markStale();
    }
    if (!this.pendingReset || this.failedTransaction) return;
    this.pendingReset = false;
    this.state.stats.resets++;
    // Queued ahead of the query about to be sent; node-postgres forgets its statements now, so that query and every
    // later one parses again. If it fails nonetheless, the next query tries again.
    this.original('DEALLOCATE ALL')?.catch(() => {
      this.pendingReset = true;
    });
    const c = this.connection;
    for (const k of Object.keys(c.parsedStatements)) delete c.parsedStatements[k];
    if (c.submittedNamedStatements) for (const k of Object.keys(c.submittedNamedStatements)) delete c.submittedNamedStatements[k];
  }

  /** Forgets every statement now; the server side is dropped by the next `beforeQuery`. */
  markStale(): void {
    this.byText.clear();
    this.pendingReset = true;
  }

  /** The statement name for this text: the cached one, or a new one (evicting the least recently used beyond `max`). */
  nameFor(text: string): string {
    const hit = this.byText.get(text);
    if (hit !== undefined) {
      this.byText.delete(text);
      this.byText.set(text, hit);
      this.state.stats.reused++;
      return hit;
    }
    const name = `tq${++this.seq}`;
    this.byText.set(text, name);
    this.state.stats.prepared++;
    if (this.byText.size > this.state.max) {
      const [oldText, oldName] = this.byText.entries().next().value as [string, string];
      this.byText.delete(oldText);
      this.state.stats.evicted++;
      delete this.connection.parsedStatements[oldName];
      // Queued before anything sent later on this connection. Fails only in an aborted transaction: then drop all.
      this.original(`DEALLOCATE ${oldName}`)?.catch(() => {
        this.pendingReset = true;
      });
    }
    return name;
  }

  /**
   * Forgets a statement whose query failed before the server parsed it (an error at Parse, or a Parse in an aborted
   * transaction): the server never had it, so a later eviction must not DEALLOCATE it — inside a transaction that
   * DEALLOCATE would fail (26000) and abort a healthy transaction.
   */
  forgetUnparsed(text: string, name: string): void {
    if (this.byText.get(text) === name && this.connection.parsedStatements[name] === undefined) this.byText.delete(text);
  }

  get size(): number {
    return this.byText.size;
  }
}

const statementsOf = new WeakMap<pg.PoolClient, ConnectionStatements>();
const poolStates = new WeakMap<object, PoolState>();

/** The prepared statements a pooled connection holds (tests). */
export function preparedOnConnection(client: pg.PoolClient): number {
  return statementsOf.get(client)?.size ?? 0;
}

/**
 * Routes a connection's queries through its prepared-statement cache. A statement marked with `prepared()` runs under
 * its marker's name; in `auto` mode any other parameterised statement with a stable text runs under a cached name.
 * A statement that fails on a stale prepared plan (a migration changed a table it reads) drops the connection's
 * statements; outside a transaction it runs again at once, inside one the error reaches `withTx`, which retries.
 */
function installStatements(client: pg.PoolClient, state: PoolState): void {
  const original = client.query.bind(client) as QueryFn;
  const stmts = new ConnectionStatements(client, original, state, state.epoch);
  statementsOf.set(client, stmts);
  const run = (text: string, values: unknown[] | undefined, rest: unknown[]): Promise<unknown> | undefined => {
    stmts.beforeQuery();
    const marked = PREPARE.exec(text);
    const name = marked ? marked[1] : state.mode === 'auto' && autoPreparable(text, values) ? stmts.nameFor(text) : undefined;
    if (!name) return original(text, values, ...rest);
    const result = original({ name, text, values }, ...rest);
    if (!result) return result; // callback style: no recovery (Kysely and Tandem use promises)
    return result.catch((err: unknown) => {
      if (!marked) stmts.forgetUnparsed(text, name);
      if (!isStalePreparedStatement(err)) throw err;
      stmts.markStale();
      if ((client as unknown as { getTransactionStatus?: () => string | null }).getTransactionStatus?.() !== 'I') throw err;
      state.stats.reruns++;
      return run(text, values, rest);
    });
  };
  (client as unknown as { query: QueryFn }).query = (config: unknown, values?: unknown, ...rest: unknown[]) => {
    if (state.mode === 'off' || typeof config !== 'string' || typeof values === 'function') return original(config, values, ...rest);
    return run(config, values as unknown[] | undefined, rest);
  };
}

/** The marker that makes a `sql` query a named prepared statement (put it first in the query). */
export const prepared = (name: string): RawBuilder<unknown> => sql.raw(`/* prepare:${name} */ `);

/**
 * Makes every connection of this database drop its prepared statements before its next query: call it after a
 * schema change in this process (migrations), so no statement keeps a plan of the old schema.
 */
export function resetPreparedStatements(db: Db): void {
  const state = poolStates.get(db);
  if (state) state.epoch++;
}

/** Opens a pool and a Kysely instance over it. */
export function openDatabase(url: string, poolSize = 20, applicationName = 'tandem', options: DatabaseOptions = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    application_name: applicationName,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 0,
  });
  // A broken idle client must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const state: PoolState = {
    mode: options.preparedStatements ?? 'auto',
    max: Math.max(1, options.preparedStatementsMax ?? 256),
    epoch: 0,
    stats: { prepared: 0, reused: 0, evicted: 0, resets: 0, reruns: 0 },
  };
  pool.on('connect', (client) => {
    // pg-pool listens for errors only while a client is idle; one that breaks while checked out (a transaction awaiting
    // other work when the server ends the connection) would emit an unhandled 'error' and crash the process. Its
    // running and later queries fail instead, and the pool drops it on release (it is no longer queryable).
    client.on('error', () => undefined);
    installStatements(client, state);
  });
  // Waiting longer than connectionTimeoutMillis for a connection is overload, not a bug: 503, retry later.
  const dialectPool = {
    connect: () =>
      pool.connect().catch((err: Error) => {
        if (/timeout exceeded when trying to connect/i.test(err.message)) {
          throw new AppError('unavailable', 'database_busy', 'Every database connection is busy; retry shortly', { retry_after_seconds: 1 });
        }
        throw err;
      }),
    end: () => pool.end(),
  };
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: dialectPool as unknown as pg.Pool }) });
  poolStates.set(db, state);
  let closed: Promise<void> | undefined;
  return {
    db,
    pool,
    preparedStats: () => ({ ...state.stats }),
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
  // Work enlisted by the caller's unit of work (the audit entry of an HTTP request) commits with this transaction.
  const enlisted = activeEnlistment();
  const body = enlisted ? async (tx: Tx) => {
    const result = await fn(tx);
    await enlisted.beforeCommit(tx);
    return result;
  } : fn;
  for (let attempt = 0; ; attempt++) {
    try {
      let builder = db.transaction();
      if (opts.isolation) builder = builder.setIsolationLevel(opts.isolation);
      const result = await builder.execute(body);
      enlisted?.committed();
      return result;
    } catch (err) {
      enlisted?.rolledBack();
      const code = pgCode(err);
      // A stale prepared plan (a migration changed a table under a running process) dropped the connection's
      // statements: the transaction runs again with fresh ones.
      if (((code && RETRYABLE.has(code)) || isStalePreparedStatement(err)) && attempt < retries) {
        await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** attempt));
        continue;
      }
      throw err;
    }
  }
}
