import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { DELHI_AND_BENGALURU, orderBody, seedGeoWarehouses } from '../helpers/seed.js';

/**
 * `lowest_cost` on rate cards: a brand whose courier contract makes Delhi → Bengaluru cheaper than a local
 * Bengaluru delivery. Distance bands would pick the nearer warehouse; the rate card picks the cheaper lane and says
 * which carrier, service and zone priced it.
 */
let t: TestApp;
const wh: Record<string, string> = {};
const csv = (rows: string[]) => ({ raw: rows.join('\n'), headers: { 'content-type': 'text/csv' } });
const to = (postal: string, city = 'Bengaluru', state = 'KA') => ({ shipping_address: { name: 'Asha Rao', line1: '12 MG Road', city, state, postal_code: postal, country: 'IN', phone: '+91 98450 00000' } });
const rules = (costFirst: boolean) => ({
  mode: 'strict',
  rules: costFirst
    ? [{ rule: 'fewest_shipments' }, { rule: 'lowest_cost', source: 'rate_cards' }, { rule: 'nearest' }, { rule: 'warehouse_priority' }]
    : [{ rule: 'fewest_shipments' }, { rule: 'nearest' }, { rule: 'lowest_cost' }, { rule: 'warehouse_priority' }],
});

beforeAll(async () => {
  t = await startTestApp();
  Object.assign(wh, await seedGeoWarehouses(t, DELHI_AND_BENGALURU));
  await t.call('POST', '/api/v1/skus', { body: { sku: 'RC-TEE', name: 'Tee', weight_g: 400 } });
  for (const code of ['WH-DEL', 'WH-BLR']) {
    await t.call('POST', '/api/v1/inventory/receipts', { body: { warehouse_id: wh[code], lines: [{ sku: 'RC-TEE', qty: 50, bin: 'A-01' }], reference: 'seed' } });
  }
  const c = await t.call('POST', '/api/v1/carriers', { body: { code: 'contract', name: 'Contract courier', kind: 'rate_card', cod_capable: false, settings: { currency: 'INR', fuel_surcharge_pct: 0 } } });
  expect(c.status, c.text).toBe(201);
  // Zones by origin: Bengaluru → Bengaluru is "city", Delhi → south India is "trunk" (a cheap line-haul contract).
  const z = await t.call('POST', '/api/v1/carriers/contract/rate-card/zones', csv(['zone,max_km,dest_prefix,origin_prefix', 'city,,56,56', 'trunk,,56,11', 'rest,5000,,']));
  expect(z.status, z.text).toBe(200);
  const r = await t.call('POST', '/api/v1/carriers/contract/rate-card/rates', csv([
    'service,zone,transit_days,up_to_g,amount,extra_every_g,extra_amount',
    'surface,city,1,500,80.00,500,20.00', 'surface,trunk,3,500,45.00,500,15.00', 'surface,rest,5,500,120.00,500,40.00',
  ]));
  expect(r.status, r.text).toBe(200);
  const sv = await t.call('POST', '/api/v1/carriers/contract/rate-card/serviceability', csv(['postal_code,match,prepaid,cod', '56,prefix,yes,no', '11,prefix,yes,no']));
  expect(sv.status, sv.text).toBe(200);
});
afterAll(async () => t.close());

describe('lowest_cost on rate cards', () => {
  it('with distance bands the nearer warehouse wins', async () => {
    expect((await t.call('PUT', '/api/v1/routing/rules', { body: rules(false) })).status).toBe(200);
    const o = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'RC-TEE', qty: 1 }], to('560034')) });
    expect(o.status, o.text).toBe(201);
    expect(o.body.allocations[0].warehouse_id).toBe(wh['WH-BLR']);
  });

  it('with rate cards the cheaper lane wins, and the reason names the carrier, service, zone and price', async () => {
    const put = await t.call('PUT', '/api/v1/routing/rules', { body: rules(true) });
    expect(put.status, put.text).toBe(200);
    const o = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'RC-TEE', qty: 1 }], to('560034')) });
    expect(o.status, o.text).toBe(201);
    expect(o.body.allocations[0].warehouse_id).toBe(wh['WH-DEL']);
    const del = o.body.routing.reasons.find((x: { code: string }) => x.code === 'WH-DEL');
    const blr = o.body.routing.reasons.find((x: { code: string }) => x.code === 'WH-BLR');
    expect(del.summary).toContain('est. ₹45 by contract surface, zone trunk');
    expect(del.factors).toMatchObject({ est_cost: 45, transit_days: 3, cost_basis: 'contract surface, zone trunk' });
    expect(blr.factors).toMatchObject({ est_cost: 80, transit_days: 1, cost_basis: 'contract surface, zone city' });
  });

  it('prices the parcel by weight: 3 tees (1.2 kg) cost the extra weight steps on each lane', async () => {
    const o = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'RC-TEE', qty: 3 }], to('560034')) });
    const f = (code: string) => o.body.routing.reasons.find((x: { code: string }) => x.code === code).factors;
    // 1,200 g: the 500 g slab plus two 500 g steps.
    expect(f('WH-DEL').est_cost).toBe(45 + 2 * 15);
    expect(f('WH-BLR').est_cost).toBe(80 + 2 * 20);
    expect(o.body.allocations[0].warehouse_id).toBe(wh['WH-DEL']);
  });

  it('a lane no carrier prices counts as unknown cost, ranks after priced lanes, and says why', async () => {
    // Cash on delivery: the contract carrier does not collect cash, so no lane has a price; nearest decides.
    const o = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'RC-TEE', qty: 1 }], { ...to('560034'), payment: { method: 'cod' } }) });
    expect(o.status, o.text).toBe(201);
    expect(o.body.allocations[0].warehouse_id).toBe(wh['WH-BLR']);
    const blr = o.body.routing.reasons.find((x: { code: string }) => x.code === 'WH-BLR');
    expect(blr.factors.est_cost).toBeNull();
    expect(blr.summary).toContain('no rate-card price: contract: does not collect cash on delivery');
  });

  it('the simulation prices the same lanes: proposed rate-card rules move the replayed orders to Delhi', async () => {
    expect((await t.call('PUT', '/api/v1/routing/rules', { body: rules(false) })).status).toBe(200);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const until = new Date(Date.now() + 60_000).toISOString();
    const sim = await t.call('POST', '/api/v1/routing/simulate', { body: { rules: rules(true), from, to: until } });
    expect(sim.status, sim.text).toBe(200);
    // Prepaid orders only go to Delhi under the proposed rules; the COD order stays in Bengaluru either way.
    expect(sim.body.live.shipments_by_warehouse).toEqual({ 'WH-BLR': 4 });
    expect(sim.body.proposed.shipments_by_warehouse).toEqual({ 'WH-DEL': 3, 'WH-BLR': 1 });
    expect(sim.body.proposed.est_cost).toEqual({ INR: 45 + 45 + 75 });
  });
});
