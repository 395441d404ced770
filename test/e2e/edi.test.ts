import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { orderBody } from '../helpers/seed.js';
import { drifts } from '../helpers/inventory.js';

let t: TestApp;
let dir: string;
let whId: string;
const outbound = () => path.join(dir, 'out');
const inbound = () => path.join(dir, 'in');

const isa = (control: number, sender = 'ACME3PL') =>
  `ISA*00*          *00*          *ZZ*${sender.padEnd(15)}*ZZ*TANDEMBRAND    *261201*1400*U*00401*${String(control).padStart(9, '0')}*0*P*>`;
const snapshot846 = (control: number, lines: [string, number][]) => [
  isa(control), `GS*IB*ACME3PL*TANDEMBRAND*20261201*1400*${control}*X*004010`, 'ST*846*0001', `BIA*00*MM*SNAP-${control}*20261201`,
  ...lines.flatMap(([sku, qty]) => [`LIN**SK*${sku}`, `QTY*17*${qty}*EA`]), `SE*${3 + lines.length * 2}*0001`, `GE*1*${control}`, `IEA*1*${String(control).padStart(9, '0')}`,
].join('~') + '~';

beforeAll(async () => {
  t = await startTestApp();
  dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-edi-'));
  const wh = await t.call('POST', '/api/v1/warehouses', { body: { code: 'W3PL', name: 'Acme 3PL', type: 'external', address: { line1: '1 Dock Road', city: 'Pune', postal_code: '411001', country: 'IN' }, timezone: 'Asia/Kolkata' } });
  if (wh.status !== 201) throw new Error(wh.text);
  whId = wh.body.id as string;
  for (const sku of ['EDI-TEE', 'EDI-MUG']) await t.call('POST', '/api/v1/skus', { body: { sku, name: `Item ${sku}`, weight_g: 300, gtin: sku === 'EDI-TEE' ? '012345678905' : undefined } });
});
afterAll(async () => t.close());

