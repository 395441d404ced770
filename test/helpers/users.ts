import type { Db } from '../../src/db/database.js';
import { hashPassword } from '../../src/modules/auth/index.js';
import { newId } from '../../src/shared/ids.js';
import type { Role } from '../../src/modules/auth/index.js';

export const TEST_PASSWORD = 'correct horse battery staple';
let hashed: Promise<string> | undefined;

/**
 * Inserts a dashboard user whose password is TEST_PASSWORD. The scrypt hash (≈0.4 s, 128 MiB) is computed once
 * per test file and shared; creating users through the API (one hash each) is tested in test/web/session.test.ts.
 */
export async function insertUser(db: Db, email: string, role: Role, warehouseIds: string[] | null = null): Promise<string> {
  hashed ??= hashPassword(TEST_PASSWORD);
  const id = newId('usr');
  await db.insertInto('users').values({ id, email, name: email.split('@')[0]!, role, warehouse_ids: warehouseIds, password_hash: await hashed, disabled_at: null, last_login_at: null }).execute();
  return id;
}
