import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { orderBody } from '../helpers/seed.js';
import { drifts } from '../helpers/inventory.js';
import { readPdf } from '../helpers/pdf.js';

let t: TestApp;
let wh: string;
let other: string;

const SKUS = [
  { sku: 'PK-MUG', name: 'Stoneware mug', gtin: '4006381333931', weight_g: 350, dims_mm: { l: 120, w: 100, h: 100 } },
  { sku: 'PK-TEE', name: 'Cotton tee', gtin: '036000291452', weight_g: 180, dims_mm: { l: 300, w: 250, h: 20 } },
  { sku: 'PK-BOOK', name: 'Field guide', gtin: '5901234123457', weight_g: 500 },
  { sku: 'PK-LAMP', name: 'Floor lamp', weight_g: 4000, dims_mm: { l: 480, w: 380, h: 280 } },
  { sku: 'PK-ELSE', name: 'Not in any order', gtin: '9780201379624', weight_g: 100, dims_mm: { l: 10, w: 10, h: 10 } },
];

async function warehouse(code: string): Promise<string> {
  const r = await t.call('POST', '/api/v1/warehouses', { body: { code, name: `${code} warehouse`, address: { line1: '1 Dock Road', city: 'Bengaluru', postal_code: '560001', country: 'IN' }, timezone: 'Asia/Kolkata', cutoff_time: '16:00' } });
  expect(r.status, r.text).toBe(201);
  const bins = await t.call('POST', `/api/v1/warehouses/${r.body.id}/bins`, { body: [{ code: 'A-01', zone: 'A', walk_sequence: 1 }, { code: 'STAGE-OUT', walk_sequence: 0, pickable: false }] });
  expect(bins.status, bins.text).toBe(201);
  return r.body.id;
}

beforeAll(async () => {
  t = await startTestApp();
  wh = await warehouse('PKA');
  other = await warehouse('PKB');
  for (const s of SKUS) expect((await t.call('POST', '/api/v1/skus', { body: s })).status).toBe(201);
  const stock = await t.call('POST', '/api/v1/inventory/receipts', { body: { warehouse_id: wh, lines: SKUS.map((s) => ({ sku: s.sku, qty: 200, bin: 'A-01' })) } });
  expect(stock.status, stock.text).toBe(201);
  for (const c of [
    { code: 'S', length_mm: 200, width_mm: 150, height_mm: 120, max_weight_g: 2000, tare_weight_g: 80 },
    { code: 'M', length_mm: 350, width_mm: 300, height_mm: 150, max_weight_g: 5000, tare_weight_g: 150 },
    { code: 'L', length_mm: 500, width_mm: 400, height_mm: 300, max_weight_g: 15000, tare_weight_g: 400 },
  ]) expect((await t.call('POST', `/api/v1/warehouses/${wh}/cartons`, { body: c })).status).toBe(201);
});
afterAll(async () => t.close());

/**
 * An order taken to `picked` through the API only: placed, released in a single-order wave, its task claimed by a
 * picker and every line confirmed by scanning bin and item — which moves the units to the outbound staging bin.
 */
async function pickedOrder(lines: { sku: string; qty: number }[]): Promise<{ orderId: string; number: string; foId: string }> {
  const o = await t.call('POST', '/api/v1/orders', { body: orderBody(lines) });
  expect(o.status, o.text).toBe(201);
  const foId = o.body.fulfillment_orders[0].id as string;
  const wave = await t.call('POST', '/api/v1/waves', { body: { warehouse_id: wh, strategy: 'single' } });
  expect(wave.status, wave.text).toBe(201);
  const picker = await t.keyFor('picker', [wh]);
  const task = await t.call('POST', '/api/v1/pick-tasks/claim', { body: { warehouse_id: wh }, key: picker });
  expect(task.status, task.text).toBe(200);
  for (const line of task.body.items) {
    expect(line.fulfillment_order_id).toBe(foId);
    const c = await t.call('POST', `/api/v1/pick-tasks/${task.body.id}/confirm`, { body: { bin: line.bin, sku_or_barcode: line.gtin ?? line.sku, qty: line.qty_remaining }, key: picker });
    expect(c.status, c.text).toBe(200);
  }
  const fo = await t.call('GET', `/api/v1/fulfillment-orders/${foId}`);
  expect(fo.body.status).toBe('picked');
  return { orderId: o.body.id, number: o.body.number, foId };
}

