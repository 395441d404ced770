import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../../test/helpers/db.js';
import { drifts, inventorySnapshot, level, seedWorld, type World } from '../../../test/helpers/inventory.js';
import { withTx } from '../../db/database.js';
import {
  adjustStock, cancelCount, commitReservation, countVariance, createTransfer, listBinStock, listLedger, lowStock, moveStock, networkTotals, openCount,
  postCount, receiveStock, receiveTransfer, recordCount, releaseReservations, reserveStock, shipTransfer, verifyInventory,
} from './index.js';

let t: TestDb;
let w: World;
beforeAll(async () => {
  t = await createTestDb(5);
  w = await seedWorld(t.db, { warehouses: ['BLR', 'DEL'], bins: 4, skus: ['TEE', 'MUG', 'CAP', 'SOCK', 'BOTTLE', 'PEN'] });
});
afterAll(async () => t.close());

const tx = <T>(fn: Parameters<typeof withTx<T>>[1]) => withTx(t.db, fn);
const events = async (type: string) => (await sql<{ payload: any }>`select payload from outbox where type = ${type} order by seq`.execute(t.db)).rows.map((r) => r.payload);

describe('receiving, adjusting and moving stock', () => {
  it('receives into bins with lot and expiry, writes the ledger and the events, and verify finds nothing', async () => {
    const r = await tx((x) => receiveStock(x, { warehouse_id: w.wh.BLR!, reference: 'PO-1', actor: 'test', lines: [
      { sku_id: w.sku.TEE!, qty: 10, bin_id: w.bin['BLR:B1']! },
      { sku_id: w.sku.TEE!, qty: 5, bin_id: w.bin['BLR:B2']!, lot: 'L2', expires_on: '2027-01-31' },
      { sku_id: w.sku.MUG!, qty: 7 },
    ] }));
    expect(r.levels.find((l) => l.sku_id === w.sku.TEE)).toMatchObject({ on_hand: 15, reserved: 0 });
    expect(await level(t.db, w.sku.MUG!, w.wh.BLR!)).toMatchObject({ on_hand: 7 });
    const bins = await listBinStock(t.db, { warehouse_id: w.wh.BLR!, sku_id: w.sku.TEE! });
    expect(bins.map((b) => [b.bin, b.lot, b.qty, b.expires_on])).toEqual([['B2', 'L2', 5, '2027-01-31'], ['B1', '', 10, null]]);
    const ledger = await listLedger(t.db, { reference: 'PO-1', limit: 10 });
    expect(ledger.data.map((l) => [l.type, l.sku, l.delta])).toEqual([['receipt', 'TEE', 10], ['receipt', 'TEE', 5], ['receipt', 'MUG', 7]]);
    expect((await events('stock.changed')).find((e) => e.sku_id === w.sku.TEE)).toMatchObject({ on_hand: 15, available: 15 });
    expect(await drifts(t.db)).toEqual([]);
  });

  it('refuses receiving into a bin of another warehouse, and a zero or negative quantity, changing nothing', async () => {
    const before = await inventorySnapshot(t.db);
    await expect(tx((x) => receiveStock(x, { warehouse_id: w.wh.BLR!, lines: [{ sku_id: w.sku.TEE!, qty: 1, bin_id: w.bin['DEL:B1']! }] }))).rejects.toMatchObject({ code: 'bin_wrong_warehouse' });
    await expect(tx((x) => receiveStock(x, { warehouse_id: w.wh.BLR!, lines: [{ sku_id: w.sku.TEE!, qty: 0 }] }))).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(tx((x) => receiveStock(x, { warehouse_id: w.wh.BLR!, lines: [{ sku_id: w.sku.TEE!, qty: -3 }] }))).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(tx((x) => receiveStock(x, { warehouse_id: w.wh.BLR!, lines: [{ sku_id: w.sku.TEE!, qty: 1, bin_id: 'bin_doesnotexist' }] }))).rejects.toMatchObject({ code: 'bin_not_found' });
    expect(await inventorySnapshot(t.db)).toEqual(before);
  });

  it('adjusts with a reason, and never below what the bin holds or what is reserved', async () => {
    await tx((x) => adjustStock(x, { warehouse_id: w.wh.BLR!, sku_id: w.sku.TEE!, bin_id: w.bin['BLR:B1']!, delta: -2, reason: 'damaged' }));
    expect(await level(t.db, w.sku.TEE!, w.wh.BLR!)).toMatchObject({ on_hand: 13 });
    await expect(tx((x) => adjustStock(x, { warehouse_id: w.wh.BLR!, sku_id: w.sku.TEE!, bin_id: w.bin['BLR:B1']!, delta: -9, reason: 'lost' }))).rejects.toMatchObject({ code: 'insufficient_bin_stock', details: { requested: 9, available: 8 } });
    await tx((x) => reserveStock(x, { ref: 'ord_adj', lines: [{ ref_line: '1', sku_id: w.sku.TEE!, warehouse_id: w.wh.BLR!, qty: 12 }] }));
    await expect(tx((x) => adjustStock(x, { warehouse_id: w.wh.BLR!, sku_id: w.sku.TEE!, bin_id: w.bin['BLR:B1']!, delta: -2, reason: 'lost' }))).rejects.toMatchObject({ code: 'insufficient_stock', details: { requested: 2, available: 1 } });
    await tx((x) => releaseReservations(x, { ref: 'ord_adj' }));
    const [entry] = (await listLedger(t.db, { type: 'adjustment', limit: 5 })).data;
    expect(entry).toMatchObject({ delta: -2, reason: 'damaged', bin: 'B1' });
    expect(await drifts(t.db)).toEqual([]);
  });

  it('moves bin to bin carrying the lot and expiry, and refuses moving more than the bin holds', async () => {
    await tx((x) => moveStock(x, { warehouse_id: w.wh.BLR!, sku_id: w.sku.TEE!, qty: 3, from_bin_id: w.bin['BLR:B2']!, to_bin_id: w.bin['BLR:B3']!, lot: 'L2' }));
    const b3 = (await listBinStock(t.db, { warehouse_id: w.wh.BLR!, bin_id: w.bin['BLR:B3']! }))[0];
    expect(b3).toMatchObject({ qty: 3, lot: 'L2', expires_on: '2027-01-31' });
    await expect(tx((x) => moveStock(x, { warehouse_id: w.wh.BLR!, sku_id: w.sku.TEE!, qty: 3, from_bin_id: w.bin['BLR:B2']!, to_bin_id: w.bin['BLR:B3']!, lot: 'L2' }))).rejects.toMatchObject({ code: 'insufficient_bin_stock', details: { available: 2 } });
    // Putaway of unplaced stock.
    await tx((x) => moveStock(x, { warehouse_id: w.wh.BLR!, sku_id: w.sku.MUG!, qty: 7, from_bin_id: null, to_bin_id: w.bin['BLR:B4']! }));
    expect((await listBinStock(t.db, { warehouse_id: w.wh.BLR!, sku_id: w.sku.MUG! })).map((b) => [b.bin, b.qty])).toEqual([['B4', 7]]);
    expect(await drifts(t.db)).toEqual([]);
  });

  it('keeps damaged and quarantined units out of on_hand and available, and brings them back', async () => {
    await tx((x) => moveStock(x, { warehouse_id: w.wh.BLR!, sku_id: w.sku.MUG!, qty: 2, from_bin_id: w.bin['BLR:B4']!, to_bin_id: w.bin['BLR:B4']!, to_state: 'damaged' }));
    await tx((x) => receiveStock(x, { warehouse_id: w.wh.BLR!, lines: [{ sku_id: w.sku.MUG!, qty: 4, bin_id: w.bin['BLR:B4']!, state: 'quarantine' }] }));
    expect(await level(t.db, w.sku.MUG!, w.wh.BLR!)).toMatchObject({ on_hand: 5, damaged: 2, quarantine: 4 });
    await tx((x) => moveStock(x, { warehouse_id: w.wh.BLR!, sku_id: w.sku.MUG!, qty: 4, from_bin_id: w.bin['BLR:B4']!, to_bin_id: w.bin['BLR:B1']!, from_state: 'quarantine', to_state: 'available' }));
    await tx((x) => adjustStock(x, { warehouse_id: w.wh.BLR!, sku_id: w.sku.MUG!, bin_id: w.bin['BLR:B4']!, state: 'damaged', delta: -2, reason: 'damaged' }));
    expect(await level(t.db, w.sku.MUG!, w.wh.BLR!)).toMatchObject({ on_hand: 9, damaged: 0, quarantine: 0 });
    await expect(tx((x) => reserveStock(x, { ref: 'ord_q', lines: [{ ref_line: '1', sku_id: w.sku.MUG!, warehouse_id: w.wh.BLR!, qty: 10 }] }))).rejects.toMatchObject({ code: 'insufficient_stock', details: { available: 9 } });
    expect(await drifts(t.db)).toEqual([]);
  });
});

