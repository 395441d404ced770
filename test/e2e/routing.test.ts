import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { DELHI_AND_BENGALURU, orderBody, seedGeoWarehouses } from '../helpers/seed.js';

let t: TestApp;
const wh: Record<string, string> = {};
beforeAll(async () => {
  t = await startTestApp();
  Object.assign(wh, await seedGeoWarehouses(t, DELHI_AND_BENGALURU));
  await t.call('POST', '/api/v1/skus', { body: { sku: 'GEO', name: 'Geo tee', weight_g: 200 } });
  for (const code of ['WH-DEL', 'WH-BLR']) {
    await t.call('POST', '/api/v1/inventory/receipts', { body: { warehouse_id: wh[code], lines: [{ sku: 'GEO', qty: 20, bin: 'A-01' }], reference: 'seed' } });
  }
});
afterAll(async () => t.close());

const to = (postal: string, city = 'Bengaluru', state = 'KA') => ({ shipping_address: { name: 'Asha Rao', line1: '12 MG Road', city, state, postal_code: postal, country: 'IN', phone: '+91 98450 00000' } });

describe('routing rules over the API', () => {
  it('returns the built-in default rules until someone stores their own', async () => {
    const r = await t.call('GET', '/api/v1/routing/rules');
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ source: 'built_in', mode: 'strict', channel_id: null });
    expect(r.body.rules.map((x: { rule: string }) => x.rule)).toEqual(['fewest_shipments', 'meets_promise', 'nearest', 'lowest_cost', 'warehouse_priority']);
  });

  it('routes to the warehouse nearest the destination pincode and says how far it is', async () => {
    const r = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'GEO', qty: 1 }], to('560034')) });
    expect(r.status, r.text).toBe(201);
    expect(r.body.allocations[0].warehouse_id).toBe(wh['WH-BLR']);
    expect(r.body.routing.reasons[0].summary).toMatch(/^WH-BLR: all 1 line\(s\), \d+ km, ships today before 23:59 cut-off, est\. ₹\d+ — ships the whole order$/);
    const del = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'GEO', qty: 1 }], to('110017', 'Delhi', 'DL')) });
    expect(del.body.allocations[0].warehouse_id).toBe(wh['WH-DEL']);
  });

  it('lets ops read the rules but only an admin change them', async () => {
    const ops = await t.keyFor('ops');
    expect((await t.call('GET', '/api/v1/routing/rules', { key: ops })).status).toBe(200);
    const denied = await t.call('PUT', '/api/v1/routing/rules', { key: ops, body: { mode: 'strict', rules: [] } });
    expect(denied.status).toBe(403);
  });

  it('rejects an unknown rule and a rule listed twice', async () => {
    expect((await t.call('PUT', '/api/v1/routing/rules', { body: { mode: 'strict', rules: [{ rule: 'cheapest_moon' }] } })).status).toBe(400);
    const twice = await t.call('PUT', '/api/v1/routing/rules', { body: { mode: 'strict', rules: [{ rule: 'nearest' }, { rule: 'nearest' }] } });
    expect(twice.status).toBe(400);
  });

  it('applies a channel\'s own rules to its orders and the default to the others', async () => {
    const ch = await t.call('POST', '/api/v1/channels', { body: { type: 'shopify', name: 'Routing shop', secret: 'shpss_0123456789abcdef' } });
    expect(ch.status, ch.text).toBe(201);
    const put = await t.call('PUT', `/api/v1/routing/rules?channel_id=${ch.body.id}`, { body: { mode: 'strict', rules: [{ rule: 'allowed_warehouses', warehouse_ids: [wh['WH-DEL']] }, { rule: 'fewest_shipments' }, { rule: 'nearest' }] } });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ source: 'channel', channel_id: ch.body.id });
    expect((await t.call('GET', `/api/v1/routing/rules?channel_id=${ch.body.id}`)).body.source).toBe('channel');

    const own = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'GEO', qty: 1 }], { ...to('560034'), channel_id: ch.body.id }) });
    expect(own.status, own.text).toBe(201);
    expect(own.body.allocations[0].warehouse_id).toBe(wh['WH-DEL']);
    expect(own.body.routing.reasons.find((x: { code: string }) => x.code === 'WH-BLR').summary).toContain('not allowed for this channel');

    const other = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'GEO', qty: 1 }], to('560034')) });
    expect(other.body.allocations[0].warehouse_id).toBe(wh['WH-BLR']);
  });

  it('changes the default rules for every channel without its own', async () => {
    const put = await t.call('PUT', '/api/v1/routing/rules', { body: { mode: 'weighted', rules: [{ rule: 'warehouse_priority', weight: 5 }, { rule: 'nearest', weight: 0.1 }] } });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ source: 'default', mode: 'weighted' });
    // WH-BLR gets the better priority; weighted heavily, it outweighs a Delhi order's distance.
    expect((await t.call('PATCH', `/api/v1/warehouses/${wh['WH-BLR']}`, { body: { routing_priority: 1 } })).status).toBe(200);
    const r = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'GEO', qty: 1 }], to('110017', 'Delhi', 'DL')) });
    expect(r.body.allocations[0].warehouse_id).toBe(wh['WH-BLR']);
    expect(r.body.routing.reasons[0].summary).toContain('score');
  });
});
