import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../../test/helpers/db.js';
import { drifts, level, seedWorld, type World } from '../../../test/helpers/inventory.js';
import { withTx } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import {
  adjustStock, commitReservation, createTransfer, moveStock, openCount, postCount, receiveStock, receiveTransfer, recordCount, releaseReservations,
  reserveStock, shipTransfer,
} from './index.js';

/** Every stock-changing command, raced by many connections: no oversell, exactly-once transitions, and the ledger still adds up. */

const CONNECTIONS = 50;
let t: TestDb;
let w: World;
const SKUS = ['HOT-1', 'HOT-2', 'HOT-3', 'HOT-4', 'HOT-5'];
beforeAll(async () => {
  t = await createTestDb(CONNECTIONS);
  w = await seedWorld(t.db, { warehouses: ['WH', 'TO'], bins: 4, skus: [...SKUS, 'R', 'A', 'M', 'C', 'T', 'K', 'X', 'P1', 'P2', 'P3'] });
});
afterAll(async () => t.close());

const tx = <T>(fn: Parameters<typeof withTx<T>>[1]) => withTx(t.db, fn);

/** Runs the tasks on `width` parallel workers; returns each outcome (value or the AppError code). */
async function race<T>(tasks: (() => Promise<T>)[], width = CONNECTIONS): Promise<({ ok: true; value: T } | { ok: false; code: string })[]> {
  const out: ({ ok: true; value: T } | { ok: false; code: string })[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        try {
          out[i] = { ok: true, value: await tasks[i]!() };
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          out[i] = { ok: false, code: err.code };
        }
      }
    }),
  );
  return out;
}

const codes = (r: { ok: boolean; code?: string }[]) => [...new Set(r.filter((x) => !x.ok).map((x) => x.code))];