describe('reservations', () => {
  it('reserves many lines all or nothing, and nothing at all when one line is short', async () => {
    await tx((x) => receiveStock(x, { warehouse_id: w.wh.DEL!, lines: [{ sku_id: w.sku.CAP!, qty: 5, bin_id: w.bin['DEL:B1']! }, { sku_id: w.sku.SOCK!, qty: 2, bin_id: w.bin['DEL:B1']! }] }));
    const before = await inventorySnapshot(t.db);
    await expect(tx((x) => reserveStock(x, { ref: 'ord_1', lines: [{ ref_line: '1', sku_id: w.sku.CAP!, warehouse_id: w.wh.DEL!, qty: 2 }, { ref_line: '2', sku_id: w.sku.SOCK!, warehouse_id: w.wh.DEL!, qty: 3, sku: 'SOCK' }] })))
      .rejects.toMatchObject({ code: 'insufficient_stock', details: { sku: 'SOCK', warehouse_id: w.wh.DEL, requested: 3, available: 2 } });
    expect(await inventorySnapshot(t.db)).toEqual(before);
    const ok = await tx((x) => reserveStock(x, { ref: 'ord_1', lines: [{ ref_line: '1', sku_id: w.sku.CAP!, warehouse_id: w.wh.DEL!, qty: 2 }, { ref_line: '2', sku_id: w.sku.SOCK!, warehouse_id: w.wh.DEL!, qty: 2 }] }));
    expect(ok.reservations).toHaveLength(2);
    expect(ok.reservations[0]!.id).toMatch(/^res_/);
    expect(await level(t.db, w.sku.CAP!, w.wh.DEL!)).toMatchObject({ on_hand: 5, reserved: 2 });
    expect(await drifts(t.db)).toEqual([]);
  });

  it('reserves two lines of the same SKU together, and in partial mode takes what there is', async () => {
    // CAP: 3 left. Two lines of 2 together need 4: all-or-nothing refuses both.
    await expect(tx((x) => reserveStock(x, { ref: 'ord_2', lines: [{ ref_line: '1', sku_id: w.sku.CAP!, warehouse_id: w.wh.DEL!, qty: 2 }, { ref_line: '2', sku_id: w.sku.CAP!, warehouse_id: w.wh.DEL!, qty: 2 }] })))
      .rejects.toMatchObject({ code: 'insufficient_stock', details: { requested: 4, available: 3 } });
    const partial = await tx((x) => reserveStock(x, { ref: 'ord_2', mode: 'partial', lines: [{ ref_line: '1', sku_id: w.sku.CAP!, warehouse_id: w.wh.DEL!, qty: 2 }, { ref_line: '2', sku_id: w.sku.CAP!, warehouse_id: w.wh.DEL!, qty: 2 }, { ref_line: '3', sku_id: w.sku.PEN!, warehouse_id: w.wh.DEL!, qty: 1 }] }));
    expect(partial.reservations.map((r) => [r.ref_line, r.qty])).toEqual([['1', 2], ['2', 1]]);
    expect(partial.short).toEqual([
      { ref_line: '2', sku_id: w.sku.CAP, warehouse_id: w.wh.DEL, requested: 2, reserved: 1 },
      { ref_line: '3', sku_id: w.sku.PEN, warehouse_id: w.wh.DEL, requested: 1, reserved: 0 },
    ]);
    expect(await level(t.db, w.sku.CAP!, w.wh.DEL!)).toMatchObject({ on_hand: 5, reserved: 5 });
    expect(await drifts(t.db)).toEqual([]);
  });

  it('reserves one SKU on the pool as one self-contained statement, and refuses several SKUs outside a transaction', async () => {
    await tx((x) => receiveStock(x, { warehouse_id: w.wh.BLR!, lines: [{ sku_id: w.sku.SOCK!, qty: 3, bin_id: w.bin['BLR:B3']! }] }));
    const ok = await reserveStock(t.db, { ref: 'ord_pool', lines: [{ ref_line: '1', sku_id: w.sku.SOCK!, warehouse_id: w.wh.BLR!, qty: 1 }, { ref_line: '2', sku_id: w.sku.SOCK!, warehouse_id: w.wh.BLR!, qty: 1 }] });
    expect(ok.reservations.map((r) => [r.ref_line, r.qty, r.status])).toEqual([['1', 1, 'open'], ['2', 1, 'open']]);
    expect(await events('stock.reserved').then((e) => e.filter((p) => p.ref === 'ord_pool'))).toHaveLength(1);
    await expect(reserveStock(t.db, { ref: 'ord_pool2', lines: [{ ref_line: '1', sku_id: w.sku.SOCK!, warehouse_id: w.wh.BLR!, qty: 2 }] })).rejects.toMatchObject({ code: 'insufficient_stock', details: { requested: 2, available: 1 } });
    await expect(reserveStock(t.db, { ref: 'ord_pool', lines: [{ ref_line: '1', sku_id: w.sku.SOCK!, warehouse_id: w.wh.BLR!, qty: 1 }] })).rejects.toMatchObject({ code: 'reservation_exists' });
    const before = await inventorySnapshot(t.db);
    await expect(reserveStock(t.db, { ref: 'ord_pool3', lines: [{ ref_line: '1', sku_id: w.sku.SOCK!, warehouse_id: w.wh.BLR!, qty: 1 }, { ref_line: '2', sku_id: w.sku.TEE!, warehouse_id: w.wh.BLR!, qty: 1 }] })).rejects.toThrow(/needs a transaction/);
    expect(await inventorySnapshot(t.db)).toEqual(before);
    await tx((x) => releaseReservations(x, { ref: 'ord_pool' }));
    expect(await drifts(t.db)).toEqual([]);
  });

  it('releases by id, by ref, and in part; a second release of the same reservation is an invalid transition', async () => {
    const [a, b] = (await tx((x) => releaseReservations(x, { ref: 'ord_2', ref_line: '1', qty: undefined }))).released;
    expect(a).toMatchObject({ status: 'released', released_now: 2 });
    expect(b).toBeUndefined();
    const [r2] = (await t.db.selectFrom('reservations').select('id').where('ref', '=', 'ord_2').where('status', '=', 'open').execute());
    await tx((x) => releaseReservations(x, { reservation_ids: [r2!.id] }));
    await expect(tx((x) => releaseReservations(x, { reservation_ids: [r2!.id] }))).rejects.toMatchObject({ code: 'invalid_transition' });
    await expect(tx((x) => releaseReservations(x, { reservation_ids: ['res_nope'] }))).rejects.toMatchObject({ code: 'reservation_not_found' });
    const cap = (await t.db.selectFrom('reservations').select('id').where('ref', '=', 'ord_1').where('sku_id', '=', w.sku.CAP!).executeTakeFirstOrThrow()).id;
    const part = await tx((x) => releaseReservations(x, { reservation_ids: [cap], qty: 1 }));
    expect(part.released[0]).toMatchObject({ status: 'open', qty: 1, released_qty: 1 });
    expect(await level(t.db, w.sku.CAP!, w.wh.DEL!)).toMatchObject({ reserved: 1 });
    expect(await drifts(t.db)).toEqual([]);
  });

  it('commits on ship: on_hand and reserved go down and the picked bin loses the units', async () => {
    await tx((x) => receiveStock(x, { warehouse_id: w.wh.DEL!, lines: [{ sku_id: w.sku.BOTTLE!, qty: 4, bin_id: w.bin['DEL:B2']!, lot: 'OLD', expires_on: '2026-12-31' }, { sku_id: w.sku.BOTTLE!, qty: 4, bin_id: w.bin['DEL:B1']!, lot: 'NEW', expires_on: '2027-06-30' }] }));
    const res = (await tx((x) => reserveStock(x, { ref: 'ord_3', lines: [{ ref_line: '1', sku_id: w.sku.BOTTLE!, warehouse_id: w.wh.DEL!, qty: 6 }] }))).reservations[0]!;
    const c = await tx((x) => commitReservation(x, { reservation_id: res.id }));
    // FEFO: the lot expiring first leaves first.
    expect(c.picks).toEqual([{ bin_id: w.bin['DEL:B2']!, lot: 'OLD', qty: 4 }, { bin_id: w.bin['DEL:B1']!, lot: 'NEW', qty: 2 }]);
    expect(c.reservation.status).toBe('committed');
    expect(await level(t.db, w.sku.BOTTLE!, w.wh.DEL!)).toMatchObject({ on_hand: 2, reserved: 0 });
    await expect(tx((x) => commitReservation(x, { reservation_id: res.id }))).rejects.toMatchObject({ code: 'invalid_transition' });
    const res2 = (await tx((x) => reserveStock(x, { ref: 'ord_4', lines: [{ ref_line: '1', sku_id: w.sku.BOTTLE!, warehouse_id: w.wh.DEL!, qty: 2 }] }))).reservations[0]!;
    await expect(tx((x) => commitReservation(x, { reservation_id: res2.id, picks: [{ bin_id: w.bin['DEL:B3']!, lot: 'NEW', qty: 2 }] }))).rejects.toMatchObject({ code: 'insufficient_bin_stock' });
    await tx((x) => commitReservation(x, { reservation_id: res2.id, picks: [{ bin_id: w.bin['DEL:B1']!, lot: 'NEW', qty: 2 }] }));
    expect(await drifts(t.db)).toEqual([]);
  });
});

