import { withTx, type Db } from '../db/database.js';
import { createSku, findSku, gs1CheckDigit } from '../modules/catalog/index.js';
import { createBins, createWarehouse, findWarehouse, type BinInput } from '../modules/warehouse/index.js';
import { createChannel, createListing, listChannels } from '../modules/channels/index.js';
import { seedDemoOrders, seedDemoStock } from './demo-orders.js';

const WAREHOUSES = [
  { code: 'BLR', name: 'Bengaluru Fulfilment Centre', address: { line1: 'Plot 14, KIADB Industrial Area', city: 'Bengaluru', state: 'KA', postal_code: '562123', country: 'IN' }, lat: 13.0827, lng: 77.5877, cutoff_time: '16:00' },
  { code: 'DEL', name: 'Delhi NCR Warehouse', address: { line1: 'Khasra 112, NH-48', city: 'Gurugram', state: 'HR', postal_code: '122004', country: 'IN' }, lat: 28.4595, lng: 77.0266, cutoff_time: '15:00' },
  { code: 'BOM', name: 'Mumbai Bhiwandi Hub', address: { line1: 'Gala 7, Rahanal Village', city: 'Bhiwandi', state: 'MH', postal_code: '421302', country: 'IN' }, lat: 19.2813, lng: 73.0483, cutoff_time: '17:00' },
];

const CATEGORIES = [
  { prefix: 'TEE', name: 'Organic Cotton T-Shirt', weight: 180, dims: { l: 300, w: 250, h: 20 }, variants: ['Black', 'White', 'Navy', 'Olive', 'Maroon'] },
  { prefix: 'HOOD', name: 'Fleece Hoodie', weight: 520, dims: { l: 350, w: 300, h: 60 }, variants: ['Black', 'Grey', 'Navy', 'Forest'] },
  { prefix: 'JOG', name: 'Jogger Pants', weight: 380, dims: { l: 320, w: 260, h: 40 }, variants: ['Black', 'Charcoal', 'Khaki'] },
  { prefix: 'CAP', name: 'Baseball Cap', weight: 90, dims: { l: 250, w: 180, h: 120 }, variants: ['Black', 'Beige'] },
  { prefix: 'SOCK', name: 'Crew Socks 3-Pack', weight: 120, dims: { l: 200, w: 120, h: 30 }, variants: ['Mixed', 'White'] },
  { prefix: 'BTL', name: 'Steel Water Bottle 750ml', weight: 340, dims: { l: 80, w: 80, h: 270 }, variants: ['Silver', 'Matte Black', 'Teal'] },
];
const SIZES = ['S', 'M', 'L', 'XL'];

function gtinFor(n: number): string {
  const body = `890${String(1_234_000 + n).padStart(9, '0')}`; // 890 = GS1 India
  return body + String(gs1CheckDigit(body));
}

/** Bins laid out zone-aisle-level, walk sequence snaking through the aisles. */
function binsFor(): BinInput[] {
  const bins: BinInput[] = [];
  let seq = 0;
  for (const zone of ['A', 'B', 'C']) {
    for (let aisle = 1; aisle <= 5; aisle++) {
      for (let pos = 1; pos <= 4; pos++) {
        for (const level of [1, 2]) {
          seq += 10;
          bins.push({ code: `${zone}-${String(aisle).padStart(2, '0')}-${String(pos).padStart(2, '0')}-${level}`, zone, walk_sequence: seq, capacity_units: 500 });
        }
      }
    }
  }
  bins.push({ code: 'RECV-01', zone: 'DOCK', walk_sequence: 0, pickable: false });
  bins.push({ code: 'QUAR-01', zone: 'QA', walk_sequence: 9000, pickable: false });
  return bins;
}

/**
 * Seeds a believable brand: 3 warehouses in different cities with bins, 200 SKUs (some kits), a channel of every type
 * with listings, opening stock, and orders from every channel through its real capture path. Safe to run twice.
 */
