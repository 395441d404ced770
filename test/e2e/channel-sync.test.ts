import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { orderBody, seedWarehousesAndStock } from '../helpers/seed.js';
import { drifts } from '../helpers/inventory.js';
import { CREDENTIALS, startFakeChannels, type FakeChannels } from '../helpers/fake-channels.js';
import { reconcileStock, runSyncCycle } from '../../src/channels/sync/index.js';

/**
 * Channel stock sync end to end: stock changes through the API, the sync cycle run directly (as the worker runs
 * it), and four channels played by a local server that checks the documented request formats.
 */
let t: TestApp;
let fake: FakeChannels;
let whA: string;
let whB: string;
const ch: Record<'shopify' | 'woocommerce' | 'amazon' | 'flipkart', string> = { shopify: '', woocommerce: '', amazon: '', flipkart: '' };
const listing: Record<string, string> = {};
/** Channel-side key of each listing: Shopify inventory item, Woo product id, Amazon / Flipkart seller SKU. */
const KEY = {
  shopify: { A: '40001', K: '40002', B: '40003' },
  woocommerce: { A: '501', K: '502', B: '503' },
  amazon: { A: 'AMZ-A', K: 'AMZ-K', B: 'AMZ-B' },
  flipkart: { A: 'FK-A', K: 'FK-K', B: 'FK-B' },
} as const;
type Kind = keyof typeof KEY;
const KINDS: Kind[] = ['shopify', 'woocommerce', 'amazon', 'flipkart'];

const sync = () => runSyncCycle(t.db.db, { timeoutMs: 5_000 });
const told = (kind: Kind, sku: 'A' | 'K' | 'B') => fake.stock[kind].get(KEY[kind][sku]);
const updates = (kind: Kind, sku: 'A' | 'K' | 'B') => fake.updates[kind].get(KEY[kind][sku]) ?? 0;