describe('transfers', () => {
  it('ships from the source, is in transit, arrives in parts, and records the missing units as a discrepancy', async () => {
    await tx((x) => receiveStock(x, { warehouse_id: w.wh.BLR!, lines: [{ sku_id: w.sku.PEN!, qty: 20, bin_id: w.bin['BLR:B1']! }] }));
    const tr = await tx((x) => createTransfer(x, { from_warehouse_id: w.wh.BLR!, to_warehouse_id: w.wh.DEL!, lines: [{ sku_id: w.sku.PEN!, qty: 12 }] }));
    expect(await level(t.db, w.sku.PEN!, w.wh.BLR!)).toMatchObject({ on_hand: 20, reserved: 12 });
    await tx((x) => shipTransfer(x, tr.id));
    expect(await level(t.db, w.sku.PEN!, w.wh.BLR!)).toMatchObject({ on_hand: 8, reserved: 0 });
    expect(await level(t.db, w.sku.PEN!, w.wh.DEL!)).toMatchObject({ on_hand: 0, in_transit: 12 });
    await expect(tx((x) => shipTransfer(x, tr.id))).rejects.toMatchObject({ code: 'transfer_invalid_state' });
    const part = await tx((x) => receiveTransfer(x, tr.id, { lines: [{ sku_id: w.sku.PEN!, qty: 5, bin_id: w.bin['DEL:B3']! }] }));
    expect(part.status).toBe('partially_received');
    await expect(tx((x) => receiveTransfer(x, tr.id, { lines: [{ sku_id: w.sku.PEN!, qty: 8 }] }))).rejects.toMatchObject({ code: 'transfer_over_receipt' });
    const done = await tx((x) => receiveTransfer(x, tr.id, { lines: [{ sku_id: w.sku.PEN!, qty: 6, bin_id: w.bin['DEL:B3']! }], close: true }));
    expect(done.status).toBe('received');
    expect(done.lines[0]).toMatchObject({ qty: 12, shipped: 12, received: 11, discrepancy: 1 });
    expect(await level(t.db, w.sku.PEN!, w.wh.DEL!)).toMatchObject({ on_hand: 11, in_transit: 0 });
    expect((await networkTotals(t.db, { sku_ids: [w.sku.PEN!], limit: 10 })).data[0]).toMatchObject({ on_hand: 19, in_transit: 0, warehouses: 2 });
    expect(await drifts(t.db)).toEqual([]);
  });

  it('refuses a transfer the source cannot cover, creating nothing', async () => {
    const before = await inventorySnapshot(t.db);
    await expect(tx((x) => createTransfer(x, { from_warehouse_id: w.wh.BLR!, to_warehouse_id: w.wh.DEL!, lines: [{ sku_id: w.sku.PEN!, qty: 9 }] }))).rejects.toMatchObject({ code: 'insufficient_stock' });
    expect(await inventorySnapshot(t.db)).toEqual(before);
  });
});

