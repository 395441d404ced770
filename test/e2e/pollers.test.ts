import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { seedWarehousesAndStock } from '../helpers/seed.js';
import { fixture } from '../../src/channels/connectors/test-helpers.js';
import { JOBS } from '../../src/worker.js';
import { pollAmazon } from '../../src/channels/pollers/index.js';

/**
 * A local stand-in for Amazon SP-API (LWA token, Orders v0) and the Flipkart Seller API v3 (OAuth token,
 * shipments filter, shipping details), speaking their documented request and response formats, so the
 * pollers' real HTTP code runs end to end.
 */
interface Seen { method: string; path: string; query: URLSearchParams; headers: IncomingHttpHeaders; body: string }
const seen: Seen[] = [];
const LWA = { client_id: 'amzn1.application-oa2-client.test', client_secret: 'lwa-client-secret', refresh_token: 'Atzr|IwEBIrefresh' };
const FK = { app_id: 'fk-app-id-123', app_secret: 'fk-app-secret-456' };
const AMZ_TOKEN = 'Atza|IwEBIaccess';
const FK_TOKEN = 'c6d1f1e8-fk-access';
const amz = { orders: [] as Record<string, any>[], items: new Map<string, unknown[]>(), throttleOnce: new Set<string>(), failOnce: new Set<string>() };
const fk = { pre: [] as unknown[], pre2: [] as unknown[], details: new Map<string, unknown>(), cancelled: new Map<string, unknown[]>() };
const pages = new Map<string, Record<string, any>[]>();

function reply(res: ServerResponse, status: number, data: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(data));
}

function amazonApi(url: URL, h: IncomingHttpHeaders, res: ServerResponse): void {
  if (h['x-amz-access-token'] !== AMZ_TOKEN) return reply(res, 403, { errors: [{ code: 'Unauthorized', message: 'Access to requested resource is denied.' }] });
  if (url.pathname === '/orders/v0/orders') {
    if (!url.searchParams.get('MarketplaceIds')) return reply(res, 400, { errors: [{ code: 'InvalidInput', message: 'MarketplaceIds is required' }] });
    const token = url.searchParams.get('NextToken');
    let list: Record<string, any>[];
    if (token) list = pages.get(token) ?? [];
    else {
      const after = Date.parse(url.searchParams.get('LastUpdatedAfter') ?? '');
      list = amz.orders.filter((o) => Date.parse(o.LastUpdateDate) >= after);
    }
    if (list.length <= 3) return reply(res, 200, { payload: { Orders: list } });
    const next = `next-${pages.size + 1}`;
    pages.set(next, list.slice(3));
    return reply(res, 200, { payload: { Orders: list.slice(0, 3), NextToken: next } });
  }
  const m = /^\/orders\/v0\/orders\/([^/]+)\/orderItems$/.exec(url.pathname);
  const id = m ? decodeURIComponent(m[1]!) : '';
  if (amz.throttleOnce.delete(id)) return reply(res, 429, { errors: [{ code: 'QuotaExceeded', message: 'You exceeded your quota for the requested resource.' }] }, { 'x-amzn-RateLimit-Limit': '100' });
  if (amz.failOnce.delete(id)) return reply(res, 500, { errors: [{ code: 'InternalFailure', message: 'We encountered an internal error. Please try again.' }] });
  const items = amz.items.get(id);
  if (!items) return reply(res, 404, { errors: [{ code: 'NotFound', message: `No order ${id}` }] });
  // Two pages: the first item, then the rest behind a NextToken.
  if (url.searchParams.get('NextToken')) return reply(res, 200, { payload: { AmazonOrderId: id, OrderItems: items.slice(1) } });
  return reply(res, 200, { payload: { AmazonOrderId: id, OrderItems: items.slice(0, 1), ...(items.length > 1 ? { NextToken: `items-${id}` } : {}) } });
}

