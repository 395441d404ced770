import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { drifts, inventorySnapshot } from '../helpers/inventory.js';
import { orderBody, seedWarehousesAndStock } from '../helpers/seed.js';
import { shipOrderDirect } from '../helpers/ship.js';

/**
 * Purchase limits (OWASP API6): per-SKU caps per order and per customer, over real HTTP on real PostgreSQL.
 * Each test uses its own SKU, so the limits and counters of one never touch another.
 */

let t: TestApp;
let shop: string;
const SHOP_SECRET = 'shpss_limits_secret_0123456789';

beforeAll(async () => {
  t = await startTestApp({ poolSize: 30 });
  await seedWarehousesAndStock(t, [
    { sku: 'PL-VAL', wh: 'A', qty: 10 },
    { sku: 'PL-ORD', wh: 'A', qty: 50 },
    { sku: 'PL-CUS', wh: 'A', qty: 50 },
    { sku: 'PL-FLASH', wh: 'A', qty: 100 },
    { sku: 'PL-HOLD', wh: 'A', qty: 100 },
    { sku: 'PL-IDEM', wh: 'A', qty: 50 },
    { sku: 'PL-ANON', wh: 'A', qty: 50 },
    { sku: 'PL-WIN', wh: 'A', qty: 50 },
    { sku: 'PL-CSV', wh: 'A', qty: 50 },
    { sku: 'PL-EXC', wh: 'A', qty: 50 },
    { sku: 'PL-CHAN', wh: 'A', qty: 50 },
    { sku: 'PL-AFN', wh: 'A', qty: 50 },
    { sku: 'HK-TEE', wh: 'A', qty: 20 },
    { sku: 'HK-MUG', wh: 'A', qty: 20 },
  ], 'L');
  // Same customer, same lines, many times is exactly what these tests do: the duplicate-order hold would mask them.
  expect((await t.call('PUT', '/api/v1/order-rules', { body: { duplicate_window_minutes: 0 } })).status).toBe(200);
  const ch = await t.call('POST', '/api/v1/channels', { body: { type: 'shopify', name: 'Shopify limits', secret: SHOP_SECRET } });
  if (ch.status !== 201) throw new Error(`channel: ${ch.status} ${ch.text}`);
  shop = ch.body.id;
  await t.call('POST', `/api/v1/channels/${shop}/listings`, { body: { channel_sku: '39072856', sku: 'HK-MUG' } });
});
afterAll(async () => t.close());

const setLimit = async (body: Record<string, unknown>) => {
  const r = await t.call('PUT', '/api/v1/purchase-limits', { body });
  if (r.status !== 200) throw new Error(`limit: ${r.status} ${r.text}`);
  return r.body as { id: string };
};
const buyer = (email: string | undefined, phone?: string) => ({ name: 'Hot Item Fan', ...(email ? { email } : {}), ...(phone ? { phone } : {}) });
const order = (sku: string, qty: number, customer: Record<string, unknown>, over: Record<string, unknown> = {}) =>
  t.call('POST', '/api/v1/orders', { body: orderBody([{ sku, qty }], { customer, ...over }) });
const reservedOf = async (sku: string) =>
  (await sql<{ n: number }>`select coalesce(sum(r.qty), 0)::int as n from reservations r join skus k on k.id = r.sku_id where k.sku = ${sku} and r.status = 'open'`.execute(t.db.db)).rows[0]!.n;
const counted = async (limitId: string) =>
  (await sql<{ n: number }>`select coalesce(sum(units), 0)::int as n from purchase_limit_counters where limit_id = ${limitId}`.execute(t.db.db)).rows[0]!.n;
const ordersOf = async (sku: string) =>
  (await sql<{ n: number }>`select count(distinct l.order_id)::int as n from order_lines l join skus k on k.id = l.sku_id where k.sku = ${sku}`.execute(t.db.db)).rows[0]!.n;