describe('cycle counts', () => {
  it('blocks counted bins, reports the variance, posts adjustments with reason count, and refuses a second post', async () => {
    const cnt = await tx((x) => openCount(x, { warehouse_id: w.wh.DEL!, bin_ids: [w.bin['DEL:B3']!] }));
    // PEN is in DEL:B3 (11). A pick that needs that bin fails; a move into it too.
    const res = (await tx((x) => reserveStock(x, { ref: 'ord_5', lines: [{ ref_line: '1', sku_id: w.sku.PEN!, warehouse_id: w.wh.DEL!, qty: 1 }] }))).reservations[0]!;
    await expect(tx((x) => commitReservation(x, { reservation_id: res.id }))).rejects.toMatchObject({ code: 'insufficient_bin_stock' });
    await expect(tx((x) => commitReservation(x, { reservation_id: res.id, picks: [{ bin_id: w.bin['DEL:B3']!, qty: 1 }] }))).rejects.toMatchObject({ code: 'bin_under_count' });
    await expect(tx((x) => receiveStock(x, { warehouse_id: w.wh.DEL!, lines: [{ sku_id: w.sku.PEN!, qty: 1, bin_id: w.bin['DEL:B3']! }] }))).rejects.toMatchObject({ code: 'bin_under_count' });
    await expect(tx((x) => openCount(x, { warehouse_id: w.wh.DEL!, bin_ids: [w.bin['DEL:B3']!] }))).rejects.toMatchObject({ code: 'bin_under_count' });
    await expect(tx((x) => postCount(x, cnt.id))).rejects.toMatchObject({ code: 'count_incomplete' });

    await tx((x) => recordCount(x, cnt.id, { bin_id: w.bin['DEL:B3']!, lines: [{ sku_id: w.sku.PEN!, qty: 9 }, { sku_id: w.sku.TEE!, qty: 2 }] }));
    const report = await countVariance(t.db, cnt.id);
    expect(report.lines.map((l) => [l.sku, l.expected, l.counted, l.variance])).toEqual([['PEN', 11, 9, -2], ['TEE', 0, 2, 2]]);
    const posted = await tx((x) => postCount(x, cnt.id));
    expect(posted.count.status).toBe('posted');
    expect(await level(t.db, w.sku.PEN!, w.wh.DEL!)).toMatchObject({ on_hand: 9, reserved: 1 });
    expect(await level(t.db, w.sku.TEE!, w.wh.DEL!)).toMatchObject({ on_hand: 2 });
    expect((await listLedger(t.db, { type: 'count', limit: 10 })).data.map((l) => [l.sku, l.delta, l.reason])).toEqual([['PEN', -2, 'count'], ['TEE', 2, 'count']]);
    const before = await inventorySnapshot(t.db);
    await expect(tx((x) => postCount(x, cnt.id))).rejects.toMatchObject({ code: 'count_already_posted' });
    expect(await inventorySnapshot(t.db)).toEqual(before);
    // The bin is open again.
    await tx((x) => commitReservation(x, { reservation_id: res.id }));
    expect(await drifts(t.db)).toEqual([]);
  });

  it('cancels a count without adjusting anything', async () => {
    const cnt = await tx((x) => openCount(x, { warehouse_id: w.wh.DEL!, bin_ids: [w.bin['DEL:B1']!, w.bin['DEL:B2']!] }));
    await tx((x) => recordCount(x, cnt.id, { bin_id: w.bin['DEL:B1']!, lines: [] }));
    const before = (await inventorySnapshot(t.db)).levels;
    await tx((x) => cancelCount(x, cnt.id));
    expect((await inventorySnapshot(t.db)).levels).toEqual(before);
    await expect(tx((x) => postCount(x, cnt.id))).rejects.toMatchObject({ code: 'invalid_transition' });
  });
});

