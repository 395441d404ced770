import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../test/helpers/db.js';
import { drifts } from '../../test/helpers/inventory.js';
import { withTx } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import type { Principal } from '../modules/auth/index.js';
import { createSku } from '../modules/catalog/index.js';
import { ensureApiChannel } from '../modules/channels/index.js';
import { openCount, receiveStock } from '../modules/inventory/index.js';
import type { OrderInput } from '../modules/orders/index.js';
import { createBins, createWarehouse } from '../modules/warehouse/index.js';
import { captureOrder } from './capture-order.js';
import { cancelOrder } from './order-actions.js';
import { createWave } from './wave-release.js';

/** Wave release on real PostgreSQL: which orders go first, which bins give the units, and that no unit is promised twice. */

let t: TestDb;
let channelId: string;
const ops: Principal = { id: 'key_ops', name: 'ops', role: 'ops', warehouseIds: null };
const wh: Record<string, string> = {};
const bin: Record<string, string> = {};
const sku: Record<string, string> = {};

/** A warehouse of 3 aisles × 4 positions in zones A (aisles 1–2) and B (aisle 3), plus a non-pickable reserve bin. */
async function seedWarehouse(code: string): Promise<void> {
  await withTx(t.db, async (tx) => {
    wh[code] = (await createWarehouse(tx, { code, name: code, address: { line1: '1 Dock Road', city: 'Pune', postal_code: '411001', country: 'IN' }, timezone: 'Asia/Kolkata', cutoff_time: '16:00' })).id;
    const bins = [];
    for (let a = 1; a <= 3; a++) for (let p = 1; p <= 4; p++) bins.push({ code: `${a}-${p}`, zone: a <= 2 ? 'A' : 'B', aisle: a, position: p, walk_sequence: a * 10 + p });
    bins.push({ code: 'RESERVE', pickable: false, walk_sequence: 999 });
    for (const b of await createBins(tx, wh[code]!, bins)) bin[`${code}:${b.code}`] = b.id;
  });
}

beforeAll(async () => {
  t = await createTestDb(30);
  await withTx(t.db, async (tx) => {
    channelId = (await ensureApiChannel(tx)).id;
    for (const s of ['TEE1', 'TEE2', 'MUG2', 'CAP', 'MILK', 'HOT', 'LOW', 'Z1', 'Z2', 'TEE5']) sku[s] = (await createSku(tx, { sku: s, name: `Item ${s}` })).id;
  });
  for (const code of ['W1', 'W2', 'W3', 'W4', 'W5']) await seedWarehouse(code);
});
afterAll(async () => t.close());

let n = 0;
async function order(lines: OrderInput['lines'], over: Partial<OrderInput> = {}): Promise<string> {
  n++;
  const input: OrderInput = {
    external_id: `WAVE-${n}`, currency: 'INR', customer: { name: `Buyer ${n}`, phone: `+91 91000 ${String(10000 + n)}` },
    shipping_address: { line1: '1 MG Road', city: 'Pune', postal_code: '411001', country: 'IN' }, payment: { method: 'prepaid' }, lines, ...over,
  };
  const { order: o } = await captureOrder(t.db, channelId, input);
  return o.id;
}
const receive = (w: string, lines: { sku: string; qty: number; bin: string; lot?: string; expires_on?: string }[]) =>
  withTx(t.db, (tx) => receiveStock(tx, { warehouse_id: wh[w]!, lines: lines.map((l) => ({ sku_id: sku[l.sku]!, qty: l.qty, bin_id: bin[`${w}:${l.bin}`]!, lot: l.lot, expires_on: l.expires_on })), reference: 'seed' }));
const foOf = async (orderId: string) => (await t.db.selectFrom('fulfillment_orders').selectAll().where('order_id', '=', orderId).executeTakeFirstOrThrow());
const picksOf = async (orderId: string) =>
  (await sql<{ bin: string; lot: string; qty: number; task_id: string; slot: number | null }>`
    select b.code as bin, l.lot, l.qty, l.task_id, l.slot from pick_task_lines l join fulfillment_orders f on f.id = l.fulfillment_order_id join bins b on b.id = l.bin_id
    where f.order_id = ${orderId} order by l.task_id, l.seq`.execute(t.db)).rows;
const code = async (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (err: unknown) => { if (err instanceof AppError) return err.code; throw err; });