describe('EDI with an external warehouse', () => {
  it('accepts a trading partner only for an external warehouse, admin only', async () => {
    const partner = { our_qualifier: 'ZZ', our_id: 'TANDEMBRAND', partner_qualifier: 'ZZ', partner_id: 'ACME3PL', outbound_dir: outbound(), inbound_dir: inbound() };
    expect((await t.call('PUT', `/api/v1/warehouses/${whId}/edi-partner`, { key: await t.keyFor('ops'), body: partner })).status).toBe(403);
    expect((await t.call('PUT', `/api/v1/warehouses/${whId}/edi-partner`, { body: { ...partner, our_id: 'WAY-TOO-LONG-AN-ID' } })).status).toBe(400);
    const own = await t.call('POST', '/api/v1/warehouses', { body: { code: 'WOWN', name: 'Own', address: { line1: '1 Road', city: 'Pune', postal_code: '411001', country: 'IN' }, timezone: 'Asia/Kolkata' } });
    const refused = await t.call('PUT', `/api/v1/warehouses/${own.body.id}/edi-partner`, { body: partner });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('warehouse_not_external');
    const ok = await t.call('PUT', `/api/v1/warehouses/${whId}/edi-partner`, { body: partner });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toMatchObject({ partner_id: 'ACME3PL', next_control: 1, active: true });
  });

  it('takes the 3PL\'s stock from an 846 snapshot, once, and files it', async () => {
    await mkdir(inbound(), { recursive: true });
    await writeFile(path.join(inbound(), 'stock-1.edi'), snapshot846(501, [['EDI-TEE', 12], ['EDI-MUG', 5]]));
    await writeFile(path.join(inbound(), 'stock-1-again.edi'), snapshot846(501, [['EDI-TEE', 12], ['EDI-MUG', 5]]));
    await writeFile(path.join(inbound(), 'junk.edi'), 'this is not X12');
    const run = await t.call('POST', '/api/v1/edi/run', { body: {} });
    expect(run.status, run.text).toBe(200);
    expect(run.body.inbound).toEqual({ applied: 1, duplicates: 1, rejected: 1 });
    const stock = (await t.call('GET', `/api/v1/inventory?warehouse_id=${whId}`)).body.data as { sku: string; on_hand: number }[];
    expect(Object.fromEntries(stock.map((s) => [s.sku, s.on_hand]))).toEqual({ 'EDI-TEE': 12, 'EDI-MUG': 5 });
    expect((await readdir(path.join(inbound(), 'processed'))).sort()).toEqual(['stock-1-again.edi', 'stock-1.edi']);
    expect((await readdir(path.join(inbound(), 'rejected'))).sort()).toEqual(['junk.edi', 'junk.edi.error.txt']);
    expect(await readFile(path.join(inbound(), 'rejected', 'junk.edi.error.txt'), 'utf8')).toMatch(/Not a valid X12/);
    const docs = await t.call('GET', `/api/v1/edi/documents?warehouse_id=${whId}`);
    expect(docs.body.data.map((d: { transaction_set: string; status: string }) => `${d.transaction_set}:${d.status}`).sort()).toEqual(['846:applied', 'unknown:rejected']);

    // A later snapshot lower than what open orders hold keeps the held units and says so.
    const order = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'EDI-MUG', qty: 4 }]) });
    expect(order.body.allocations[0].warehouse_id).toBe(whId);
    const lower = await t.call('POST', `/api/v1/warehouses/${whId}/edi/inbound`, { raw: snapshot846(502, [['EDI-MUG', 3]]), headers: { 'content-type': 'text/plain' } });
    expect(lower.status, lower.text).toBe(200);
    const doc = await t.call('GET', `/api/v1/edi/documents/${lower.body.documents[0].id}`);
    expect(doc.body.result.short).toEqual([{ sku: 'EDI-MUG', reported: 3, reserved: 4 }]);
    expect((await t.call('GET', `/api/v1/inventory?sku=EDI-MUG&warehouse_id=${whId}`)).body.data[0]).toMatchObject({ on_hand: 4, reserved: 4 });
    expect(await drifts(t.db.db)).toEqual([]);
  });

  it('sends each new fulfillment order as a 940 once, and marks it released', async () => {
    const order = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'EDI-TEE', qty: 2 }]) });
    expect(order.status, order.text).toBe(201);
    const run = await t.call('POST', '/api/v1/edi/run', { body: {} });
    expect(run.body.outbound.sent, JSON.stringify([run.body, (await t.call('GET', '/api/v1/orders')).body.data.map((o: { status: string }) => o.status)])).toBe(2); // this order and the mug order above
    const files = (await readdir(outbound())).sort();
    expect(files).toEqual(['940_000000001.edi', '940_000000002.edi']);
    const view = await t.call('GET', `/api/v1/orders/${order.body.id}`);
    const fo = view.body.fulfillment_orders[0] as { id: string; status: string };
    expect(fo.status).toBe('released');
    const text = await readFile(path.join(outbound(), files[1]!), 'latin1');
    expect(text).toContain(`W05*N*${fo.id}*${order.body.number}~`);
    expect(text).toContain('W01*2*EA*012345678905*SK*EDI-TEE*UK*012345678905~');
    expect(text).toMatch(/^ISA\*00\*.{10}\*00\*.{10}\*ZZ\*TANDEMBRAND {4}\*ZZ\*ACME3PL {8}\*/);
    expect(view.body.timeline.map((e: { type: string }) => e.type)).toContain('sent_to_warehouse');

    const again = await t.call('POST', '/api/v1/edi/run', { body: {} });
    expect(again.body.outbound).toEqual({ sent: 0, written: 0, failed: [] });
    expect(await readdir(outbound())).toHaveLength(2);
  });

  it('turns the 3PL\'s 945 into a shipment, exactly once, and the order ships', async () => {
    const orders = (await t.call('GET', '/api/v1/orders?limit=10')).body.data as { id: string; number: string; status: string }[];
    const teeOrder = (await Promise.all(orders.map((o) => t.call('GET', `/api/v1/orders/${o.id}`)))).map((r) => r.body).find((o) => o.lines[0].sku === 'EDI-TEE');
    const fo = teeOrder.fulfillment_orders[0] as { id: string };
    const before = (await t.call('GET', `/api/v1/inventory?sku=EDI-TEE&warehouse_id=${whId}`)).body.data[0];
    const advice = (control: number, foId: string, qty: number) => [
      isa(control), `GS*SW*ACME3PL*TANDEMBRAND*20261201*1400*${control}*X*004010`, 'ST*945*0001', `W06*F*${foId}*20261201*SHP-${control}**${teeOrder.number}`,
      'W27*M*BLDT', 'N9*CN*BD99887766IN', 'LX*1', `W12*CC*2*${qty}*0*EA*012345678905*SK*EDI-TEE`, `W03*${qty}*0.6*KG`, 'SE*8*0001', `GE*1*${control}`, `IEA*1*${String(control).padStart(9, '0')}`,
    ].join('~\n') + '~\n';
    const wrong = await t.call('POST', `/api/v1/warehouses/${whId}/edi/inbound`, { raw: advice(601, 'fo_not_ours', 2), headers: { 'content-type': 'text/plain' } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.code).toBe('edi_rejected');
    expect(wrong.body.detail).toMatch(/fo_not_ours is not a fulfillment order sent to this warehouse/);
    const tooMany = await t.call('POST', `/api/v1/warehouses/${whId}/edi/inbound`, { raw: advice(602, fo.id, 3), headers: { 'content-type': 'text/plain' } });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.detail).toMatch(/asked for fewer|the 3PL reports 3/);
    expect((await t.call('GET', `/api/v1/inventory?sku=EDI-TEE&warehouse_id=${whId}`)).body.data[0]).toEqual(before);

    await writeFile(path.join(inbound(), 'ship-603.edi'), advice(603, fo.id, 2));
    const run = await t.call('POST', '/api/v1/edi/run', { body: {} });
    expect(run.body.inbound, JSON.stringify([run.body, (await t.call('GET', '/api/v1/edi/documents')).body.data.map((d: { error: string; transaction_set: string }) => [d.transaction_set, d.error])])).toEqual({ applied: 1, duplicates: 0, rejected: 0 });
    const view = (await t.call('GET', `/api/v1/orders/${teeOrder.id}`)).body;
    expect(view.status).toBe('shipped');
    expect(view.fulfillment_orders[0].status).toBe('shipped');
    const foEvents = await t.db.db.selectFrom('outbox').select('type').where('aggregate_id', '=', fo.id).orderBy('seq').execute();
    expect(foEvents.map((e) => e.type)).toEqual(['fulfillment_order.created', 'fulfillment_order.released', 'fulfillment_order.packed', 'fulfillment_order.shipped']);
    expect(view.lines[0].qty_shipped).toBe(2);
    const after = (await t.call('GET', `/api/v1/inventory?sku=EDI-TEE&warehouse_id=${whId}`)).body.data[0];
    expect(after).toMatchObject({ on_hand: before.on_hand - 2, reserved: before.reserved - 2 });
    const shipments = (await t.call('GET', `/api/v1/shipments?order_id=${teeOrder.id}`)).body.data as { tracking_number: string; carrier: string; status: string }[];
    expect(shipments).toHaveLength(1);
    expect(shipments[0]).toMatchObject({ tracking_number: 'BD99887766IN', carrier: '3pl-bldt', status: 'label_created' });

    const again = await t.call('POST', `/api/v1/warehouses/${whId}/edi/inbound`, { raw: advice(603, fo.id, 2), headers: { 'content-type': 'text/plain' } });
    expect(again.body.outcome).toBe('duplicate');
    expect((await t.call('GET', `/api/v1/inventory?sku=EDI-TEE&warehouse_id=${whId}`)).body.data[0]).toEqual(after);
    expect(await drifts(t.db.db)).toEqual([]);
  });

  it('asks the 3PL to collect a cash-on-delivery order\'s amount in the 940 (W66), and its shipment records it', async () => {
    const order = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'EDI-TEE', qty: 1, unit_price_amount: 99_850 }], { payment: { method: 'cod' } }) });
    expect(order.status, order.text).toBe(201);
    const total = order.body.total_amount as number;
    expect(total).toBeGreaterThan(0);
    const run = await t.call('POST', '/api/v1/edi/run', { body: {} });
    expect(run.body.outbound, JSON.stringify(order.body.status)).toEqual({ sent: 1, written: 1, failed: [] });
    const file = (await readdir(outbound())).sort().at(-1)!;
    const text = await readFile(path.join(outbound(), file), 'latin1');
    expect(text).toContain(`W66*PP*M******4*${total}~`);
    const fo = (await t.call('GET', `/api/v1/orders/${order.body.id}`)).body.fulfillment_orders[0] as { id: string };
    const advice = [
      isa(604), 'GS*SW*ACME3PL*TANDEMBRAND*20261201*1400*604*X*004010', 'ST*945*0001', `W06*F*${fo.id}*20261201*SHP-604**${order.body.number}`,
      'W27*M*BLDT', 'N9*CN*BD55544433IN', 'LX*1', 'W12*CC*1*1*0*EA*012345678905*SK*EDI-TEE', 'W03*1*0.3*KG', 'SE*8*0001', 'GE*1*604', 'IEA*1*000000604',
    ].join('~\n') + '~\n';
    const applied = await t.call('POST', `/api/v1/warehouses/${whId}/edi/inbound`, { raw: advice, headers: { 'content-type': 'text/plain' } });
    expect(applied.status, applied.text).toBe(200);
    const shipments = (await t.call('GET', `/api/v1/shipments?order_id=${order.body.id}`)).body.data as { cod_amount: number; currency: string }[];
    expect(shipments.map((x) => [x.cod_amount, x.currency])).toEqual([[total, 'INR']]);
  });

  it('keeps sending the other orders when one cannot be written as a 940, and says which and why', async () => {
    // 1.235 KWD to collect is not a whole number of hundredths: W66-09 (N2) cannot carry it.
    const big = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'EDI-TEE', qty: 1, unit_price_amount: 1_235 }], { currency: 'KWD', payment: { method: 'cod' } }) });
    const fine = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'EDI-TEE', qty: 1 }]) });
    expect([big.status, fine.status]).toEqual([201, 201]);
    const run = await t.call('POST', '/api/v1/edi/run', { body: {} });
    expect(run.status, run.text).toBe(200);
    expect(run.body.outbound).toMatchObject({ sent: 1, written: 1, failed: [{ fulfillment_order_id: big.body.fulfillment_orders[0].id, code: 'edi_invalid' }] });
    expect(run.body.outbound.failed[0].detail).toMatch(/cannot be written as an X12 amount with two decimals/);
    const views = await Promise.all([big, fine].map((o) => t.call('GET', `/api/v1/orders/${o.body.id}`)));
    expect(views.map((v) => v.body.fulfillment_orders[0].status)).toEqual(['pending', 'released']);
  });
});