describe('setting purchase limits', () => {
  it('refuses malformed and contradictory limits with clear errors and saves nothing', async () => {
    const bad: [Record<string, unknown>, number, string, string?][] = [
      [{ sku: 'PL-VAL', action: 'reject', max_units_per_order: 2, surprise: true }, 400, 'validation_failed'],
      [{ sku: 'PL-VAL', action: 'block', max_units_per_order: 2 }, 400, 'validation_failed'],
      [{ sku: 'PL-VAL', action: 'reject', max_units_per_order: 0 }, 400, 'validation_failed'],
      [{ sku: 'PL-VAL', action: 'reject', max_units_per_order: 1.5 }, 400, 'validation_failed'],
      [{ sku: 'PL-VAL', action: 'reject', max_units_per_order: 2, active_from: 'tomorrow' }, 400, 'validation_failed'],
      [{ sku: 'PL-VAL', action: 'reject' }, 400, 'invalid_purchase_limit', '/max_units_per_order'],
      [{ sku: 'PL-VAL', action: 'reject', max_units_per_order: 2, window_hours: 24 }, 400, 'invalid_purchase_limit', '/window_hours'],
      [{ sku: 'PL-VAL', action: 'reject', max_units_per_order: 6, max_units_per_customer: 5 }, 400, 'invalid_purchase_limit', '/max_units_per_order'],
      [{ sku: 'PL-VAL', action: 'hold', max_units_per_customer: 5, active_from: '2026-12-10T00:00:00Z', active_until: '2026-12-09T00:00:00Z' }, 400, 'invalid_purchase_limit', '/active_until'],
      [{ sku: 'NO-SUCH-SKU', action: 'reject', max_units_per_order: 2 }, 404, 'sku_not_found'],
      [{ sku: 'PL-VAL', channel_id: 'ch_nope', action: 'reject', max_units_per_order: 2 }, 404, 'channel_not_found'],
    ];
    for (const [body, status, code, path] of bad) {
      const r = await t.call('PUT', '/api/v1/purchase-limits', { body });
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.body.code).toBe(code);
      if (path) expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect((await t.call('GET', '/api/v1/purchase-limits?sku=PL-VAL')).body.data).toEqual([]);
  });

  it('sets, replaces, lists and deletes a limit; only staff may change one, and each change is audited', async () => {
    const first = await t.call('PUT', '/api/v1/purchase-limits', { body: { sku: 'PL-VAL', action: 'reject', max_units_per_order: 2, note: 'launch' } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ sku: 'PL-VAL', channel_id: null, max_units_per_order: 2, max_units_per_customer: null, window_hours: null, action: 'reject', note: 'launch' });
    expect(first.body.id).toMatch(/^plim_/);
    // The same SKU × channel is replaced whole (same id; the note, not sent again, is unset).
    const again = await t.call('PUT', '/api/v1/purchase-limits', { body: { sku: 'PL-VAL', action: 'hold', max_units_per_customer: 4, window_hours: 24 } });
    expect(again.body).toMatchObject({ id: first.body.id, action: 'hold', max_units_per_order: null, max_units_per_customer: 4, window_hours: 24, note: null });
    const perChannel = await setLimit({ sku: 'PL-VAL', channel_id: shop, action: 'hold', max_units_per_order: 1 });
    expect(perChannel.id).not.toBe(first.body.id);

    const all = await t.call('GET', '/api/v1/purchase-limits?sku=PL-VAL');
    expect(all.body.data.map((l: { id: string }) => l.id).sort()).toEqual([first.body.id, perChannel.id].sort());
    expect((await t.call('GET', `/api/v1/purchase-limits?sku=PL-VAL&channel_id=${shop}`)).body.data.map((l: { id: string }) => l.id)).toEqual([perChannel.id]);
    expect((await t.call('GET', '/api/v1/purchase-limits?sku=PL-VAL&channel_id=all')).body.data.map((l: { id: string }) => l.id)).toEqual([first.body.id]);
    const paged = await t.call('GET', '/api/v1/purchase-limits?sku=PL-VAL&limit=1');
    expect(paged.body.data).toHaveLength(1);
    expect((await t.call('GET', `/api/v1/purchase-limits?sku=PL-VAL&limit=1&cursor=${paged.body.next_cursor}`)).body.data).toHaveLength(1);

    const picker = await t.keyFor('picker');
    const integration = await t.keyFor('integration');
    expect((await t.call('PUT', '/api/v1/purchase-limits', { key: picker, body: { sku: 'PL-VAL', action: 'reject', max_units_per_order: 1 } })).status).toBe(403);
    expect((await t.call('PUT', '/api/v1/purchase-limits', { key: integration, body: { sku: 'PL-VAL', action: 'reject', max_units_per_order: 1 } })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/purchase-limits', { key: integration })).status).toBe(200);
    const ops = await t.keyFor('ops');
    expect((await t.call('DELETE', `/api/v1/purchase-limits/${perChannel.id}`, { key: ops })).status).toBe(204);
    expect((await t.call('DELETE', `/api/v1/purchase-limits/${perChannel.id}`)).body.code).toBe('purchase_limit_not_found');
    await t.call('DELETE', `/api/v1/purchase-limits/${first.body.id}`);
    expect((await t.call('GET', '/api/v1/purchase-limits?sku=PL-VAL')).body.data).toEqual([]);

    const audit = await t.call('GET', '/api/v1/audit?object_type=purchase_limit&limit=100');
    const actions = audit.body.data.map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a === 'PUT /api/v1/purchase-limits')).toHaveLength(3);
    expect(actions.filter((a: string) => a === 'DELETE /api/v1/purchase-limits/:id')).toHaveLength(2);
    const deleted = audit.body.data.find((e: { action: string; status: number }) => e.action === 'DELETE /api/v1/purchase-limits/:id' && e.status === 204);
    expect(deleted).toMatchObject({ object_type: 'purchase_limit', object_id: perChannel.id, before: { id: perChannel.id, max_units_per_order: 1, action: 'hold' } });
  });
});