describe('choosing fulfillment orders', () => {
  it('releases orders due before the next cut-off first, then by priority, dispatch_by and age; held orders wait', async () => {
    await receive('W1', [{ sku: 'TEE1', qty: 50, bin: '1-1' }]);
    const lateUrgent = await order([{ sku: 'TEE1', qty: 1, unit_price_amount: 100 }], { priority: 'urgent' });
    const dueLow = await order([{ sku: 'TEE1', qty: 1, unit_price_amount: 100 }], { priority: 'low' });
    const lateNormal = await order([{ sku: 'TEE1', qty: 1, unit_price_amount: 100 }]);
    const now = new Date('2026-12-01T08:00:00Z'); // 13:30 in Pune: today's 16:00 cut-off is 10:30Z
    await sql`update fulfillment_orders set dispatch_by = '2026-12-01T10:00:00Z' where order_id = ${dueLow}`.execute(t.db);
    await sql`update fulfillment_orders set dispatch_by = '2026-12-03T10:00:00Z' where order_id in (${lateUrgent}, ${lateNormal})`.execute(t.db);
    // Keep other tests' orders of W1 out of the way: only these three are pending there.
    const first = await createWave(t.db, ops, { warehouse_id: wh.W1!, strategy: 'single', max_orders: 2 }, now);
    const ids = await Promise.all([dueLow, lateUrgent, lateNormal].map(foOf));
    expect(first.fulfillment_order_ids.sort()).toEqual([ids[0]!.id, ids[1]!.id].sort());
    expect(first.tasks).toHaveLength(2);
    expect((await foOf(lateNormal)).status).toBe('pending');
    expect(first).toMatchObject({ status: 'released', orders: 2, units: 2, progress: { units: 2, units_picked: 0, percent: 0 } });

    await sql`insert into order_holds (id, order_id, reason, detail) values ('hold_t1', ${lateNormal}, 'manual', 'test')`.execute(t.db);
    expect(await code(createWave(t.db, ops, { warehouse_id: wh.W1!, strategy: 'single' }, now))).toBe('nothing_to_release');
  });

  it('keeps limits and filters: single-line orders only, max units, carrier', async () => {
    await receive('W2', [{ sku: 'TEE2', qty: 20, bin: '1-2' }, { sku: 'MUG2', qty: 20, bin: '2-3' }]);
    const two = await order([{ sku: 'TEE2', qty: 1, unit_price_amount: 100 }, { sku: 'MUG2', qty: 1, unit_price_amount: 100 }]);
    const big = await order([{ sku: 'TEE2', qty: 5, unit_price_amount: 100 }], { shipping_method: 'Delhivery Surface' });
    const small = await order([{ sku: 'MUG2', qty: 2, unit_price_amount: 100 }], { shipping_method: 'BlueDart Express' });
    const w = await createWave(t.db, ops, { warehouse_id: wh.W2!, strategy: 'single', single_line_only: true, max_units: 4 });
    expect(w.fulfillment_order_ids).toEqual([(await foOf(small)).id]);
    const c = await createWave(t.db, ops, { warehouse_id: wh.W2!, strategy: 'single', carrier: 'delhivery' });
    expect(c.fulfillment_order_ids).toEqual([(await foOf(big)).id]);
    expect((await foOf(two)).status).toBe('pending');
  });
});

