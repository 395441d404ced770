import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';
import { withDatabase } from '../../src/db/embedded.js';

// Secrets at rest need a key (docs/security.md): every test process, and the CLI processes tests spawn with
// process.env, seal and open with this one unless the run sets its own.
process.env.TANDEM_SECRET_KEY ||= randomBytes(32).toString('base64');

export interface TestDb extends Database {
  url: string;
  name: string;
}

/** A fresh, migrated database of its own (a clone of the run's template), on the run's PostgreSQL server. */
export async function createTestDb(poolSize = 20): Promise<TestDb> {
  const name = `${inject('pgPrefix')}${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('pgTemplate')}`);
        if (process.env.TANDEM_TEST_GENERIC_PLANS) await admin.query(`ALTER DATABASE ${name} SET plan_cache_mode = force_generic_plan`);
        break;
      } catch (err) {
        // "source database is being accessed by other users": another file is cloning it right now.
        if ((err as { code?: string }).code !== '55006' || attempt > 50) throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  } finally {
    await admin.end();
  }
  const url = withDatabase(inject('pgAdminUrl'), name);
  return { ...openDatabase(url, poolSize, 'tandem-test'), url, name };
}

/** An empty database (no migrations), for testing migrations themselves. */
export async function createEmptyDb(): Promise<TestDb> {
  const name = `${inject('pgPrefix')}${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(inject('pgAdminUrl'), name);
  return { ...openDatabase(url, 5, 'tandem-test'), url, name };
}