describe('per-order caps', () => {
  it('refuses an API order over the cap with 422 naming the SKU and the limit, leaving no order, reservation or event', async () => {
    await setLimit({ sku: 'PL-ORD', action: 'reject', max_units_per_order: 2 });
    const ok = await order('PL-ORD', 2, buyer('ord-ok@example.com'));
    expect(ok.status).toBe(201);
    expect(ok.body.status).toBe('allocated');
    const before = await inventorySnapshot(t.db.db);
    const body = orderBody([{ sku: 'PL-ORD', qty: 3 }]);
    const r = await t.call('POST', '/api/v1/orders', { body });
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body.code).toBe('purchase_limit_exceeded');
    expect(r.body.detail).toContain('PL-ORD');
    expect(r.body.details).toMatchObject({ sku: 'PL-ORD', scope: 'order', limit: 2, requested: 3 });
    // Nothing of the order exists: no row, no reservation, no ledger row, no event in the outbox.
    expect((await sql`select 1 from orders where external_id = ${body.external_id as string}`.execute(t.db.db)).rows).toEqual([]);
    expect(await inventorySnapshot(t.db.db)).toEqual(before);

  });

  it('in hold mode captures the order over the cap and holds it with reason purchase_limit, reserving nothing', async () => {
    await setLimit({ sku: 'PL-ORD', action: 'hold', max_units_per_order: 2 });
    const reserved = await reservedOf('PL-ORD');
    const r = await order('PL-ORD', 5, buyer('ord-hold@example.com'));
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('on_hold');
    const hold = r.body.holds.find((h: { reason: string }) => h.reason === 'purchase_limit');
    expect(hold.detail).toContain('at most 2 unit(s) per order, this order has 5');
    expect(hold.data.violations[0]).toMatchObject({ sku: 'PL-ORD', scope: 'order', limit: 2, requested: 5 });
    expect(await reservedOf('PL-ORD')).toBe(reserved);
    // Ops decide: releasing the hold routes and reserves the order.
    const released = await t.call('POST', `/api/v1/orders/${r.body.id}/holds/${hold.id}/release`);
    expect(released.body.status).toBe('allocated');
    expect(await reservedOf('PL-ORD')).toBe(reserved + 5);
  });
});

