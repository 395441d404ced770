import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../test/helpers/db.js';
import { drifts } from '../../test/helpers/inventory.js';
import { withTx } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import type { Principal } from '../modules/auth/index.js';
import { createSku } from '../modules/catalog/index.js';
import { ensureApiChannel } from '../modules/channels/index.js';
import { receiveStock } from '../modules/inventory/index.js';
import { listPickExceptions } from '../modules/fulfillment/index.js';
import type { OrderInput } from '../modules/orders/index.js';
import { createBins, createWarehouse } from '../modules/warehouse/index.js';
import { captureOrder } from './capture-order.js';
import { cancelOrder } from './order-actions.js';
import { claimPickTask, confirmPick, shortPick } from './pick-execution.js';
import { createWave } from './wave-release.js';

/** Pick execution on real PostgreSQL: claims, scans, shorts and cancellations, raced where it matters. */

let t: TestDb;
let channelId: string;
const ops: Principal = { id: 'key_ops', name: 'ops', role: 'ops', warehouseIds: null };
const picker = (i: number): Principal => ({ id: `key_picker${i}`, name: `picker ${i}`, role: 'picker', warehouseIds: null });
const wh: Record<string, string> = {};
const bin: Record<string, string> = {};
const sku: Record<string, string> = {};
const GTIN = '4006381333931';

beforeAll(async () => {
  t = await createTestDb(40);
  await withTx(t.db, async (tx) => {
    channelId = (await ensureApiChannel(tx)).id;
    for (const s of ['C1', 'SCAN', 'RACE', 'SH1', 'SH2', 'SHR', 'CAN1', 'CAN2']) sku[s] = (await createSku(tx, { sku: s, name: `Item ${s}`, ...(s === 'SCAN' ? { gtin: GTIN } : {}) })).id;
    for (const code of ['PA', 'PB', 'PC', 'PD', 'PE', 'PF', 'PG']) {
      wh[code] = (await createWarehouse(tx, { code, name: code, address: { line1: '1 Dock Road', city: 'Pune', postal_code: '411001', country: 'IN' }, timezone: 'Asia/Kolkata' })).id;
      const bins = [];
      for (let a = 1; a <= 2; a++) for (let p = 1; p <= 3; p++) bins.push({ code: `${a}-${p}`, aisle: a, position: p, walk_sequence: a * 10 + p });
      for (const b of await createBins(tx, wh[code]!, bins)) bin[`${code}:${b.code}`] = b.id;
    }
  });
});
afterAll(async () => t.close());

let n = 0;
async function order(lines: OrderInput['lines']): Promise<string> {
  n++;
  const { order: o } = await captureOrder(t.db, channelId, {
    external_id: `PICK-${n}`, currency: 'INR', customer: { name: `Buyer ${n}`, phone: `+91 92000 ${String(10000 + n)}` },
    shipping_address: { line1: '1 MG Road', city: 'Pune', postal_code: '411001', country: 'IN' }, payment: { method: 'prepaid' }, lines,
  });
  return o.id;
}
const receive = (w: string, lines: { sku: string; qty: number; bin: string }[]) =>
  withTx(t.db, (tx) => receiveStock(tx, { warehouse_id: wh[w]!, lines: lines.map((l) => ({ sku_id: sku[l.sku]!, qty: l.qty, bin_id: bin[`${w}:${l.bin}`]! })), reference: 'seed' }));
const code = async (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (err: unknown) => { if (err instanceof AppError) return err.code; throw err; });
const binQty = async (w: string, b: string, s: string) =>
  (await sql<{ q: number }>`select coalesce(sum(bs.qty), 0)::int as q from bin_stock bs join bins x on x.id = bs.bin_id where bs.warehouse_id = ${wh[w]!} and x.code = ${b} and bs.sku_id = ${sku[s]!} and bs.state = 'available'`.execute(t.db)).rows[0]!.q;
const level = async (w: string, s: string) => t.db.selectFrom('stock_levels').select(['on_hand', 'reserved']).where('warehouse_id', '=', wh[w]!).where('sku_id', '=', sku[s]!).executeTakeFirstOrThrow();
const fosOf = async (orderId: string) => t.db.selectFrom('fulfillment_orders').select(['id', 'warehouse_id', 'status']).where('order_id', '=', orderId).orderBy('id').execute();