describe('allocating bins', () => {
  it('takes the earliest expiry first (FEFO), then the earliest receipt (FIFO); never a counted, non-pickable or quarantined bin', async () => {
    await receive('W3', [{ sku: 'MILK', qty: 5, bin: '2-4', lot: 'L-LATE', expires_on: '2027-06-01' }]);
    await receive('W3', [{ sku: 'MILK', qty: 3, bin: '1-4', lot: 'L-EARLY', expires_on: '2027-01-01' }]);
    await receive('W3', [{ sku: 'CAP', qty: 2, bin: '1-1' }]);
    await receive('W3', [{ sku: 'CAP', qty: 5, bin: '3-1' }, { sku: 'CAP', qty: 50, bin: 'RESERVE' }]);
    await withTx(t.db, (tx) => receiveStock(tx, { warehouse_id: wh.W3!, lines: [{ sku_id: sku.CAP!, qty: 30, bin_id: bin['W3:2-2']!, state: 'quarantine' }] }));
    await withTx(t.db, (tx) => openCount(tx, { warehouse_id: wh.W3!, bin_ids: [bin['W3:1-1']!] }));
    const milk = await order([{ sku: 'MILK', qty: 4, unit_price_amount: 100 }]);
    const cap = await order([{ sku: 'CAP', qty: 4, unit_price_amount: 100 }]);
    await createWave(t.db, ops, { warehouse_id: wh.W3!, strategy: 'single' });
    expect(await picksOf(milk)).toEqual([expect.objectContaining({ bin: '1-4', lot: 'L-EARLY', qty: 3 }), expect.objectContaining({ bin: '2-4', lot: 'L-LATE', qty: 1 })]);
    // 1-1 is being counted, RESERVE is not pickable, 2-2 is quarantined: only 3-1 may give CAP.
    expect((await picksOf(cap)).map((p) => [p.bin, p.qty])).toEqual([['3-1', 4]]);
    const cap2 = await order([{ sku: 'CAP', qty: 2, unit_price_amount: 100 }]);
    expect(await code(createWave(t.db, ops, { warehouse_id: wh.W3!, strategy: 'single' }))).toBe('nothing_to_release');
    expect((await foOf(cap2)).status).toBe('pending');
  });

  it('never promises the same units twice when waves are released concurrently in one warehouse', async () => {
    await receive('W4', [{ sku: 'HOT', qty: 7, bin: '1-1' }, { sku: 'HOT', qty: 5, bin: '2-2' }, { sku: 'HOT', qty: 8, bin: '3-3' }]);
    const orders = [];
    for (let i = 0; i < 20; i++) orders.push(await order([{ sku: 'HOT', qty: 1, unit_price_amount: 100 }]));
    const results = await Promise.all(Array.from({ length: 8 }, () => createWave(t.db, ops, { warehouse_id: wh.W4!, strategy: 'batch', max_orders: 3 }).then((w) => w, (err: unknown) => err)));
    const waves = results.filter((r): r is Awaited<ReturnType<typeof createWave>> => !(r instanceof Error));
    const released = waves.flatMap((w) => w.fulfillment_order_ids);
    expect(new Set(released).size).toBe(released.length);
    expect(released.length).toBe(Math.min(20, 8 * 3));
    const over = await sql<{ n: number }>`
      select count(*)::int as n from (select bin_id, sku_id, lot, sum(qty) as promised from pick_task_lines where warehouse_id = ${wh.W4!} and status = 'open' group by 1, 2, 3) a
      join bin_stock bs on bs.bin_id = a.bin_id and bs.sku_id = a.sku_id and bs.lot = a.lot and bs.state = 'available' where a.promised > bs.qty`.execute(t.db);
    expect(over.rows[0]!.n).toBe(0);
    const total = await sql<{ n: number }>`select sum(qty)::int as n from pick_task_lines where warehouse_id = ${wh.W4!}`.execute(t.db);
    expect(total.rows[0]!.n).toBe(20);
    // Batch: each cart carries up to 3 orders, each in its own slot.
    for (const w of waves) expect(new Set((await Promise.all(w.fulfillment_order_ids.map(async (f) => (await t.db.selectFrom('pick_task_lines').select('slot').where('fulfillment_order_id', '=', f).executeTakeFirstOrThrow()).slot)))).size).toBe(w.fulfillment_order_ids.length);
    expect(await drifts(t.db)).toEqual([]);
  });

  it('zone picking cuts one task per zone, every order keeping one slot across zones; paths are S-shape with a length', async () => {
    await receive('W5', [{ sku: 'Z1', qty: 10, bin: '1-3' }, { sku: 'Z2', qty: 10, bin: '3-2' }, { sku: 'TEE5', qty: 10, bin: '2-1' }]);
    const a = await order([{ sku: 'Z1', qty: 1, unit_price_amount: 100 }, { sku: 'Z2', qty: 2, unit_price_amount: 100 }]);
    const b = await order([{ sku: 'TEE5', qty: 1, unit_price_amount: 100 }, { sku: 'Z2', qty: 1, unit_price_amount: 100 }]);
    const w = await createWave(t.db, ops, { warehouse_id: wh.W5!, strategy: 'zone' });
    expect(w.tasks.map((x) => x.zone).sort()).toEqual(['A', 'B']);
    for (const x of w.tasks) expect(x).toMatchObject({ path_model: 's_shape', path_m: expect.any(Number) });
    const slotsA = new Set((await picksOf(a)).map((p) => p.slot));
    const slotsB = new Set((await picksOf(b)).map((p) => p.slot));
    expect(slotsA.size).toBe(1);
    expect(slotsB.size).toBe(1);
    expect([...slotsA][0]).not.toBe([...slotsB][0]);
    // Zone A's task walks aisle 1 up, then aisle 2 down.
    const zoneA = w.tasks.find((x) => x.zone === 'A')!;
    const path = await sql<{ bin: string }>`select b.code as bin from pick_task_lines l join bins b on b.id = l.bin_id where l.task_id = ${zoneA.id} order by l.seq`.execute(t.db);
    expect(path.rows.map((r) => r.bin)).toEqual(['1-3', '2-1']);
  });

  it('cancelling a released order drops its pick lines and releases its stock', async () => {
    await receive('W5', [{ sku: 'LOW', qty: 3, bin: '1-1' }]);
    const o = await order([{ sku: 'LOW', qty: 2, unit_price_amount: 100 }]);
    await createWave(t.db, ops, { warehouse_id: wh.W5!, strategy: 'single' });
    expect((await foOf(o)).status).toBe('released');
    await cancelOrder(t.db, o, { reason: 'customer changed mind' });
    expect((await foOf(o)).status).toBe('cancelled');
    expect((await t.db.selectFrom('pick_task_lines').select(['status', 'qty_cancelled']).where('fulfillment_order_id', '=', (await foOf(o)).id).execute())).toEqual([{ status: 'cancelled', qty_cancelled: 2 }]);
    const lvl = await t.db.selectFrom('stock_levels').select(['on_hand', 'reserved']).where('sku_id', '=', sku.LOW!).where('warehouse_id', '=', wh.W5!).executeTakeFirstOrThrow();
    expect(lvl).toEqual({ on_hand: 3, reserved: 0 });
    expect(await drifts(t.db)).toEqual([]);
  });
});
