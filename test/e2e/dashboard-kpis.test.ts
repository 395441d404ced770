import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { orderBody, seedWarehousesAndStock } from '../helpers/seed.js';
import { shipOrderDirect } from '../helpers/ship.js';
import { CREDENTIALS, startFakeChannels, type FakeChannels } from '../helpers/fake-channels.js';
import { runSyncCycle } from '../../src/channels/sync/index.js';
import { markDirtyListings } from '../../src/modules/channels/index.js';

/**
 * The home screen's KPIs over HTTP, on known data: orders shipped on time and late, open orders overdue / at risk /
 * on track, backorders entering and leaving, stock-outs with and without demand, picks by two pickers (and one in
 * another warehouse), two channels' stock sync. Every figure is asserted exactly, for an unscoped key and for keys
 * scoped to one warehouse.
 */
let t: TestApp;
let fake: FakeChannels;
let whA: string;
let whB: string;
let keyA: string;
let keyB: string;
const HOUR = 3_600_000;
const ids: Record<string, string> = {};

async function ok<T = any>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
  const r = await t.call(method, path, { ...(body === undefined ? {} : { body }), ...(key ? { key } : {}) });
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${r.text}`);
  return r.body as T;
}

async function place(name: string, sku: string, qty: number): Promise<string> {
  const o = await ok<{ id: string }>('POST', '/api/v1/orders', orderBody([{ sku, qty }], { number: `KPI-${name}` }));
  ids[name] = o.id;
  return o.id;
}

const setDispatchBy = (id: string, at: Date | null) => sql`UPDATE orders SET dispatch_by = ${at} WHERE id = ${id}`.execute(t.db.db);

/** Claims the next task in a warehouse as `key` and confirms every line; returns the units confirmed. */
async function pickOneTask(key: string, warehouseId: string): Promise<number> {
  let task = await ok('POST', '/api/v1/pick-tasks/claim', { warehouse_id: warehouseId }, key);
  let units = 0;
  while (task.next_line) {
    const l = task.next_line;
    const r = await ok('POST', `/api/v1/pick-tasks/${task.id}/confirm`, { bin: l.bin, sku_or_barcode: l.sku, qty: l.qty_remaining }, key);
    units += l.qty_remaining;
    task = r.task;
  }
  expect(task.status).toBe('done');
  return units;
}

let pickedBy: Record<string, { units: number; tasks: number }>;
let pickerKeys: { p1: string; p2: string; pB: string };
let pickerIds: { p1: string; p2: string; pB: string };

beforeAll(async () => {
  t = await startTestApp();
  fake = await startFakeChannels();
  ({ whA, whB } = await seedWarehousesAndStock(t, [
    { sku: 'KPI-A', wh: 'A', qty: 50 },
    { sku: 'KPI-B', wh: 'B', qty: 50 },
    { sku: 'KPI-OUT', wh: 'A', qty: 2 },
    { sku: 'KPI-PART', wh: 'B', qty: 2 },
    { sku: 'KPI-IDLE', wh: 'A', qty: 1 },
  ], 'K'));
  keyA = await t.keyFor('ops', [whA]);
  keyB = await t.keyFor('ops', [whB]);

  // SLA: three orders shipped (two from A, one from B), open orders around their deadlines.
  for (const [name, sku] of [['S1', 'KPI-A'], ['S2', 'KPI-A'], ['S3', 'KPI-B']] as const) await shipOrderDirect(t.db.db, await place(name, sku, 1));
  const now = Date.now();
  await setDispatchBy(ids.S1!, new Date(now + 24 * HOUR)); // shipped before its deadline
  await setDispatchBy(ids.S2!, new Date(now - 48 * HOUR)); // deadline long gone when it shipped
  await setDispatchBy(ids.S3!, new Date(now + 24 * HOUR));
  await place('O1', 'KPI-A', 1);
  await place('O2', 'KPI-A', 2);
  await place('O3', 'KPI-A', 3);
  await place('O4', 'KPI-B', 1);
  await setDispatchBy(ids.O1!, new Date(now - HOUR)); // overdue
  await setDispatchBy(ids.O2!, new Date(now + HOUR)); // at risk (within 120 minutes)
  await setDispatchBy(ids.O3!, new Date(now + 10 * HOUR)); // on track
  await setDispatchBy(ids.O4!, new Date(now + 30 * 60_000)); // at risk, warehouse B

  // Backorders and stock-outs: KPI-OUT's 2 units in A go to R1, W1 waits for 3 (no warehouse has any);
  // P1 gets KPI-PART's 2 units in B and waits for 3 more.
  await place('R1', 'KPI-OUT', 2);
  await place('W1', 'KPI-OUT', 3);
  await place('P1', 'KPI-PART', 5);
  for (const n of ['R1', 'W1', 'P1']) await setDispatchBy(ids[n]!, null);
  await ok('POST', '/api/v1/inventory/adjustments', { warehouse_id: whA, sku: 'KPI-IDLE', bin: 'A-01', delta: -1, reason: 'damaged' }); // zero, but nobody wanted it

  // Picks: two pickers in A, one in B.
  pickerKeys = { p1: await t.keyFor('picker', [whA]), p2: await t.keyFor('picker', [whA]), pB: await t.keyFor('picker', [whB]) };
  const keyIds = await sql<{ id: string }>`SELECT id FROM api_keys WHERE role = 'picker' ORDER BY created_at, id`.execute(t.db.db);
  pickerIds = { p1: keyIds.rows[0]!.id, p2: keyIds.rows[1]!.id, pB: keyIds.rows[2]!.id };
  await ok('POST', '/api/v1/waves', { warehouse_id: whA, strategy: 'single' });
  await ok('POST', '/api/v1/waves', { warehouse_id: whB, strategy: 'single' });
  pickedBy = { p1: { units: 0, tasks: 0 }, p2: { units: 0, tasks: 0 }, pB: { units: 0, tasks: 0 } };
  for (const who of ['p1', 'p1', 'p2', 'pB'] as const) {
    pickedBy[who]!.units += await pickOneTask(pickerKeys[who], who === 'pB' ? whB : whA);
    pickedBy[who]!.tasks++;
  }

  // Stock sync: two channels, three listings, one real sync run against the fake channels.
  for (const kind of ['woocommerce', 'shopify'] as const) {
    const ch = await ok('POST', '/api/v1/channels', { type: kind, name: `KPI ${kind}` });
    ids[kind] = ch.id;
    const skus = kind === 'woocommerce' ? ['KPI-A', 'KPI-B'] : ['KPI-A'];
    for (const [i, sku] of skus.entries()) {
      const l = await ok('POST', `/api/v1/channels/${ch.id}/listings`, { channel_sku: `${kind}-${sku}`, sku });
      const mapping = kind === 'woocommerce' ? { product_id: String(600 + i) } : { inventory_item_id: String(41000 + i) };
      await ok('PUT', `/api/v1/channels/${ch.id}/stock-policy`, { sync_enabled: true, endpoint: fake.url, credentials: CREDENTIALS[kind], ...(kind === 'shopify' ? { location_id: '7001' } : {}) });
      await ok('PUT', `/api/v1/channels/${ch.id}/listings/${l.id}/stock-sync`, mapping);
    }
  }
  await runSyncCycle(t.db.db, { timeoutMs: 5_000 });
}, 120_000);

afterAll(async () => {
  await fake?.close();
  await t?.close();
});

describe('dashboard KPIs', () => {
  it('fulfillment SLA: shipped on time vs late, open orders overdue / at risk / on track, within the scope', async () => {
    const all = await ok('GET', '/api/v1/dashboard/kpis/sla');
    expect(all.at_risk_minutes).toBe(120);
    expect(all.shipped).toEqual({ on_time: 2, late: 1, no_deadline: 0 });
    expect(all.on_time_percent).toBe(66.7);
    expect(all.shipped_by_day).toEqual([{ day: new Date().toISOString().slice(0, 10), on_time: 2, late: 1 }]);
    // Open: O1 overdue; O2, O4 at risk; O3 on track; R1, W1, P1 without a deadline. (Picking keeps them open.)
    expect(all.open).toEqual({ overdue: 1, at_risk: 2, on_track: 1, no_deadline: 3 });
    expect(all.most_urgent.map((o: { number: string }) => o.number)).toEqual(['KPI-O1', 'KPI-O4', 'KPI-O2']);

    const a = await ok('GET', '/api/v1/dashboard/kpis/sla', undefined, keyA);
    expect(a.shipped).toEqual({ on_time: 1, late: 1, no_deadline: 0 });
    // R1 has work in A; W1 has none anywhere, P1 is B's.
    expect(a.open).toEqual({ overdue: 1, at_risk: 1, on_track: 1, no_deadline: 1 });
    expect(a.most_urgent.map((o: { number: string }) => o.number)).toEqual(['KPI-O1', 'KPI-O2']);
    const b = await ok('GET', '/api/v1/dashboard/kpis/sla', undefined, keyB);
    expect(b.shipped).toEqual({ on_time: 1, late: 0, no_deadline: 0 });
    expect(b.open).toEqual({ overdue: 0, at_risk: 1, on_track: 0, no_deadline: 1 });

    // A wider at-risk window takes O3 in; a window starting after the shipments sees none of them.
    expect((await ok('GET', '/api/v1/dashboard/kpis/sla?at_risk_minutes=720')).open).toEqual({ overdue: 1, at_risk: 3, on_track: 0, no_deadline: 3 });
    const later = await ok('GET', `/api/v1/dashboard/kpis/sla?since=${encodeURIComponent(new Date().toISOString())}`);
    expect(later.shipped).toEqual({ on_time: 0, late: 0, no_deadline: 0 });
    expect(later.on_time_percent).toBeNull();
  });

  it('refuses a bad window or time zone with a problem, and a picker-only figure to a packer', async () => {
    const tz = await t.call('GET', '/api/v1/dashboard/kpis/sla?tz=Mars/Olympus');
    expect(tz.status).toBe(400);
    expect(tz.headers.get('content-type')).toContain('application/problem+json');
    expect(tz.body.code).toBe('invalid_time_zone');
    const inject = await t.call('GET', `/api/v1/dashboard/kpis/backorders?tz=${encodeURIComponent("UTC'; --")}`);
    expect(inject.body.code).toBe('invalid_time_zone');
    const old = await t.call('GET', `/api/v1/dashboard/kpis/backorders?since=${encodeURIComponent(new Date(Date.now() - 100 * 86_400_000).toISOString())}`);
    expect(old.status).toBe(400);
    expect(old.body.code).toBe('invalid_window');
    const packer = await t.keyFor('packer', [whA]);
    expect((await t.call('GET', '/api/v1/dashboard/kpis/pick-rate', { key: packer })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/dashboard/kpis/sync-lag', { key: packer })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/dashboard/kpis/stock-outs', { key: packer })).status).toBe(200);
    expect((await t.call('GET', '/api/v1/dashboard/kpis/sla', { key: await t.keyFor('integration') })).status).toBe(403);
  });

  it('stock-outs: zero available with demand, most wanted first; a row nobody wanted is left out', async () => {
    const all = await ok('GET', '/api/v1/dashboard/kpis/stock-outs');
    expect(all.total).toBe(2);
    expect(all.data.map((r: Record<string, unknown>) => ({ sku: r.sku, wh: r.warehouse_id, on_hand: r.on_hand, reserved: r.reserved, available: r.available, reserved_since: r.reserved_since, waiting_orders: r.waiting_orders }))).toEqual([
      { sku: 'KPI-OUT', wh: whA, on_hand: 2, reserved: 2, available: 0, reserved_since: 2, waiting_orders: 1 },
      { sku: 'KPI-PART', wh: whB, on_hand: 2, reserved: 2, available: 0, reserved_since: 2, waiting_orders: 1 },
    ]);
    const a = await ok('GET', '/api/v1/dashboard/kpis/stock-outs', undefined, keyA);
    expect(a.data.map((r: { sku: string }) => r.sku)).toEqual(['KPI-OUT']);
    expect(a.total).toBe(1);
    expect((await ok('GET', '/api/v1/dashboard/kpis/stock-outs?limit=1')).data).toHaveLength(1);
  });

  it('pick rate per picker: confirmations and units from the pick events, scoped by warehouse', async () => {
    const all = await ok('GET', '/api/v1/dashboard/kpis/pick-rate');
    expect(all.hours).toBe(8);
    // Tasks in A: O1 (1 unit), O2 (2), O3 (3), R1 (2); three of them picked. In B: O4 (1), P1 (2); one picked.
    expect(pickedBy.p1!.units + pickedBy.p2!.units).toBeGreaterThanOrEqual(4);
    const byPicker = Object.fromEntries(all.pickers.map((p: { picker: string }) => [p.picker, p]));
    expect(Object.keys(byPicker).sort()).toEqual([pickerIds.p1, pickerIds.p2, pickerIds.pB].sort());
    for (const who of ['p1', 'p2', 'pB'] as const) {
      const row = byPicker[pickerIds[who]];
      expect(row).toMatchObject({ name: 'test picker', units: pickedBy[who]!.units, active_hours: expect.any(Number) });
      // One confirmation per line: single-order tasks of one SKU each.
      expect(row.confirms).toBe(pickedBy[who]!.tasks);
      expect(row.units_per_hour).toBe(Math.round((pickedBy[who]!.units / row.active_hours) * 10) / 10);
    }
    expect(all.by_hour.reduce((s: number, h: { units: number }) => s + h.units, 0)).toBe(pickedBy.p1!.units + pickedBy.p2!.units + pickedBy.pB!.units);
    const a = await ok('GET', '/api/v1/dashboard/kpis/pick-rate', undefined, keyA);
    expect(a.pickers.map((p: { picker: string }) => p.picker).sort()).toEqual([pickerIds.p1, pickerIds.p2].sort());
    const b = await ok('GET', '/api/v1/dashboard/kpis/pick-rate', undefined, keyB);
    expect(b.pickers).toEqual([expect.objectContaining({ picker: pickerIds.pB, units: pickedBy.pB!.units, confirms: 1 })]);
  });

  it('sync lag per channel: listings, pending, p50/p99/max of the last pushes, how long a change has waited', async () => {
    const first = await ok('GET', '/api/v1/dashboard/kpis/sync-lag');
    const byName = (r: { data: { name: string }[] }): Record<string, any> => Object.fromEntries(r.data.map((c) => [c.name, c]));
    expect(byName(first)['KPI woocommerce']).toMatchObject({ listings: 2, pending: 0, errors: 0, pending_for_ms: null, last_acknowledged_at: expect.any(String) });
    expect(byName(first)['KPI shopify']).toMatchObject({ listings: 1, pending: 0, errors: 0 });
    // The real run's lags vary; known lags make the percentiles exact (percentile_disc: a value that occurred).
    await sql`UPDATE channel_stock_sync s SET last_lag_ms = v.lag FROM (VALUES (${'woocommerce-KPI-A'}, 100), (${'woocommerce-KPI-B'}, 900), (${'shopify-KPI-A'}, 250)) v(csku, lag), listings l
              WHERE l.id = s.listing_id AND l.channel_sku = v.csku`.execute(t.db.db);
    // A stock change the sync has not run for yet: both channels list KPI-A.
    await ok('POST', '/api/v1/inventory/adjustments', { warehouse_id: whA, sku: 'KPI-A', bin: 'A-01', delta: 1, reason: 'found' });
    await markDirtyListings(t.db.db, 1000); // the worker's first step, without pushing
    const after = byName(await ok('GET', '/api/v1/dashboard/kpis/sync-lag'));
    expect(after['KPI woocommerce']).toMatchObject({ listings: 2, pending: 1, lag_ms: { p50: 100, p99: 900, max: 900 } });
    expect(after['KPI woocommerce']!.pending_for_ms).toBeGreaterThanOrEqual(0);
    expect(after['KPI shopify']).toMatchObject({ listings: 1, pending: 1, lag_ms: { p50: 250, p99: 250, max: 250 } });
    // Channels are not warehouse-scoped: a scoped ops key reads the same list.
    expect((await ok('GET', '/api/v1/dashboard/kpis/sync-lag', undefined, keyB)).data).toHaveLength(2);
  });

  // Last: it changes the data the others read.
  it('backorders: waiting now, and per day the orders that started and stopped waiting', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const before = await ok('GET', '/api/v1/dashboard/kpis/backorders');
    expect(before).toMatchObject({ orders: 2, units: 6, by_day: [{ day: today, new_orders: 2, new_units: 6, resolved_orders: 0 }] });
    expect(await ok('GET', '/api/v1/dashboard/kpis/backorders', undefined, keyA)).toMatchObject({ orders: 0, units: 0, by_day: [] }); // W1 has no warehouse yet
    expect(await ok('GET', '/api/v1/dashboard/kpis/backorders', undefined, keyB)).toMatchObject({ orders: 1, units: 3, by_day: [{ day: today, new_orders: 1, new_units: 3, resolved_orders: 0 }] });

    await ok('POST', `/api/v1/orders/${ids.W1}/cancel`, { reason: 'customer gave up waiting' });
    const after = await ok('GET', '/api/v1/dashboard/kpis/backorders');
    expect(after).toMatchObject({ orders: 1, units: 3, by_day: [{ day: today, new_orders: 2, new_units: 6, resolved_orders: 1 }] });
    // The strip's count agrees.
    expect((await ok('GET', '/api/v1/dashboard/kpis')).backordered).toBe(1);
    // Days are the viewer's: far enough east, today's events may fall on tomorrow's date — never lost.
    const east = await ok('GET', '/api/v1/dashboard/kpis/backorders?tz=Pacific/Kiritimati');
    expect(east.by_day.reduce((s: number, d: { new_orders: number }) => s + d.new_orders, 0)).toBe(2);
  });
});