const scan = (foId: string, barcode: string, qty?: number, key?: string) => t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack-scans`, { body: qty === undefined ? { barcode } : { barcode, qty }, ...(key ? { key } : {}) });
const scanCount = async (foId: string) =>
  (await sql<{ n: number }>`SELECT coalesce(sum(s.qty), 0)::int AS n FROM pack_scans s JOIN pack_sessions p ON p.id = s.session_id WHERE p.fulfillment_order_id = ${foId}`.execute(t.db.db)).rows[0]!.n;
const foStatus = async (foId: string) => (await t.db.db.selectFrom('fulfillment_orders').select('status').where('id', '=', foId).executeTakeFirstOrThrow()).status;

describe('order to packages through HTTP', () => {
  it('takes an order from capture through wave, pick, pack scans and pack to sealed packages', async () => {
    const { foId, orderId } = await pickedOrder([{ sku: 'PK-MUG', qty: 2 }, { sku: 'PK-BOOK', qty: 1 }]);
    const staged = await t.call('GET', `/api/v1/inventory/bins?warehouse_id=${wh}&bin=STAGE-OUT`);
    expect(staged.body.data.filter((b: any) => ['PK-MUG', 'PK-BOOK'].includes(b.sku)).reduce((n: number, b: any) => n + b.qty, 0)).toBeGreaterThanOrEqual(3);
    const packer = await t.keyFor('packer', [wh]);
    for (const code of ['4006381333931', 'PK-BOOK', 'PK-MUG']) expect((await scan(foId, code, undefined, packer)).status).toBe(201);
    const state = await t.call('GET', `/api/v1/fulfillment-orders/${foId}/pack`, { key: packer });
    expect(state.body).toMatchObject({ status: 'packing', complete: true });
    const r = await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: { carton: 'M', weight_g: 1290 }, key: packer });
    expect(r.status, r.text).toBe(201);
    expect((await t.call('GET', `/api/v1/fulfillment-orders/${foId}`)).body.status).toBe('packed');
    const pkgs = await t.call('GET', `/api/v1/packages?order_id=${orderId}`, { key: packer });
    expect(pkgs.body.data).toHaveLength(1);
    expect(pkgs.body.data[0]).toMatchObject({ status: 'packed', carton_code: 'M', weight_g: 1290, weight_estimated: false, fulfillment_order_id: foId });
    expect(pkgs.body.data[0].items.reduce((n: number, i: any) => n + i.qty, 0)).toBe(3);
    // Packing moves no stock: the units stay reserved in the staging bin until the package ships.
    const res = await t.call('GET', `/api/v1/inventory/reservations?ref=${orderId}&status=open`);
    expect(res.body.data.reduce((n: number, x: any) => n + x.qty, 0)).toBe(3);
    await expect(drifts(t.db.db)).resolves.toEqual([]);
  });
});

describe('pack scanning', () => {
  it('rejects a wrong item and an extra unit with a sentence the packer understands, recording nothing', async () => {
    const { foId, number } = await pickedOrder([{ sku: 'PK-MUG', qty: 2 }]);
    const wrong = await scan(foId, 'PK-TEE');
    expect(wrong.status).toBe(422);
    expect(wrong.body.code).toBe('wrong_item');
    expect(wrong.body.detail).toContain(`PK-TEE (Cotton tee) is not part of order ${number}`);
    const unknown = await scan(foId, '12345678901');
    expect(unknown.body.code).toBe('wrong_item');
    expect(unknown.body.detail).toContain('matches no item');
    const byGtin = await scan(foId, '9780201379624');
    expect(byGtin.body.code).toBe('wrong_item');
    expect(await scanCount(foId)).toBe(0);
    expect(await foStatus(foId)).toBe('picked');

    expect((await scan(foId, 'PK-MUG')).status).toBe(201);
    expect(await foStatus(foId)).toBe('packing');
    const two = await scan(foId, '4006381333931');
    expect(two.status, two.text).toBe(201);
    expect(two.body.scanned).toMatchObject({ sku: 'PK-MUG', scanned: 2, expected: 2, remaining: 0 });
    expect(two.body.complete).toBe(true);
    const extra = await scan(foId, 'PK-MUG');
    expect(extra.status).toBe(422);
    expect(extra.body.code).toBe('over_scan');
    expect(extra.body.detail).toContain('this one is extra');
    expect(await scanCount(foId)).toBe(2);
  });

  it('accepts a UPC-A scanned in its 13-digit form and shows scanned vs expected', async () => {
    const { foId } = await pickedOrder([{ sku: 'PK-TEE', qty: 3 }, { sku: 'PK-MUG', qty: 1 }]);
    expect((await scan(foId, '0036000291452', 2)).status).toBe(201);
    const over = await scan(foId, 'PK-TEE', 2);
    expect(over.body.code).toBe('over_scan');
    expect(over.body.detail).toContain('Only 1 more unit(s) of PK-TEE');
    const state = await t.call('GET', `/api/v1/fulfillment-orders/${foId}/pack`);
    expect(state.status).toBe(200);
    expect(state.body.status).toBe('packing');
    expect(state.body.complete).toBe(false);
    expect(state.body.lines.map((l: any) => [l.sku, l.expected, l.scanned, l.remaining])).toEqual([['PK-MUG', 1, 0, 1], ['PK-TEE', 3, 2, 1]]);
    const early = await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: {} });
    expect(early.status).toBe(422);
    expect(early.body.code).toBe('pack_incomplete');
    expect(early.body.detail).toContain('1 × PK-MUG, 1 × PK-TEE');
  });

  it('refuses to pack what is not picked yet', async () => {
    const o = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'PK-MUG', qty: 1 }]) });
    const r = await scan(o.body.fulfillment_orders[0].id, 'PK-MUG');
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('not_picked');
    expect(r.body.detail).toContain('is not picked yet');
    // Out of the way of the next tests' waves.
    expect((await t.call('POST', `/api/v1/orders/${o.body.id}/cancel`, { body: { reason: 'test' } })).status).toBe(200);
  });
});

describe('closing packing', () => {
  it('chooses the smallest fitting carton, computes and flags the weight, and creates the package', async () => {
    const { foId, orderId } = await pickedOrder([{ sku: 'PK-MUG', qty: 2 }, { sku: 'PK-TEE', qty: 1 }]);
    const r = await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: { scans: ['PK-MUG', 'PK-MUG', '036000291452'] } });
    expect(r.status, r.text).toBe(201);
    expect(r.body.status).toBe('packed');
    expect(r.body.carton_selection).toBe('auto');
    expect(r.body.packages).toHaveLength(1);
    const pkg = r.body.packages[0];
    expect(pkg).toMatchObject({ carton_code: 'M', length_mm: 350, width_mm: 300, height_mm: 150, weight_g: 2 * 350 + 180 + 150, weight_estimated: true, status: 'packed', seq: 1, order_id: orderId });
    expect(pkg.items.map((i: any) => i.qty).sort()).toEqual([1, 2]);
    expect(r.body.notes.join(' ')).toContain('not weighed');
    expect(await foStatus(foId)).toBe('packed');
    const items = await sql<{ sku: string; qty: number }>`SELECT k.sku, i.qty FROM package_items i JOIN skus k ON k.id = i.sku_id WHERE i.package_id = ${pkg.id} ORDER BY k.sku`.execute(t.db.db);
    expect(items.rows).toEqual([{ sku: 'PK-MUG', qty: 2 }, { sku: 'PK-TEE', qty: 1 }]);
    const events = await sql<{ type: string }>`SELECT type FROM outbox WHERE aggregate_id IN (${foId}, ${pkg.id}) ORDER BY seq`.execute(t.db.db);
    expect(events.rows.map((e) => e.type)).toEqual(expect.arrayContaining(['fulfillment_order.packing_started', 'package.created', 'fulfillment_order.packed']));
    const again = await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: {} });
    expect(again.status).toBe(409);
    const list = await t.call('GET', `/api/v1/packages?order_id=${orderId}`);
    expect(list.body.data.map((p: any) => p.id)).toEqual([pkg.id]);
    await expect(drifts(t.db.db)).resolves.toEqual([]);
  });

  it('splits over several cartons when one is not enough', async () => {
    const { foId } = await pickedOrder([{ sku: 'PK-LAMP', qty: 2 }, { sku: 'PK-MUG', qty: 1 }]);
    const r = await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: { scans: ['PK-LAMP', 'PK-LAMP', 'PK-MUG'] } });
    expect(r.status, r.text).toBe(201);
    // Each lamp fills an L carton on its own; the mug then goes in the smallest carton that takes it.
    expect(r.body.packages.map((p: any) => p.carton_code)).toEqual(['L', 'L', 'S']);
    expect(r.body.packages.map((p: any) => p.seq)).toEqual([1, 2, 3]);
    expect(r.body.packages.map((p: any) => p.items.reduce((n: number, i: any) => n + i.qty, 0))).toEqual([1, 1, 1]);
    expect(r.body.packages.map((p: any) => p.weight_g)).toEqual([4400, 4400, 430]);
  });

  it('takes the packer\'s carton and scale weight, and refuses a carton the items cannot fit', async () => {
    const { foId } = await pickedOrder([{ sku: 'PK-TEE', qty: 1 }]);
    expect((await scan(foId, 'PK-TEE')).status).toBe(201);
    const small = await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: { carton: 'S' } });
    expect(small.status).toBe(422);
    expect(small.body.code).toBe('carton_too_small');
    expect(small.body.detail).toContain('does not fit in carton S');
    const unknown = await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: { carton: 'XXL' } });
    expect(unknown.body.code).toBe('carton_not_found');
    const r = await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: { carton: 'M', weight_g: 412 } });
    expect(r.status, r.text).toBe(201);
    expect(r.body.packages[0]).toMatchObject({ carton_code: 'M', weight_g: 412, weight_estimated: false });
  });

  it('says which SKU lacks dimensions instead of guessing a carton, and packs once the carton is given', async () => {
    const { foId } = await pickedOrder([{ sku: 'PK-BOOK', qty: 1 }]);
    const auto = await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: { scans: ['5901234123457'] } });
    expect(auto.status).toBe(422);
    expect(auto.body.code).toBe('dimensions_missing');
    expect(auto.body.detail).toContain('PK-BOOK has no dimensions');
    expect(await scanCount(foId)).toBe(0); // the inline scan rolled back with the refusal
    const r = await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: { scans: ['5901234123457'], carton: 'S' } });
    expect(r.status, r.text).toBe(201);
    expect(r.body.packages[0]).toMatchObject({ carton_code: 'S', weight_g: 580, weight_estimated: true });
  });

  it('packs into packages the packer lists, each with its own carton and weight', async () => {
    const { foId } = await pickedOrder([{ sku: 'PK-MUG', qty: 3 }, { sku: 'PK-TEE', qty: 2 }]);
    expect((await scan(foId, 'PK-MUG', 3)).status).toBe(201);
    expect((await scan(foId, 'PK-TEE', 2)).status).toBe(201);
    const bad = await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: { packages: [{ carton: 'S', items: [{ sku: 'PK-MUG', qty: 1 }] }, { carton: 'M', items: [{ sku: 'PK-TEE', qty: 2 }] }] } });
    expect(bad.body.code).toBe('package_items_mismatch');
    expect(bad.body.detail).toContain('2 × PK-MUG');
    const r = await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: { packages: [{ carton: 'S', weight_g: 800, items: [{ sku: '4006381333931', qty: 1 }] }, { carton: 'M', weight_g: 1300 }] } });
    expect(r.status, r.text).toBe(201);
    const [a, b] = r.body.packages;
    expect(a).toMatchObject({ carton_code: 'S', weight_g: 800 });
    expect(a.items).toHaveLength(1);
    expect(a.items[0].qty).toBe(1);
    expect(b.items.map((i: any) => i.qty).sort()).toEqual([2, 2]);
  });
});

describe('two packers on one order', () => {
  it('never counts the last unit twice and closes packing once', async () => {
    const { foId } = await pickedOrder([{ sku: 'PK-MUG', qty: 3 }]);
    const scans = await Promise.all(Array.from({ length: 6 }, () => scan(foId, 'PK-MUG')));
    expect(scans.filter((s) => s.status === 201)).toHaveLength(3);
    expect(scans.filter((s) => s.status === 422).every((s) => s.body.code === 'over_scan')).toBe(true);
    expect(await scanCount(foId)).toBe(3);
    const closes = await Promise.all([1, 2, 3].map(() => t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: { carton: 'L' } })));
    expect(closes.map((c) => c.status).sort()).toEqual([201, 409, 409]);
    const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM packages WHERE fulfillment_order_id = ${foId}`.execute(t.db.db);
    expect(n.rows[0]!.n).toBe(1);
  });
});

