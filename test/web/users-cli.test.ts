import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { verifyPassword } from '../../src/modules/auth/index.js';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb(2);
  await t.db.insertInto('warehouses').values({ id: 'wh_cli_1', code: 'CLI-WH', name: 'CLI', address: JSON.stringify({ line1: 'x', city: 'y', postal_code: '560001', country: 'IN' }), postal_code: '560001', country: 'IN', timezone: 'UTC' } as never).execute();
});
afterAll(async () => t.close());

function tandem(input: string | undefined, ...args: string[]): { status: number | null; stdout: string; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    input,
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, out: `${r.stdout}${r.stderr}` };
}

describe('tandem users create', () => {
  it('creates a warehouse-scoped user with the password from stdin, stored only as a scrypt hash', async () => {
    const r = tandem('a long passphrase here\n', 'users', 'create', '--email', 'Floor@Example.com', '--role', 'picker', '--warehouse', 'CLI-WH', '--password-stdin');
    expect(r.status, r.out).toBe(0);
    expect(r.stdout).not.toContain('passphrase');
    const u = await t.db.selectFrom('users').selectAll().where('email', '=', 'floor@example.com').executeTakeFirstOrThrow();
    expect(u).toMatchObject({ role: 'picker', warehouse_ids: ['wh_cli_1'] });
    expect(u.password_hash).not.toContain('passphrase');
    expect(await verifyPassword('a long passphrase here', u.password_hash)).toBe(true);
    // The change is in the audit log: actor type cli, the OS user and host as actor, never the password.
    const audit = await t.db.selectFrom('audit_log').selectAll().where('object_id', '=', u.id).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'cli', actor_id: `${os.userInfo().username}@${os.hostname()}`, action: 'tandem users create', object_type: 'user', status: 0 });
    expect(audit[0]!.after).toMatchObject({ id: u.id, role: 'picker', warehouse_ids: ['wh_cli_1'] });
    expect(JSON.stringify(audit)).not.toContain('passphrase');
    expect(JSON.stringify(audit)).not.toContain('scrypt');
  });

  it('generates and prints a password once when none is given, and refuses a duplicate e-mail or unknown role', async () => {
    const r = tandem(undefined, 'users', 'create', '--email', 'ops@example.com', '--role', 'ops');
    expect(r.status, r.out).toBe(0);
    const password = /shown once, store it now\):\s+(\S+)/.exec(r.stdout)?.[1];
    expect(password).toBeDefined();
    const u = await t.db.selectFrom('users').selectAll().where('email', '=', 'ops@example.com').executeTakeFirstOrThrow();
    expect(u.warehouse_ids).toBeNull();
    expect(await verifyPassword(password!, u.password_hash)).toBe(true);

    const dup = tandem(undefined, 'users', 'create', '--email', 'OPS@example.com', '--role', 'ops');
    expect(dup.status).toBe(1);
    expect(dup.out).toContain('user_exists');
    const badRole = tandem(undefined, 'users', 'create', '--email', 'x@example.com', '--role', 'boss');
    expect(badRole.status).not.toBe(0);
    expect(await t.db.selectFrom('users').select('id').execute()).toHaveLength(2);
    // A refused command changed nothing, so it left no entry either.
    expect(await t.db.selectFrom('audit_log').select('id').where('actor_type', '=', 'cli').execute()).toHaveLength(2);
  });
});
