import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { orderBody, seedWarehousesAndStock } from '../helpers/seed.js';

/** OWASP API security: every administrative change leaves an append-only audit entry with before and after. */
let t: TestApp;
let whA: string;
let adminId: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ whA } = await seedWarehousesAndStock(t, [{ sku: 'AUD-1', wh: 'A', qty: 20 }], 'U'));
  adminId = (await t.call('GET', '/api/v1/me')).body.id;
});
afterAll(async () => t?.close());

const entries = async (q: string) => {
  const r = await t.call('GET', `/api/v1/audit?${q}`);
  expect(r.status, r.text).toBe(200);
  return r.body.data as any[];
};
const ua = { 'user-agent': 'audit-test/1.0' };

describe('audit log', () => {
  it('records key creation and revocation with actor, IP, user agent, and never the token', async () => {
    const created = await t.call('POST', '/api/v1/api-keys', { body: { name: 'ci', role: 'integration' }, headers: ua });
    expect(created.status).toBe(201);
    await t.call('POST', `/api/v1/api-keys/${created.body.id}/revoke`, { headers: ua });
    const log = await entries(`object=${created.body.id}`);
    expect(log.map((e) => e.action)).toEqual(['POST /api/v1/api-keys', 'POST /api/v1/api-keys/:id/revoke']);
    expect(log[0]).toMatchObject({ actor_id: adminId, actor_type: 'api_key', actor_role: 'admin', object_type: 'api_key', status: 201, ip: '127.0.0.1', user_agent: 'audit-test/1.0' });
    expect(log[0].request_id).toMatch(/^req_/);
    expect(log[1].before).toMatchObject({ id: created.body.id, revoked_at: null });
    expect(log[1].before).not.toHaveProperty('secret_hash');
    expect(log[1].after.revoked_at).not.toBeNull();
    expect(JSON.stringify(log)).not.toContain(created.body.token);
  });

  it('records user, warehouse, channel, carrier and rule changes with before and after', async () => {
    const user = await t.call('POST', '/api/v1/users', { body: { email: 'audit@example.com', name: 'Aud', role: 'ops', password: 'a long enough password 1' } });
    expect(user.status, user.text).toBe(201);
    expect((await t.call('PATCH', `/api/v1/users/${user.body.id}`, { body: { role: 'picker' } })).status).toBe(200);
    const u = await entries(`object=${user.body.id}`);
    expect(u.map((e) => e.action)).toEqual(['POST /api/v1/users', 'PATCH /api/v1/users/:id']);
    expect(u[1].before.role).toBe('ops');
    expect(u[1].after.role).toBe('picker');
    expect(JSON.stringify(u)).not.toContain('a long enough password');
    expect(JSON.stringify(u)).not.toContain('scrypt');

    expect((await t.call('PATCH', `/api/v1/warehouses/${whA}`, { body: { name: 'Renamed' } })).status).toBe(200);
    const w = await entries(`object=${whA}&object_type=warehouse`);
    expect(w.at(-1)).toMatchObject({ action: 'PATCH /api/v1/warehouses/:id', before: { name: 'UA warehouse' }, after: { name: 'Renamed' } });

    const ch = await t.call('POST', '/api/v1/channels', { body: { type: 'shopify', name: 'Shop', secret: 'chan-secret-xyz-123' } });
    expect(ch.status, ch.text).toBe(201);
    const c = await entries(`object=${ch.body.id}`);
    expect(c[0]).toMatchObject({ action: 'POST /api/v1/channels', object_type: 'channel' });
    expect(JSON.stringify(c)).not.toContain('chan-secret-xyz-123');

    const carrier = await t.call('POST', '/api/v1/carriers', { body: { code: 'audc', name: 'Aud', kind: 'rate_card', credentials: { webhook_secret: 'carrier-secret-999' }, settings: { currency: 'INR' } } });
    expect(carrier.status, carrier.text).toBe(201);
    expect((await t.call('PATCH', '/api/v1/carriers/audc', { body: { name: 'Aud 2' } })).status).toBe(200);
    const cr = await entries('object=audc');
    expect(cr.map((e) => e.action)).toEqual(['POST /api/v1/carriers', 'PATCH /api/v1/carriers/:code']);
    expect(cr[1].before.name).toBe('Aud');
    expect(JSON.stringify(cr)).not.toContain('carrier-secret-999');

    expect((await t.call('PUT', '/api/v1/order-rules', { body: { cod_limit_amount: 500000 } })).status).toBe(200);
    expect((await entries('object_type=order_rules')).at(-1)).toMatchObject({ action: 'PUT /api/v1/order-rules', after: { cod_limit_amount: 500000 } });
    const rules = await t.call('GET', '/api/v1/routing/rules');
    expect((await t.call('PUT', '/api/v1/routing/rules', { body: { mode: 'strict', rules: rules.body.rules } })).status).toBe(200);
    expect(await entries('object_type=routing_rules')).toHaveLength(1);
  });

  it('records stock adjustments and order cancellations by ops keys, not reads or previews', async () => {
    const ops = await t.keyFor('ops');
    const adj = await t.call('POST', '/api/v1/inventory/adjustments', { key: ops, body: { warehouse_id: whA, sku: 'AUD-1', bin: 'A-01', delta: -2, reason: 'damaged' } });
    expect(adj.status, adj.text).toBe(201);
    const order = await t.call('POST', '/api/v1/orders', { key: ops, body: orderBody([{ sku: 'AUD-1', qty: 1 }]) });
    expect((await t.call('POST', `/api/v1/orders/${order.body.id}/cancel`, { key: ops, body: { reason: 'customer asked' } })).status).toBe(200);
    const a = await entries('object_type=stock_adjustment');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ actor_role: 'ops', after: expect.anything() });
    const o = await entries(`object=${order.body.id}`);
    expect(o.map((e) => e.action)).toEqual(['POST /api/v1/orders/:id/cancel']);
    expect(o[0].before.status).toBe('allocated');
    expect(o[0].after.status).toBe('cancelled');
    // Reads, order capture and refused writes are not administrative changes.
    expect((await t.call('POST', '/api/v1/inventory/adjustments', { key: ops, body: { warehouse_id: whA, sku: 'AUD-1', bin: 'A-01', delta: -999, reason: 'damaged' } })).status).toBeGreaterThanOrEqual(400);
    expect(await entries('object_type=stock_adjustment')).toHaveLength(1);
  });

  it('filters by actor and time, pages, and is for admins only', async () => {
    const all = await entries('limit=500');
    expect(all.length).toBeGreaterThan(8);
    expect((await entries(`actor=${adminId}&limit=500`)).every((e) => e.actor_id === adminId)).toBe(true);
    expect(await entries(`since=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);
    const p1 = await t.call('GET', '/api/v1/audit?limit=2');
    const p2 = await t.call('GET', `/api/v1/audit?limit=2&cursor=${p1.body.next_cursor}`);
    expect(p2.body.data[0].seq).toBeGreaterThan(p1.body.data[1].seq);
    for (const role of ['ops', 'integration', 'picker'] as const) expect((await t.call('GET', '/api/v1/audit', { key: await t.keyFor(role) })).status).toBe(403);
  });

  it('writes the entry in the change\'s transaction: no entry, no change', async () => {
    // The database refuses this one entry: the change it records must roll back with it, and the caller sees a failure.
    await sql`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF NEW.action = 'PATCH /api/v1/warehouses/:id' THEN RAISE EXCEPTION 'audit refused'; END IF; RETURN NEW; END $$`.execute(t.db.db);
    await sql`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()`.execute(t.db.db);
    try {
      const before = (await t.call('GET', `/api/v1/warehouses/${whA}`)).body.name;
      const r = await t.call('PATCH', `/api/v1/warehouses/${whA}`, { body: { name: 'Unaudited' } });
      expect(r.status).toBe(500);
      expect((await t.call('GET', `/api/v1/warehouses/${whA}`)).body.name).toBe(before);
      expect((await entries(`object=${whA}&object_type=warehouse`)).map((e) => e.after?.name)).not.toContain('Unaudited');
    } finally {
      await sql`DROP TRIGGER refuse_audit ON audit_log`.execute(t.db.db);
      await sql`DROP FUNCTION refuse_audit()`.execute(t.db.db);
    }
    // Refused writes that committed nothing leave no entry; the same change now goes through, completed with its response.
    expect((await t.call('PATCH', `/api/v1/warehouses/${whA}`, { body: { name: 'Audited' } })).status).toBe(200);
    expect((await entries(`object=${whA}&object_type=warehouse`)).at(-1)).toMatchObject({ status: 200, after: { name: 'Audited' }, before: { name: expect.any(String) } });
  });

  it('keeps the entry of a committed change pending (status null) when its completion cannot be written', async () => {
    await sql`CREATE FUNCTION refuse_completion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'completion refused'; END $$`.execute(t.db.db);
    await sql`CREATE TRIGGER refuse_completion BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_completion()`.execute(t.db.db);
    let created: { status: number; body: any };
    try {
      created = await t.call('POST', '/api/v1/api-keys', { body: { name: 'pending', role: 'packer' } });
      // The change stands and the caller is told so: the failure is logged, not turned into an error.
      expect(created.status).toBe(201);
    } finally {
      await sql`DROP TRIGGER refuse_completion ON audit_log`.execute(t.db.db);
      await sql`DROP FUNCTION refuse_completion()`.execute(t.db.db);
    }
    const pending = (await entries('object_type=api_key&limit=500')).filter((e) => e.status === null);
    expect(pending).toHaveLength(1);
    // Written before the response existed: who, what and from where are there; the created key's id and the body are not.
    expect(pending[0]).toMatchObject({ action: 'POST /api/v1/api-keys', actor_id: adminId, actor_type: 'api_key', ip: '127.0.0.1', after: null, object_id: null });
    expect(JSON.stringify(pending)).not.toContain(created.body.token);
  });

  it('is append-only: the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(sql`UPDATE audit_log SET actor_id = 'someone else'`.execute(t.db.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log`.execute(t.db.db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_log`.execute(t.db.db)).rejects.toThrow(/append-only/);
    // A pending entry is completed once, with its outcome only; a completed entry never changes again.
    const pending = (await sql<{ id: string }>`SELECT id FROM audit_log WHERE status IS NULL`.execute(t.db.db)).rows;
    expect(pending.length).toBeGreaterThan(0);
    await expect(sql`UPDATE audit_log SET status = 200, actor_id = 'someone else' WHERE id = ${pending[0]!.id}`.execute(t.db.db)).rejects.toThrow(/append-only/);
    await sql`UPDATE audit_log SET status = 201 WHERE id = ${pending[0]!.id}`.execute(t.db.db);
    await expect(sql`UPDATE audit_log SET status = 500 WHERE id = ${pending[0]!.id}`.execute(t.db.db)).rejects.toThrow(/append-only/);
    await expect(sql`UPDATE audit_log SET status = NULL WHERE status IS NOT NULL`.execute(t.db.db)).rejects.toThrow(/append-only/);
  });
});