async function ok<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await t.call(method, path, body === undefined ? {} : { body });
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${r.text}`);
  return r.body as T;
}

async function adjust(sku: string, delta: number, wh = whA): Promise<void> {
  await ok('POST', '/api/v1/inventory/adjustments', { warehouse_id: wh, sku, bin: 'A-01', delta, reason: delta > 0 ? 'found' : 'damaged' });
}

beforeAll(async () => {
  t = await startTestApp();
  fake = await startFakeChannels();
  ({ whA, whB } = await seedWarehousesAndStock(t, [{ sku: 'SYN-A', wh: 'A', qty: 10 }, { sku: 'SYN-A', wh: 'B', qty: 5 }, { sku: 'SYN-B', wh: 'A', qty: 4 }, { sku: 'SYN-B', wh: 'B', qty: 1 }], 'SY'));
  await ok('POST', '/api/v1/skus', { sku: 'SYN-K', name: 'Kit of two A and one B', kit_components: [{ sku: 'SYN-A', qty: 2 }, { sku: 'SYN-B', qty: 1 }] });
  const settings: Record<Kind, Record<string, unknown>> = {
    shopify: { location_id: '7001' },
    woocommerce: {},
    amazon: { seller_id: 'A2SELLER', marketplace_id: 'A21TJRUUN4KGV' },
    flipkart: { location_id: 'LOC9e98b1262cb544c59f9bb13c189214ed' },
  };
  for (const kind of KINDS) {
    ch[kind] = (await ok('POST', '/api/v1/channels', { type: kind, name: `Sync ${kind}` })).id;
    for (const sku of ['A', 'K', 'B'] as const) {
      // Amazon and Flipkart know a listing by the seller SKU: the channel SKU itself.
      const channelSku = kind === 'amazon' || kind === 'flipkart' ? KEY[kind][sku] : `${kind}-${sku}`.toUpperCase();
      const l = await ok('POST', `/api/v1/channels/${ch[kind]}/listings`, { channel_sku: channelSku, sku: `SYN-${sku}` });
      listing[`${kind}-${sku}`] = l.id;
    }
    await ok('PUT', `/api/v1/channels/${ch[kind]}/stock-policy`, { sync_enabled: true, endpoint: fake.url, credentials: CREDENTIALS[kind], ...settings[kind] });
  }
  for (const sku of ['A', 'K', 'B'] as const) {
    await ok('PUT', `/api/v1/channels/${ch.shopify}/listings/${listing[`shopify-${sku}`]}/stock-sync`, { inventory_item_id: KEY.shopify[sku] });
    await ok('PUT', `/api/v1/channels/${ch.woocommerce}/listings/${listing[`woocommerce-${sku}`]}/stock-sync`, { product_id: KEY.woocommerce[sku] });
    await ok('PUT', `/api/v1/channels/${ch.flipkart}/listings/${listing[`flipkart-${sku}`]}/stock-sync`, { product_id: `FSN${sku}ABCDEFGH` });
  }
  await sync();
});

afterAll(async () => {
  await fake?.close();
  await t?.close();
});

describe('channel stock sync', () => {
  it('pushes available-to-sell of every listing to every channel in its documented format', async () => {
    expect(fake.violations).toEqual([]);
    for (const kind of KINDS) {
      expect(told(kind, 'A'), kind).toBe(15);
      expect(told(kind, 'B'), kind).toBe(5);
      // Kit: per warehouse min(floor(A / 2), B): WH-A min(5, 4) = 4, WH-B min(2, 1) = 1.
      expect(told(kind, 'K'), kind).toBe(5);
    }
    const status = await ok('GET', `/api/v1/channels/${ch.shopify}/sync-status`);
    expect(status.summary).toMatchObject({ listings: 3, pending: 0, errors: 0 });
    expect(status.data.every((r: any) => r.state === 'in_sync' && r.last_pushed_at)).toBe(true);
    expect(status.summary.lag_ms.p99).toBeGreaterThanOrEqual(0);
  });

  it('explains a kit\'s availability by warehouse and component', async () => {
    const a = await ok('GET', `/api/v1/channels/${ch.amazon}/availability?sku=SYN-K`);
    expect(a).toMatchObject({ is_kit: true, available_to_sell: 5, sellable: 5, warehouses_source: 'all_active' });
    expect(a.warehouses.map((w: any) => [w.warehouse_id, w.kits])).toEqual(expect.arrayContaining([[whA, 4], [whB, 1]]));
    expect(a.components).toEqual(expect.arrayContaining([expect.objectContaining({ sku: 'SYN-A', qty: 2, sellable: 15 }), expect.objectContaining({ sku: 'SYN-B', qty: 1, sellable: 5 })]));
  });

  it('lowers every other channel\'s available-to-sell within one sync cycle when one channel\'s order reserves stock', async () => {
    const order = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'SYN-A', qty: 3 }]) });
    expect(order.status, order.text).toBe(201);
    const r = await sync();
    expect(r.failed).toBe(0);
    for (const kind of KINDS) expect(told(kind, 'A'), kind).toBe(12);
    // The kit follows its component: A is now 7 + 5 (or 10 + 2) → still limited by B at WH-A.
    const kit = await ok('GET', `/api/v1/channels/${ch.shopify}/availability?sku=SYN-K`);
    for (const kind of KINDS) expect(told(kind, 'K'), kind).toBe(kit.available_to_sell);
    expect(await drifts(t.db.db)).toEqual([]);
  });

  it('applies a 10 % buffer, rounding the units down, and a cap', async () => {
    await ok('PUT', `/api/v1/channels/${ch.woocommerce}/stock-policy`, { buffer: { kind: 'percent', value: 10 } });
    await sync();
    // 12 sellable − 10 % = 10.8 → 10.
    expect(told('woocommerce', 'A')).toBe(10);
    expect(told('shopify', 'A')).toBe(12);
    const a = await ok('GET', `/api/v1/channels/${ch.woocommerce}/availability?sku=SYN-A`);
    expect(a).toMatchObject({ sellable: 12, available_to_sell: 10, buffer: { kind: 'percent', value: 10, units_held: 2 } });
    await ok('PUT', `/api/v1/channels/${ch.woocommerce}/stock-policy`, { buffer: { kind: 'units', value: 0 }, max_units: 4 });
    await sync();
    expect(told('woocommerce', 'A')).toBe(4);
    await ok('PUT', `/api/v1/channels/${ch.woocommerce}/stock-policy`, { max_units: null });
    await sync();
    expect(told('woocommerce', 'A')).toBe(12);
  });

  it('holds back safety stock per SKU and warehouse, and only counts the warehouses routing allows the channel', async () => {
    await ok('PUT', '/api/v1/safety-stock', { sku: 'SYN-A', warehouse_id: whA, units: 2 });
    await sync();
    expect(told('shopify', 'A')).toBe(10);
    await ok('PUT', '/api/v1/routing/rules?channel_id=' + ch.flipkart, { mode: 'strict', rules: [{ rule: 'allowed_warehouses', warehouse_ids: [whA] }, { rule: 'fewest_shipments' }] });
    await sync();
    const a = await ok('GET', `/api/v1/channels/${ch.flipkart}/availability?sku=SYN-A`);
    expect(a.warehouses_source).toBe('routing_rules');
    expect(told('flipkart', 'A')).toBe(a.available_to_sell);
    expect(told('flipkart', 'A')).toBeLessThan(told('shopify', 'A')!);
    await ok('PUT', '/api/v1/safety-stock', { sku: 'SYN-A', warehouse_id: whA, units: 0 });
    await sync();
    expect(told('shopify', 'A')).toBe(12);
  });

  it('coalesces a burst: 100 changes of one SKU become one push per channel with the latest value', async () => {
    await sync();
    const before = Object.fromEntries(KINDS.map((k) => [k, updates(k, 'A')]));
    for (let i = 0; i < 100; i++) await adjust('SYN-A', i % 2 === 0 ? 1 : -1);
    await adjust('SYN-A', 1);
    const r = await sync();
    expect(r.changes).toBe(101);
    for (const kind of KINDS) {
      expect(updates(kind, 'A') - before[kind]!, kind).toBe(1);
      expect(told(kind, 'A'), kind).toBe((await ok('GET', `/api/v1/channels/${ch[kind]}/availability?sku=SYN-A`)).available_to_sell);
    }
    expect(told('shopify', 'A')).toBe(13);
    const status = await ok('GET', `/api/v1/channels/${ch.shopify}/sync-status?sku=SYN-A`);
    expect(status.data[0]).toMatchObject({ state: 'in_sync', last_pushed: 13 });
  });

  it('skips a push when the value did not change', async () => {
    const before = updates('shopify', 'B');
    await adjust('SYN-A', 1);
    await adjust('SYN-A', -1);
    const r = await sync();
    expect(r.unchanged).toBeGreaterThan(0);
    expect(r.acked).toBe(0);
    expect(updates('shopify', 'B')).toBe(before);
  });

  it('two workers running a cycle at once push each change once', async () => {
    const before = KINDS.map((k) => updates(k, 'B'));
    await adjust('SYN-B', 1);
    const [r1, r2] = await Promise.all([sync(), sync()]);
    expect(r1.failed + r2.failed).toBe(0);
    expect(KINDS.map((k) => updates(k, 'B') - before[KINDS.indexOf(k)]!)).toEqual([1, 1, 1, 1]);
  });

  it('retries a 429 and a 503 with backoff, then succeeds', async () => {
    fake.failNext('/admin/api/2024-10/inventory_levels/set.json', 429, 1);
    fake.failNext('/wp-json/wc/v3/products/batch', 503, 1);
    await adjust('SYN-B', -1);
    const r = await sync();
    expect(r.failed).toBeGreaterThan(0);
    const retrying = await ok('GET', `/api/v1/channels/${ch.woocommerce}/sync-status?state=pending`);
    expect(retrying.data.length).toBeGreaterThan(0);
    expect(retrying.data[0].error).toMatchObject({ transient: true, status: 503 });
    // The backoff is a second or two: bring it forward instead of sleeping.
    await sql`UPDATE channel_stock_sync SET next_attempt_at = now() WHERE next_attempt_at IS NOT NULL`.execute(t.db.db);
    await sync();
    const a = await ok('GET', `/api/v1/channels/${ch.shopify}/availability?sku=SYN-B`);
    expect(told('shopify', 'B')).toBe(a.available_to_sell);
    expect(told('woocommerce', 'B')).toBe(a.available_to_sell);
    const after = await ok('GET', `/api/v1/channels/${ch.woocommerce}/sync-status`);
    expect(after.summary).toMatchObject({ pending: 0, errors: 0 });
  });

  it('shows a 4xx as the listing\'s sync error, and clears it when the mapping is fixed', async () => {
    fake.refuse.add('40003');
    fake.refuse.add('FK-B');
    await adjust('SYN-B', 1);
    await sync();
    const status = await ok('GET', `/api/v1/channels/${ch.shopify}/sync-status?state=error`);
    expect(status.data).toHaveLength(1);
    expect(status.data[0]).toMatchObject({ channel_sku: 'SHOPIFY-B', state: 'error', error: { code: 'channel_rejected', status: 422, transient: false } });
    expect(status.data[0].error.message).toContain('inventory tracking');
    const fk = await ok('GET', `/api/v1/channels/${ch.flipkart}/sync-status?state=error`);
    expect(fk.data[0]).toMatchObject({ channel_sku: 'FK-B', state: 'error' });
    const events = await t.db.db.selectFrom('outbox').select('payload').where('type', '=', 'channel.stock_sync_failed').execute();
    expect(events.length).toBeGreaterThanOrEqual(2);
    fake.refuse.delete('40003');
    await ok('PUT', `/api/v1/channels/${ch.shopify}/listings/${listing['shopify-B']}/stock-sync`, { inventory_item_id: KEY.shopify.B });
    await sync();
    const fixed = await ok('GET', `/api/v1/channels/${ch.shopify}/sync-status?state=error`);
    expect(fixed.data).toHaveLength(0);
    const a = await ok('GET', `/api/v1/channels/${ch.shopify}/availability?sku=SYN-B`);
    expect(told('shopify', 'B')).toBe(a.available_to_sell);
    fake.refuse.delete('FK-B');
    await ok('PUT', `/api/v1/channels/${ch.flipkart}/listings/${listing['flipkart-B']}/stock-sync`, { product_id: 'FSNBABCDEFGH' });
    await sync();
    expect((await ok('GET', `/api/v1/channels/${ch.flipkart}/sync-status?state=error`)).data).toHaveLength(0);
  });

  it('reconciliation repairs drift on our side and, forced, on the channel\'s side', async () => {
    await sync();
    const a = await ok('GET', `/api/v1/channels/${ch.amazon}/availability?sku=SYN-A`);
    await sql`UPDATE channel_stock_sync SET last_pushed = 999 WHERE listing_id = ${listing['amazon-A']}`.execute(t.db.db);
    fake.stock.amazon.set('AMZ-A', 999);
    const plain = await reconcileStock(t.db.db);
    expect(plain.drifted).toBe(1);
    await sync();
    expect(told('amazon', 'A')).toBe(a.available_to_sell);

    // Someone sets the stock in the channel's own admin: only a forced reconcile can know.
    fake.stock.shopify.set(KEY.shopify.A, 0);
    expect((await reconcileStock(t.db.db)).drifted).toBe(0);
    const forced = await t.call('POST', `/api/v1/channels/${ch.shopify}/sync/reconcile`, { body: { force: true } });
    expect(forced.status, forced.text).toBe(200);
    expect(forced.body.marked).toBe(3);
    await sync();
    expect(told('shopify', 'A')).toBe((await ok('GET', `/api/v1/channels/${ch.shopify}/availability?sku=SYN-A`)).available_to_sell);
  });

  it('never returns credentials and refuses a plain-http endpoint elsewhere than this machine', async () => {
    const p = await ok('GET', `/api/v1/channels/${ch.shopify}/stock-policy`);
    expect(p).toMatchObject({ has_credentials: true, sync_enabled: true });
    expect(JSON.stringify(p)).not.toContain(CREDENTIALS.shopify.access_token);
    const r = await t.call('PUT', `/api/v1/channels/${ch.shopify}/stock-policy`, { body: { endpoint: 'http://shop.example.com' } });
    expect(r.status).toBe(400);
    expect((await ok('GET', `/api/v1/channels/${ch.shopify}/stock-policy`)).endpoint).toBe(fake.url);
    expect(fake.violations).toEqual([]);
  });
});
