import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type HttpResult, type TestApp } from '../helpers/app.js';

let t: TestApp;
const csv = (rows: string[]) => ({ raw: rows.join('\n'), headers: { 'content-type': 'text/csv' } });

beforeAll(async () => {
  t = await startTestApp();
  expect((await t.call('POST', '/api/v1/carriers', { body: { code: 'swift', name: 'Swift Couriers', kind: 'rate_card', settings: { currency: 'INR' } } })).status).toBe(201);
  for (const [table, rows] of [
    ['zones', ['zone,max_km,dest_prefix', 'metro,,5600', 'national,5000,', 'regional,800,']],
    ['rates', ['service,zone,transit_days,up_to_g,amount,extra_every_g,extra_amount', 'surface,metro,2,500,40.00,,', 'surface,metro,2,1000,60.50,500,25.00', 'express,national,1,1000,120,,', 'surface,national,5,1000,90,,']],
    ['serviceability', ['postal_code,match,prepaid,cod', '560001,exact,yes,no', '56,prefix,yes,yes', '11,prefix,yes,yes']],
  ] as const) {
    const r = await t.call('POST', `/api/v1/carriers/swift/rate-card/${table}`, csv([...rows]));
    expect(r.status, r.text).toBe(200);
  }
}, 60_000);
afterAll(async () => t?.close());

/** Every row of a table, following next_cursor with a small page size. */
async function readAll(table: string, limit: number, key?: string): Promise<{ rows: Record<string, unknown>[]; pages: number; currency: string }> {
  const rows: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  let pages = 0;
  let currency = '';
  do {
    const r: HttpResult = await t.call('GET', `/api/v1/carriers/swift/rate-card/${table}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, key ? { key } : {});
    expect(r.status, r.text).toBe(200);
    rows.push(...r.body.data);
    cursor = r.body.next_cursor;
    currency = r.body.currency;
    pages++;
  } while (cursor && pages < 20);
  return { rows, pages, currency };
}

describe('reading a rate card back (GET /api/v1/carriers/{code}/rate-card/{table})', () => {
  it('pages the rates in service, zone and slab order, amounts in minor units of the card currency', async () => {
    const { rows, pages, currency } = await readAll('rates', 2);
    expect(pages).toBe(2);
    expect(currency).toBe('INR');
    expect(rows).toEqual([
      { service: 'express', zone: 'national', transit_days: 1, up_to_g: 1000, amount: 12000, extra_every_g: null, extra_amount: null },
      { service: 'surface', zone: 'metro', transit_days: 2, up_to_g: 500, amount: 4000, extra_every_g: null, extra_amount: null },
      { service: 'surface', zone: 'metro', transit_days: 2, up_to_g: 1000, amount: 6050, extra_every_g: 500, extra_amount: 2500 },
      { service: 'surface', zone: 'national', transit_days: 5, up_to_g: 1000, amount: 9000, extra_every_g: null, extra_amount: null },
    ]);
  });

  it('pages zones by name and serviceable codes by code, to staff only', async () => {
    const ops = await t.keyFor('ops');
    const zones = await readAll('zones', 1, ops);
    expect(zones.pages).toBe(3);
    expect(zones.rows.map((z) => z.zone)).toEqual(['metro', 'national', 'regional']);
    expect(zones.rows[0]).toEqual({ zone: 'metro', max_km: null, dest_prefix: '5600', origin_prefix: null });
    const svc = await readAll('serviceability', 2);
    expect(svc.rows).toEqual([
      { postal_code: '11', match: 'prefix', prepaid: true, cod: true },
      { postal_code: '56', match: 'prefix', prepaid: true, cod: true },
      { postal_code: '560001', match: 'exact', prepaid: true, cod: false },
    ]);
    const picker = await t.keyFor('picker');
    expect((await t.call('GET', '/api/v1/carriers/swift/rate-card/rates', { key: picker })).status).toBe(403);
  });

  it('refuses an unknown carrier, a carrier without a rate card, an unknown table and a forged cursor', async () => {
    const missing = await t.call('GET', '/api/v1/carriers/nobody/rate-card/rates');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('carrier_not_found');
    expect((await t.call('POST', '/api/v1/carriers', { body: { code: 'ep', name: 'Aggregator', kind: 'easypost', settings: { base_url: 'https://api.easypost.com/v2' } } })).status).toBe(201);
    const notCard = await t.call('GET', '/api/v1/carriers/ep/rate-card/zones');
    expect(notCard.status).toBe(400);
    expect(notCard.body.code).toBe('invalid_carrier_settings');
    expect((await t.call('GET', '/api/v1/carriers/swift/rate-card/prices')).status).toBe(400);
    const forged = await t.call('GET', `/api/v1/carriers/swift/rate-card/rates?cursor=${Buffer.from('["x"]').toString('base64url')}`);
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe('invalid_cursor');
  });
});