describe('per-customer caps', () => {
  it('counts a customer across orders (e-mail case and +tags do not make a new buyer), refuses the excess, and a cancellation gives units back', async () => {
    const limit = await setLimit({ sku: 'PL-CUS', action: 'reject', max_units_per_customer: 3, window_hours: 24 });
    const a = await order('PL-CUS', 2, buyer('Meera@Example.com'));
    expect(a.status).toBe(201);
    expect((await order('PL-CUS', 1, buyer('meera+again@example.COM'))).status).toBe(201);
    const over = await order('PL-CUS', 1, buyer('meera@example.com'));
    expect(over.status).toBe(422);
    expect(over.body.details).toMatchObject({ sku: 'PL-CUS', scope: 'customer', limit: 3, requested: 1, already_bought: 3, window_hours: 24 });
    expect(over.body.detail).toContain('already bought 3');
    expect(new Date(over.body.details.window_ends_at).getTime() - new Date(over.body.details.window_start).getTime()).toBe(24 * 3_600_000);
    // Another buyer is not affected; a buyer known only by phone is counted by its digits.
    expect((await order('PL-CUS', 3, buyer('ravi@example.com'))).status).toBe(201);
    expect((await order('PL-CUS', 3, buyer(undefined, '+91 99000 11111'))).status).toBe(201);
    expect((await order('PL-CUS', 1, buyer(undefined, '099000-11111'))).status).toBe(422);

    // Cancelling one unit of the first order (partial) gives one back; the whole order, the rest.
    const line = a.body.lines[0].id;
    expect((await t.call('POST', `/api/v1/orders/${a.body.id}/cancel`, { body: { reason: 'changed mind', lines: [{ line_id: line, qty: 1 }] } })).status).toBe(200);
    expect((await order('PL-CUS', 1, buyer('meera@example.com'))).status).toBe(201);
    expect((await order('PL-CUS', 1, buyer('meera@example.com'))).status).toBe(422);
    expect((await t.call('POST', `/api/v1/orders/${a.body.id}/cancel`, { body: { reason: 'changed mind' } })).status).toBe(200);
    // Cancelling again (already cancelled) gives nothing more back.
    expect((await t.call('POST', `/api/v1/orders/${a.body.id}/cancel`, { body: { reason: 'again' } })).status).toBe(200);
    expect((await order('PL-CUS', 1, buyer('meera@example.com'))).status).toBe(201);
    expect((await order('PL-CUS', 1, buyer('meera@example.com'))).status).toBe(422);
    expect(await counted(limit.id)).toBe(3 + 3 + 3);

    const usage = await t.call('GET', `/api/v1/purchase-limits/${limit.id}/usage`);
    expect(usage.body.data.map((u: { customer_key: string; units: number }) => [u.customer_key, u.units])).toEqual([
      ['email:meera@example.com', 3], ['email:ravi@example.com', 3], ['phone:9900011111', 3],
    ]);
  });

  it('gives back only counted units: cancelling a line someone else fulfils (not counted) leaves the counter alone', async () => {
    const limit = await setLimit({ sku: 'PL-AFN', action: 'reject', max_units_per_customer: 3 });
    const lines = [{ sku: 'PL-AFN', qty: 2, fulfilled_externally: true }, { sku: 'PL-AFN', qty: 1 }] as { sku: string; qty: number }[];
    const a = await t.call('POST', '/api/v1/orders', { body: orderBody(lines, { customer: buyer('afn@example.com') }) });
    expect(a.status, a.text).toBe(201);
    expect(await counted(limit.id)).toBe(1);
    const external = a.body.lines.find((l: { fulfilled_externally: boolean }) => l.fulfilled_externally).id;
    expect((await t.call('POST', `/api/v1/orders/${a.body.id}/cancel`, { body: { reason: 'marketplace cancelled', lines: [{ line_id: external, qty: 2 }] } })).status).toBe(200);
    expect(await counted(limit.id)).toBe(1);
    expect((await order('PL-AFN', 3, buyer('afn@example.com'))).status).toBe(422);
    expect((await order('PL-AFN', 2, buyer('afn@example.com'))).status).toBe(201);
  });

  it('lets exactly the cap through when one buyer fires 40 orders at once, reserving only those units', async () => {
    const limit = await setLimit({ sku: 'PL-FLASH', action: 'reject', max_units_per_customer: 5 });
    const results = await Promise.all(Array.from({ length: 40 }, () => order('PL-FLASH', 1, buyer('flash.fan@example.com'))));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 422)).toHaveLength(35);
    expect(results.filter((r) => r.status === 422).every((r) => r.body.code === 'purchase_limit_exceeded' && r.body.details.already_bought === 5)).toBe(true);
    expect(results.filter((r) => r.status === 201).every((r) => r.body.status === 'allocated')).toBe(true);
    expect(await reservedOf('PL-FLASH')).toBe(5);
    expect(await ordersOf('PL-FLASH')).toBe(5);
    expect(await counted(limit.id)).toBe(5);
    expect(await drifts(t.db.db)).toEqual([]);
    // Another buyer still gets theirs.
    const other = await order('PL-FLASH', 5, buyer('someone.else@example.com'));
    expect(other.status).toBe(201);
    expect(await reservedOf('PL-FLASH')).toBe(10);
  });

  it('in hold mode under the same burst, holds every order past the cap and allocates exactly the cap', async () => {
    const limit = await setLimit({ sku: 'PL-HOLD', action: 'hold', max_units_per_customer: 5 });
    const results = await Promise.all(Array.from({ length: 20 }, () => order('PL-HOLD', 1, buyer('hold.fan@example.com'))));
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(results.filter((r) => r.body.status === 'allocated')).toHaveLength(5);
    expect(results.filter((r) => r.body.status === 'on_hold' && r.body.holds.some((h: { reason: string }) => h.reason === 'purchase_limit'))).toHaveLength(15);
    expect(await reservedOf('PL-HOLD')).toBe(5);
    // Held orders count (the buyer did ask for them): cancelling them gives their units back.
    expect(await counted(limit.id)).toBe(20);
    for (const r of results.filter((x) => x.body.status === 'on_hold')) {
      expect((await t.call('POST', `/api/v1/orders/${r.body.id}/cancel`, { body: { reason: 'over the limit' } })).status).toBe(200);
    }
    expect(await counted(limit.id)).toBe(5);
    expect(await drifts(t.db.db)).toEqual([]);
  });

  it('counts a replayed order once: the same Idempotency-Key, or the same external id', async () => {
    const limit = await setLimit({ sku: 'PL-IDEM', action: 'reject', max_units_per_customer: 2 });
    const body = orderBody([{ sku: 'PL-IDEM', qty: 2 }], { customer: buyer('idem@example.com') });
    const first = await t.call('POST', '/api/v1/orders', { body, headers: { 'idempotency-key': 'pl-idem-1' } });
    expect(first.status).toBe(201);
    const replay = await t.call('POST', '/api/v1/orders', { body, headers: { 'idempotency-key': 'pl-idem-1' } });
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(first.body.id);
    const redelivered = await t.call('POST', '/api/v1/orders', { body });
    expect(redelivered.status).toBe(200);
    expect(redelivered.body.id).toBe(first.body.id);
    const racing = await Promise.all(Array.from({ length: 5 }, () => t.call('POST', '/api/v1/orders', { body })));
    expect(racing.every((r) => r.status === 200 && r.body.id === first.body.id)).toBe(true);
    expect(await counted(limit.id)).toBe(2);
  });

  it('holds an order that names no customer for review instead of counting it against nobody', async () => {
    await setLimit({ sku: 'PL-ANON', action: 'reject', max_units_per_order: 3, max_units_per_customer: 3 });
    const anon = await order('PL-ANON', 1, buyer(undefined));
    expect(anon.status).toBe(201);
    expect(anon.body.status).toBe('on_hold');
    expect(anon.body.holds[0]).toMatchObject({ reason: 'purchase_limit' });
    expect(anon.body.holds[0].data.violations[0]).toMatchObject({ scope: 'unidentified_customer', sku: 'PL-ANON' });
    // The per-order cap still refuses an anonymous order outright.
    const big = await order('PL-ANON', 4, buyer(undefined));
    expect(big.status).toBe(422);
    expect(big.body.details.scope).toBe('order');
  });

  it('does not limit an exchange order, which replaces units already bought', async () => {
    const limit = await setLimit({ sku: 'PL-EXC', action: 'reject', max_units_per_customer: 1 });
    const sold = await order('PL-EXC', 1, buyer('exchanger@example.com'));
    expect(sold.status).toBe(201);
    await shipOrderDirect(t.db.db, sold.body.id);
    const ret = await t.call('POST', '/api/v1/returns', { body: { order_id: sold.body.id, lines: [{ line_id: sold.body.lines[0].id, qty: 1, reason: 'defective' }] } });
    expect(ret.status, ret.text).toBe(201);
    const ex = await t.call('POST', `/api/v1/returns/${ret.body.id}/exchange`, { body: { lines: [{ line_id: sold.body.lines[0].id, sku: 'PL-EXC', qty: 1 }] } });
    expect(ex.status, ex.text).toBe(201);
    const replacement = await t.call('GET', `/api/v1/orders/${ex.body.exchanges[0].order_id}`);
    expect(replacement.body.status).toBe('allocated');
    expect(await counted(limit.id)).toBe(1);
    // A new purchase is still over the limit: the return gave nothing back, the exchange took nothing.
    expect((await order('PL-EXC', 1, buyer('exchanger@example.com'))).status).toBe(422);
  });

  it('applies a channel\'s own limit only to that channel\'s orders', async () => {
    await setLimit({ sku: 'PL-CHAN', channel_id: shop, action: 'reject', max_units_per_order: 1 });
    const r = await order('PL-CHAN', 4, buyer('api.buyer@example.com'));
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('allocated');
  });

  it('starts counting afresh when the window ends, and applies only while the limit is active', async () => {
    // A one-hour window that began 59 min 54 s ago: it ends six seconds from now.
    const from = new Date(Date.now() - 3_600_000 + 6_000);
    await setLimit({ sku: 'PL-WIN', action: 'reject', max_units_per_customer: 1, window_hours: 1, active_from: from.toISOString() });
    expect((await order('PL-WIN', 1, buyer('win@example.com'))).status).toBe(201);
    const over = await order('PL-WIN', 1, buyer('win@example.com'));
    expect(over.status).toBe(422);
    const ends = new Date(over.body.details.window_ends_at).getTime();
    expect(ends).toBe(from.getTime() + 3_600_000);
    await new Promise((r) => setTimeout(r, Math.max(0, ends - Date.now()) + 100));
    expect((await order('PL-WIN', 1, buyer('win@example.com'))).status).toBe(201);
    expect((await order('PL-WIN', 1, buyer('win@example.com'))).status).toBe(422);

    // A sale that has not started yet, or has ended, limits nothing.
    await setLimit({ sku: 'PL-WIN', action: 'reject', max_units_per_customer: 1, active_from: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await order('PL-WIN', 3, buyer('win@example.com'))).status).toBe(201);
    await setLimit({ sku: 'PL-WIN', action: 'reject', max_units_per_customer: 1, active_from: new Date(Date.now() - 7_200_000).toISOString(), active_until: new Date(Date.now() - 3_600_000).toISOString() });
    expect((await order('PL-WIN', 3, buyer('win@example.com'))).status).toBe(201);
  });
});

