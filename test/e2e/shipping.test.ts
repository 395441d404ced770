import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { orderBody } from '../helpers/seed.js';
import { drifts } from '../helpers/inventory.js';
import { readPdf } from '../helpers/pdf.js';
import { easyPostSignature, isValidS10, isValidSscc } from '../../src/modules/shipping/index.js';
import { shipPackage } from '../../src/workflows/ship-package.js';

/**
 * A local server speaking EasyPost's documented v2 JSON (shipments with rates, buy, refund): the adapter's real
 * HTTP path runs against it. It checks basic auth and records every request.
 */
const EP_KEY = 'EZTK_test_key_123';
const EP_SECRET = 'ep-webhook-secret-ünïcode';
const epRequests: { method: string; path: string; auth: string | undefined; body: any }[] = [];
let epServer: Server;
let epUrl: string;
let epShipments = 0;

async function readBody(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

function epRate(shipmentId: string, n: number, carrier: string, service: string, rate: string, days: number) {
  return { id: `rate_${shipmentId.slice(4)}_${n}`, object: 'Rate', shipment_id: shipmentId, carrier, service, rate, currency: 'INR', delivery_days: days, est_delivery_days: days };
}

async function startEasyPost(): Promise<void> {
  epServer = createServer(async (req, res) => {
    const body = await readBody(req);
    epRequests.push({ method: req.method!, path: req.url!, auth: req.headers.authorization, body });
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    if (req.headers.authorization !== `Basic ${Buffer.from(`${EP_KEY}:`).toString('base64')}`) return send(401, { error: { code: 'APIKEY.INVALID', message: 'Invalid API key' } });
    if (req.method === 'POST' && req.url === '/v2/shipments') {
      const id = `shp_ep${String(++epShipments).padStart(6, '0')}`;
      return send(201, { id, object: 'Shipment', mode: 'test', to_address: body.shipment.to_address, from_address: body.shipment.from_address, parcel: { object: 'Parcel', ...body.shipment.parcel }, messages: [],
        rates: [epRate(id, 1, 'USPS', 'Priority', '95.00', 3), epRate(id, 2, 'UPS', 'Ground', '99.50', 5)], tracking_code: null, postage_label: null });
    }
    const buy = /^\/v2\/shipments\/(shp_ep\d+)\/buy$/.exec(req.url!);
    if (req.method === 'POST' && buy) {
      const id = buy[1]!;
      const rate = [epRate(id, 1, 'USPS', 'Priority', '95.00', 3), epRate(id, 2, 'UPS', 'Ground', '99.50', 5)].find((r) => r.id === body.rate?.id);
      if (!rate) return send(422, { error: { code: 'SHIPMENT.RATE.INVALID', message: 'rate not found' } });
      return send(200, { id, object: 'Shipment', tracking_code: `9400100${id.slice(-6)}`, selected_rate: rate, postage_label: { object: 'PostageLabel', label_url: `https://easypost-files.example/${id}.png` } });
    }
    const refund = /^\/v2\/shipments\/(shp_ep\d+)\/refund$/.exec(req.url!);
    if (req.method === 'POST' && refund) return send(200, { id: refund[1], object: 'Shipment', refund_status: 'submitted' });
    return send(404, { error: { code: 'NOT_FOUND', message: 'no such endpoint' } });
  });
  await new Promise<void>((r) => epServer.listen(0, '127.0.0.1', r));
  epUrl = `http://127.0.0.1:${(epServer.address() as AddressInfo).port}`;
}

let t: TestApp;
let wh: string;

const csv = (rows: string[]) => ({ raw: rows.join('\n'), headers: { 'content-type': 'text/csv' } });

beforeAll(async () => {
  await startEasyPost();
  t = await startTestApp();
  const w = await t.call('POST', '/api/v1/warehouses', { body: { code: 'SHA', name: 'Bengaluru DC', address: { line1: '1 Dock Road', city: 'Bengaluru', postal_code: '560001', country: 'IN' }, lat: 12.9716, lng: 77.5946, timezone: 'Asia/Kolkata' } });
  expect(w.status, w.text).toBe(201);
  wh = w.body.id;
  expect((await t.call('POST', `/api/v1/warehouses/${wh}/bins`, { body: [{ code: 'A-01', zone: 'A', walk_sequence: 1 }] })).status).toBe(201);
  expect((await t.call('POST', `/api/v1/warehouses/${wh}/cartons`, { body: { code: 'M', length_mm: 300, width_mm: 200, height_mm: 150, max_weight_g: 5000, tare_weight_g: 150 } })).status).toBe(201);
  for (const s of [{ sku: 'SH-MUG', name: 'Mug', weight_g: 300, dims_mm: { l: 120, w: 100, h: 100 } }, { sku: 'SH-TEE', name: 'Tee', weight_g: 200, dims_mm: { l: 250, w: 200, h: 20 } }]) {
    expect((await t.call('POST', '/api/v1/skus', { body: s })).status).toBe(201);
  }
  expect((await t.call('POST', '/api/v1/inventory/receipts', { body: { warehouse_id: wh, lines: [{ sku: 'SH-MUG', qty: 100, bin: 'A-01' }, { sku: 'SH-TEE', qty: 100, bin: 'A-01' }] } })).status).toBe(201);

  const carriers = [
    { code: 'swift', name: 'Swift Couriers', kind: 'rate_card', cod_capable: true, credentials: { webhook_secret: 'swift-secret-1' },
      settings: { currency: 'INR', volumetric_divisor: 5000, fuel_surcharge_pct: 10, cod_fee: { type: 'percent', pct: 2, min_amount: 3000 }, cod_limit_amount: 5_000_000, tracking: { prefix: 'SW', suffix: 'IN', first: 1000, last: 99_999_999 } } },
    { code: 'bluedart', name: 'Blue Dart', kind: 'rate_card', cod_capable: true, settings: { currency: 'INR' } },
    { code: 'ep', name: 'EasyPost', kind: 'easypost', credentials: { api_key: EP_KEY, webhook_secret: EP_SECRET }, settings: { base_url: epUrl, currency: 'INR' } },
  ];
  for (const c of carriers) {
    const r = await t.call('POST', '/api/v1/carriers', { body: c });
    expect(r.status, r.text).toBe(201);
    expect(JSON.stringify(r.body)).not.toContain('secret-1');
  }
  for (const code of ['swift', 'bluedart']) {
    const z = await t.call('POST', `/api/v1/carriers/${code}/rate-card/zones`, csv(['zone,max_km,dest_prefix', 'metro,,5600', 'local,50,', 'regional,500,', 'national,3000,']));
    expect(z.status, z.text).toBe(200);
    const r = await t.call('POST', `/api/v1/carriers/${code}/rate-card/rates`, csv(['service,zone,transit_days,up_to_g,amount,extra_every_g,extra_amount', 'surface,metro,2,500,40.00,,', 'surface,metro,2,1000,60.00,500,25.00', 'express,metro,1,500,70.00,,', 'surface,national,5,1000,90.00,500,30']));
    expect(r.status, r.text).toBe(200);
  }
  expect((await t.call('POST', '/api/v1/carriers/swift/rate-card/serviceability', csv(['postal_code,match,prepaid,cod', '56,prefix,yes,yes', '110001,exact,yes,no']))).status).toBe(200);
  expect((await t.call('POST', '/api/v1/carriers/bluedart/rate-card/serviceability', csv(['postal_code,match,prepaid,cod', '11,prefix,yes,yes']))).status).toBe(200);
  expect((await t.call('PUT', '/api/v1/shipping/settings', { body: { gs1_company_prefix: '0614141', sscc_extension_digit: 1 } })).status).toBe(200);
  expect((await t.call('PUT', '/api/v1/shipping/rules', { body: { warehouse_id: wh, strategy: 'cheapest', preferred_carriers: ['bluedart', 'swift'] } })).status).toBe(200);
});
afterAll(async () => {
  await t?.close();
  await new Promise((r) => epServer?.close(r));
});

/** An order taken through the real warehouse flow: wave, claim, pick confirms, pack. Returns the package ids. */
async function packedOrder(lines: { sku: string; qty: number }[], over: Record<string, unknown> = {}, pack: Record<string, unknown> = { carton: 'M', weight_g: 700 }): Promise<{ orderId: string; number: string; packages: string[] }> {
  const o = await t.call('POST', '/api/v1/orders', { body: orderBody(lines, { shipping_address: { name: 'Asha Rao', line1: '12 MG Road', city: 'Bengaluru', state: 'KA', postal_code: '560034', country: 'IN', phone: '+91 98450 00000' }, ...over }) });
  expect(o.status, o.text).toBe(201);
  const wave = await t.call('POST', '/api/v1/waves', { body: { warehouse_id: wh, strategy: 'single' } });
  expect(wave.status, wave.text).toBe(201);
  let task = (await t.call('POST', '/api/v1/pick-tasks/claim', { body: { warehouse_id: wh } })).body;
  while (task.next_line) {
    const r = await t.call('POST', `/api/v1/pick-tasks/${task.id}/confirm`, { body: { bin: task.next_line.bin, sku_or_barcode: task.next_line.sku, qty: task.next_line.qty_remaining } });
    expect(r.status, r.text).toBe(200);
    task = r.body.task;
  }
  const foId = o.body.fulfillment_orders[0].id;
  const scans = lines.flatMap((l) => Array.from({ length: l.qty }, () => l.sku));
  const packed = await t.call('POST', `/api/v1/fulfillment-orders/${foId}/pack`, { body: { scans, ...pack } });
  expect(packed.status, packed.text).toBe(201);
  return { orderId: o.body.id, number: o.body.number, packages: packed.body.packages.map((p: { id: string }) => p.id) };
}

const stock = async (sku: string) => (await t.call('GET', `/api/v1/inventory?sku=${sku}&warehouse_id=${wh}`)).body.data[0];
const events = async (type: string, id: string) => (await sql<{ payload: any }>`select payload from outbox where type = ${type} and aggregate_id = ${id} order by seq`.execute(t.db.db)).rows.map((r) => r.payload);

let codShipment: any;

describe('shipping a package', () => {
  it('ships a COD order with the first serviceable preferred carrier, priced on volumetric weight with the COD fee', async () => {
    const before = await stock('SH-MUG');
    const { orderId, packages } = await packedOrder([{ sku: 'SH-MUG', qty: 2 }], { payment: { method: 'cod' } });
    const preview = await t.call('POST', `/api/v1/packages/${packages[0]}/rates`, { body: {} });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body.choice).toMatchObject({ ok: true, chosen: { carrier: 'swift', service: 'surface' } });

    const r = await t.call('POST', `/api/v1/packages/${packages[0]}/ship`, { body: {} });
    expect(r.status, r.text).toBe(201);
    codShipment = r.body;
    // 300 × 200 × 150 mm box of 700 g bills 1,800 g: 60.00 + 2 × 25.00 = 110.00, fuel 10 % 11.00, COD 2 % of 998.00 → minimum 30.00.
    expect(r.body).toMatchObject({ carrier: 'swift', service: 'surface', status: 'label_created', cod_amount: 99800, rate_amount: 15100, rate_currency: 'INR', chargeable_weight_g: 1800, transit_days: 2 });
    expect(r.body.rate.breakdown).toMatchObject({ zone: 'metro', freight: 11000, fuel_surcharge: 1100, cod_fee: 3000, volumetric_g: 1800 });
    expect(r.body.selection.reason).toContain('preferred carrier swift, after bluedart (postal code 560034 is not in its serviceable list)');
    expect(r.body.selection.rejected).toContainEqual({ carrier: 'ep', reason: 'does not collect cash on delivery' });
    expect(isValidS10(r.body.tracking_number)).toBe(true);
    expect(r.body.tracking_number).toMatch(/^SW0000100\d{2}IN$/);
    expect(isValidSscc(r.body.sscc)).toBe(true);
    expect(r.body.sscc).toMatch(/^10614141/);

    const order = await t.call('GET', `/api/v1/orders/${orderId}`);
    expect(order.body.status).toBe('shipped');
    expect(order.body.timeline.map((e: { type: string }) => e.type)).toContain('package_shipped');
    const after = await stock('SH-MUG');
    expect(after.on_hand).toBe(before.on_hand - 2);
    expect(after.reserved).toBe(before.reserved);
    expect(await drifts(t.db.db)).toEqual([]);
    expect(await events('shipment.created', r.body.id)).toEqual([expect.objectContaining({ order_id: orderId, carrier: 'swift', status: 'label_created' })]);

    const again = await t.call('POST', `/api/v1/packages/${packages[0]}/ship`, { body: {} });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'already_shipped', details: { shipment_id: r.body.id } });
  });

  it('stores a re-printable 4×6 label as PDF and ZPL with the tracking barcode and a valid SSCC', async () => {
    const pdf = await fetch(`${t.url}/api/v1/shipments/${codShipment.id}/label?format=pdf`, { headers: { authorization: `Bearer ${t.adminKey}` } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toContain('application/pdf');
    const doc = await readPdf(new Uint8Array(await pdf.arrayBuffer()));
    expect(doc.pages).toBe(1);
    const text = doc.text[0]!;
    for (const s of ['Swift Couriers', 'surface', 'COD INR 998.00', 'Asha Rao', '560034', 'Bengaluru DC', codShipment.tracking_number, `SSCC (00) ${codShipment.sscc}`, 'Chargeable 1.80 kg']) expect(text).toContain(s);

    const zpl = await t.call('GET', `/api/v1/shipments/${codShipment.id}/label?format=zpl`);
    expect(zpl.status).toBe(200);
    expect(zpl.text.startsWith('^XA')).toBe(true);
    expect(zpl.text.trim().endsWith('^XZ')).toBe(true);
    const sscc = /\^BCN,150,Y,N,N,D\^FD\(00\)(\d{18})\^FS/.exec(zpl.text)?.[1];
    expect(sscc).toBe(codShipment.sscc);
    expect(isValidSscc(sscc!)).toBe(true);
    expect(zpl.text).toContain(`^FH_^FD${codShipment.tracking_number}^FS`);
    expect(zpl.text).toContain('COD INR 998.00');
  });

  it('takes the cheapest rate of the EasyPost-format aggregator for a prepaid order, bought through its API in inches and ounces', async () => {
    expect((await t.call('PUT', '/api/v1/shipping/rules', { body: { warehouse_id: wh, strategy: 'cheapest', preferred_carriers: [] } })).status).toBe(200);
    const { packages } = await packedOrder([{ sku: 'SH-TEE', qty: 1 }]);
    epRequests.length = 0;
    const r = await t.call('POST', `/api/v1/packages/${packages[0]}/ship`, { body: {} });
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({ carrier: 'ep', service: 'USPS:Priority', rate_amount: 9500, cod_amount: 0, transit_days: 3 });
    expect(r.body.tracking_number).toMatch(/^9400100\d{6}$/);
    expect(r.body.carrier_label_url).toMatch(/^https:\/\/easypost-files\.example\/shp_ep\d+\.png$/);
    expect(r.body.alternatives.map((a: any) => `${a.carrier}/${a.service}`)).toEqual(['ep/UPS:Ground', 'swift/surface']);
    expect(r.body.selection.reason).toContain('cheapest of 3 eligible rate(s)');
    const create = epRequests.find((x) => x.path === '/v2/shipments')!;
    // 300 × 200 × 150 mm → 11.9 × 7.9 × 6.0 in; 700 g → 24.7 oz (each rounded up to a tenth).
    expect(create.body.shipment.parcel).toEqual({ length: 11.9, width: 7.9, height: 6, weight: 24.7 });
    expect(create.body.shipment).toMatchObject({ to_address: { zip: '560034', country: 'IN', name: 'Asha Rao', street1: '12 MG Road' }, from_address: { zip: '560001', name: 'Bengaluru DC' } });
    const buy = epRequests.find((x) => x.path.endsWith('/buy'))!;
    expect(buy.body).toEqual({ rate: { id: r.body.rate.ref.rate_id } });
  });

  it('voids the bought label when the shipment cannot be recorded, and leaves the package packed', async () => {
    const { packages } = await packedOrder([{ sku: 'SH-TEE', qty: 1 }]);
    // The picked unit leaves the staging bin behind the system's back: committing the package's stock must fail.
    expect((await t.call('POST', '/api/v1/inventory/moves', { body: { warehouse_id: wh, sku: 'SH-TEE', qty: 1, from_bin: 'STAGE-OUT', to_bin: 'A-01' } })).status).toBe(201);
    const stagedBefore = (await t.call('GET', `/api/v1/inventory/bins?warehouse_id=${wh}&bin=STAGE-OUT&sku=SH-TEE`)).body.data.reduce((s: number, b: { qty: number }) => s + b.qty, 0);
    expect(stagedBefore).toBe(0);
    epRequests.length = 0;
    const r = await t.call('POST', `/api/v1/packages/${packages[0]}/ship`, { body: { carrier: 'ep', service: 'UPS:Ground' } });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('insufficient_bin_stock');
    const bought = epRequests.find((x) => x.path.endsWith('/buy'))!;
    expect(bought.body.rate.id).toMatch(/_2$/);
    expect(epRequests.map((x) => x.path)).toContainEqual(expect.stringMatching(/^\/v2\/shipments\/shp_ep\d+\/refund$/));
    expect((await t.db.db.selectFrom('shipments').select('id').where('package_id', '=', packages[0]!).execute())).toEqual([]);
    expect((await t.call('GET', `/api/v1/packages/${packages[0]}`)).body.status).toBe('packed');
    expect(await drifts(t.db.db)).toEqual([]);
  });

  it('says why no carrier can take a parcel', async () => {
    const { packages } = await packedOrder([{ sku: 'SH-MUG', qty: 1 }], { payment: { method: 'cod' }, shipping_address: { line1: '1 Hill Road', city: 'Agartala', postal_code: '799001', country: 'IN' } });
    const r = await t.call('POST', `/api/v1/packages/${packages[0]}/ship`, { body: {} });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('no_serviceable_carrier');
    expect(r.body.detail).toContain('swift: postal code 799001 is not in its serviceable list');
    expect(r.body.detail).toContain('bluedart: postal code 799001 is not in its serviceable list');
    expect(r.body.detail).toContain('ep: does not collect cash on delivery');
  });
});

