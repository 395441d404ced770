import { withTx, type Db } from '../../src/db/database.js';
import { createApiKey } from '../../src/modules/auth/index.js';
import { createSku } from '../../src/modules/catalog/index.js';
import { receiveStock } from '../../src/modules/inventory/index.js';
import { createBins, createWarehouse } from '../../src/modules/warehouse/index.js';

/** Seeding through the owning modules (so the ledger, bins and events are exactly what Tandem itself writes). */

export interface World {
  warehouses: { id: string; code: string; bin: string }[];
  skus: { id: string; sku: string }[];
}

const CITIES = [
  { city: 'Bengaluru', postal: '560001' },
  { city: 'Delhi', postal: '110001' },
  { city: 'Mumbai', postal: '400001' },
  { city: 'Kolkata', postal: '700001' },
];

/**
 * Warehouses (one bin each), SKUs `${prefix}-00001`…, and stock received into each warehouse's bin:
 * `stock(s, w)` units of SKU s in warehouse w (0 = none).
 */
export async function seedWorld(db: Db, o: { warehouses: number; skus: number; prefix: string; stock: (s: number, w: number) => number }): Promise<World> {
  const world: World = { warehouses: [], skus: [] };
  await withTx(db, async (tx) => {
    for (let w = 0; w < o.warehouses; w++) {
      const c = CITIES[w % CITIES.length]!;
      const wh = await createWarehouse(tx, { code: `${o.prefix}-WH${w + 1}`, name: `Bench ${c.city}`, address: { line1: `${w + 1} Dock Road`, city: c.city, postal_code: c.postal, country: 'IN' }, timezone: 'Asia/Kolkata', cutoff_time: '16:00' });
      const [bin] = await createBins(tx, wh.id, [{ code: 'A-01', zone: 'A', walk_sequence: 1 }]);
      world.warehouses.push({ id: wh.id, code: wh.code, bin: bin!.id });
    }
    for (let s = 0; s < o.skus; s++) {
      const sku = await createSku(tx, { sku: `${o.prefix}-${String(s + 1).padStart(5, '0')}`, name: `Bench item ${s + 1}`, weight_g: 250 }, 'bench');
      world.skus.push({ id: sku.id, sku: sku.sku });
    }
  });
  for (const [w, wh] of world.warehouses.entries()) {
    const lines = world.skus.map((s, i) => ({ sku_id: s.id, bin_id: wh.bin, qty: o.stock(i, w) })).filter((l) => l.qty > 0);
    for (let i = 0; i < lines.length; i += 500) {
      await withTx(db, (tx) => receiveStock(tx, { warehouse_id: wh.id, lines: lines.slice(i, i + 500), reference: 'bench seed', actor: 'bench' }));
    }
  }
  return world;
}

/** An API key with the integration role (what a sales channel or storefront uses to place orders). */
export async function integrationKey(db: Db): Promise<string> {
  return (await withTx(db, (tx) => createApiKey(tx, { name: 'bench integration', role: 'integration' }))).token;
}

/** A valid POST /api/v1/orders body: a distinct customer per order (so no duplicate-order hold fires), prepaid, Bengaluru. */
export function orderBody(externalId: string, n: number, lines: { sku: string; qty: number }[]): Record<string, unknown> {
  return {
    external_id: externalId,
    currency: 'INR',
    customer: { name: `Buyer ${n}`, email: `buyer${n}@example.com`, phone: `+91 9${String(n).padStart(9, '0')}` },
    shipping_address: { name: `Buyer ${n}`, line1: '12 MG Road', city: 'Bengaluru', state: 'KA', postal_code: '560001', country: 'IN' },
    payment: { method: 'prepaid' },
    lines: lines.map((l) => ({ sku: l.sku, qty: l.qty, unit_price_amount: 49_900 })),
  };
}