/** A Shopify orders/create body (Admin REST Order format), as in hooks.test.ts. */
function shopifyOrder(id: number, email: string): Record<string, unknown> {
  return {
    id, admin_graphql_api_id: `gid://shopify/Order/${id}`, name: `#${id % 10000}`, email, created_at: '2026-11-30T10:15:00+05:30',
    currency: 'INR', presentment_currency: 'INR', financial_status: 'paid', taxes_included: true,
    total_price: '1147.00', subtotal_price: '1098.00', total_discounts: '100.00', total_tax: '167.49', payment_gateway_names: ['razorpay'], tags: '',
    customer: { id: 207119551, first_name: 'Asha', last_name: 'Rao', email, phone: `+9198${String(id).slice(-8)}` },
    shipping_address: { first_name: 'Asha', last_name: 'Rao', name: 'Asha Rao', address1: '12 MG Road', address2: 'Flat 4', city: 'Bengaluru', province: 'Karnataka', province_code: 'KA', zip: '560001', country: 'India', country_code: 'IN', phone: '+91 98450 00000' },
    shipping_lines: [{ id: 1, title: 'Standard', code: 'standard', price: '49.00', discount_allocations: [], tax_lines: [] }],
    line_items: [
      {
        id: id * 10 + 1, variant_id: 39072855, product_id: 788032119, sku: 'HK-TEE', title: 'Tee', name: 'Tee - M', quantity: 2, price: '499.00', requires_shipping: true,
        gift_card: false, fulfillable_quantity: 2, total_discount: '0.00', discount_allocations: [{ amount: '100.00', discount_application_index: 0 }],
        tax_lines: [{ title: 'IGST', price: '137.20', rate: 0.18 }],
      },
      {
        id: id * 10 + 2, variant_id: 39072856, product_id: 788032120, sku: '', title: 'Mug', name: 'Mug', quantity: 1, price: '200.00', requires_shipping: true,
        gift_card: false, fulfillable_quantity: 1, total_discount: '0.00', discount_allocations: [], tax_lines: [{ title: 'IGST', price: '30.29', rate: 0.18 }],
      },
    ],
  };
}