describe('repacking', () => {
  it('cancels a packed package: the order goes back to packing and its units must be scanned again', async () => {
    const { foId } = await pickedOrder([{ sku: 'PK-MUG', qty: 1 }, { sku: 'PK-TEE', qty: 1 }]);
    const first = await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: { scans: ['PK-MUG', 'PK-TEE'], packages: [{ carton: 'S', items: [{ sku: 'PK-MUG', qty: 1 }] }, { carton: 'M' }] } });
    expect(first.status, first.text).toBe(201);
    const [mugBox, teeBox] = first.body.packages;
    const c = await t.call('POST', `/api/v1/packages/${mugBox.id}/cancel`, { body: { reason: 'carton crushed' } });
    expect(c.status, c.text).toBe(200);
    expect(c.body.status).toBe('cancelled');
    expect(await foStatus(foId)).toBe('packing');
    const twice = await t.call('POST', `/api/v1/packages/${mugBox.id}/cancel`, { body: { reason: 'again' } });
    expect(twice.status).toBe(409);
    const state = await t.call('GET', `/api/v1/fulfillment-orders/${foId}/pack`);
    expect(state.body.lines.map((l: any) => [l.sku, l.expected, l.scanned])).toEqual([['PK-MUG', 1, 0], ['PK-TEE', 0, 0]]);
    expect(state.body.packages.map((p: any) => p.id)).toEqual([teeBox.id]);
    expect((await scan(foId, 'PK-TEE')).body.code).toBe('over_scan');
    const again = await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: { scans: ['PK-MUG'], carton: 'S' } });
    expect(again.status, again.text).toBe(201);
    expect(again.body.packages[0].seq).toBe(3);
    expect(await foStatus(foId)).toBe('packed');
  });
});

