import type { TestApp } from './app.js';

export interface Seeded {
  whA: string;
  whB: string;
}

/** Two warehouses with a bin each, SKUs, and stock received through the API. */
export async function seedWarehousesAndStock(t: TestApp, stock: { sku: string; wh: 'A' | 'B'; qty: number }[], prefix = 'T'): Promise<Seeded> {
  const mk = async (code: string, city: string, postal: string) => {
    const r = await t.call('POST', '/api/v1/warehouses', { body: { code, name: `${code} warehouse`, address: { line1: '1 Road', city, postal_code: postal, country: 'IN' }, timezone: 'Asia/Kolkata', cutoff_time: '16:00' } });
    if (r.status !== 201) throw new Error(`warehouse: ${r.text}`);
    const bins = await t.call('POST', `/api/v1/warehouses/${r.body.id}/bins`, { body: [{ code: 'A-01', zone: 'A', walk_sequence: 1 }, { code: 'A-02', zone: 'A', walk_sequence: 2 }] });
    if (bins.status !== 201) throw new Error(`bins: ${bins.text}`);
    return r.body.id as string;
  };
  const whA = await mk(`${prefix}A`, 'Bengaluru', '560001');
  const whB = await mk(`${prefix}B`, 'Delhi', '110001');
  const skus = [...new Set(stock.map((s) => s.sku))];
  for (const sku of skus) {
    const r = await t.call('POST', '/api/v1/skus', { body: { sku, name: `Item ${sku}`, weight_g: 200 } });
    if (r.status !== 201 && r.body?.code !== 'sku_exists') throw new Error(`sku: ${r.text}`);
  }
  for (const s of stock) {
    if (s.qty === 0) continue;
    const r = await t.call('POST', '/api/v1/inventory/receipts', { body: { warehouse_id: s.wh === 'A' ? whA : whB, lines: [{ sku: s.sku, qty: s.qty, bin: 'A-01' }], reference: 'seed' } });
    if (r.status !== 201 && r.status !== 200) throw new Error(`receipt: ${r.text}`);
  }
  return { whA, whB };
}

export const address = (postal = '560001', country = 'IN') => ({ name: 'Asha Rao', line1: '12 MG Road', city: 'Bengaluru', state: 'KA', postal_code: postal, country, phone: '+91 98450 00000' });

let n = 0;
/** A valid API order body; override what the test is about. */
export function orderBody(lines: { sku: string; qty: number; unit_price_amount?: number }[], over: Record<string, unknown> = {}): Record<string, unknown> {
  n++;
  return {
    external_id: `EXT-${Date.now()}-${n}`,
    currency: 'INR',
    customer: { name: 'Asha Rao', email: `asha${n}@example.com`, phone: `+91 90000 ${String(10000 + n).slice(-5)}` },
    shipping_address: address(),
    payment: { method: 'prepaid' },
    lines: lines.map((l) => ({ unit_price_amount: 49900, ...l })),
    ...over,
  };
}

/** Warehouses with a location (for routing by distance), a bin A-01 each, cut-off 23:59; returns code → id. */
export async function seedGeoWarehouses(t: TestApp, list: { code: string; city: string; postal: string; lat: number; lng: number }[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const w of list) {
    const r = await t.call('POST', '/api/v1/warehouses', { body: { code: w.code, name: w.code, address: { line1: '1 Road', city: w.city, postal_code: w.postal, country: 'IN' }, lat: w.lat, lng: w.lng, timezone: 'Asia/Kolkata', cutoff_time: '23:59' } });
    if (r.status !== 201) throw new Error(r.text);
    await t.call('POST', `/api/v1/warehouses/${r.body.id}/bins`, { body: [{ code: 'A-01', zone: 'A', walk_sequence: 1 }] });
    ids[w.code] = r.body.id as string;
  }
  return ids;
}

/** Delhi and Bengaluru, with their real coordinates. */
export const DELHI_AND_BENGALURU = [
  { code: 'WH-DEL', city: 'Delhi', postal: '110001', lat: 28.6139, lng: 77.209 },
  { code: 'WH-BLR', city: 'Bengaluru', postal: '560001', lat: 12.9716, lng: 77.5946 },
];
