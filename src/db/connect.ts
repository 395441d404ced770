import { sql } from 'kysely';
import type { Config } from '../config.js';
import { openDatabase, type Database } from './database.js';
import { startEmbeddedPostgres, withDatabase, type EmbeddedServer } from './embedded.js';
import pg from 'pg';

export interface Connected {
  database: Database;
  kind: 'embedded' | 'external';
  postgresVersion: string;
  embedded: EmbeddedServer | undefined;
  /** Closes the pool, then stops the embedded server if this process started it. */
  close(): Promise<void>;
}

const EMBEDDED_DB = 'tandem';

async function ensureDatabase(maintenanceUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) {
      await client.query(`create database ${client.escapeIdentifier(name)}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created by a concurrent process
      });
    }
  } finally {
    await client.end();
  }
}

/** Connects to PostgreSQL: DATABASE_URL when set, otherwise Tandem's own embedded server under the data directory. */
export async function connect(config: Config, log: (m: string) => void, applicationName = 'tandem'): Promise<Connected> {
  let url: string;
  let embedded: EmbeddedServer | undefined;
  if (config.databaseUrl) {
    url = config.databaseUrl;
  } else {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, log });
    await ensureDatabase(embedded.url, EMBEDDED_DB);
    url = withDatabase(embedded.url, EMBEDDED_DB);
  }
  const database = openDatabase(url, config.dbPoolSize, applicationName, {
    preparedStatements: config.preparedStatements.mode,
    preparedStatementsMax: config.preparedStatements.max,
    connectionTimeoutMs: config.dbConnectionTimeoutMs,
  });
  try {
    const v = await sql<{ server_version: string }>`show server_version`.execute(database.db);
    return {
      database,
      kind: embedded ? 'embedded' : 'external',
      postgresVersion: v.rows[0]!.server_version,
      embedded,
      close: async () => {
        await database.close();
        if (embedded?.owned) await embedded.stop();
      },
    };
  } catch (err) {
    await database.close();
    if (embedded?.owned) await embedded.stop();
    throw err;
  }
}