function flipkartApi(req: { method?: string | undefined }, url: URL, h: IncomingHttpHeaders, body: string, res: ServerResponse): void {
  if (h.authorization !== `Bearer ${FK_TOKEN}`) return reply(res, 401, { error: 'invalid_token', error_description: 'Invalid access token' });
  if (url.pathname.replace(/\/$/, '') === '/sellers/v3/shipments/filter') {
    if (req.method === 'GET') return reply(res, 200, { hasMore: false, shipments: url.searchParams.get('next_token') === 'pre-2' ? fk.pre2 : [] });
    const { filter } = JSON.parse(body) as { filter: Record<string, any> };
    if (filter.type === 'preDispatch') return reply(res, 200, { hasMore: true, nextPageUrl: '/v3/shipments/filter?next_token=pre-2', shipments: fk.pre });
    return reply(res, 200, { hasMore: false, shipments: fk.cancelled.get(filter.cancellationType) ?? [] });
  }
  const ids = decodeURIComponent(url.pathname.replace('/sellers/v3/shipments/', '')).split(',');
  reply(res, 200, { shipments: ids.flatMap((id) => (fk.details.has(id) ? [fk.details.get(id)] : [])) });
}

function startFakeMarketplaces(): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const h = req.headers;
      seen.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: h, body });
      if (url.pathname === '/auth/o2/token' && req.method === 'POST') {
        const form = new URLSearchParams(body);
        const ok = String(h['content-type']).startsWith('application/x-www-form-urlencoded') && form.get('grant_type') === 'refresh_token'
          && form.get('refresh_token') === LWA.refresh_token && form.get('client_id') === LWA.client_id && form.get('client_secret') === LWA.client_secret;
        if (!ok) return reply(res, 400, { error: 'invalid_grant', error_description: 'The request has an invalid grant parameter : refresh_token' });
        return reply(res, 200, { access_token: AMZ_TOKEN, refresh_token: LWA.refresh_token, token_type: 'bearer', expires_in: 3600 });
      }
      if (url.pathname === '/oauth-service/oauth/token') {
        const basic = `Basic ${Buffer.from(`${FK.app_id}:${FK.app_secret}`).toString('base64')}`;
        const ok = req.method === 'GET' && h.authorization === basic && url.searchParams.get('grant_type') === 'client_credentials' && url.searchParams.get('scope') === 'Seller_Api';
        if (!ok) return reply(res, 401, { error: 'unauthorized', error_description: 'Bad credentials' });
        return reply(res, 200, { access_token: FK_TOKEN, token_type: 'bearer', expires_in: 5183999, scope: 'Seller_Api' });
      }
      if (url.pathname.startsWith('/orders/v0/')) return amazonApi(url, h, res);
      if (url.pathname.startsWith('/sellers/v3/')) return flipkartApi(req, url, h, body, res);
      reply(res, 404, { errors: [{ code: 'NotFound', message: `no ${req.method} ${url.pathname}` }] });
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

let t: TestApp;
let fake: { server: Server; base: string };
let amazon: string;
let flipkart: string;

const A = fixture('amazon', 'order-in-mfn-cod.json');
const B = fixture('amazon', 'order-us-afn.json');
/** Another buyer's copy of order A (so the duplicate-order rule does not hold it). */
const copyOfA = (id: string, updated: string, over: Record<string, unknown> = {}) => {
  const o = fixture('amazon', 'order-in-mfn-cod.json');
  return { ...o, AmazonOrderId: id, SellerOrderId: id, LastUpdateDate: updated, BuyerInfo: { BuyerEmail: `${id}@marketplace.amazon.in` }, ShippingAddress: { ...o.ShippingAddress, Phone: `+91 98400 ${id.slice(-5)}` }, ...over };
};
const C = copyOfA('403-5550001-0000001', '2026-11-28T08:00:00Z');
const D = copyOfA('403-5550002-0000002', '2026-11-28T09:00:00Z', { OrderStatus: 'Pending' });
const E = copyOfA('403-5550003-0000003', '2026-11-28T10:00:00Z');
const F1 = fixture('flipkart', 'shipment-cod.json');
const F2 = fixture('flipkart', 'shipment-express-smart.json');