describe('tracking', () => {
  const trackerEvent = (id: string, code: string, status: string, when: string) => JSON.stringify({
    id, object: 'Event', description: 'tracker.updated', mode: 'test', created_at: when,
    result: { id: 'trk_1', object: 'Tracker', tracking_code: code, status, carrier: 'Swift', updated_at: when,
      tracking_details: [{ object: 'TrackingDetail', message: `Status ${status}`, status, datetime: when, tracking_location: { city: 'Bengaluru', state: 'KA', country: 'IN', zip: '560034' } }] },
  });
  const post = (carrier: string, body: string, secret: string | null) =>
    t.call('POST', `/hooks/tracking/${carrier}`, { raw: body, key: null, headers: { 'content-type': 'application/json', ...(secret ? { 'x-hmac-signature': easyPostSignature(secret, body) } : {}) } });

  it('refuses unsigned or wrongly signed events and unknown carriers alike, storing nothing', async () => {
    const body = trackerEvent('evt_bad', codShipment.tracking_number, 'delivered', '2026-12-02T10:00:00Z');
    for (const r of [await post('swift', body, null), await post('swift', body, 'wrong-secret'), await post('nobody', body, 'swift-secret-1')]) {
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('invalid_signature');
    }
    expect(await t.db.db.selectFrom('shipment_events').select('id').where('event_id', '=', 'evt_bad').execute()).toEqual([]);
  });

  it('moves the shipment on signed EasyPost-format events, once per event id, ignores stale ones, and delivers the order', async () => {
    const code = codShipment.tracking_number;
    const transit = trackerEvent('evt_1', code, 'in_transit', '2026-12-02T08:00:00Z');
    const first = await post('swift', transit, 'swift-secret-1');
    expect(first.status, first.text).toBe(200);
    expect(first.body.results).toEqual([expect.objectContaining({ outcome: 'applied', status: 'in_transit' })]);
    const dup = await post('swift', transit, 'swift-secret-1');
    expect(dup.body.results).toEqual([expect.objectContaining({ outcome: 'duplicate' })]);
    expect((await post('swift', trackerEvent('evt_2', code, 'out_for_delivery', '2026-12-02T09:00:00Z'), 'swift-secret-1')).body.results[0].status).toBe('out_for_delivery');
    expect((await post('swift', trackerEvent('evt_3', code, 'delivered', '2026-12-02T12:30:00Z'), 'swift-secret-1')).body.results[0]).toMatchObject({ outcome: 'applied', status: 'delivered' });
    const stale = await post('swift', trackerEvent('evt_4', code, 'in_transit', '2026-12-02T07:00:00Z'), 'swift-secret-1');
    expect(stale.body.results[0]).toMatchObject({ outcome: 'recorded', status: 'delivered' });
    const unknown = await post('swift', trackerEvent('evt_5', 'SW999999999IN', 'delivered', '2026-12-02T07:00:00Z'), 'swift-secret-1');
    expect(unknown.body.results[0].outcome).toBe('unknown_tracking_number');

    const s = await t.call('GET', `/api/v1/shipments/${codShipment.id}`);
    expect(s.body).toMatchObject({ status: 'delivered', delivered_at: '2026-12-02T12:30:00.000Z' });
    const ev = s.body.events.map((e: any) => [e.event_id, e.status, e.applied]);
    expect(ev).toHaveLength(5);
    expect(ev).toEqual(expect.arrayContaining([['evt_1', 'in_transit', true], ['evt_2', 'out_for_delivery', true], ['evt_3', 'delivered', true], ['evt_4', 'in_transit', false]]));
    expect(s.body.events.filter((e: any) => e.event_id === 'evt_1')).toHaveLength(1);
    expect((await events('shipment.status_changed', codShipment.id)).map((p) => p.status)).toEqual(['in_transit', 'out_for_delivery', 'delivered']);
    const order = await t.call('GET', `/api/v1/orders/${codShipment.order_id}`);
    expect(order.body.status).toBe('delivered');
    expect(order.body.timeline.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['shipment_in_transit', 'shipment_delivered']));
  });

  it('turns a delivery scan of a parcel returning to sender into rto_delivered', async () => {
    expect((await t.call('PUT', '/api/v1/shipping/rules', { body: { warehouse_id: wh, strategy: 'cheapest', preferred_carriers: ['swift'] } })).status).toBe(200);
    const { packages } = await packedOrder([{ sku: 'SH-MUG', qty: 1 }]);
    const shp = (await t.call('POST', `/api/v1/packages/${packages[0]}/ship`, { body: {} })).body;
    expect(shp.carrier).toBe('swift');
    await post('swift', trackerEvent('evt_r1', shp.tracking_number, 'return_to_sender', '2026-12-03T08:00:00Z'), 'swift-secret-1');
    const back = await post('swift', trackerEvent('evt_r2', shp.tracking_number, 'delivered', '2026-12-04T08:00:00Z'), 'swift-secret-1');
    expect(back.body.results[0]).toMatchObject({ outcome: 'applied', status: 'rto_delivered' });
    expect(await events('shipment.rto_delivered', shp.id)).toEqual([expect.objectContaining({ order_id: shp.order_id, package_id: packages[0], status: 'rto_delivered' })]);
    expect((await t.call('GET', `/api/v1/orders/${shp.order_id}`)).body.status).toBe('shipped');
  });
});