describe('concurrent reservations', () => {
  it('never oversells or undersells: 50 connections (49 reserving, one watching), 3,000 attempts of 1–3 units on 5 SKUs of 100 units', async () => {
    const wh = w.wh.WH!;
    await tx((x) => receiveStock(x, { warehouse_id: wh, lines: SKUS.map((s) => ({ sku_id: w.sku[s]!, qty: 100, bin_id: w.bin['WH:B1']! })) }));
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const attempts = Array.from({ length: 3000 }, (_, i) => ({ sku: SKUS[rand(5)]!, qty: 1 + rand(3), ref: `ord_c${i}` }));
    // While they race, watch the counters from outside: reserved never exceeds on_hand at any moment.
    let racing = true;
    let worst = -Infinity;
    let samples = 0;
    const watcher = (async () => {
      while (racing) {
        const r = await sql<{ d: number }>`select max(reserved - on_hand)::int as d from stock_levels where warehouse_id = ${wh}`.execute(t.db);
        worst = Math.max(worst, r.rows[0]!.d);
        samples++;
        await new Promise((ok) => setTimeout(ok, 2));
      }
    })();
    const results = await race(attempts.map((a) => () => tx((x) => reserveStock(x, { ref: a.ref, lines: [{ ref_line: '1', sku_id: w.sku[a.sku]!, warehouse_id: wh, qty: a.qty }] }))), CONNECTIONS - 1);
    racing = false;
    await watcher;
    expect(samples).toBeGreaterThan(10);
    expect(worst).toBeLessThanOrEqual(0);
    expect(codes(results)).toEqual(['insufficient_stock']);
    const bySku = new Map<string, number>();
    results.forEach((r, i) => r.ok && bySku.set(attempts[i]!.sku, (bySku.get(attempts[i]!.sku) ?? 0) + attempts[i]!.qty));
    for (const s of SKUS) {
      expect(bySku.get(s)).toBe(100);
      expect(await level(t.db, w.sku[s]!, wh)).toMatchObject({ on_hand: 100, reserved: 100 });
    }
    expect([...bySku.values()].reduce((a, b) => a + b, 0)).toBe(500);
    const ledger = await sql<{ n: number }>`select sum(reserved_delta)::int as n from inventory_ledger where type = 'reserve' and warehouse_id = ${wh}`.execute(t.db);
    expect(ledger.rows[0]!.n).toBe(500);
    const events = await sql<{ n: number }>`select count(*)::int as n from outbox where type = 'stock.reserved'`.execute(t.db);
    expect(events.rows[0]!.n).toBe(results.filter((r) => r.ok).length);
    expect(await drifts(t.db)).toEqual([]);
  });

  it('partial reservations of several SKUs at once (lines in any order) take exactly the stock, each unit once', async () => {
    const skus = ['P1', 'P2', 'P3'];
    await tx((x) => receiveStock(x, { warehouse_id: w.wh.TO!, lines: skus.map((s) => ({ sku_id: w.sku[s]!, qty: 60, bin_id: w.bin['TO:B1']! })) }));
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    // Each attempt asks for 2–3 of the SKUs in a random line order, sometimes one SKU on two lines: the level rows
    // must be locked in one order whatever the line order, and lines of one SKU served in line order.
    const attempts = Array.from({ length: 600 }, (_, i) => {
      const order = [...skus].sort(() => rand(3) - 1).slice(0, 2 + rand(2));
      if (rand(5) === 0) order.push(order[0]!);
      return { ref: `ord_p${i}`, lines: order.map((s, n) => ({ ref_line: String(n + 1), sku_id: w.sku[s]!, warehouse_id: w.wh.TO!, qty: 1 + rand(3) })) };
    });
    const results = await race(attempts.map((a) => () => tx((x) => reserveStock(x, { ref: a.ref, lines: a.lines, mode: 'partial' }))), CONNECTIONS - 1);
    expect(codes(results)).toEqual([]);
    const taken = new Map<string, number>();
    let withStock = 0;
    results.forEach((r, i) => {
      if (!r.ok) return;
      if (r.value.reservations.length > 0) withStock++;
      for (const res of r.value.reservations) taken.set(res.sku_id, (taken.get(res.sku_id) ?? 0) + res.qty);
      // What was asked = what was reserved + what was reported short, line by line.
      const asked = attempts[i]!.lines.reduce((s, l) => s + l.qty, 0);
      const got = r.value.reservations.reduce((s, x) => s + x.qty, 0);
      const short = r.value.short.reduce((s, x) => s + x.requested - x.reserved, 0);
      expect(got + short).toBe(asked);
    });
    for (const s of skus) {
      expect(taken.get(w.sku[s]!)).toBe(60);
      expect(await level(t.db, w.sku[s]!, w.wh.TO!)).toMatchObject({ on_hand: 60, reserved: 60 });
    }
    const ledger = await sql<{ n: number }>`select sum(reserved_delta)::int as n from inventory_ledger where type = 'reserve' and warehouse_id = ${w.wh.TO!}`.execute(t.db);
    expect(ledger.rows[0]!.n).toBe(180);
    const events = await sql<{ n: number }>`select count(*)::int as n from outbox where type = 'stock.reserved' and aggregate_id like 'ord_p%'`.execute(t.db);
    expect(events.rows[0]!.n).toBe(withStock);
    expect(await drifts(t.db)).toEqual([]);
  });

  it('releases a reservation once, however many callers race to release it', async () => {
    const wh = w.wh.WH!;
    await tx((x) => receiveStock(x, { warehouse_id: wh, lines: [{ sku_id: w.sku.R!, qty: 10, bin_id: w.bin['WH:B2']! }] }));
    const res = (await tx((x) => reserveStock(x, { ref: 'ord_rel', lines: [{ ref_line: '1', sku_id: w.sku.R!, warehouse_id: wh, qty: 6 }] }))).reservations[0]!;
    const results = await race(Array.from({ length: 30 }, (_, i) => () => tx((x) => (i % 2 ? releaseReservations(x, { reservation_ids: [res.id] }) : releaseReservations(x, { ref: 'ord_rel' })))));
    const released = results.filter((r) => r.ok && r.value.released.length > 0);
    expect(released).toHaveLength(1);
    expect(codes(results).every((c) => c === 'invalid_transition')).toBe(true);
    expect(await level(t.db, w.sku.R!, wh)).toMatchObject({ on_hand: 10, reserved: 0 });
    expect(await drifts(t.db)).toEqual([]);
  });
});