describe('claiming tasks', () => {
  it('gives ten racing pickers ten different tasks; the eleventh and twelfth find nothing; a picker resumes their own task', async () => {
    await receive('PA', [{ sku: 'C1', qty: 10, bin: '1-1' }]);
    for (let i = 0; i < 10; i++) await order([{ sku: 'C1', qty: 1, unit_price_amount: 100 }]);
    const wave = await createWave(t.db, ops, { warehouse_id: wh.PA!, strategy: 'single' });
    expect(wave.tasks).toHaveLength(10);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => claimPickTask(t.db, picker(i), wh.PA!).then((r) => r.id, (e: unknown) => (e instanceof AppError ? e.code : Promise.reject(e)))));
    const ids = results.filter((r) => r.startsWith('pick_'));
    expect(new Set(ids).size).toBe(10);
    expect(results.filter((r) => r === 'nothing_to_pick')).toHaveLength(2);
    const rows = await t.db.selectFrom('pick_tasks').select(['picker']).where('wave_id', '=', wave.id).execute();
    expect(new Set(rows.map((r) => r.picker)).size).toBe(10);
    const holder = rows[0]!.picker!;
    const again = await claimPickTask(t.db, { ...picker(0), id: holder }, wh.PA!);
    expect(again.resumed).toBe(true);
  });
});

describe('confirming picks', () => {
  it('refuses a wrong bin, a wrong item and too many with sentences; a GTIN scan moves the units to staging and finishes the order', async () => {
    await receive('PB', [{ sku: 'SCAN', qty: 5, bin: '2-2' }]);
    const o = await order([{ sku: 'SCAN', qty: 3, unit_price_amount: 100 }]);
    const wave = await createWave(t.db, ops, { warehouse_id: wh.PB!, strategy: 'single' });
    const p = picker(20);
    const task = await claimPickTask(t.db, p, wh.PB!);
    expect(task.next_line).toMatchObject({ bin: '2-2', sku: 'SCAN', qty_remaining: 3 });
    const fail = async (body: Parameters<typeof confirmPick>[3]) => confirmPick(t.db, p, task.id, body).then(() => null, (e: AppError) => e);
    expect(await fail({ bin: '1-1', sku_or_barcode: 'SCAN', qty: 1 })).toMatchObject({ code: 'wrong_bin', message: 'Wrong bin: you scanned bin 1-1. Go to bin 2-2 for this pick.' });
    expect(await fail({ bin: 'NOPE', sku_or_barcode: 'SCAN', qty: 1 })).toMatchObject({ code: 'wrong_bin' });
    expect(await fail({ bin: '2-2', sku_or_barcode: 'C1', qty: 1 })).toMatchObject({ code: 'wrong_item', message: 'Wrong item: you scanned C1, but this pick from bin 2-2 is SCAN.' });
    expect(await fail({ bin: '2-2', sku_or_barcode: GTIN, qty: 4 })).toMatchObject({ code: 'over_pick', message: 'Too many: only 3 more of SCAN are needed from bin 2-2; put 1 back.' });
    expect(await code(confirmPick(t.db, picker(21), task.id, { bin: '2-2', sku_or_barcode: 'SCAN', qty: 1 }))).toBe('task_claimed_by_other');
    expect(await binQty('PB', '2-2', 'SCAN')).toBe(5);

    const first = await confirmPick(t.db, p, task.id, { bin: '2-2', sku_or_barcode: `0${GTIN}`, qty: 2 });
    expect(first.task.next_line).toMatchObject({ qty_remaining: 1 });
    expect((await fosOf(o))[0]!.status).toBe('picking');
    const done = await confirmPick(t.db, p, task.id, { bin: '2-2', sku_or_barcode: 'SCAN', qty: 1 });
    expect(done.task).toMatchObject({ status: 'done', next_line: null, units_picked: 3 });
    expect((await fosOf(o))[0]!.status).toBe('picked');
    expect(await binQty('PB', '2-2', 'SCAN')).toBe(2);
    expect(await binQty('PB', 'STAGE-OUT', 'SCAN')).toBe(3);
    expect(await level('PB', 'SCAN')).toEqual({ on_hand: 5, reserved: 3 });
    expect((await t.db.selectFrom('waves').select('status').where('id', '=', wave.id).executeTakeFirstOrThrow()).status).toBe('picked');
    const types = (await sql<{ type: string }>`select type from outbox where aggregate_id in (${task.id}, ${wave.id}, ${(await fosOf(o))[0]!.id}) order by seq`.execute(t.db)).rows.map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(['pick_task.claimed', 'pick.confirmed', 'fulfillment_order.picking', 'fulfillment_order.picked', 'pick_task.completed', 'wave.completed']));
    expect(await drifts(t.db)).toEqual([]);
  });

  it('lets two people confirming the same line at once pick it only once', async () => {
    await receive('PC', [{ sku: 'RACE', qty: 20, bin: '1-2' }]);
    const orders = [];
    for (let i = 0; i < 5; i++) orders.push(await order([{ sku: 'RACE', qty: 2, unit_price_amount: 100 }]));
    await createWave(t.db, ops, { warehouse_id: wh.PC!, strategy: 'batch' });
    const p = picker(30);
    const task = await claimPickTask(t.db, p, wh.PC!);
    const line = task.next_line!;
    // The picker and a supervisor both confirm the whole line, 8 times over.
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => code(confirmPick(t.db, i % 2 ? ops : p, task.id, { bin: '1-2', sku_or_barcode: 'RACE', qty: 2, line_id: line.id }))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    // The losers were told the pick is done, or that nothing more is needed from that bin.
    for (const r of results.filter((x) => x !== 'ok')) expect(['nothing_to_pick', 'over_pick']).toContain(r);
    expect(await binQty('PC', 'STAGE-OUT', 'RACE')).toBe(2);
    // Without line_id a batch pick fills every order's slot from the bin, and never more than they need.
    const all = await Promise.all(Array.from({ length: 6 }, (_, i) => code(confirmPick(t.db, i % 2 ? ops : p, task.id, { bin: '1-2', sku_or_barcode: 'RACE', qty: 3 }))));
    expect(all.filter((r) => r === 'ok').length).toBeLessThanOrEqual(2);
    expect(await binQty('PC', 'STAGE-OUT', 'RACE')).toBe(2 + 3 * all.filter((r) => r === 'ok').length);
    expect(await drifts(t.db)).toEqual([]);
  });
});