describe('queries and verify', () => {
  it('lists low stock lowest first', async () => {
    const low = await lowStock(t.db, { threshold: 3, warehouse_id: w.wh.DEL!, limit: 10 });
    expect(low.every((l) => l.available <= 3)).toBe(true);
    expect(low.map((l) => l.available)).toEqual([...low.map((l) => l.available)].sort((a, b) => a - b));
  });

  it('finds a counter corrupted behind its back, and every kind of drift', async () => {
    expect(await drifts(t.db)).toEqual([]);
    await sql`update stock_levels set on_hand = on_hand + 3 where sku_id = ${w.sku.TEE!} and warehouse_id = ${w.wh.BLR!}`.execute(t.db);
    await sql`update stock_levels set reserved = reserved + 1 where sku_id = ${w.sku.PEN!} and warehouse_id = ${w.wh.DEL!}`.execute(t.db);
    await sql`update bin_stock set qty = qty - 1 where sku_id = ${w.sku.MUG!} and bin_id = ${w.bin['BLR:B4']!} and state = 'available'`.execute(t.db);
    const found = await withTx(t.db, (x) => verifyInventory(x), { isolation: 'repeatable read' });
    expect(found).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'on_hand_vs_ledger', sku_id: w.sku.TEE, warehouse_id: w.wh.BLR, actual: 16, expected: 13 }),
      expect.objectContaining({ kind: 'bins_vs_level', sku_id: w.sku.TEE, warehouse_id: w.wh.BLR }),
      expect.objectContaining({ kind: 'reserved_vs_reservations', sku_id: w.sku.PEN, warehouse_id: w.wh.DEL }),
      expect.objectContaining({ kind: 'reserved_vs_ledger', sku_id: w.sku.PEN, warehouse_id: w.wh.DEL }),
      expect.objectContaining({ kind: 'bin_vs_ledger', sku_id: w.sku.MUG, bin_id: w.bin['BLR:B4']! }),
    ]));
    expect(found).toHaveLength(6); // the three above, plus bins_vs_level for MUG
  });

  it('keeps the ledger append-only: updates and deletes are refused by the database', async () => {
    await expect(sql`update inventory_ledger set delta = 0`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from inventory_ledger`.execute(t.db)).rejects.toThrow(/append-only/);
  });
});