describe('concurrent stock changes', () => {
  it('receives 50 parallel receipts of a SKU never seen before into one bin, losing none', async () => {
    const results = await race(Array.from({ length: 50 }, () => () => tx((x) => receiveStock(x, { warehouse_id: w.wh.WH!, lines: [{ sku_id: w.sku.A!, qty: 2, bin_id: w.bin['WH:B3']!, lot: 'L1' }] }))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(await level(t.db, w.sku.A!, w.wh.WH!)).toMatchObject({ on_hand: 100 });
    expect(await drifts(t.db)).toEqual([]);
  });

  it('lets exactly as many negative adjustments through as there are unreserved units', async () => {
    await tx((x) => reserveStock(x, { ref: 'ord_adj', lines: [{ ref_line: '1', sku_id: w.sku.A!, warehouse_id: w.wh.WH!, qty: 90 }] }));
    const results = await race(Array.from({ length: 40 }, () => () => tx((x) => adjustStock(x, { warehouse_id: w.wh.WH!, sku_id: w.sku.A!, bin_id: w.bin['WH:B3']!, lot: 'L1', delta: -1, reason: 'lost' }))));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(codes(results)).toEqual(['insufficient_stock']);
    expect(await level(t.db, w.sku.A!, w.wh.WH!)).toMatchObject({ on_hand: 90, reserved: 90 });
    expect(await drifts(t.db)).toEqual([]);
  });

  it('moves no more than a bin holds, and crossing moves between two bins neither deadlock nor lose units', async () => {
    const wh = w.wh.WH!;
    await tx((x) => receiveStock(x, { warehouse_id: wh, lines: [{ sku_id: w.sku.M!, qty: 10, bin_id: w.bin['WH:B1']! }, { sku_id: w.sku.M!, qty: 10, bin_id: w.bin['WH:B2']! }] }));
    const one = await race(Array.from({ length: 30 }, () => () => tx((x) => moveStock(x, { warehouse_id: wh, sku_id: w.sku.M!, qty: 1, from_bin_id: w.bin['WH:B1']!, to_bin_id: w.bin['WH:B4']! }))));
    expect(one.filter((r) => r.ok)).toHaveLength(10);
    expect(codes(one)).toEqual(['insufficient_bin_stock']);
    const cross = await race(Array.from({ length: 40 }, (_, i) => () => tx((x) => moveStock(x, { warehouse_id: wh, sku_id: w.sku.M!, qty: 1, from_bin_id: w.bin[i % 2 ? 'WH:B2' : 'WH:B4']!, to_bin_id: w.bin[i % 2 ? 'WH:B4' : 'WH:B2']! }))));
    expect(codes(cross).every((c) => c === 'insufficient_bin_stock')).toBe(true);
    const bins = await sql<{ n: number }>`select sum(qty)::int as n from bin_stock where sku_id = ${w.sku.M!}`.execute(t.db);
    expect(bins.rows[0]!.n).toBe(20);
    expect(await drifts(t.db)).toEqual([]);
  });

  it('commits each reservation once, and parallel commits drain the bins exactly', async () => {
    const wh = w.wh.WH!;
    await tx((x) => receiveStock(x, { warehouse_id: wh, lines: [1, 2, 3].map((b) => ({ sku_id: w.sku.C!, qty: 10, bin_id: w.bin[`WH:B${b}`] })) }));
    const res = await race(Array.from({ length: 30 }, (_, i) => () => tx((x) => reserveStock(x, { ref: `ord_cm${i}`, lines: [{ ref_line: '1', sku_id: w.sku.C!, warehouse_id: wh, qty: 1 }] }))));
    const ids = res.map((r) => (r.ok ? r.value.reservations[0]!.id : ''));
    // Every reservation committed by three racing callers: each goes through once.
    const results = await race(ids.flatMap((id) => [0, 1, 2].map(() => () => tx((x) => commitReservation(x, { reservation_id: id })))));
    expect(results.filter((r) => r.ok)).toHaveLength(30);
    expect(codes(results)).toEqual(['invalid_transition']);
    expect(await level(t.db, w.sku.C!, wh)).toMatchObject({ on_hand: 0, reserved: 0 });
    const left = await sql<{ n: number }>`select coalesce(sum(qty), 0)::int as n from bin_stock where sku_id = ${w.sku.C!}`.execute(t.db);
    expect(left.rows[0]!.n).toBe(0);
    expect(await drifts(t.db)).toEqual([]);
  });

  it('creates only the transfers the source can cover, ships each once and never receives more than shipped', async () => {
    const [from, to] = [w.wh.WH!, w.wh.TO!];
    await tx((x) => receiveStock(x, { warehouse_id: from, lines: [{ sku_id: w.sku.T!, qty: 10, bin_id: w.bin['WH:B4']! }] }));
    const created = await race(Array.from({ length: 20 }, () => () => tx((x) => createTransfer(x, { from_warehouse_id: from, to_warehouse_id: to, lines: [{ sku_id: w.sku.T!, qty: 2 }] }))));
    const ok = created.filter((r) => r.ok).map((r) => (r.ok ? r.value.id : ''));
    expect(ok).toHaveLength(5);
    expect(codes(created)).toEqual(['insufficient_stock']);
    const ships = await race(ok.flatMap((id) => [0, 1, 2].map(() => () => tx((x) => shipTransfer(x, id)))));
    expect(ships.filter((r) => r.ok)).toHaveLength(5);
    expect(codes(ships)).toEqual(['transfer_invalid_state']);
    expect(await level(t.db, w.sku.T!, to)).toMatchObject({ in_transit: 10 });
    const receipts = await race(ok.flatMap((id) => [0, 1, 2, 3].map(() => () => tx((x) => receiveTransfer(x, id, { lines: [{ sku_id: w.sku.T!, qty: 1, bin_id: w.bin['TO:B1']! }] })))));
    expect(receipts.filter((r) => r.ok)).toHaveLength(10);
    expect(codes(receipts).every((c) => c === 'transfer_invalid_state' || c === 'transfer_over_receipt')).toBe(true);
    expect(await level(t.db, w.sku.T!, to)).toMatchObject({ on_hand: 10, in_transit: 0 });
    expect(await level(t.db, w.sku.T!, from)).toMatchObject({ on_hand: 0, reserved: 0 });
    expect(await drifts(t.db)).toEqual([]);
  });

  it('posts a count once, however many callers post it', async () => {
    const wh = w.wh.WH!;
    await tx((x) => receiveStock(x, { warehouse_id: wh, lines: [{ sku_id: w.sku.K!, qty: 8, bin_id: w.bin['WH:B2']! }] }));
    const cnt = await tx((x) => openCount(x, { warehouse_id: wh, bin_ids: [w.bin['WH:B2']!] }));
    const inBin = await sql<{ sku_id: string; lot: string; qty: number }>`select sku_id, lot, qty from bin_stock where bin_id = ${w.bin['WH:B2']!} and qty > 0`.execute(t.db);
    await tx((x) => recordCount(x, cnt.id, { bin_id: w.bin['WH:B2']!, lines: inBin.rows.map((r) => ({ sku_id: r.sku_id, lot: r.lot, qty: r.sku_id === w.sku.K ? 5 : r.qty })) }));
    const results = await race(Array.from({ length: 20 }, () => () => tx((x) => postCount(x, cnt.id))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(codes(results)).toEqual(['count_already_posted']);
    expect(await level(t.db, w.sku.K!, wh)).toMatchObject({ on_hand: 5 });
    expect(await drifts(t.db)).toEqual([]);
  });

  it('keeps reserved within on_hand when reservations, adjustments and commits race on the last units', async () => {
    const wh = w.wh.WH!;
    await tx((x) => receiveStock(x, { warehouse_id: wh, lines: [{ sku_id: w.sku.X!, qty: 20, bin_id: w.bin['WH:B1']! }] }));
    const tasks: (() => Promise<unknown>)[] = Array.from({ length: 60 }, (_, i) => () =>
      i % 3 === 0
        ? tx((x) => adjustStock(x, { warehouse_id: wh, sku_id: w.sku.X!, bin_id: w.bin['WH:B1']!, delta: -1, reason: 'lost' }))
        : tx(async (x) => {
            const r = await reserveStock(x, { ref: `ord_mix${i}`, lines: [{ ref_line: '1', sku_id: w.sku.X!, warehouse_id: wh, qty: 1 }] });
            if (i % 3 === 1) await commitReservation(x, { reservation_id: r.reservations[0]!.id });
            return r;
          }));
    const results = await race(tasks);
    expect(results.filter((r) => r.ok)).toHaveLength(20);
    const l = await level(t.db, w.sku.X!, wh);
    expect(l.reserved).toBe(l.on_hand);
    expect(await drifts(t.db)).toEqual([]);
  });
});