describe('packing slip', () => {
  it('prints the order number (with its Code 128), the ship-to address and the lines', async () => {
    const { foId, number } = await pickedOrder([{ sku: 'PK-MUG', qty: 2 }, { sku: 'PK-BOOK', qty: 1 }]);
    const r = await fetch(`${t.url}/api/v1/fulfillment-orders/${foId}/packing-slip.pdf`, { headers: { authorization: `Bearer ${t.adminKey}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/pdf');
    const buf = Buffer.from(await r.arrayBuffer());
    const pdf = await readPdf(buf);
    const text = pdf.text.join(' ');
    expect(text).toContain(`Order ${number}`);
    expect(text).toContain('Asha Rao');
    expect(text).toContain('12 MG Road');
    expect(text).toContain('PK-MUG');
    expect(text).toContain('Stoneware mug');
    expect(text).toContain('PK-BOOK');
    expect(text).toContain('Total units: 3');
    // bwip-js draws the barcode (and its human-readable text) as an image: the page must carry one.
    expect(buf.toString('latin1')).toMatch(/\/Subtype \/Image/);
    expect(pdf.pages).toBe(1);
  });
});

describe('access', () => {
  it('lets packers pack, refuses pickers, and hides other warehouses\' orders and packages', async () => {
    const { foId } = await pickedOrder([{ sku: 'PK-MUG', qty: 1 }]);
    const packer = await t.keyFor('packer', [wh]);
    const elsewhere = await t.keyFor('packer', [other]);
    const picker = await t.keyFor('picker', [wh]);
    expect((await scan(foId, 'PK-MUG', undefined, picker)).status).toBe(403);
    const hidden = await scan(foId, 'PK-MUG', undefined, elsewhere);
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe('fulfillment_order_not_found');
    expect((await t.call('GET', `/api/v1/fulfillment-orders/${foId}/pack`, { key: elsewhere })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/fulfillment-orders/${foId}/packing-slip.pdf`, { key: elsewhere })).status).toBe(404);
    const r = await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: { scans: ['PK-MUG'], carton: 'S', weight_g: 500 }, key: packer });
    expect(r.status, r.text).toBe(201);
    const pkg = r.body.packages[0].id;
    expect((await t.call('GET', `/api/v1/packages/${pkg}`, { key: elsewhere })).status).toBe(404);
    expect((await t.call('POST', `/api/v1/packages/${pkg}/cancel`, { body: { reason: 'x' }, key: elsewhere })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/packages?fulfillment_order_id=${foId}`, { key: elsewhere })).body.data).toEqual([]);
    expect((await t.call('GET', `/api/v1/packages/${pkg}`, { key: packer })).body.packed_by).toBeTruthy();
  });
});