const poll = (channel: string, key?: string) => t.call('POST', `/api/v1/channels/${channel}/poll`, key ? { key } : {});
const orderOf = async (channel: string, external: string) => {
  const row = (await sql<{ id: string }>`select id from orders where channel_id = ${channel} and external_id = ${external}`.execute(t.db.db)).rows[0];
  return row ? (await t.call('GET', `/api/v1/orders/${row.id}`)).body : undefined;
};
const reservedUnits = (o: { allocations: { lines: { qty: number }[] }[] }) => o.allocations.flatMap((a) => a.lines).reduce((s, l) => s + l.qty, 0);
const pollState = async (channel: string) => (await sql<{ cursor: string | null; last_error: string | null; last_polled_at: Date | null }>`select cursor, last_error, last_polled_at from channel_poll_state where channel_id = ${channel}`.execute(t.db.db)).rows[0];
const countOrders = async () => (await sql<{ n: number }>`select count(*)::int as n from orders`.execute(t.db.db)).rows[0]!.n;
const requests = (path: string | RegExp) => seen.filter((s) => (typeof path === 'string' ? s.path === path : path.test(s.path)));

beforeAll(async () => {
  [t, fake] = await Promise.all([startTestApp(), startFakeMarketplaces()]);
  await seedWarehousesAndStock(t, [
    { sku: 'KURTA-IND-M', wh: 'A', qty: 20 }, { sku: 'DUPATTA-MUS', wh: 'A', qty: 20 }, { sku: 'BEANIE-GRY', wh: 'A', qty: 5 },
    { sku: 'MITTENS-BLU', wh: 'A', qty: 0 }, { sku: 'SCARF-RED', wh: 'A', qty: 0 },
  ], 'P');
  const mk = async (body: Record<string, unknown>) => {
    const r = await t.call('POST', '/api/v1/channels', { body });
    if (r.status !== 201) throw new Error(r.text);
    return r.body.id as string;
  };
  amazon = await mk({ type: 'amazon', name: 'Amazon IN', secret: JSON.stringify(LWA), settings: { endpoint: fake.base, token_endpoint: `${fake.base}/auth/o2/token`, marketplace_ids: ['A21TJRUUN4KGV', 'ATVPDKIKX0DER'], created_after: '2026-11-27T00:00:00Z' } });
  flipkart = await mk({ type: 'flipkart', name: 'Flipkart', secret: JSON.stringify(FK), settings: { endpoint: fake.base, created_after: '2026-11-27T00:00:00Z' } });
  await t.call('POST', `/api/v1/channels/${amazon}/listings`, { body: { channel_sku: 'B0D2PLM7Q1', sku: 'DUPATTA-MUS' } });
  await t.call('POST', `/api/v1/channels/${flipkart}/listings`, { body: { channel_sku: 'DPTFZ9QW2MNB7LKJ', sku: 'DUPATTA-MUS' } });

  const itemsIn = fixture<Record<string, any>[]>('amazon', 'items-in.json');
  amz.orders.push(A, D, C, E, B);
  for (const o of [A, C]) amz.items.set(o.AmazonOrderId, itemsIn);
  amz.items.set(E.AmazonOrderId, [{ ...itemsIn[0], ItemPrice: { CurrencyCode: 'INR', Amount: '2,097.00' } }]);
  amz.items.set(B.AmazonOrderId, fixture('amazon', 'items-us.json'));
  amz.throttleOnce.add(A.AmazonOrderId);

  fk.pre.push(F1);
  fk.pre2.push(F2);
  const details = fixture('flipkart', 'shipment-details.json');
  fk.details.set(F1.shipmentId, details);
  fk.details.set(F2.shipmentId, { ...details, shipmentId: F2.shipmentId, orderId: 'OD432198799887766500', deliveryAddress: { ...details.deliveryAddress, firstName: 'Ravi', lastName: 'Kumar', contactNumber: '9900099000' } });
});
afterAll(async () => {
  await t.close();
  await new Promise((r) => fake.server.close(r));
});