describe('short picks', () => {
  it('takes the missing units from another bin of the warehouse when it has free stock', async () => {
    await receive('PD', [{ sku: 'SH1', qty: 4, bin: '1-1' }]);
    await receive('PD', [{ sku: 'SH1', qty: 6, bin: '2-3' }]);
    const o = await order([{ sku: 'SH1', qty: 4, unit_price_amount: 100 }]);
    await createWave(t.db, ops, { warehouse_id: wh.PD!, strategy: 'single' });
    const p = picker(40);
    const task = await claimPickTask(t.db, p, wh.PD!);
    expect(task.next_line).toMatchObject({ bin: '1-1', qty_remaining: 4 });
    const r = await shortPick(t.db, p, task.id, { qty_found: 1 });
    expect(r.exception).toMatchObject({ missing: 3, reallocated: 3, rerouted: 0 });
    expect(r.task.next_line).toMatchObject({ bin: '2-3', qty_remaining: 3 });
    expect(await binQty('PD', '1-1', 'SH1')).toBe(0);
    expect(await level('PD', 'SH1')).toEqual({ on_hand: 7, reserved: 4 });
    await confirmPick(t.db, p, task.id, { bin: '2-3', sku_or_barcode: 'SH1', qty: 3 });
    expect((await fosOf(o))[0]!.status).toBe('picked');
    const lost = await sql<{ delta: number; reason: string }>`select delta, reason from inventory_ledger where type = 'adjustment' and sku_id = ${sku.SH1!}`.execute(t.db);
    expect(lost.rows).toEqual([{ delta: -3, reason: 'lost' }]);
    const ex = await listPickExceptions(t.db, { warehouse_ids: [wh.PD!], limit: 10 });
    expect(ex).toEqual([expect.objectContaining({ sku: 'SH1', bin: '1-1', qty_expected: 4, qty_found: 1, qty_missing: 3, qty_reallocated: 3 })]);
    expect(await drifts(t.db)).toEqual([]);
  });

  it('re-routes what the warehouse cannot cover to another warehouse, releasing the reservation share', async () => {
    await receive('PE', [{ sku: 'SH2', qty: 3, bin: '1-3' }]);
    const o = await order([{ sku: 'SH2', qty: 3, unit_price_amount: 100 }]);
    await createWave(t.db, ops, { warehouse_id: wh.PE!, strategy: 'single' });
    await receive('PF', [{ sku: 'SH2', qty: 5, bin: '1-1' }]);
    const p = picker(50);
    const task = await claimPickTask(t.db, p, wh.PE!);
    const r = await shortPick(t.db, p, task.id, { qty_found: 1 });
    expect(r.exception).toMatchObject({ missing: 2, reallocated: 0, rerouted: 2 });
    expect(r.task.status).toBe('done');
    const fos = await fosOf(o);
    expect(fos.map((f) => [f.warehouse_id, f.status])).toEqual([[wh.PE, 'picked'], [wh.PF, 'pending']]);
    expect(await level('PE', 'SH2')).toEqual({ on_hand: 1, reserved: 1 });
    expect(await level('PF', 'SH2')).toEqual({ on_hand: 5, reserved: 2 });
    const events = (await sql<{ type: string }>`select type from outbox where type = 'pick.short' and aggregate_id = ${task.id}`.execute(t.db)).rows;
    expect(events).toHaveLength(1);
    expect(await drifts(t.db)).toEqual([]);
  });

  it('a short and a confirm racing on one line: exactly one of them counts', async () => {
    await receive('PG', [{ sku: 'SHR', qty: 20, bin: '2-1' }]);
    for (let round = 0; round < 4; round++) {
      const o = await order([{ sku: 'SHR', qty: 2, unit_price_amount: 100 }]);
      await createWave(t.db, ops, { warehouse_id: wh.PG!, strategy: 'single' });
      const p = picker(60 + round);
      const task = await claimPickTask(t.db, p, wh.PG!);
      const line = task.items.find((l) => l.sku === 'SHR')!;
      const [c, s] = await Promise.all([
        code(confirmPick(t.db, p, task.id, { bin: '2-1', sku_or_barcode: 'SHR', qty: 2, line_id: line.id })),
        code(shortPick(t.db, ops, task.id, { qty_found: 0, line_id: line.id })),
      ]);
      expect([c, s].filter((x) => x === 'ok')).toHaveLength(1);
      const row = await t.db.selectFrom('pick_task_lines').select(['qty_picked', 'qty_short', 'status']).where('id', '=', line.id).executeTakeFirstOrThrow();
      expect(row.qty_picked + row.qty_short).toBe(2);
      expect(row.status).toBe('done');
      expect((await fosOf(o)).length).toBeGreaterThan(0);
    }
    expect(await drifts(t.db)).toEqual([]);
  });
});

