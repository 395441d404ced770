import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDb } from '../helpers/db.js';
import { loadConfig } from '../../src/config.js';
import { startTandem } from '../../src/main.js';

describe('the bootstrap admin key in the audit log', () => {
  it('records creating and resetting it at start, not a start that changes nothing', async () => {
    const db = await createTestDb(2);
    const start = async (adminKey: string) => {
      const running = await startTandem('serve', { ...loadConfig({ TANDEM_SECRET_KEY: process.env.TANDEM_SECRET_KEY }), databaseUrl: db.url, port: 0, adminKey, logLevel: 'silent' });
      const me = await fetch(`${running.url}/api/v1/me`, { headers: { authorization: `Bearer ${adminKey}` } });
      expect(me.status).toBe(200);
      await running.shutdown('test');
    };
    const entries = async () =>
      (await sql<{ actor_type: string; action: string; object_id: string; after: Record<string, unknown> }>`
        select actor_type, action, object_id, after from audit_log where object_type = 'api_key' order by seq`.execute(db.db)).rows;

    await start('first-admin-key-0123456789');
    await start('first-admin-key-0123456789');
    expect(await entries()).toEqual([
      { actor_type: 'cli', action: 'tandem serve (bootstrap admin key created)', object_id: 'key_bootstrap_admin', after: { role: 'admin', source: 'TANDEM_ADMIN_KEY' } },
    ]);
    await start('second-admin-key-0123456789');
    const all = await entries();
    expect(all.map((e) => e.action)).toEqual(['tandem serve (bootstrap admin key created)', 'tandem serve (bootstrap admin key reset)']);
    expect(JSON.stringify(all)).not.toContain('admin-key-0123456789');
    await db.close();
  });
});