async function shopHook(payload: unknown) {
  const body = JSON.stringify(payload);
  return t.call('POST', `/hooks/shopify/${shop}`, {
    key: null, raw: body,
    headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': createHmac('sha256', SHOP_SECRET).update(body, 'utf8').digest('base64'), 'x-shopify-webhook-id': `wh-${Math.random()}` },
  });
}

describe('channel orders', () => {
  it('never rejects a storefront order, whose sale already happened: over a reject limit it is captured and held', async () => {
    const limit = await setLimit({ sku: 'HK-TEE', action: 'reject', max_units_per_order: 1, max_units_per_customer: 3 });
    const r = await shopHook(shopifyOrder(5830120900101, 'shopper@example.com'));
    expect(r.status).toBe(200);
    const o = (await sql<{ id: string; status: string }>`select id, status from orders where channel_id = ${shop} and external_id = '5830120900101'`.execute(t.db.db)).rows[0]!;
    expect(o.status).toBe('on_hold');
    const view = await t.call('GET', `/api/v1/orders/${o.id}`);
    const hold = view.body.holds.find((h: { reason: string }) => h.reason === 'purchase_limit');
    expect(hold.data.violations.map((v: { scope: string }) => v.scope)).toEqual(['order']);
    expect(await counted(limit.id)).toBe(2);
    // The same buyer's second storefront order passes the per-customer cap too: held again, counted, never refused.
    const second = await shopHook(shopifyOrder(5830120900102, 'Shopper@example.com'));
    expect(second.status).toBe(200);
    const o2 = (await sql<{ id: string; status: string }>`select id, status from orders where channel_id = ${shop} and external_id = '5830120900102'`.execute(t.db.db)).rows[0]!;
    expect(o2.status).toBe('on_hold');
    const v2 = (await t.call('GET', `/api/v1/orders/${o2.id}`)).body.holds.find((h: { reason: string }) => h.reason === 'purchase_limit');
    expect(v2.data.violations.map((v: { scope: string }) => v.scope).sort()).toEqual(['customer', 'order']);
    expect(v2.data.violations.find((v: { scope: string }) => v.scope === 'customer')).toMatchObject({ already_bought: 2, limit: 3, requested: 2 });
    expect(await counted(limit.id)).toBe(4);
    // A redelivered webhook counts nothing more.
    expect((await shopHook(shopifyOrder(5830120900102, 'shopper@example.com'))).status).toBe(200);
    expect(await counted(limit.id)).toBe(4);
  });
  it('holds, never refuses, CSV-imported orders over a reject limit, even in the API channel: the import is not cut short', async () => {
    await setLimit({ sku: 'PL-CSV', action: 'reject', max_units_per_order: 1 });
    const csv = [
      'order_id,order_number,currency,customer_name,customer_email,ship_line1,ship_city,ship_postal_code,ship_country,payment_method,sku,qty,unit_price',
      'PLCSV-1,PLCSV-1,INR,Imported Buyer,imp1@example.com,1 Road,Bengaluru,560001,IN,prepaid,PL-CSV,3,100.00',
      'PLCSV-2,PLCSV-2,INR,Imported Buyer,imp2@example.com,1 Road,Bengaluru,560001,IN,prepaid,PL-CSV,1,100.00',
    ].join('\n');
    const r = await t.call('POST', '/api/v1/orders/import', { raw: csv, headers: { 'content-type': 'text/csv' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ orders: 2, created: 2, aborted: false });
    const rows = (await sql<{ external_id: string; status: string }>`select external_id, status from orders where external_id like 'PLCSV-%' order by external_id`.execute(t.db.db)).rows;
    expect(rows).toEqual([{ external_id: 'PLCSV-1', status: 'on_hold' }, { external_id: 'PLCSV-2', status: 'allocated' }]);
  });
});
