import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, withDatabase, type EmbeddedServer } from '../../src/db/embedded.js';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
    pgPrefix: string;
    pgKind: 'embedded' | 'external';
  }
}

/**
 * One PostgreSQL server per test run: the machine's (DATABASE_URL) or a throw-away embedded cluster in the
 * OS temp directory. Migrations are applied once to a template database; each test file clones it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: EmbeddedServer | undefined;
  let dir: string | undefined;
  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-test-'));
    fs.chmodSync(dir, 0o755);
    server = await startEmbeddedPostgres({ dataDir: dir, ephemeral: true });
    adminUrl = server.url;
  }
  const run = randomBytes(4).toString('hex');
  const prefix = `tandem_t_${run}_`;
  const template = `tandem_tpl_${run}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  const tpl = openDatabase(withDatabase(adminUrl, template), 2);
  await migrateToLatest(tpl.db);
  await tpl.close();
  const version = (await admin.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
  process.stderr.write(`tests run on PostgreSQL ${version} (${server ? 'embedded' : 'DATABASE_URL'})\n`);

  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template);
  project.provide('pgPrefix', prefix);
  project.provide('pgKind', server ? 'embedded' : 'external');

  return async () => {
    const dbs = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`, [`${prefix}%`, template]);
    for (const { datname } of dbs.rows) {
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
    }
    await admin.end();
    if (server) await server.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  };
}
