import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../test/helpers/db.js';
import { drifts, level, seedWorld, type World } from '../../test/helpers/inventory.js';
import { withTx, type Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { ensureApiChannel } from '../modules/channels/index.js';
import { createCarton, getPackState, getPackage, listFulfillmentOrders, listPackages, markPackageShipped, shippedUnits, type PackageView } from '../modules/fulfillment/index.js';
import { listReservations, receiveStock } from '../modules/inventory/index.js';
import type { Principal } from '../modules/auth/index.js';
import type { OrderInput } from '../modules/orders/index.js';
import { captureOrder } from './capture-order.js';
import { packFulfillmentOrder, type Caller, type PackRequest } from './pack-order.js';
import { commitPackedUnits } from './ship-stock.js';
import { createCustomerReturn, inspectReturn, receiveReturn } from './returns.js';
import { getOrderDetail } from '../modules/orders/index.js';
import { createWave } from './wave-release.js';
import { claimPickTask, confirmPick } from './pick-execution.js';

/** Shipping a packed package on real PostgreSQL: exactly its units leave, once, from the staging bin. */

let t: TestDb;
let w: World;
let channelId: string;
const packer: Caller = { id: 'key_packer', warehouseIds: null };
const ops: Principal = { id: 'key_ops', name: 'ops', role: 'ops', warehouseIds: null };

beforeAll(async () => {
  t = await createTestDb(30);
  w = await seedWorld(t.db, { warehouses: ['WS'], bins: 2, skus: ['TEE', 'MUG', 'SOCK', 'JAR'], kits: { SET: [['TEE', 1], ['SOCK', 2]] } });
  await withTx(t.db, async (tx) => {
    await receiveStock(tx, { warehouse_id: w.wh.WS!, lines: ['TEE', 'MUG', 'SOCK'].map((s) => ({ sku_id: w.sku[s]!, qty: 100, bin_id: w.bin['WS:B1']! })) });
    // A lot with an expiry: picking takes it first (FEFO), so shipping must take that lot from the staging bin.
    await receiveStock(tx, { warehouse_id: w.wh.WS!, lines: [{ sku_id: w.sku.MUG!, qty: 5, bin_id: w.bin['WS:B2']!, lot: 'L-EARLY', expires_on: '2030-01-01' }] });
    await createCarton(tx, w.wh.WS!, { code: 'BOX', length_mm: 400, width_mm: 300, height_mm: 200, max_weight_g: 20_000, tare_weight_g: 100 });
    channelId = (await ensureApiChannel(tx)).id;
  });
});
afterAll(async () => t.close());

let n = 0;
const orderInput = (lines: OrderInput['lines']): OrderInput => {
  n++;
  return {
    external_id: `SHIP-${n}`, currency: 'INR', customer: { name: `Buyer ${n}`, phone: `+91 90000 ${String(30000 + n)}` },
    shipping_address: { line1: '1 MG Road', city: 'Pune', postal_code: '411001', country: 'IN' }, payment: { method: 'prepaid' }, lines,
  };
};

/** An order placed, released in a single-order wave, picked line by line (units → staging bin) and packed as asked. */
async function packedOrder(lines: { sku: string; qty: number }[], pack: (skus: string[]) => PackRequest): Promise<{ orderId: string; foId: string; packages: PackageView[] }> {
  const { order } = await captureOrder(t.db, channelId, orderInput(lines.map((l) => ({ ...l, unit_price_amount: 1000 }))));
  const [fo] = await listFulfillmentOrders(t.db, order.id);
  await createWave(t.db, ops, { warehouse_id: w.wh.WS!, strategy: 'single' });
  const picker: Principal = { id: `key_picker_${order.id}`, name: 'picker', role: 'picker', warehouseIds: null };
  const task = await claimPickTask(t.db, picker, w.wh.WS!);
  for (const line of task.items) {
    expect(line.fulfillment_order_id).toBe(fo!.id);
    await confirmPick(t.db, picker, task.id, { bin: line.bin, sku_or_barcode: line.sku, qty: line.qty_remaining });
  }
  const skus = fo!.lines.flatMap((l) => Array.from({ length: l.qty }, () => Object.entries(w.sku).find(([, id]) => id === l.sku_id)![0]));
  const r = await packFulfillmentOrder(t.db, packer, fo!.id, pack(skus));
  return { orderId: order.id, foId: fo!.id, packages: r.packages };
}

const ship = (db: Db, pkg: PackageView) => withTx(db, async (tx) => {
  await commitPackedUnits(tx, pkg, 'key_shipper');
  return markPackageShipped(tx, pkg.id, 'key_shipper');
});

const code = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
};