describe('manifests', () => {
  it('collects shipped packages per carrier × warehouse, closes with a handover PDF, and starts the next one', async () => {
    const open = await t.call('POST', '/api/v1/manifests', { body: { warehouse_id: wh, carrier: 'swift' } });
    expect(open.status, open.text).toBe(200);
    expect(open.body).toMatchObject({ status: 'open', carrier: 'swift', seq: 1, shipment_count: 2 });
    const detail = await t.call('GET', `/api/v1/manifests/${open.body.id}`);
    const tracking = detail.body.shipments.map((s: { tracking_number: string }) => s.tracking_number);
    expect(tracking).toContain(codShipment.tracking_number);

    const closed = await t.call('POST', `/api/v1/manifests/${open.body.id}/close`);
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', shipment_count: 2 });
    expect((await t.call('POST', `/api/v1/manifests/${open.body.id}/close`)).body.code).toBe('manifest_closed');
    const pdf = await fetch(`${t.url}${closed.body.handover_pdf_url}`, { headers: { authorization: `Bearer ${t.adminKey}` } });
    expect(pdf.status).toBe(200);
    const text = (await readPdf(new Uint8Array(await pdf.arrayBuffer()))).text.join('\n');
    expect(text).toContain(`Handover manifest ${open.body.number}`);
    expect(text).toContain('Parcels: 2');
    expect(text).toContain('COD to collect: INR 998.00');
    for (const code of tracking) expect(text).toContain(code);

    const { packages } = await packedOrder([{ sku: 'SH-MUG', qty: 1 }]);
    const later = (await t.call('POST', `/api/v1/packages/${packages[0]}/ship`, { body: {} })).body;
    expect(later.manifest_id).not.toBe(open.body.id);
    const next = await t.call('POST', '/api/v1/manifests', { body: { warehouse_id: wh, carrier: 'swift' } });
    expect(next.body).toMatchObject({ id: later.manifest_id, seq: 2, status: 'open', shipment_count: 1 });
    // Opened by the shipment itself: the opening is an event like any other state change.
    expect(await events('manifest.opened', later.manifest_id)).toEqual([{ warehouse_id: wh, carrier: 'swift', seq: 2 }]);
    const empty = await t.call('POST', '/api/v1/manifests', { body: { warehouse_id: wh, carrier: 'bluedart' } });
    expect(empty.status).toBe(201);
    expect((await t.call('POST', `/api/v1/manifests/${empty.body.id}/close`)).body.code).toBe('manifest_empty');
  });

  it('never loses or doubles a shipment when packages ship while their manifest closes', async () => {
    const packs = [];
    for (let i = 0; i < 4; i++) packs.push((await packedOrder([{ sku: 'SH-MUG', qty: 1 }])).packages[0]!);
    const open = (await t.call('POST', '/api/v1/manifests', { body: { warehouse_id: wh, carrier: 'swift' } })).body;
    const results = await Promise.all([
      ...packs.map((p) => t.call('POST', `/api/v1/packages/${p}/ship`, { body: {} })),
      t.call('POST', `/api/v1/manifests/${open.id}/close`),
    ]);
    for (const r of results) expect(r.status, r.text).toBeLessThan(300);
    const shipped = results.slice(0, 4).map((r) => r.body);
    const closed = results[4]!.body;
    const inClosed = await t.db.db.selectFrom('shipments').select('id').where('manifest_id', '=', open.id).execute();
    expect(closed.shipment_count).toBe(inClosed.length);
    const after = shipped.filter((s) => s.manifest_id !== open.id);
    expect(new Set(after.map((s) => s.manifest_id)).size).toBeLessThanOrEqual(1);
    if (after.length > 0) expect((await t.call('GET', `/api/v1/manifests/${after[0].manifest_id}`)).body).toMatchObject({ status: 'open', shipment_count: after.length });
    expect((await t.call('GET', `/api/v1/manifests/${open.id}`)).body.shipment_count).toBe(inClosed.length);
    expect(await drifts(t.db.db)).toEqual([]);
  });
});