describe('cancelling mid-wave', () => {
  it('puts picked units back in their bin, drops the unpicked lines and releases the stock', async () => {
    await receive('PA', [{ sku: 'CAN1', qty: 5, bin: '2-1' }, { sku: 'CAN2', qty: 5, bin: '2-3' }]);
    const o = await order([{ sku: 'CAN1', qty: 2, unit_price_amount: 100 }, { sku: 'CAN2', qty: 1, unit_price_amount: 100 }]);
    const wave = await createWave(t.db, ops, { warehouse_id: wh.PA!, strategy: 'single' });
    const p = picker(70);
    const task = await claimPickTask(t.db, p, wh.PA!);
    expect(task.id).toBe(wave.tasks[0]!.id);
    await confirmPick(t.db, p, task.id, { bin: '2-1', sku_or_barcode: 'CAN1', qty: 2 });
    expect(await binQty('PA', 'STAGE-OUT', 'CAN1')).toBe(2);
    const cancelled = await cancelOrder(t.db, o, { reason: 'customer cancelled' });
    expect(cancelled.status).toBe('cancelled');
    expect(await binQty('PA', 'STAGE-OUT', 'CAN1')).toBe(0);
    expect(await binQty('PA', '2-1', 'CAN1')).toBe(5);
    expect(await level('PA', 'CAN1')).toEqual({ on_hand: 5, reserved: 0 });
    expect(await level('PA', 'CAN2')).toEqual({ on_hand: 5, reserved: 0 });
    expect((await fosOf(o))[0]!.status).toBe('cancelled');
    const lines = await t.db.selectFrom('pick_task_lines').select(['sku_id', 'status', 'qty_picked', 'qty_returned', 'qty_cancelled']).where('task_id', '=', task.id).orderBy('seq').execute();
    expect(lines).toEqual([
      { sku_id: sku.CAN1, status: 'done', qty_picked: 2, qty_returned: 2, qty_cancelled: 0 },
      { sku_id: sku.CAN2, status: 'cancelled', qty_picked: 0, qty_returned: 0, qty_cancelled: 1 },
    ]);
    expect((await t.db.selectFrom('pick_tasks').select('status').where('id', '=', task.id).executeTakeFirstOrThrow()).status).toBe('done');
    expect(await drifts(t.db)).toEqual([]);
  });
});
