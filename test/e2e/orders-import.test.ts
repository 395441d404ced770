import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { seedWarehousesAndStock } from '../helpers/seed.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedWarehousesAndStock(t, [{ sku: 'CSV-TEE', wh: 'A', qty: 20 }, { sku: 'CSV-MUG', wh: 'A', qty: 20 }], 'I');
});
afterAll(async () => t.close());

const header = 'order_id,order_number,currency,customer_name,customer_phone,ship_line1,ship_city,ship_postal_code,ship_country,payment_method,shipping,sku,qty,unit_price,line_discount';
const csv = (...rows: string[]) => [header, ...rows].join('\n');
const post = (body: string, query = '') => t.call('POST', `/api/v1/orders/import${query}`, { raw: body, headers: { 'content-type': 'text/csv' } });
const count = async () => (await sql<{ n: number }>`select count(*)::int as n from orders`.execute(t.db.db)).rows[0]!.n;

describe('order CSV import', () => {
  it('groups rows into orders by order_id, parses money exactly, and places each order', async () => {
    const r = await post(csv(
      'W-1001,#1001,INR,Asha,9845000001,1 MG Road,Bengaluru,560001,IN,prepaid,49.00,CSV-TEE,2,499.50,0.10',
      'W-1001,#1001,INR,Asha,9845000001,1 MG Road,Bengaluru,560001,IN,prepaid,49.00,CSV-MUG,1,299.00,',
      'W-1002,#1002,INR,Ravi,9845000002,2 Park St,Kolkata,700016,IN,cod,,CSV-MUG,1,299.00,',
    ));
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ rows: 3, orders: 2, created: 2, duplicates: 0, aborted: false });
    const o = await t.call('GET', `/api/v1/orders/${r.body.order_ids[0]}`);
    expect(o.body).toMatchObject({ number: '#1001', subtotal_amount: 2 * 49950 + 29900, discount_amount: 10, shipping_amount: 4900, status: 'allocated' });
    expect(o.body.lines).toHaveLength(2);
  });

  it('imports nothing from a file with a bad row, and reports each error by row and field', async () => {
    const before = await count();
    const r = await post(csv(
      'W-2001,#2001,INR,Asha,1,1 Road,Pune,411001,IN,prepaid,,CSV-TEE,1,10.00,',
      'W-2002,#2002,INR,Ravi,2,2 Road,Pune,411001,IN,cheque,,CSV-TEE,0,10.005,',
      'W-2001,#2001,USD,Asha,1,1 Road,Pune,411001,IN,prepaid,,CSV-MUG,1,10.00,',
    ));
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('import_has_errors');
    expect(r.body.errors).toEqual(expect.arrayContaining([
      { path: 'row 2.payment_method', message: 'prepaid or cod' },
      { path: 'row 2.qty', message: 'a whole number from 1' },
      expect.objectContaining({ path: 'row 2.unit_price' }),
      { path: 'row 3.currency', message: 'differs from row 1 of order W-2001' },
    ]));
    expect(await count()).toBe(before);
  });

  it('imports the good orders with skip_invalid, and a second import of the same file creates nothing', async () => {
    const file = csv(
      'W-3001,#3001,INR,Asha,1,1 Road,Pune,411001,IN,prepaid,,CSV-TEE,1,10.00,',
      'W-3002,#3002,INR,Ravi,2,2 Road,Pune,411001,IN,prepaid,,CSV-TEE,x,10.00,',
    );
    const r = await post(file, '?skip_invalid=true');
    expect(r.body).toMatchObject({ orders: 2, created: 1, skipped_rows: 1 });
    const again = await post(file, '?skip_invalid=true');
    expect(again.body).toMatchObject({ created: 0, duplicates: 1 });
  });

  it('refuses a file that is not an order CSV', async () => {
    const r = await post('name,price\nx,1');
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('malformed_csv');
  });
});
