import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { orderBody, seedWarehousesAndStock } from '../helpers/seed.js';

/** OWASP API3: clients cannot set server-owned fields, and no response carries a secret. */
let t: TestApp;
let whA: string;
let orderId: string;
const SECRETS = { channel: 'chan-secret-abc-12345', carrier: 'carrier-cred-xyz-98765', carrierKey: 'carrier-api-key-55555', password: 'a long enough password 42' };
let keyToken: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ whA } = await seedWarehousesAndStock(t, [{ sku: 'PROP-1', wh: 'A', qty: 20 }], 'P'));
  expect((await t.call('POST', '/api/v1/channels', { body: { type: 'shopify', name: 'Shop', secret: SECRETS.channel } })).status).toBe(201);
  expect((await t.call('POST', '/api/v1/carriers', { body: { code: 'pc', name: 'PC', kind: 'easypost', credentials: { api_key: SECRETS.carrierKey, webhook_secret: SECRETS.carrier }, settings: { currency: 'INR', base_url: 'https://api.easypost.example' } } })).status).toBe(201);
  expect((await t.call('POST', '/api/v1/users', { body: { email: 'prop@example.com', name: 'P', role: 'ops', password: SECRETS.password } })).status).toBe(201);
  keyToken = (await t.call('POST', '/api/v1/api-keys', { body: { name: 'k', role: 'integration' } })).body.token;
  orderId = (await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'PROP-1', qty: 1 }]) })).body.id;
});
afterAll(async () => t?.close());

describe('secrets never leave', () => {
  it('no GET route answers with a channel secret, carrier credential, key token or hash, or password hash', async () => {
    const hash = createHash('sha256').update(keyToken).digest();
    const needles = [...Object.values(SECRETS), keyToken, hash.toString('hex'), hash.toString('base64'), '$scrypt', 'scrypt$'];
    const ids: Record<string, string> = { id: whA, code: 'pc', sku: 'PROP-1' };
    const gets = t.app.routeTable.filter((r) => r.method === 'GET' && !r.url.startsWith('/api/docs'));
    let scanned = 0;
    for (const rt of gets) {
      const path = rt.url.replace(/:(\w+)/g, (_m, n: string) => ids[n] ?? 'x');
      const r = await t.call('GET', path.startsWith('/api/v1/orders/') ? `/api/v1/orders/${orderId}` : path);
      if (r.status === 200) scanned++;
      for (const n of needles) expect(r.text, `${rt.url} leaks a secret`).not.toContain(n);
    }
    expect(scanned).toBeGreaterThan(30);
  });
});

describe('mass assignment', () => {
  const cases: [string, string, Record<string, unknown>, string[]][] = [
    ['POST', '/api/v1/orders', orderBody([{ sku: 'PROP-1', qty: 1 }], { status: 'shipped', id: 'ord_mine', created_at: '2020-01-01T00:00:00Z', subtotal_amount: 1, version: 9 }), ['status', 'id', 'created_at', 'subtotal_amount', 'version']],
    ['POST', '/api/v1/skus', { sku: 'MA-1', name: 'x', id: 'sku_mine', created_at: '2020-01-01T00:00:00Z' }, ['id', 'created_at']],
    ['POST', '/api/v1/api-keys', { name: 'k', role: 'ops', id: 'key_mine', secret_hash: 'x', last_used_at: '2020-01-01T00:00:00Z', revoked_at: null }, ['id', 'secret_hash', 'last_used_at', 'revoked_at']],
    ['POST', '/api/v1/users', { email: 'ma@example.com', name: 'M', role: 'ops', password: SECRETS.password, password_hash: 'x', disabled_at: null }, ['password_hash', 'disabled_at']],
    ['POST', '/api/v1/inventory/receipts', { lines: [{ sku: 'PROP-1', qty: 1, bin: 'A-01' }], reserved: 5, on_hand: 100 }, ['reserved', 'on_hand']],
    ['POST', '/api/v1/inventory/reservations', { ref: 'ma', lines: [{ sku: 'PROP-1', warehouse_id: 'x', qty: 1, status: 'committed' }], status: 'committed' }, ['status']],
    ['POST', '/api/v1/asns', { warehouse_id: 'x', reference: 'R', lines: [{ sku: 'PROP-1', qty: 1, received_qty: 9 }], status: 'closed' }, ['status']],
    ['POST', '/api/v1/channels', { type: 'api', name: 'c', id: 'ch_mine', created_at: '2020-01-01T00:00:00Z' }, ['id', 'created_at']],
    ['POST', '/api/v1/returns', { order_id: 'x', status: 'closed', refund_amount: 100 }, ['status', 'refund_amount']],
    ['POST', '/api/v1/waves', { warehouse_id: 'x', status: 'done', id: 'wave_mine' }, ['status', 'id']],
    ['PATCH', '/api/v1/orders/x', { status: 'shipped', total_amount: 1, reserved: 1 }, ['status', 'total_amount', 'reserved']],
    ['PATCH', '/api/v1/warehouses/x', { id: 'wh_mine', created_at: '2020-01-01T00:00:00Z' }, ['id', 'created_at']],
    ['PATCH', '/api/v1/users/x', { password_hash: 'x', last_login_at: '2020-01-01T00:00:00Z' }, ['password_hash', 'last_login_at']],
    ['POST', '/api/v1/webhooks', { url: 'https://example.com/h', events: ['order.*'], status: 'active', id: 'whk_mine' }, ['status', 'id']],
  ];
  it.each(cases)('%s %s refuses server-owned fields with 400 and changes nothing', async (method, url, body, fields) => {
    const before = await t.call('GET', '/api/v1/events?limit=1000');
    const r = await t.call(method, url.replace('/receipts', '/receipts').replace('"x"', whA), { body: url.endsWith('/receipts') ? { ...body, warehouse_id: whA } : body });
    expect(r.status, r.text).toBe(400);
    expect(r.body.code).toBe('validation_failed');
    const paths = r.body.errors.map((e: { path: string }) => e.path);
    for (const f of fields) expect(paths.some((p: string) => p === `body.${f}` || p.endsWith(`.${f}`)), `${f} refused: ${JSON.stringify(paths)}`).toBe(true);
    const after = await t.call('GET', '/api/v1/events?limit=1000');
    expect(after.body.data.length).toBe(before.body.data.length);
  });
});
