import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let shop: string;
const OLD = 'shpss_old_secret_0123456789';
const NEW = 'shpss_new_secret_9876543210';

beforeAll(async () => {
  t = await startTestApp();
  shop = (await t.call('POST', '/api/v1/channels', { body: { type: 'shopify', name: 'Edit me', secret: OLD } })).body.id;
  await t.call('POST', '/api/v1/channels', { body: { type: 'woocommerce', name: 'Taken name' } });
});
afterAll(async () => t.close());

/** A Shopify webhook signed with `secret` (X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body). */
const hook = (secret: string, n: number) => {
  const body = JSON.stringify({ id: 9100 + n, name: `#${n}`, email: `e${n}@example.com`, currency: 'INR', created_at: '2026-11-30T10:00:00Z', total_price: '10.00', line_items: [] });
  return t.call('POST', `/hooks/shopify/${shop}`, {
    key: null, raw: body,
    headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64'), 'x-shopify-webhook-id': `wh-${n}` },
  });
};

/**
 * Whether the signature was accepted: the body has no lines, so a verified webhook is then refused as a malformed
 * order (400 malformed_payload, nothing captured) — a step that runs only after the signature check passed.
 */
const verified = async (secret: string, n: number): Promise<boolean> => {
  const r = await hook(secret, n);
  if (r.status === 401) return false;
  expect(r.body.code, r.text).toBe('malformed_payload');
  return true;
};

describe('editing a channel', () => {
  it('replaces the signing secret: webhooks verify against the new one only, stored sealed, audited without it', async () => {
    expect(await verified(OLD, 1)).toBe(true);
    const r = await t.call('PATCH', `/api/v1/channels/${shop}`, { body: { secret: NEW, name: 'Edited' } });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ id: shop, name: 'Edited', has_secret: true });
    expect(r.text).not.toContain(NEW);
    expect((await hook(OLD, 2)).status).toBe(401);
    expect(await verified(NEW, 3)).toBe(true);

    const stored = (await sql<{ secret: string }>`select secret from channels where id = ${shop}`.execute(t.db.db)).rows[0]!.secret;
    expect(stored.startsWith('tsec:v1:')).toBe(true);
    const events = await sql<{ payload: unknown }>`select payload from outbox where type = 'channel.updated' and aggregate_id = ${shop}`.execute(t.db.db);
    expect(events.rows.map((e) => e.payload)).toEqual([{ changed: ['name', 'secret'], name: 'Edited' }]);
    const audit = await sql<{ action: string; after: unknown; before: unknown }>`select action, after, before from audit_log where object_id = ${shop} and action like 'PATCH%'`.execute(t.db.db);
    expect(audit.rows).toHaveLength(1);
    expect(JSON.stringify(audit.rows)).not.toContain(NEW);
    expect(JSON.stringify(audit.rows)).not.toContain('tsec:');
  });

  it('removes the secret with null', async () => {
    const r = await t.call('PATCH', `/api/v1/channels/${shop}`, { body: { secret: null } });
    expect(r.status, r.text).toBe(200);
    expect(r.body.has_secret).toBe(false);
    expect((await sql<{ secret: string | null }>`select secret from channels where id = ${shop}`.execute(t.db.db)).rows[0]!.secret).toBeNull();
    await t.call('PATCH', `/api/v1/channels/${shop}`, { body: { secret: NEW } });
  });

  it('refuses bad input and changes nothing', async () => {
    const taken = await t.call('PATCH', `/api/v1/channels/${shop}`, { body: { name: 'Taken name' } });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('channel_exists');
    const unknownField = await t.call('PATCH', `/api/v1/channels/${shop}`, { body: { type: 'amazon' } });
    expect(unknownField.status).toBe(400);
    const short = await t.call('PATCH', `/api/v1/channels/${shop}`, { body: { secret: 'short' } });
    expect(short.status).toBe(400);
    const missing = await t.call('PATCH', '/api/v1/channels/ch_nope', { body: { name: 'X' } });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('channel_not_found');
    expect((await t.call('GET', `/api/v1/channels/${shop}`)).body).toMatchObject({ name: 'Edited', type: 'shopify', has_secret: true });
    expect(await verified(NEW, 4)).toBe(true);
  });
});
