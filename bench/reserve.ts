/**
 * bench/reserve: reservations per second on PostgreSQL, Tandem's reserve path against the same transaction
 * written as raw SQL (no Tandem code), on the same database.
 *
 *   npx tsx bench/reserve.ts            # starts its own embedded PostgreSQL (fsync on, as in production) in the OS temp dir
 *   DATABASE_URL=postgres://… npx tsx bench/reserve.ts   # a fresh database on that server (dropped at the end)
 *   BENCH_SECONDS=5 (per run), BENCH_CLIENTS=1,8,32, BENCH_SCENARIOS=uniform,hot5,hot1
 *
 * Tandem's reserveStock runs one statement for one SKU × warehouse; it is measured on the pool (the statement commits
 * by itself) and inside withTx (BEGIN, statement, COMMIT, as a workflow runs it). Baselines, no Tandem code,
 * node-postgres with named prepared statements: the same statement on its own, and the same writes as five plain
 * statements in BEGIN … COMMIT (reservation, ledger, guarded update, events) — the obvious way to write it by hand.
 * Scenarios: uniform over 1,000 SKUs; hot: all traffic on 5 SKUs; hot-1: one SKU. Every attempt reserves 1 unit
 * in its own transaction; stock never runs out. Prints one table; no pass/fail.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase, withTx, type Database } from '../src/db/database.js';
import { startEmbeddedPostgres, withDatabase, type EmbeddedServer } from '../src/db/embedded.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { reserveStock } from '../src/modules/inventory/index.js';
import { newId } from '../src/shared/ids.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CLIENTS = (process.env.BENCH_CLIENTS ?? '1,8,32').split(',').map(Number);
const say = (m: string): void => void process.stderr.write(`${m}\n`);

interface Scenario {
  name: string;
  skus: number;
}
const ALL: (Scenario & { key: string })[] = [
  { key: 'uniform', name: 'uniform, 1,000 SKUs', skus: 1000 },
  { key: 'hot5', name: 'hot, 5 SKUs', skus: 5 },
  { key: 'hot1', name: 'hot, 1 SKU', skus: 1 },
];
const only = process.env.BENCH_SCENARIOS?.split(',');
const SCENARIOS: Scenario[] = ALL.filter((s) => !only || only.includes(s.key));

async function seed(db: Database, skuCount: number): Promise<{ warehouse: string; skus: string[] }> {
  const warehouse = 'wh_bench';
  await sql`INSERT INTO warehouses (id, code, name, address, postal_code, country, timezone)
            VALUES (${warehouse}, 'BENCH', 'Bench', '{"line1":"x","city":"y","postal_code":"1","country":"IN"}', '1', 'IN', 'UTC')`.execute(db.db);
  const skus = Array.from({ length: skuCount }, (_, i) => `sku_bench${String(i).padStart(5, '0')}`);
  await sql`INSERT INTO skus (id, sku, name) SELECT id, 'B-' || id, 'bench' FROM unnest(${skus}::text[]) AS id`.execute(db.db);
  // A receipt through the ledger keeps verify happy; 100 million units each never run out.
  await sql`INSERT INTO stock_levels (sku_id, warehouse_id, on_hand) SELECT id, ${warehouse}, 100000000 FROM unnest(${skus}::text[]) AS id`.execute(db.db);
  await sql`INSERT INTO bin_stock (warehouse_id, bin_id, sku_id, qty) SELECT ${warehouse}, NULL, id, 100000000 FROM unnest(${skus}::text[]) AS id`.execute(db.db);
  await sql`INSERT INTO inventory_ledger (type, sku_id, warehouse_id, delta) SELECT 'receipt', id, ${warehouse}, 100000000 FROM unnest(${skus}::text[]) AS id`.execute(db.db);
  await sql`VACUUM ANALYZE`.execute(db.db);
  return { warehouse, skus };
}

type Attempt = (client: number, n: number) => Promise<void>;

/** Runs `attempt` on `clients` parallel loops for `seconds`; returns completed reservations per second. */
async function measure(clients: number, attempt: Attempt, seconds = SECONDS): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let n = 0; Date.now() < end; n++) {
        await attempt(c, n);
        done++;
      }
    }),
  );
  return done / seconds;
}

