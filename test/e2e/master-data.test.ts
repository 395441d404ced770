import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const warehouse = (code: string) => ({
  code,
  name: `Warehouse ${code}`,
  address: { line1: '1 Dock Road', city: 'Pune', postal_code: '411001', country: 'IN' },
  lat: 18.52,
  lng: 73.85,
  timezone: 'Asia/Kolkata',
  cutoff_time: '16:00',
});

describe('SKUs', () => {
  it('creates a SKU with a valid GTIN, weight and dimensions and reads it back by code', async () => {
    const r = await t.call('POST', '/api/v1/skus', { body: { sku: 'TEE-BLK-M', name: 'Tee black M', gtin: '4006381333931', weight_g: 180, dims_mm: { l: 300, w: 250, h: 20 } } });
    expect(r.status).toBe(201);
    expect(r.body.id).toMatch(/^sku_/);
    const got = await t.call('GET', '/api/v1/skus/TEE-BLK-M');
    expect(got.body).toMatchObject({ sku: 'TEE-BLK-M', gtin: '4006381333931', weight_g: 180, dims_mm: { l: 300, w: 250, h: 20 }, is_kit: false });
  });

  it('rejects a GTIN with a wrong check digit and creates nothing', async () => {
    const r = await t.call('POST', '/api/v1/skus', { body: { sku: 'BAD-GTIN', name: 'x', gtin: '4006381333932' } });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('invalid_gtin');
    expect((await t.call('GET', '/api/v1/skus/BAD-GTIN')).status).toBe(404);
  });

  it('refuses a second SKU with the same code or GTIN', async () => {
    expect((await t.call('POST', '/api/v1/skus', { body: { sku: 'TEE-BLK-M', name: 'again' } })).body.code).toBe('sku_exists');
    expect((await t.call('POST', '/api/v1/skus', { body: { sku: 'OTHER', name: 'x', gtin: '4006381333931' } })).body.code).toBe('gtin_exists');
  });

  it('creates a kit from existing components and refuses unknown or nested ones', async () => {
    await t.call('POST', '/api/v1/skus', { body: { sku: 'MUG', name: 'Mug' } });
    const kit = await t.call('POST', '/api/v1/skus', { body: { sku: 'GIFT-1', name: 'Gift set', kit_components: [{ sku: 'TEE-BLK-M', qty: 1 }, { sku: 'MUG', qty: 2 }] } });
    expect(kit.status).toBe(201);
    expect(kit.body.is_kit).toBe(true);
    expect(kit.body.kit_components).toEqual([
      expect.objectContaining({ sku: 'MUG', qty: 2 }),
      expect.objectContaining({ sku: 'TEE-BLK-M', qty: 1 }),
    ]);
    expect((await t.call('POST', '/api/v1/skus', { body: { sku: 'GIFT-2', name: 'x', kit_components: [{ sku: 'NOPE', qty: 1 }] } })).body.code).toBe('kit_component_not_found');
    expect((await t.call('POST', '/api/v1/skus', { body: { sku: 'GIFT-3', name: 'x', kit_components: [{ sku: 'GIFT-1', qty: 1 }] } })).body.code).toBe('kit_component_is_kit');
  });

  it('pages SKUs with a cursor and searches by name', async () => {
    for (let i = 0; i < 5; i++) await t.call('POST', '/api/v1/skus', { body: { sku: `PAGE-${i}`, name: `Paged item ${i}` } });
    const first = await t.call('GET', '/api/v1/skus?limit=2&q=Paged');
    expect(first.body.data).toHaveLength(2);
    const second = await t.call('GET', `/api/v1/skus?limit=2&q=Paged&cursor=${first.body.next_cursor}`);
    const third = await t.call('GET', `/api/v1/skus?limit=2&q=Paged&cursor=${second.body.next_cursor}`);
    expect(third.body.next_cursor).toBeNull();
    const all = [...first.body.data, ...second.body.data, ...third.body.data].map((s: { sku: string }) => s.sku);
    expect(all.sort()).toEqual(['PAGE-0', 'PAGE-1', 'PAGE-2', 'PAGE-3', 'PAGE-4']);
  });

  it('updates descriptive fields and never lets a client set server-owned ones', async () => {
    const r = await t.call('PATCH', '/api/v1/skus/MUG', { body: { name: 'Stoneware mug', weight_g: 350 } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: 'Stoneware mug', weight_g: 350 });
    const sneaky = await t.call('PATCH', '/api/v1/skus/MUG', { body: { id: 'sku_mine', is_kit: true } });
    expect(sneaky.status).toBe(400);
  });
});

