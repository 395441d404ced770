import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { seedWarehousesAndStock, type Seeded } from '../helpers/seed.js';

let t: TestApp;
let s: Seeded;
beforeAll(async () => {
  t = await startTestApp();
  s = await seedWarehousesAndStock(t, [], 'CT');
  for (const [sku, dims, weight_g] of [['MUG', { l: 120, w: 90, h: 90 }, 350], ['BOOT', { l: 350, w: 250, h: 150 }, 900], ['NODIMS', undefined, 100]] as const) {
    const r = await t.call('POST', '/api/v1/skus', { body: { sku, name: sku, weight_g, ...(dims ? { dims_mm: dims } : {}) } });
    expect(r.status).toBe(201);
  }
});
afterAll(async () => t.close());

const cartons = (wh: string) => `/api/v1/warehouses/${wh}/cartons`;

describe('carton catalog over HTTP', () => {
  it('creates cartons, lists them smallest first, and refuses a duplicate code with 409', async () => {
    const s1 = await t.call('POST', cartons(s.whA), { body: { code: 'S', length_mm: 300, width_mm: 200, height_mm: 100, max_weight_g: 5000, tare_weight_g: 150 } });
    expect(s1.status).toBe(201);
    expect(s1.body).toMatchObject({ code: 'S', warehouse_id: s.whA, length_mm: 300, tare_weight_g: 150, active: true });
    expect((await t.call('POST', cartons(s.whA), { body: { code: 'M', length_mm: 400, width_mm: 300, height_mm: 200, max_weight_g: 10000 } })).status).toBe(201);
    const dup = await t.call('POST', cartons(s.whA), { body: { code: 'S', length_mm: 1, width_mm: 1, height_mm: 1, max_weight_g: 1 } });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('carton_exists');
    const list = await t.call('GET', cartons(s.whA));
    expect(list.body.data.map((c: any) => c.code)).toEqual(['S', 'M']);
  });

  it('rejects bad dimensions with 400 and changes nothing', async () => {
    const r = await t.call('POST', cartons(s.whA), { body: { code: 'X', length_mm: 0, width_mm: 200, height_mm: 100, max_weight_g: 5000 } });
    expect(r.status).toBe(400);
    expect((await t.call('GET', cartons(s.whA))).body.data).toHaveLength(2);
  });

  it('previews cartonization from SKU master data: smallest fitting carton, and unfit items with a reason', async () => {
    const r = await t.call('POST', `/api/v1/warehouses/${s.whA}/cartonize`, { body: { items: [{ sku: 'MUG', qty: 2 }, { sku: 'NODIMS', qty: 1 }] } });
    expect(r.status).toBe(200);
    expect(r.body.packages).toHaveLength(1);
    expect(r.body.packages[0]).toMatchObject({ carton: { code: 'S' }, items: [{ sku: 'MUG', qty: 2 }], weight_g: 850 });
    expect(r.body.unfit).toEqual([{ sku_id: expect.stringMatching(/^sku_/), sku: 'NODIMS', qty: 1, reason: expect.stringMatching(/no dimensions/) }]);
    const boot = await t.call('POST', `/api/v1/warehouses/${s.whA}/cartonize`, { body: { items: [{ sku: 'BOOT', qty: 1 }] } });
    expect(boot.body.packages.map((p: any) => p.carton.code)).toEqual(['M']);
  });

  it('deactivates a carton so it is no longer chosen, and reactivates it', async () => {
    expect((await t.call('POST', `${cartons(s.whA)}/S/deactivate`)).body).toMatchObject({ code: 'S', active: false });
    const r = await t.call('POST', `/api/v1/warehouses/${s.whA}/cartonize`, { body: { items: [{ sku: 'MUG', qty: 1 }] } });
    expect(r.body.packages[0].carton.code).toBe('M');
    expect((await t.call('GET', `${cartons(s.whA)}?include_inactive=true`)).body.data.map((c: any) => [c.code, c.active])).toEqual([['S', false], ['M', true]]);
    expect((await t.call('POST', `${cartons(s.whA)}/S/activate`)).body.active).toBe(true);
  });

  it('enforces roles and warehouse scope: packers read, only admin/ops write, other warehouses are 404', async () => {
    const packer = await t.keyFor('packer', [s.whA]);
    expect((await t.call('GET', cartons(s.whA), { key: packer })).status).toBe(200);
    expect((await t.call('POST', cartons(s.whA), { key: packer, body: { code: 'P', length_mm: 1, width_mm: 1, height_mm: 1, max_weight_g: 1 } })).status).toBe(403);
    expect((await t.call('GET', cartons(s.whB), { key: packer })).status).toBe(404);
    const opsA = await t.keyFor('ops', [s.whA]);
    expect((await t.call('POST', cartons(s.whB), { key: opsA, body: { code: 'P', length_mm: 1, width_mm: 1, height_mm: 1, max_weight_g: 1 } })).status).toBe(404);
    expect((await t.call('POST', `${cartons(s.whB)}/S/deactivate`, { key: opsA })).status).toBe(404);
    const integration = await t.keyFor('integration');
    expect((await t.call('GET', cartons(s.whA), { key: integration })).status).toBe(403);
  });
});