describe('cash on delivery across packages', () => {
  it('refuses a label whose COD amount went stale while it was bought (another package of the order shipped), so the shipments add up to the order total', async () => {
    expect((await t.call('PATCH', '/api/v1/carriers/ep', { body: { cod_capable: true } })).status).toBe(200);
    try {
      const { orderId, packages } = await packedOrder([{ sku: 'SH-MUG', qty: 2 }], { payment: { method: 'cod' }, shipping_amount: 4_901 },
        { packages: [{ carton: 'M', weight_g: 700, items: [{ sku: 'SH-MUG', qty: 1 }] }, { carton: 'M', weight_g: 700 }] });
      const total = (await t.call('GET', `/api/v1/orders/${orderId}`)).body.total_amount as number;
      // Total 104,701: each package's share is 52,350.5, rounded to 52,351. Package 2 is rated (its share) while package 1
      // has not shipped; package 1 ships (its share) while package 2's label is being bought, so package 2 now completes
      // the order and must collect the rest, 52,350 — with the stale share the shipments would add up to 104,702.
      const racing: typeof fetch = async (input, init) => {
        if (String(input).endsWith('/buy')) {
          const first = await t.call('POST', `/api/v1/packages/${packages[0]}/ship`, { body: { carrier: 'swift' } });
          expect(first.status, first.text).toBe(201);
        }
        return fetch(input, init);
      };
      epRequests.length = 0;
      const stale = await shipPackage(t.db.db, undefined, packages[1]!, { carrier: 'ep' }, { fetch: racing }).catch((err: unknown) => err);
      expect(stale).toMatchObject({ code: 'cod_changed' });
      expect(epRequests.map((x) => x.path)).toContainEqual(expect.stringMatching(/\/refund$/));
      expect((await t.call('GET', `/api/v1/packages/${packages[1]}`)).body.status).toBe('packed');
      const again = await t.call('POST', `/api/v1/packages/${packages[1]}/ship`, { body: { carrier: 'ep' } });
      expect(again.status, again.text).toBe(201);
      const shipments = (await t.call('GET', `/api/v1/shipments?order_id=${orderId}`)).body.data as { cod_amount: number }[];
      expect(shipments).toHaveLength(2);
      expect(shipments.reduce((sum, x) => sum + x.cod_amount, 0)).toBe(total);
      expect(await drifts(t.db.db)).toEqual([]);
    } finally {
      await t.call('PATCH', '/api/v1/carriers/ep', { body: { cod_capable: false } });
    }
  });
});
