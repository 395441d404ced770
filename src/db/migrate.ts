import { Migrator, type MigrationResultSet } from 'kysely';
import { resetPreparedStatements, type Db } from './database.js';
import { migrations } from './migrations/index.js';

/** Applies every pending migration, in order; safe to run from several processes at once (Kysely takes a lock). */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'tandem_migrations',
    migrationLockTableName: 'tandem_migrations_lock',
  });
  const result = await migrator.migrateToLatest();
  // Statements this process prepared before may have plans of the old schema: every connection drops them.
  if ((result.results ?? []).some((r) => r.status === 'Success')) resetPreparedStatements(db);
  if (result.error) throw result.error;
  return result;
}