describe('Amazon SP-API poller', () => {
  it('takes in new orders with exact lines, money and reservations, skipping Pending and reporting the malformed one', async () => {
    const r = await poll(amazon);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ fetched: 5, created: 3, cancelled: 0, skipped: 1, already_known: 0 });
    expect(r.body.errors).toEqual([expect.objectContaining({ external_id: E.AmazonOrderId, code: 'malformed_payload', stage: 'intake' })]);

    const a = await orderOf(amazon, A.AmazonOrderId);
    expect(a).toMatchObject({ status: 'allocated', currency: 'INR', payment_method: 'cod', shipping_amount: 4000, total_amount: 233700, holds: [] });
    expect(a.lines.map((l: any) => [l.sku, l.qty, l.unit_price_amount, l.discount_amount, l.tax_amount])).toEqual([['KURTA-IND-M', 3, 69900, 20000, 9034], ['DUPATTA-MUS', 2, 20000, 0, 4286]]);
    expect(reservedUnits(a)).toBe(5);
    expect(await orderOf(amazon, D.AmazonOrderId)).toBeUndefined();
    expect(await orderOf(amazon, E.AmazonOrderId)).toBeUndefined();
  });

  it('records an FBA (AFN) order with every line fulfilled by Amazon and no warehouse work', async () => {
    const b = await orderOf(amazon, B.AmazonOrderId);
    expect(b).toMatchObject({ status: 'closed', currency: 'USD', total_amount: 3791, fulfillment_orders: [], allocations: [] });
    expect(b.lines.every((l: any) => l.fulfilled_externally)).toBe(true);
  });

  it('asks for an LWA token with the documented form fields and sends it as x-amz-access-token', async () => {
    const [token] = requests('/auth/o2/token');
    expect(token!.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(new URLSearchParams(token!.body))).toEqual({ grant_type: 'refresh_token', ...LWA });
    const calls = requests(/^\/orders\/v0\//);
    expect(calls.every((c) => c.headers['x-amz-access-token'] === AMZ_TOKEN && String(c.headers['user-agent']).startsWith('Tandem/'))).toBe(true);
    expect(calls.some((c) => 'authorization' in c.headers)).toBe(false);
    const [first, second] = requests('/orders/v0/orders');
    expect(Object.fromEntries(first!.query)).toEqual({ MarketplaceIds: 'A21TJRUUN4KGV,ATVPDKIKX0DER', LastUpdatedAfter: '2026-11-27T00:00:00.000Z', MaxResultsPerPage: '100' });
    expect(Object.fromEntries(second!.query)).toEqual({ MarketplaceIds: 'A21TJRUUN4KGV,ATVPDKIKX0DER', NextToken: 'next-1' });
  });

  it('waits out a 429 and retries, follows the items NextToken, and never fetches items of a Pending order', async () => {
    const items = requests(`/orders/v0/orders/${A.AmazonOrderId}/orderItems`);
    expect(items.map((i) => i.query.get('NextToken'))).toEqual([null, null, `items-${A.AmazonOrderId}`]);
    expect(requests(`/orders/v0/orders/${D.AmazonOrderId}/orderItems`)).toHaveLength(0);
  });

  it('stores the cursor as the latest change minus the overlap, and the malformed order as the last error', async () => {
    const state = await pollState(amazon);
    expect(state).toMatchObject({ cursor: '2026-11-29T17:30:40.000Z' });
    expect(state!.last_error).toContain(E.AmazonOrderId);
    expect(state!.last_polled_at).toBeInstanceOf(Date);
  });

  it('creates nothing on a second poll, nor when the cursor is lost and every order comes again', async () => {
    const before = await countOrders();
    const again = await poll(amazon);
    expect(again.body).toMatchObject({ fetched: 1, created: 0, already_known: 1, errors: [] });
    expect(requests('/orders/v0/orders').at(-1)!.query.get('LastUpdatedAfter')).toBe('2026-11-29T17:30:40.000Z');
    await sql`update channel_poll_state set cursor = null where channel_id = ${amazon}`.execute(t.db.db);
    const replay = await poll(amazon);
    expect(replay.body).toMatchObject({ fetched: 5, created: 0, already_known: 3, skipped: 1 });
    expect(replay.body.errors).toHaveLength(1);
    expect(await countOrders()).toBe(before);
    expect((await pollState(amazon))!.cursor).toBe('2026-11-29T17:30:40.000Z');
  });

  it('cancels an order that became Canceled on Amazon, releasing its stock', async () => {
    expect(reservedUnits(await orderOf(amazon, C.AmazonOrderId))).toBe(5);
    Object.assign(C, { OrderStatus: 'Canceled', LastUpdateDate: '2026-11-30T10:00:00Z' });
    const r = await poll(amazon);
    expect(r.body).toMatchObject({ cancelled: 1, created: 0 });
    const c = await orderOf(amazon, C.AmazonOrderId);
    expect(c.status).toBe('cancelled');
    expect(reservedUnits(c)).toBe(0);
    expect((await poll(amazon)).body).toMatchObject({ cancelled: 0, already_known: 1 });
  });

  it('holds the cursor before an order that failed transiently, and takes it in on the next poll', async () => {
    // One item each, so no stated OrderTotal to compare with.
    const G = copyOfA('403-5550004-0000004', '2026-11-30T11:00:00Z', { OrderTotal: undefined });
    const H = copyOfA('403-5550005-0000005', '2026-11-30T12:00:00Z', { OrderTotal: undefined });
    amz.orders.push(G, H);
    amz.items.set(G.AmazonOrderId, [fixture<unknown[]>('amazon', 'items-in.json')[0]]);
    amz.items.set(H.AmazonOrderId, [fixture<unknown[]>('amazon', 'items-in.json')[1]]);
    amz.failOnce.add(G.AmazonOrderId);
    const first = await poll(amazon);
    expect(first.body).toMatchObject({ created: 1, errors: [expect.objectContaining({ external_id: G.AmazonOrderId, code: 'channel_error', stage: 'items' })] });
    expect((await pollState(amazon))!.cursor).toBe('2026-11-30T10:55:00.000Z');
    const second = await poll(amazon);
    expect(second.body).toMatchObject({ created: 1, errors: [] });
    expect((await orderOf(amazon, G.AmazonOrderId)).status).toBe('allocated');
    expect((await pollState(amazon))).toMatchObject({ cursor: '2026-11-30T11:55:00.000Z', last_error: null });
  });

  it('leaves orders for the next poll when its time budget is spent, without moving the cursor past them', async () => {
    const I = copyOfA('403-5550006-0000006', '2026-11-30T13:00:00Z', { OrderTotal: undefined });
    amz.orders.push(I);
    amz.items.set(I.AmazonOrderId, [fixture<unknown[]>('amazon', 'items-in.json')[0]]);
    const spent = await pollAmazon(t.db.db, amazon, { budgetMs: -1 });
    expect(spent).toMatchObject({ fetched: 2, created: 0, deferred: 2, cursor: '2026-11-30T11:55:00.000Z' });
    expect((await poll(amazon)).body).toMatchObject({ created: 1, deferred: 0, cursor: '2026-11-30T12:55:00.000Z' });
  });
});