const stagingQty = async (skuId: string) =>
  (await sql<{ n: number }>`SELECT coalesce(sum(bs.qty), 0)::int AS n FROM bin_stock bs JOIN bins b ON b.id = bs.bin_id WHERE b.code = 'STAGE-OUT' AND bs.sku_id = ${skuId}`.execute(t.db)).rows[0]!.n;

describe('shipping packed units', () => {
  it('takes exactly the package\'s units out of stock, ships the fulfillment order with its last package, and refuses a second ship', async () => {
    const { orderId, foId, packages } = await packedOrder([{ sku: 'TEE', qty: 3 }, { sku: 'SOCK', qty: 1 }], (skus) => ({
      scans: skus, packages: [{ carton: 'BOX', weight_g: 700, items: [{ sku: 'TEE', qty: 2 }] }, { carton: 'BOX', weight_g: 500 }],
    }));
    expect(packages).toHaveLength(2);
    const tee = w.sku.TEE!;
    const sock = w.sku.SOCK!;
    const before = { tee: await level(t.db, tee, w.wh.WS!), sock: await level(t.db, sock, w.wh.WS!), staging: await stagingQty(tee) };

    const first = await ship(t.db, packages[0]!);
    expect(first).toEqual({ fulfillment_order_id: foId, fulfillment_order_shipped: false });
    const afterFirst = await level(t.db, tee, w.wh.WS!);
    expect(afterFirst.on_hand).toBe(before.tee.on_hand - 2);
    expect(afterFirst.reserved).toBe(before.tee.reserved - 2);
    expect(await level(t.db, sock, w.wh.WS!)).toEqual(before.sock);
    expect(await stagingQty(tee)).toBe(before.staging - 2);
    expect((await getPackage(t.db, packages[0]!.id)).status).toBe('shipped');
    expect((await t.db.selectFrom('fulfillment_orders').select('status').where('id', '=', foId).executeTakeFirstOrThrow()).status).toBe('packed');
    expect(Object.fromEntries(await shippedUnits(t.db, orderId))).toEqual({ [packages[0]!.items[0]!.order_line_id]: 2 });

    expect(await code(ship(t.db, packages[0]!))).toBe('invalid_transition');
    const second = await ship(t.db, packages[1]!);
    expect(second.fulfillment_order_shipped).toBe(true);
    expect((await level(t.db, tee, w.wh.WS!)).on_hand).toBe(before.tee.on_hand - 3);
    expect((await level(t.db, sock, w.wh.WS!)).on_hand).toBe(before.sock.on_hand - 1);
    expect((await listReservations(t.db, { ref: orderId, status: 'open' }))).toEqual([]);
    const events = await sql<{ type: string }>`SELECT type FROM outbox WHERE aggregate_id IN (${foId}, ${packages[0]!.id}, ${packages[1]!.id}) AND type LIKE '%shipped' ORDER BY seq`.execute(t.db);
    expect(events.rows.map((e) => e.type)).toEqual(['package.shipped', 'package.shipped', 'fulfillment_order.shipped']);
    expect(await drifts(t.db)).toEqual([]);
  });

  it('commits the package once when two shippers race for it', async () => {
    const { packages } = await packedOrder([{ sku: 'TEE', qty: 4 }], (skus) => ({ scans: skus.slice(0, 4), packages: [{ carton: 'BOX', weight_g: 900, items: [{ sku: 'TEE', qty: 2 }] }, { carton: 'BOX', weight_g: 900 }] }));
    const before = await level(t.db, w.sku.TEE!, w.wh.WS!);
    // The order's reservation holds 4 units: without the package lock both commits of 2 would succeed.
    const results = await Promise.all(Array.from({ length: 4 }, () => code(ship(t.db, packages[0]!))));
    expect(results.sort()).toEqual(['invalid_transition', 'invalid_transition', 'invalid_transition', 'ok']);
    const after = await level(t.db, w.sku.TEE!, w.wh.WS!);
    expect(before.on_hand - after.on_hand).toBe(2);
    expect(before.reserved - after.reserved).toBe(2);
    const shippedEvents = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox WHERE type = 'package.shipped' AND aggregate_id = ${packages[0]!.id}`.execute(t.db);
    expect(shippedEvents.rows[0]!.n).toBe(1);
    expect(await drifts(t.db)).toEqual([]);
  });

  it('ships the lot that waits in the staging bin, and counts a kit line in whole kits', async () => {
    const { orderId, packages } = await packedOrder([{ sku: 'SET', qty: 2 }, { sku: 'MUG', qty: 1 }], (skus) => ({
      scans: skus, packages: [{ carton: 'BOX', weight_g: 600, items: [{ sku: 'TEE', qty: 1 }, { sku: 'SOCK', qty: 2 }, { sku: 'MUG', qty: 1 }] }, { carton: 'BOX', weight_g: 600 }],
    }));
    const lots = async () => (await sql<{ lot: string; qty: number }>`SELECT lot, qty FROM bin_stock WHERE sku_id = ${w.sku.MUG!} AND lot = 'L-EARLY' ORDER BY bin_id`.execute(t.db)).rows;
    const beforeLots = await lots();
    await ship(t.db, packages[0]!);
    const afterLots = await lots();
    expect(afterLots.reduce((s, l) => s + l.qty, 0)).toBe(beforeLots.reduce((s, l) => s + l.qty, 0) - 1);
    const byLine = await shippedUnits(t.db, orderId);
    const pkgs = await listPackages(t.db, { order_id: orderId });
    const kitLine = pkgs[0]!.items.find((i) => i.sku_id === w.sku.SOCK)!.order_line_id;
    const mugLine = pkgs[0]!.items.find((i) => i.sku_id === w.sku.MUG)!.order_line_id;
    expect(byLine.get(kitLine)).toBe(1);
    expect(byLine.get(mugLine)).toBe(1);
    await ship(t.db, packages[1]!);
    expect((await shippedUnits(t.db, orderId)).get(kitLine)).toBe(2);
    expect(await drifts(t.db)).toEqual([]);
  });
});

describe('lots of shipped units', () => {
  const shippedLotsOf = async (pkgId: string) =>
    (await sql<{ lot: string; expires_on: string | null; qty: number }>`SELECT lot, expires_on::text AS expires_on, qty FROM package_item_lots WHERE package_id = ${pkgId} ORDER BY lot`.execute(t.db)).rows;
  const stagingLot = async (skuId: string, lot: string) =>
    (await sql<{ n: number }>`SELECT coalesce(sum(bs.qty), 0)::int AS n FROM bin_stock bs JOIN bins b ON b.id = bs.bin_id WHERE b.code = 'STAGE-OUT' AND bs.sku_id = ${skuId} AND bs.lot = ${lot}`.execute(t.db)).rows[0]!.n;

  it('ships the lot each order picked (not whatever lot the shared staging bin expires first) and records it; a return puts the units back into that lot with its expiry', async () => {
    const jar = w.sku.JAR!;
    await withTx(t.db, (tx) => receiveStock(tx, { warehouse_id: w.wh.WS!, lines: [
      { sku_id: jar, qty: 50, bin_id: w.bin['WS:B1']! },
      { sku_id: jar, qty: 3, bin_id: w.bin['WS:B2']!, lot: 'L-JAR', expires_on: '2029-06-30' },
    ] }));
    // A picks the 3 units of the expiring lot (FEFO); B, picked later, gets the default lot from B1.
    const a = await packedOrder([{ sku: 'JAR', qty: 3 }], (skus) => ({ scans: skus, carton: 'BOX', weight_g: 900 }));
    const b = await packedOrder([{ sku: 'JAR', qty: 1 }], (skus) => ({ scans: skus, carton: 'BOX', weight_g: 300 }));
    expect(await stagingLot(jar, 'L-JAR')).toBe(3);

    await ship(t.db, b.packages[0]!);
    expect(await shippedLotsOf(b.packages[0]!.id)).toEqual([{ lot: '', expires_on: null, qty: 1 }]);
    expect(await stagingLot(jar, 'L-JAR')).toBe(3);
    await ship(t.db, a.packages[0]!);
    expect(await shippedLotsOf(a.packages[0]!.id)).toEqual([{ lot: 'L-JAR', expires_on: '2029-06-30', qty: 3 }]);
    expect(await stagingLot(jar, 'L-JAR')).toBe(0);

    // Two of A's jars come back: one restocked into B1, one quarantined — both in lot L-JAR with its expiry.
    const ops2 = { id: 'key_ops', warehouseIds: null };
    const line = (await getOrderDetail(t.db, a.orderId)).lines[0]!;
    const ret = await createCustomerReturn(t.db, ops2, { order_id: a.orderId, lines: [{ line_id: line.id, qty: 2, reason: 'damaged' }] });
    await receiveReturn(t.db, ops2, ret.id, { lines: [{ sku_or_barcode: 'JAR', qty: 2 }] });
    const done = await inspectReturn(t.db, ops2, ret.id, { lines: [
      { line_id: line.id, qty: 1, condition: 'new', disposition: 'restock', bin: 'B1' },
      { line_id: line.id, qty: 1, condition: 'damaged', disposition: 'quarantine' },
    ] });
    expect(done.stocked.map((s) => [s.state, s.lot, s.expires_on, s.qty])).toEqual([['available', 'L-JAR', '2029-06-30', 1], ['quarantine', 'L-JAR', '2029-06-30', 1]]);
    const back = await sql<{ bin: string | null; state: string; qty: number; expires_on: string | null }>`
      SELECT b.code AS bin, bs.state, bs.qty, bs.expires_on::text AS expires_on FROM bin_stock bs LEFT JOIN bins b ON b.id = bs.bin_id
      WHERE bs.sku_id = ${jar} AND bs.lot = 'L-JAR' AND bs.qty > 0 ORDER BY bs.state`.execute(t.db);
    expect(back.rows).toEqual([{ bin: 'B1', state: 'available', qty: 1, expires_on: '2029-06-30' }, { bin: null, state: 'quarantine', qty: 1, expires_on: '2029-06-30' }]);
    expect(done.return.inspections.map((i) => i.lots)).toEqual([[{ sku_id: jar, lot: 'L-JAR', expires_on: '2029-06-30', known: true, qty: 1 }], [{ sku_id: jar, lot: 'L-JAR', expires_on: '2029-06-30', known: true, qty: 1 }]]);
    const ledger = await sql<{ lot: string; n: number }>`SELECT lot, sum(delta)::int AS n FROM inventory_ledger WHERE reference = ${ret.id} GROUP BY lot`.execute(t.db);
    expect(ledger.rows).toEqual([{ lot: 'L-JAR', n: 2 }]);
    expect((await getOrderDetail(t.db, a.orderId)).timeline.map((e) => e.type)).not.toContain('return_lot_unknown');
    expect(await drifts(t.db)).toEqual([]);
  });
});

describe('pack state reads', () => {
  /** Statements a call runs, counted by a Kysely plugin on the same pool. */
  async function statements<T>(fn: (db: Db) => Promise<T>): Promise<number> {
    let n = 0;
    const counted = t.db.withPlugin({ transformQuery: (a) => { n++; return a.node; }, transformResult: async (a) => a.result });
    await fn(counted);
    return n;
  }

  it('reads a fulfillment order\'s pack state in the same number of statements however many packages it has (every scan reads it)', async () => {
    const one = await packedOrder([{ sku: 'TEE', qty: 1 }], (skus) => ({ scans: skus, carton: 'BOX', weight_g: 400 }));
    const three = await packedOrder([{ sku: 'TEE', qty: 3 }], (skus) => ({
      scans: skus, packages: [{ carton: 'BOX', weight_g: 400, items: [{ sku: 'TEE', qty: 1 }] }, { carton: 'BOX', weight_g: 400, items: [{ sku: 'TEE', qty: 1 }] }, { carton: 'BOX', weight_g: 400 }],
    }));
    expect((await getPackState(t.db, three.foId)).packages).toHaveLength(3);
    expect(await statements((db) => getPackState(db, three.foId))).toBe(await statements((db) => getPackState(db, one.foId)));
  });
});
