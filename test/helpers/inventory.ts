import { sql } from 'kysely';
import { withTx, type Db } from '../../src/db/database.js';
import { createSku } from '../../src/modules/catalog/index.js';
import { createBins, createWarehouse } from '../../src/modules/warehouse/index.js';
import { verifyInventory, type Drift } from '../../src/modules/inventory/index.js';

export interface World {
  wh: Record<string, string>;
  /** `${warehouse code}:${bin code}` → bin id */
  bin: Record<string, string>;
  sku: Record<string, string>;
}

/** Warehouses with bins B1..Bn, and SKUs (plus kits as {code: [[component, qty]]}), through the owning modules. */
export async function seedWorld(db: Db, opts: { warehouses: string[]; bins?: number; skus: string[]; kits?: Record<string, [string, number][]> }): Promise<World> {
  return withTx(db, async (tx) => {
    const world: World = { wh: {}, bin: {}, sku: {} };
    for (const code of opts.warehouses) {
      const wh = await createWarehouse(tx, { code, name: `Warehouse ${code}`, address: { line1: '1 Dock Road', city: 'Pune', postal_code: '411001', country: 'IN' }, timezone: 'Asia/Kolkata' });
      world.wh[code] = wh.id;
      const bins = await createBins(tx, wh.id, Array.from({ length: opts.bins ?? 3 }, (_, i) => ({ code: `B${i + 1}`, walk_sequence: (i + 1) * 10 })));
      for (const b of bins) world.bin[`${code}:${b.code}`] = b.id;
    }
    for (const code of opts.skus) world.sku[code] = (await createSku(tx, { sku: code, name: `Item ${code}` })).id;
    for (const [code, parts] of Object.entries(opts.kits ?? {})) {
      world.sku[code] = (await createSku(tx, { sku: code, name: `Kit ${code}`, kit_components: parts.map(([sku, qty]) => ({ sku, qty })) })).id;
    }
    return world;
  });
}

/** Every drift verify finds (in one repeatable-read snapshot). */
export const drifts = (db: Db): Promise<Drift[]> => withTx(db, (tx) => verifyInventory(tx), { isolation: 'repeatable read' });

/** Row counts of the inventory tables and the outbox: "nothing changed" means these are equal. */
export async function inventorySnapshot(db: Db): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const t of ['stock_levels', 'bin_stock', 'inventory_ledger', 'reservations', 'transfers', 'transfer_lines', 'cycle_counts', 'cycle_count_bins', 'cycle_count_lines', 'outbox']) {
    out[t] = (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(t)}`.execute(db)).rows[0]!.n;
  }
  out.levels = (await sql`select sku_id, warehouse_id, on_hand, reserved, damaged, quarantine, in_transit from stock_levels order by 1, 2`.execute(db)).rows;
  out.bins = (await sql`select warehouse_id, bin_id, sku_id, lot, state, qty from bin_stock order by 1, 2, 3, 4, 5`.execute(db)).rows;
  return out;
}

/** The level row's figures for a SKU × warehouse (zeros when there is none). */
export async function level(db: Db, skuId: string, warehouseId: string): Promise<{ on_hand: number; reserved: number; damaged: number; quarantine: number; in_transit: number }> {
  const r = await db.selectFrom('stock_levels').select(['on_hand', 'reserved', 'damaged', 'quarantine', 'in_transit']).where('sku_id', '=', skuId).where('warehouse_id', '=', warehouseId).executeTakeFirst();
  return r ?? { on_hand: 0, reserved: 0, damaged: 0, quarantine: 0, in_transit: 0 };
}
