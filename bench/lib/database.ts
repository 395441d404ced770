import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../../src/db/database.js';
import { startEmbeddedPostgres, withDatabase, type EmbeddedServer } from '../../src/db/embedded.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { onCleanup, say } from './run.js';

/**
 * The benchmark's PostgreSQL: with DATABASE_URL, a fresh database `tandem_bench_<random>` on that server (dropped at
 * the end); otherwise Tandem's embedded PostgreSQL in a temp directory, with durable settings (fsync and
 * synchronous_commit on, as in production) unless `ephemeral`, stopped and deleted at the end.
 */
export interface BenchDatabase {
  /** The bench database (migrated). */
  url: string;
  name: string;
  kind: 'embedded' | 'external';
  version: string;
  settings: Record<string, string>;
  /** The postmaster's pid when it runs on this machine (for CPU accounting), else undefined. */
  postmasterPid: number | undefined;
  /** pg_stat_statements is loaded and created in the bench database. */
  statStatements: boolean;
  /** The bench's own pool (small; the load goes through Tandem or the baseline pool). */
  database: Database;
  close(): Promise<void>;
}

export interface BenchDatabaseOptions {
  ephemeral?: boolean;
  /** Load pg_stat_statements (embedded: set shared_preload_libraries and restart; external: use it if loaded). */
  statStatements?: boolean;
}

function ppidOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

export async function openBenchDatabase(opts: BenchDatabaseOptions = {}): Promise<BenchDatabase> {
  // The database is the benchmark's own and thrown away, so a run-local key seals its stored secrets (channel
  // credentials, webhook secrets) unless TANDEM_SECRET_KEY is set; child processes inherit it.
  process.env.TANDEM_SECRET_KEY ||= randomBytes(32).toString('base64');
  let server: EmbeddedServer | undefined;
  let dir: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-'));
    fs.chmodSync(dir, 0o755); // the embedded server runs as the OS user postgres when we are root
    const dataDir = dir;
    onCleanup('remove the embedded data directory', () => fs.rmSync(dataDir, { recursive: true, force: true }));
    say(`starting an embedded PostgreSQL in ${dir} (${opts.ephemeral ? 'ephemeral: fsync off' : 'durable: fsync on, synchronous_commit on'})`);
    server = await startEmbeddedPostgres({ dataDir: dir, ephemeral: opts.ephemeral ?? false, log: () => undefined });
    if (opts.statStatements) {
      const c = new pg.Client({ connectionString: server.url });
      await c.connect();
      await c.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
      await c.query(`ALTER SYSTEM SET pg_stat_statements.track_utility = on`);
      await c.query(`ALTER SYSTEM SET pg_stat_statements.track_planning = on`);
      await c.end();
      await server.stop();
      server = await startEmbeddedPostgres({ dataDir: dir, ephemeral: opts.ephemeral ?? false, log: () => undefined });
    }
    const s = server;
    onCleanup('stop the embedded PostgreSQL', () => s.stop());
    adminUrl = server.url;
  }
  const name = `tandem_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  onCleanup(`drop database ${name}`, async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });
  const url = withDatabase(adminUrl, name);
  const database = openDatabase(url, 8, 'tandem-bench');
  onCleanup('close the bench pool', () => database.close());
  await migrateToLatest(database.db);

  const version = (await sql<{ v: string }>`select current_setting('server_version') as v`.execute(database.db)).rows[0]!.v;
  const rows = (await sql<{ name: string; setting: string; unit: string | null }>`
    select name, setting, unit from pg_settings
    where name in ('fsync', 'synchronous_commit', 'shared_buffers', 'max_connections', 'wal_level', 'full_page_writes', 'shared_preload_libraries')`.execute(database.db)).rows;
  const settings = Object.fromEntries(rows.map((r) => [r.name, r.unit === '8kB' ? `${(Number(r.setting) * 8) / 1024}MB` : r.setting]));
  let statStatements = false;
  if (opts.statStatements) {
    if (settings.shared_preload_libraries?.includes('pg_stat_statements')) {
      await sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`.execute(database.db);
      statStatements = true;
    } else say('pg_stat_statements is not loaded on this server: no per-statement profile');
  }
  const backend = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.db)).rows[0]!.pid;
  const postmasterPid = fs.existsSync(`/proc/${backend}`) ? ppidOf(backend) : undefined;
  return {
    url,
    name,
    kind: server ? 'embedded' : 'external',
    version,
    settings,
    postmasterPid,
    statStatements,
    database,
    close: async () => {
      await database.close();
    },
  };
}