describe('Flipkart Seller API poller', () => {
  it('takes in new shipments across pages with their addresses, lines and reservations', async () => {
    const before = Date.now();
    const r = await poll(flipkart);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ fetched: 2, created: 2, errors: [] });
    const f1 = await orderOf(flipkart, F1.shipmentId);
    expect(f1).toMatchObject({ status: 'allocated', number: 'OD432198765432101100', payment_method: 'cod', shipping_amount: 4000, total_amount: 233700, holds: [] });
    expect(f1.shipping_address).toMatchObject({ name: 'Ananya Iyer', postal_code: '560095', phone: '+919845098450' });
    expect(f1.lines.map((l: any) => [l.sku, l.qty, l.unit_price_amount, l.discount_amount])).toEqual([['KURTA-IND-M', 2, 99900, 20000], ['DUPATTA-MUS', 1, 49900, 0]]);
    expect(reservedUnits(f1)).toBe(3);
    const f2 = await orderOf(flipkart, F2.shipmentId);
    expect(f2).toMatchObject({ status: 'allocated', priority: 'high' });
    expect(f2.lines.map((l: any) => l.fulfilled_externally)).toEqual([true, false]);
    expect(reservedUnits(f2)).toBe(1);
    const cursor = Date.parse((await pollState(flipkart))!.cursor!);
    expect(cursor).toBeGreaterThanOrEqual(before - 5 * 60_000);
    expect(cursor).toBeLessThanOrEqual(Date.now() - 5 * 60_000);
  });

  it('uses the documented token call, filter body, next page URL and shipping details call', async () => {
    const [token] = requests('/oauth-service/oauth/token');
    expect(token).toMatchObject({ method: 'GET' });
    expect(Object.fromEntries(token!.query)).toEqual({ grant_type: 'client_credentials', scope: 'Seller_Api' });
    expect(token!.headers.authorization).toBe(`Basic ${Buffer.from(`${FK.app_id}:${FK.app_secret}`).toString('base64')}`);
    const filters = requests('/sellers/v3/shipments/filter/').map((f) => JSON.parse(f.body));
    expect(filters[0]).toEqual({ filter: { type: 'preDispatch', states: ['APPROVED', 'PACKING_IN_PROGRESS', 'FORM_FAILED', 'PACKED', 'READY_TO_DISPATCH'], modifiedDate: { from: '2026-11-27T00:00:00.000Z', to: expect.any(String) } }, pagination: { pageSize: 20 } });
    expect(filters.slice(1, 4).map((f) => [f.filter.type, f.filter.states, f.filter.cancellationType, f.filter.cancellationDate.from])).toEqual(
      ['buyerCancellation', 'sellerCancellation', 'marketplaceCancellation'].map((c) => ['cancelled', ['CANCELLED'], c, '2026-11-27T00:00:00.000Z']),
    );
    expect(requests('/sellers/v3/shipments/filter').map((n) => [n.method, n.query.get('next_token')])).toEqual([['GET', 'pre-2']]);
    expect(requests(/^\/sellers\/v3\/shipments\/[0-9a-f-]+,/).map((d) => d.path)).toEqual([`/sellers/v3/shipments/${F1.shipmentId},${F2.shipmentId}`]);
    expect(requests(/^\/sellers\//).every((s) => s.headers.authorization === `Bearer ${FK_TOKEN}`)).toBe(true);
  });

  it('creates nothing on a second poll, which starts from the stored cursor', async () => {
    const { cursor } = (await pollState(flipkart))!;
    const before = await countOrders();
    const r = await poll(flipkart);
    expect(r.body).toMatchObject({ fetched: 2, created: 0, already_known: 2, errors: [] });
    expect(await countOrders()).toBe(before);
    expect(JSON.parse(requests('/sellers/v3/shipments/filter/').at(-4)!.body).filter.modifiedDate.from).toBe(cursor);
  });

  it('cancels a cancelled item of a shipment, and a wholly cancelled shipment, once', async () => {
    fk.cancelled.set('buyerCancellation', [fixture('flipkart', 'shipment-cancelled.json')]);
    const whole = { ...F2, orderItems: F2.orderItems.map((i: Record<string, unknown>) => ({ ...i, status: 'CANCELLED', cancellationReason: 'marketplaceCancellation', cancellationDate: '2026-11-28T15:00:00.000+05:30' })) };
    fk.cancelled.set('marketplaceCancellation', [whole]);
    // A new shipment whose first item was cancelled before Tandem saw it: that item never becomes a line, and
    // its cancellation must not cancel the rest.
    const F3: Record<string, any> = { ...fixture('flipkart', 'shipment-cancelled.json'), shipmentId: '7a1c0f3e-9b2d-4c5e-8f60-1d2e3f4a5b6c', updatedAt: '2026-11-28T16:03:00.000+05:30' };
    F3.orderItems = F3.orderItems.map((i: Record<string, unknown>) => ({ ...i, orderId: 'OD432198700000000300', orderItemId: `3${String(i.orderItemId).slice(1)}` }));
    const details = fixture('flipkart', 'shipment-details.json');
    fk.details.set(F3.shipmentId, { ...details, shipmentId: F3.shipmentId, deliveryAddress: { ...details.deliveryAddress, contactNumber: '9811198111' } });
    fk.pre.push(F3);
    fk.cancelled.set('sellerCancellation', [F3]);

    const r = await poll(flipkart);
    expect(r.body).toMatchObject({ fetched: 6, created: 1, cancelled: 2, already_known: 3, errors: [] });
    const f1 = await orderOf(flipkart, F1.shipmentId);
    expect(f1.status).not.toBe('cancelled');
    expect(f1.lines.map((l: any) => [l.sku, l.qty_cancelled])).toEqual([['KURTA-IND-M', 2], ['DUPATTA-MUS', 0]]);
    expect(reservedUnits(f1)).toBe(1);
    const f2 = await orderOf(flipkart, F2.shipmentId);
    expect(f2.status).toBe('cancelled');
    expect(reservedUnits(f2)).toBe(0);
    const f3 = await orderOf(flipkart, F3.shipmentId);
    expect(f3).toMatchObject({ status: 'allocated' });
    expect(f3.lines.map((l: any) => [l.sku, l.qty, l.qty_cancelled])).toEqual([['DUPATTA-MUS', 1, 0]]);
    expect((await poll(flipkart)).body).toMatchObject({ created: 0, cancelled: 0, already_known: 6, errors: [] });
  });
});