export async function seedDemo(db: Db, log: (m: string) => void): Promise<Record<string, number>> {
  const result = await withTx(db, async (tx) => {
    let warehouses = 0;
    let bins = 0;
    for (const w of WAREHOUSES) {
      if (await findWarehouse(tx, w.code)) continue;
      const wh = await createWarehouse(tx, { ...w, timezone: 'Asia/Kolkata', type: 'own' }, 'demo');
      bins += (await createBins(tx, wh.id, binsFor(), 'demo')).length;
      warehouses++;
    }
    log(`warehouses: ${warehouses} created`);

    let skus = 0;
    let n = 0;
    const codes: string[] = [];
    outer: for (const c of CATEGORIES) {
      for (const v of c.variants) {
        for (const size of c.prefix === 'BTL' || c.prefix === 'CAP' ? ['OS'] : SIZES) {
          if (codes.length >= 190) break outer;
          n++;
          const code = `${c.prefix}-${v.replace(/\s+/g, '').toUpperCase().slice(0, 6)}-${size}`;
          codes.push(code);
          if (await findSku(tx, code)) continue;
          await createSku(tx, { sku: code, name: `${c.name} — ${v}${size === 'OS' ? '' : `, ${size}`}`, gtin: gtinFor(n), weight_g: c.weight, dims_mm: c.dims }, 'demo');
          skus++;
        }
      }
    }
    // Filler SKUs up to 190 simple items, then 10 kits (gift sets) built from them.
    for (let i = codes.length; i < 190; i++) {
      n++;
      const code = `ACC-${String(i).padStart(3, '0')}`;
      codes.push(code);
      if (await findSku(tx, code)) continue;
      await createSku(tx, { sku: code, name: `Accessory ${i}`, gtin: gtinFor(n), weight_g: 50 + (i % 7) * 10, dims_mm: { l: 100, w: 80, h: 20 } }, 'demo');
      skus++;
    }
    for (let k = 0; k < 10; k++) {
      const code = `KIT-GIFT-${String(k + 1).padStart(2, '0')}`;
      codes.push(code);
      if (await findSku(tx, code)) continue;
      await createSku(tx, { sku: code, name: `Gift Set ${k + 1}`, kit_components: [{ sku: codes[k * 3]!, qty: 1 }, { sku: codes[k * 3 + 60]!, qty: 2 }] }, 'demo');
      skus++;
    }
    log(`skus: ${skus} created`);

    let channels = 0;
    let listings = 0;
    const existing = new Set((await listChannels(tx)).map((c) => c.name));
    for (const ch of [
      { type: 'shopify' as const, name: 'Shopify — brand.in', secret: 'demo-shopify-webhook-secret', prefix: 'SHOP-' },
      { type: 'amazon' as const, name: 'Amazon.in', secret: undefined, prefix: 'AMZ-' },
      { type: 'api' as const, name: 'Brand app', secret: undefined, prefix: '' },
      { type: 'woocommerce' as const, name: 'WooCommerce — brand.co.in', secret: 'demo-woo-webhook-secret', prefix: '' },
      { type: 'flipkart' as const, name: 'Flipkart', secret: undefined, prefix: 'FK-' },
      { type: 'csv' as const, name: 'Marketplace CSV uploads', secret: undefined, prefix: '' },
    ]) {
      if (existing.has(ch.name)) continue;
      const created = await createChannel(tx, { type: ch.type, name: ch.name, secret: ch.secret, settings: {} }, 'demo');
      channels++;
      if (ch.prefix) {
        for (const code of codes) {
          const sku = await findSku(tx, code);
          await createListing(tx, created.id, { channel_sku: `${ch.prefix}${code}`, sku_id: sku!.id, sku: code }, 'demo');
          listings++;
        }
      }
    }
    log(`channels: ${channels} created, ${listings} listings`);
    return { warehouses, bins, skus, channels, listings, codes };
  });
  const byType = Object.fromEntries((await listChannels(db)).map((c) => [c.type, c.id]));
  const units = await seedDemoStock(db, result.codes, log);
  const orders = await seedDemoOrders(db, byType, result.codes, log);
  const { codes: _codes, ...counts } = result;
  return { ...counts, stock_units: units, orders };
}