describe('warehouses and bins', () => {
  it('creates a warehouse and bins in walk order, creating zones by code', async () => {
    const wh = await t.call('POST', '/api/v1/warehouses', { body: warehouse('PNQ') });
    expect(wh.status).toBe(201);
    expect(wh.body).toMatchObject({ code: 'PNQ', cutoff_time: '16:00', type: 'own', timezone: 'Asia/Kolkata' });
    const bins = await t.call('POST', `/api/v1/warehouses/${wh.body.id}/bins`, {
      body: [
        { code: 'A-01-02', zone: 'A', walk_sequence: 20 },
        { code: 'A-01-01', zone: 'A', walk_sequence: 10, capacity_units: 100 },
        { code: 'B-01-01', zone: 'B', walk_sequence: 30 },
      ],
    });
    expect(bins.status).toBe(201);
    const list = await t.call('GET', '/api/v1/warehouses/PNQ/bins');
    expect(list.body.data.map((b: { code: string }) => b.code)).toEqual(['A-01-01', 'A-01-02', 'B-01-01']);
    expect(list.body.data[0]).toMatchObject({ zone: 'A', capacity_units: 100, pickable: true });
  });

  it('creates no bin at all when one of a batch already exists', async () => {
    const r = await t.call('POST', '/api/v1/warehouses/PNQ/bins', { body: [{ code: 'C-01-01' }, { code: 'A-01-01' }] });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('bin_exists');
    const list = await t.call('GET', '/api/v1/warehouses/PNQ/bins');
    expect(list.body.data.map((b: { code: string }) => b.code)).not.toContain('C-01-01');
  });

  it('rejects an unknown time zone and a malformed cut-off', async () => {
    expect((await t.call('POST', '/api/v1/warehouses', { body: { ...warehouse('X1'), timezone: 'Mars/Olympus' } })).body.code).toBe('invalid_timezone');
    expect((await t.call('POST', '/api/v1/warehouses', { body: { ...warehouse('X2'), cutoff_time: '25:00' } })).body.code).toBe('validation_failed');
  });

  it('hides warehouses outside a key\'s scope with 404', async () => {
    const other = await t.call('POST', '/api/v1/warehouses', { body: warehouse('HYD') });
    const pnq = await t.call('GET', '/api/v1/warehouses/PNQ');
    const scoped = await t.keyFor('ops', [pnq.body.id]);
    const list = await t.call('GET', '/api/v1/warehouses', { key: scoped });
    expect(list.body.data.map((w: { code: string }) => w.code)).toEqual(['PNQ']);
    expect((await t.call('GET', `/api/v1/warehouses/${other.body.id}`, { key: scoped })).status).toBe(404);
    expect((await t.call('POST', `/api/v1/warehouses/${other.body.id}/bins`, { key: scoped, body: { code: 'Z-1' } })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/warehouses/${pnq.body.id}`, { key: scoped })).status).toBe(200);
  });
});

describe('channels and listings', () => {
  it('creates a channel without ever returning its secret, and maps channel SKUs', async () => {
    const ch = await t.call('POST', '/api/v1/channels', { body: { type: 'shopify', name: 'Shopify store', secret: 'shpss_0123456789abcdef' } });
    expect(ch.status).toBe(201);
    expect(ch.body.has_secret).toBe(true);
    expect(JSON.stringify(ch.body)).not.toContain('shpss_');
    expect(JSON.stringify((await t.call('GET', '/api/v1/channels')).body)).not.toContain('shpss_');
    const lst = await t.call('POST', `/api/v1/channels/${ch.body.id}/listings`, { body: { channel_sku: 'SHOP-TEE-BLK-M', sku: 'TEE-BLK-M' } });
    expect(lst.status).toBe(201);
    expect(lst.body).toMatchObject({ channel_sku: 'SHOP-TEE-BLK-M', sku: 'TEE-BLK-M' });
    expect((await t.call('POST', `/api/v1/channels/${ch.body.id}/listings`, { body: { channel_sku: 'SHOP-TEE-BLK-M', sku: 'MUG' } })).body.code).toBe('listing_exists');
    expect((await t.call('POST', `/api/v1/channels/${ch.body.id}/listings`, { body: { channel_sku: 'SHOP-X', sku: 'NOPE' } })).body.code).toBe('sku_not_found');
    expect((await t.call('POST', '/api/v1/channels/ch_nope/listings', { body: { channel_sku: 'S', sku: 'MUG' } })).body.code).toBe('channel_not_found');
  });

  it('writes an event for every change, readable in order from the event log', async () => {
    const r = await t.call('GET', '/api/v1/events?limit=1000');
    const types = r.body.data.map((e: { type: string }) => e.type);
    expect(types).toContain('sku.created');
    expect(types).toContain('warehouse.created');
    expect(types).toContain('channel.created');
    expect(types).toContain('listing.created');
    const seqs = r.body.data.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const first = await t.call('GET', '/api/v1/events?limit=3');
    const after = await t.call('GET', `/api/v1/events?after=${first.body.next_after}&type=sku.*`);
    expect(after.status, after.text).toBe(200);
    expect(after.body.data.length).toBeGreaterThan(0);
    expect(after.body.data.every((e: { seq: number; type: string }) => e.seq > seqs[2] && e.type.startsWith('sku.'))).toBe(true);
    expect((await t.call('GET', '/api/v1/events?after=12')).status).toBe(400);
  });
});