describe('poll route and job', () => {
  it('refuses channels that cannot be polled, with a clear reason, and callers without the role', async () => {
    const mk = async (name: string, body: Record<string, unknown>) => (await t.call('POST', '/api/v1/channels', { body: { name, ...body } })).body.id as string;
    const noSecret = await mk('Amazon no secret', { type: 'amazon', settings: { endpoint: fake.base, marketplace_ids: ['A21TJRUUN4KGV'] } });
    const noIds = await mk('Amazon no ids', { type: 'amazon', secret: JSON.stringify(LWA), settings: { endpoint: fake.base } });
    const plainHttp = await mk('Flipkart http', { type: 'flipkart', secret: JSON.stringify(FK), settings: { endpoint: 'http://example.com' } });
    const shop = await mk('Shop', { type: 'shopify', secret: 'shpss_0123456789' });
    for (const [id, field] of [[noSecret, 'secret'], [noIds, 'marketplace_ids'], [plainHttp, 'endpoint']] as const) {
      const r = await poll(id);
      expect(r.status, r.text).toBe(400);
      expect(r.body).toMatchObject({ code: 'poller_misconfigured' });
      expect(r.body.detail ?? r.body.title).toContain(field);
    }
    expect((await pollState(noSecret))!.last_error).toContain('poller_misconfigured');
    expect((await poll(shop)).body.code).toBe('poll_not_supported');
    expect((await poll('ch_missing')).status).toBe(404);
    expect((await poll(amazon, await t.keyFor('picker'))).status).toBe(403);
    expect((await poll(amazon, await t.keyFor('ops'))).status).toBe(200);
  });

  it('polls every marketplace channel from the background job, one failing channel not stopping the others', async () => {
    const job = JOBS.find((j) => j.name === 'poll-marketplaces')!;
    expect(job.everyMs).toBe(60_000);
    const results = (await job.run(t.db.db)) as { channel_id: string; summary?: { created: number }; error?: string }[];
    expect(results.find((r) => r.channel_id === amazon)).toMatchObject({ summary: { created: 0 } });
    expect(results.find((r) => r.channel_id === flipkart)).toMatchObject({ summary: { created: 0 } });
    expect(results.filter((r) => r.error).map((r) => r.error)).toEqual(expect.arrayContaining([expect.stringContaining('poller_misconfigured')]));
  });
});