/**
 * Tandem's path: the inventory module's reserveStock (all_or_nothing, one line), either on the pool (its single
 * statement commits by itself) or inside withTx (BEGIN, the statement, COMMIT), as a workflow calls it.
 */
function tandemAttempt(db: Database, warehouse: string, pickSku: () => string, inTx: boolean): Attempt {
  const input = () => ({ ref: newId('ord'), lines: [{ ref_line: '1', sku_id: pickSku(), warehouse_id: warehouse, qty: 1 }], actor: 'bench' });
  return inTx
    ? async () => void (await withTx(db.db, (tx) => reserveStock(tx, input())))
    : async () => void (await reserveStock(db.db, input()));
}

/**
 * The same transaction as raw SQL on node-postgres with named prepared statements: the reservation row,
 * the ledger row, the guarded update, the two outbox events, commit.
 */
function rawAttempt(pool: pg.Pool, warehouse: string, pickSku: () => string): Attempt {
  return async () => {
    const client = await pool.connect();
    try {
      const sku = pickSku();
      const ref = newId('ord');
      const resId = newId('res');
      await client.query('BEGIN');
      await client.query({ name: 'res', text: 'INSERT INTO reservations (id, ref, ref_line, sku_id, warehouse_id, qty) VALUES ($1, $2, $3, $4, $5, $6)', values: [resId, ref, '1', sku, warehouse, 1] });
      await client.query({ name: 'led', text: "INSERT INTO inventory_ledger (type, sku_id, warehouse_id, delta, reserved_delta, reference, actor) VALUES ('reserve', $1, $2, 0, $3, $4, 'bench')", values: [sku, warehouse, 1, ref] });
      const r = await client.query({
        name: 'upd',
        text: 'UPDATE stock_levels SET reserved = reserved + $3, updated_at = now() WHERE sku_id = $1 AND warehouse_id = $2 AND on_hand - reserved >= $3 RETURNING on_hand, reserved',
        values: [sku, warehouse, 1],
      });
      if (r.rowCount !== 1) throw new Error('insufficient stock');
      const { on_hand, reserved } = r.rows[0] as { on_hand: number; reserved: number };
      await client.query({
        name: 'evt',
        text: "INSERT INTO outbox (id, type, aggregate_type, aggregate_id, payload, actor) VALUES ($1, 'stock.reserved', 'reservation', $2, $3, 'bench'), ($4, 'stock.changed', 'sku', $5, $6, 'bench')",
        values: [newId('evt'), ref, JSON.stringify({ ref, reservations: [{ id: resId, sku_id: sku, warehouse_id: warehouse, qty: 1 }] }), newId('evt'), sku, JSON.stringify({ sku_id: sku, warehouse_id: warehouse, on_hand, reserved, available: on_hand - reserved })],
      });
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };
}

/**
 * Tandem's hot statement (see reserveHot in the inventory repo) as raw SQL through node-postgres with a named
 * prepared statement, on its own (it commits by itself).
 */
function rawOneStatementAttempt(pool: pg.Pool, warehouse: string, pickSku: () => string): Attempt {
  const text = `
    WITH upd AS (
      UPDATE stock_levels SET reserved = reserved + $3, updated_at = now()
      WHERE sku_id = $1 AND warehouse_id = $2 AND on_hand - reserved >= $3
      RETURNING sku_id, warehouse_id, on_hand, reserved, damaged, quarantine, in_transit, updated_at),
    res AS (
      INSERT INTO reservations (id, ref, ref_line, sku_id, warehouse_id, qty, created_at, updated_at)
      SELECT $4, $5, '1', sku_id, warehouse_id, $3, updated_at, updated_at FROM upd),
    led AS (
      INSERT INTO inventory_ledger (type, sku_id, warehouse_id, delta, reserved_delta, reference, actor)
      SELECT 'reserve', sku_id, warehouse_id, 0, $3, $5, 'bench' FROM upd),
    evt AS (
      INSERT INTO outbox (id, type, aggregate_type, aggregate_id, payload, actor)
      SELECT $6, 'stock.reserved', 'reservation', $5, $7::jsonb, 'bench' FROM upd
      UNION ALL
      SELECT $8, 'stock.changed', 'sku', sku_id, jsonb_build_object('sku_id', sku_id, 'warehouse_id', warehouse_id, 'on_hand', on_hand,
             'reserved', reserved, 'available', on_hand - reserved, 'damaged', damaged, 'quarantine', quarantine, 'in_transit', in_transit), 'bench' FROM upd)
    SELECT on_hand, reserved FROM upd`;
  return async () => {
    const sku = pickSku();
    const ref = newId('ord');
    const resId = newId('res');
    const r = await pool.query({ name: 'hot', text, values: [sku, warehouse, 1, resId, ref, newId('evt'), JSON.stringify({ ref, reservations: [{ id: resId, sku_id: sku, warehouse_id: warehouse, qty: 1 }] }), newId('evt')] });
    if (r.rowCount !== 1) throw new Error('insufficient stock');
  };
}

async function main(): Promise<void> {
  let server: EmbeddedServer | undefined;
  let dir: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-'));
    fs.chmodSync(dir, 0o755);
    say(`starting an embedded PostgreSQL in ${dir} (fsync on, synchronous_commit on)`);
    server = await startEmbeddedPostgres({ dataDir: dir, log: say });
    adminUrl = server.url;
  }
  const name = `tandem_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(adminUrl, name);
  const maxClients = Math.max(...CLIENTS);
  const db = openDatabase(url, maxClients, 'tandem-bench');
  const pool = new pg.Pool({ connectionString: url, max: maxClients });
  pool.on('error', () => undefined);
  try {
    const version = (await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db.db)).rows[0]!.v;
    const settings = (await sql<{ name: string; setting: string }>`select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'shared_buffers')`.execute(db.db)).rows;
    await migrateToLatest(db.db);
    const { warehouse, skus } = await seed(db, 1000);
    say(`PostgreSQL ${version} (${server ? 'embedded' : 'DATABASE_URL'}); ${settings.map((s) => `${s.name}=${s.setting}`).join(', ')}; ${os.cpus().length} CPUs; ${SECONDS}s per run`);

    const rows: string[][] = [];
    for (const s of SCENARIOS) {
      const pool5 = skus.slice(0, s.skus);
      const pick = () => pool5[Math.floor(Math.random() * pool5.length)]!;
      for (const clients of CLIENTS) {
        // Warm up each path (connections, plans), then measure them one after the other.
        const run = async (attempt: Attempt) => {
          await measure(clients, attempt, 1);
          return measure(clients, attempt);
        };
        const tandem = await run(tandemAttempt(db, warehouse, pick, false));
        const rawOne = await run(rawOneStatementAttempt(pool, warehouse, pick));
        const tandemTx = await run(tandemAttempt(db, warehouse, pick, true));
        const rawTx = await run(rawAttempt(pool, warehouse, pick));
        const row = [s.name, String(clients), tandem.toFixed(0), rawOne.toFixed(0), `${((tandem / rawOne) * 100).toFixed(0)}%`, tandemTx.toFixed(0), rawTx.toFixed(0), `${((tandemTx / rawTx) * 100).toFixed(0)}%`];
        rows.push(row);
        say(row.join(' | '));
      }
    }
    const head = ['scenario', 'clients', 'Tandem', 'raw, same statement', 'ratio', 'Tandem in withTx', 'raw, 5 statements in a tx', 'ratio'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
    process.stdout.write(`\n${line(head)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}\n`);
  } finally {
    await pool.end();
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    if (server) await server.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  say(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
