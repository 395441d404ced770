import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { seedWarehousesAndStock, type Seeded } from '../helpers/seed.js';
import { drifts } from '../helpers/inventory.js';
import { JOBS } from '../../src/worker.js';

let t: TestApp;
let s: Seeded;
beforeAll(async () => {
  t = await startTestApp();
  s = await seedWarehousesAndStock(t, [], 'IB');
  // whA: A-01, A-02 (zone A, pickable) from the seed; more bins for putaway and replenishment.
  const bins = await t.call('POST', `/api/v1/warehouses/${s.whA}/bins`, {
    body: [
      { code: 'B-01', zone: 'B', walk_sequence: 10, capacity_units: 50 },
      { code: 'B-02', zone: 'B', walk_sequence: 11, capacity_units: 50 },
      { code: 'C-01', zone: 'C', walk_sequence: 5, capacity_units: 30 },
      { code: 'R-01', zone: 'R', walk_sequence: 20, pickable: false },
      { code: 'R-02', zone: 'R', walk_sequence: 21, pickable: false },
      { code: 'R-03', zone: 'R', walk_sequence: 22, pickable: false },
      { code: 'STAGE-OUT', walk_sequence: 0, pickable: false },
    ],
  });
  expect(bins.status).toBe(201);
  for (const [sku, gtin] of [['TEE', '4006381333931'], ['MUG', undefined], ['CAP', undefined], ['SOAP', undefined]] as const) {
    expect((await t.call('POST', '/api/v1/skus', { body: { sku, name: sku, ...(gtin ? { gtin } : {}) } })).status).toBe(201);
  }
  expect((await t.call('POST', '/api/v1/skus', { body: { sku: 'BUNDLE', name: 'Tee + mug', kit_components: [{ sku: 'TEE', qty: 1 }, { sku: 'MUG', qty: 1 }] } })).status).toBe(201);
});
afterAll(async () => t.close());

const level = async (sku: string, wh: string) =>
  (await sql<{ on_hand: number; reserved: number; damaged: number }>`select l.on_hand, l.reserved, l.damaged from stock_levels l join skus k on k.id = l.sku_id where k.sku = ${sku} and l.warehouse_id = ${wh}`.execute(t.db.db)).rows[0] ?? { on_hand: 0, reserved: 0, damaged: 0 };
const binQty = async (wh: string, bin: string | null, sku: string, state = 'available') =>
  (await sql<{ n: number }>`select coalesce(sum(s.qty), 0)::int as n from bin_stock s join skus k on k.id = s.sku_id left join bins b on b.id = s.bin_id
     where s.warehouse_id = ${wh} and k.sku = ${sku} and s.state = ${state} and ${bin === null ? sql`s.bin_id is null` : sql`b.code = ${bin}`}`.execute(t.db.db)).rows[0]!.n;

async function newAsn(reference: string, lines: unknown[], extra: Record<string, unknown> = {}): Promise<any> {
  const r = await t.call('POST', '/api/v1/asns', { body: { warehouse_id: s.whA, reference, lines, ...extra } });
  expect(r.status, r.text).toBe(201);
  return r.body;
}

describe('ASNs', () => {
  it('creates an ASN with lines, lists and shows it, and refuses a duplicate reference, kits and unknown SKUs', async () => {
    const asn = await newAsn('PO-100', [{ sku: 'TEE', qty: 20, lot: 'L1', expires_on: '2027-06-30' }, { sku: 'MUG', qty: 10 }], { supplier: 'Acme Textiles', expected_at: '2026-12-03T10:00:00Z' });
    expect(asn).toMatchObject({ id: expect.stringMatching(/^asn_/), status: 'open', supplier: 'Acme Textiles', over_tolerance_pct: 10, totals: { expected: 30, received: 0 } });
    expect(asn.lines.map((l: any) => [l.line_no, l.sku, l.lot, l.expires_on, l.expected, l.receivable])).toEqual([[1, 'TEE', 'L1', '2027-06-30', 20, 22], [2, 'MUG', '', null, 10, 11]]);
    expect((await t.call('GET', `/api/v1/asns?warehouse_id=${s.whA}`)).body.data.map((a: any) => a.reference)).toContain('PO-100');
    expect((await t.call('GET', `/api/v1/asns/${asn.id}`)).body.receipts).toEqual([]);
    // The scanner screen finds an ASN by the supplier's reference without paging through the list.
    expect((await t.call('GET', `/api/v1/asns?warehouse_id=${s.whA}&reference=PO-100`)).body.data.map((a: any) => a.id)).toEqual([asn.id]);
    expect((await t.call('GET', `/api/v1/asns?warehouse_id=${s.whA}&reference=PO-999`)).body.data).toEqual([]);
    const dup = await t.call('POST', '/api/v1/asns', { body: { warehouse_id: s.whA, reference: 'PO-100', lines: [{ sku: 'TEE', qty: 1 }] } });
    expect([dup.status, dup.body.code]).toEqual([409, 'asn_exists']);
    const kit = await t.call('POST', '/api/v1/asns', { body: { warehouse_id: s.whA, reference: 'PO-KIT', lines: [{ sku: 'BUNDLE', qty: 1 }] } });
    expect([kit.status, kit.body.code]).toEqual([422, 'sku_is_kit']);
    const unknown = await t.call('POST', '/api/v1/asns', { body: { warehouse_id: s.whA, reference: 'PO-X', lines: [{ sku: 'NOPE', qty: 1 }] } });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'sku_not_found']);
    const twice = await t.call('POST', '/api/v1/asns', { body: { warehouse_id: s.whA, reference: 'PO-2X', lines: [{ sku: 'TEE', qty: 1 }, { sku: 'TEE', qty: 2 }] } });
    expect([twice.status, twice.body.code]).toEqual([400, 'asn_duplicate_line']);
  });

  it('receives by SKU code and by GTIN, into a bin or unplaced, damaged units apart, and records the receipt', async () => {
    const asn = await newAsn('PO-200', [{ sku: 'TEE', qty: 20, lot: 'L7', expires_on: '2027-03-31' }, { sku: 'MUG', qty: 10 }]);
    const before = await level('TEE', s.whA);
    const r = await t.call('POST', `/api/v1/asns/${asn.id}/receive`, {
      body: { lines: [{ sku_or_barcode: '4006381333931', qty: 12, damaged_qty: 1, bin: 'B-01' }, { sku_or_barcode: 'MUG', qty: 4 }] },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.asn.status).toBe('receiving');
    expect(r.body.asn.lines.map((l: any) => [l.sku, l.received, l.damaged, l.outstanding])).toEqual([['TEE', 13, 1, 7], ['MUG', 4, 0, 6]]);
    expect(r.body.receipts).toHaveLength(2);
    const after = await level('TEE', s.whA);
    expect(after.on_hand - before.on_hand).toBe(12);
    expect(after.damaged - before.damaged).toBe(1);
    expect(await binQty(s.whA, 'B-01', 'TEE')).toBeGreaterThanOrEqual(12);
    const lots = (await sql`select s.lot, to_char(s.expires_on, 'YYYY-MM-DD') as exp, s.state, s.qty from bin_stock s join bins b on b.id = s.bin_id where b.code = 'B-01' and s.lot = 'L7' order by s.state`.execute(t.db.db)).rows;
    expect(lots).toEqual([{ lot: 'L7', exp: '2027-03-31', state: 'available', qty: 12 }, { lot: 'L7', exp: '2027-03-31', state: 'damaged', qty: 1 }]);
    expect(await binQty(s.whA, null, 'MUG')).toBe(4);
    const ledger = await t.call('GET', `/api/v1/inventory/ledger?reference=${asn.id}`);
    expect(ledger.body.data.map((l: any) => [l.type, l.sku, l.state, l.delta])).toEqual([['receipt', 'TEE', 'available', 12], ['receipt', 'TEE', 'damaged', 1], ['receipt', 'MUG', 'available', 4]]);
    expect(await drifts(t.db.db)).toEqual([]);
  });

  it('accepts an over-receipt within the tolerance and refuses one beyond it with 422, changing nothing', async () => {
    const asn = await newAsn('PO-300', [{ sku: 'CAP', qty: 10 }]);
    expect((await t.call('POST', `/api/v1/asns/${asn.id}/receive`, { body: { lines: [{ sku_or_barcode: 'CAP', qty: 11, bin: 'A-02' }] } })).status).toBe(200);
    const before = await level('CAP', s.whA);
    const over = await t.call('POST', `/api/v1/asns/${asn.id}/receive`, { body: { lines: [{ sku_or_barcode: 'CAP', qty: 1, bin: 'A-02' }] } });
    expect([over.status, over.body.code]).toEqual([422, 'over_receipt_exceeds_tolerance']);
    expect(over.body.details).toMatchObject({ expected: 10, received: 11, requested: 1, allowed: 11, tolerance_pct: 10 });
    expect(await level('CAP', s.whA)).toEqual(before);
    const shown = (await t.call('GET', `/api/v1/asns/${asn.id}`)).body;
    expect(shown.lines[0]).toMatchObject({ received: 11, over: 1, receivable: 0 });
    expect(shown.receipts).toHaveLength(1);
  });

  it('refuses unknown barcodes and SKUs not on the ASN with a message a receiver understands', async () => {
    const asn = await newAsn('PO-400', [{ sku: 'TEE', qty: 5 }]);
    const unknown = await t.call('POST', `/api/v1/asns/${asn.id}/receive`, { body: { lines: [{ sku_or_barcode: '0000000000000', qty: 1 }] } });
    expect([unknown.status, unknown.body.code]).toEqual([422, 'unknown_barcode']);
    const other = await t.call('POST', `/api/v1/asns/${asn.id}/receive`, { body: { lines: [{ sku_or_barcode: 'TEE', qty: 1 }, { sku_or_barcode: 'SOAP', qty: 1 }] } });
    expect([other.status, other.body.code]).toEqual([422, 'sku_not_on_asn']);
    expect(other.body.detail).toMatch(/SOAP is not on ASN PO-400/);
    expect((await t.call('GET', `/api/v1/asns/${asn.id}`)).body.lines[0].received).toBe(0);
    const none = await t.call('POST', `/api/v1/asns/${asn.id}/receive`, { body: { lines: [{ sku_or_barcode: 'TEE', qty: 0 }] } });
    expect(none.status).toBe(400);
  });

  it('closing records the shortage per line; a closed ASN receives nothing more; an untouched one can be cancelled', async () => {
    const asn = await newAsn('PO-500', [{ sku: 'TEE', qty: 8 }, { sku: 'MUG', qty: 5 }]);
    await t.call('POST', `/api/v1/asns/${asn.id}/receive`, { body: { lines: [{ sku_or_barcode: 'TEE', qty: 6, damaged_qty: 1 }] } });
    const closed = await t.call('POST', `/api/v1/asns/${asn.id}/close`);
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('closed');
    expect(closed.body.lines.map((l: any) => [l.sku, l.received, l.damaged, l.short])).toEqual([['TEE', 7, 1, 1], ['MUG', 0, 0, 5]]);
    expect(closed.body.totals).toMatchObject({ expected: 13, received: 7, short: 6, damaged: 1 });
    const ev = (await sql<{ payload: any }>`select payload from outbox where type = 'asn.closed' and aggregate_id = ${asn.id}`.execute(t.db.db)).rows;
    expect(ev[0]!.payload.totals.short).toBe(6);
    const late = await t.call('POST', `/api/v1/asns/${asn.id}/receive`, { body: { lines: [{ sku_or_barcode: 'TEE', qty: 1 }] } });
    expect([late.status, late.body.code]).toEqual([409, 'asn_closed']);
    expect((await t.call('POST', `/api/v1/asns/${asn.id}/close`)).status).toBe(409);
    const fresh = await newAsn('PO-501', [{ sku: 'TEE', qty: 1 }]);
    expect((await t.call('POST', `/api/v1/asns/${fresh.id}/cancel`)).body.status).toBe('cancelled');
    expect((await t.call('POST', `/api/v1/asns/${asn.id}/cancel`)).status).toBe(409);
  });
});

describe('receiving concurrently and twice', () => {
  it('two receipts against one ASN line at the same moment are both recorded, exactly once each', async () => {
    const asn = await newAsn('PO-600', [{ sku: 'SOAP', qty: 100 }]);
    const before = await level('SOAP', s.whA);
    const rs = await Promise.all(Array.from({ length: 6 }, (_, i) => t.call('POST', `/api/v1/asns/${asn.id}/receive`, { body: { lines: [{ sku_or_barcode: 'SOAP', qty: 5 + i, bin: 'C-01' }] } })));
    expect(rs.map((r) => r.status)).toEqual(Array(6).fill(200));
    const shown = (await t.call('GET', `/api/v1/asns/${asn.id}`)).body;
    expect(shown.lines[0].received).toBe(5 + 6 + 7 + 8 + 9 + 10);
    expect(shown.receipts).toHaveLength(6);
    expect((await level('SOAP', s.whA)).on_hand - before.on_hand).toBe(45);
    expect(await drifts(t.db.db)).toEqual([]);
  });

  it('concurrent receipts near the tolerance: the line never passes it, and the refused one changes nothing', async () => {
    const asn = await newAsn('PO-601', [{ sku: 'SOAP', qty: 10 }], { over_tolerance_pct: 0 });
    const before = await level('SOAP', s.whA);
    const rs = await Promise.all([0, 1].map(() => t.call('POST', `/api/v1/asns/${asn.id}/receive`, { body: { lines: [{ sku_or_barcode: 'SOAP', qty: 6 }] } })));
    expect(rs.map((r) => r.status).sort()).toEqual([200, 422]);
    expect((await t.call('GET', `/api/v1/asns/${asn.id}`)).body.lines[0].received).toBe(6);
    expect((await level('SOAP', s.whA)).on_hand - before.on_hand).toBe(6);
  });

  it('the same receipt sent twice with one Idempotency-Key is applied once and answered the same', async () => {
    const asn = await newAsn('PO-602', [{ sku: 'MUG', qty: 10 }]);
    const before = await level('MUG', s.whA);
    const send = () => t.call('POST', `/api/v1/asns/${asn.id}/receive`, { body: { lines: [{ sku_or_barcode: 'MUG', qty: 3 }] }, headers: { 'idempotency-key': `rcv-${asn.id}` } });
    const [a, b] = await Promise.all([send(), send()]);
    const c = await send();
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    expect(b.body).toEqual(a.body);
    expect(c.body).toEqual(a.body);
    expect((await t.call('GET', `/api/v1/asns/${asn.id}`)).body.lines[0].received).toBe(3);
    expect((await level('MUG', s.whA)).on_hand - before.on_hand).toBe(3);
  });
});

describe('putaway', () => {
  it('suggests a bin already holding the SKU with room, then the preferred zone, then any empty pickable bin', async () => {
    // TEE already sits in B-01 (capacity 50). CAP sits in A-02 (no capacity: unlimited).
    const tee = await t.call('GET', `/api/v1/putaway-suggestions?warehouse_id=${s.whA}&sku=TEE&qty=60`);
    expect(tee.status).toBe(200);
    expect(tee.body.suggestions[0]).toMatchObject({ bin: 'B-01', reason: 'holds_sku' });
    const room = tee.body.suggestions[0].room;
    expect(room).toBe(50 - 13);
    // The rest goes to empty pickable bins in walk order (A-01 has no capacity: it takes everything left).
    expect(tee.body.suggestions.slice(1).map((x: any) => [x.bin, x.reason])).toEqual([['A-01', 'empty_pickable']]);
    expect(tee.body.suggestions.reduce((n: number, x: any) => n + x.qty, 0)).toBe(60);
    expect(tee.body.suggestions.map((x: any) => x.bin)).not.toContain('STAGE-OUT');

    expect((await t.call('PUT', '/api/v1/putaway-zones', { body: { warehouse_id: s.whA, sku: 'MUG', zone: 'B' } })).status).toBe(200);
    const mug = await t.call('GET', `/api/v1/putaway-suggestions?warehouse_id=${s.whA}&sku=MUG&qty=70`);
    expect(mug.body.suggestions.map((x: any) => [x.bin, x.reason, x.qty])).toEqual([['B-02', 'preferred_zone', 50], ['A-01', 'empty_pickable', 20]]);
    expect((await t.call('GET', `/api/v1/putaway-zones?warehouse_id=${s.whA}`)).body.data).toEqual([{ warehouse_id: s.whA, sku_id: expect.any(String), sku: 'MUG', zone: 'B' }]);
    const badZone = await t.call('PUT', '/api/v1/putaway-zones', { body: { warehouse_id: s.whA, sku: 'MUG', zone: 'NOPE' } });
    expect([badZone.status, badZone.body.code]).toEqual([404, 'zone_not_found']);
  });

  it('shows an ASN\'s units awaiting putaway, puts them away with the move command, and refuses overfilling a bin', async () => {
    const asn = await newAsn('PO-700', [{ sku: 'MUG', qty: 40 }]);
    await t.call('POST', `/api/v1/asns/${asn.id}/receive`, { body: { lines: [{ sku_or_barcode: 'MUG', qty: 40 }] } });
    const unplaced = await binQty(s.whA, null, 'MUG');
    const plan = await t.call('GET', `/api/v1/asns/${asn.id}/putaway`);
    expect(plan.status).toBe(200);
    expect(plan.body.items[0]).toMatchObject({ sku: 'MUG', unplaced_available: unplaced, uncovered: 0 });
    expect(plan.body.items[0].suggestions[0]).toMatchObject({ bin: 'B-02', reason: 'preferred_zone' });

    const put = await t.call('POST', '/api/v1/putaway', { body: { warehouse_id: s.whA, sku: 'MUG', qty: 30, to_bin: 'B-02' } });
    expect(put.status, put.text).toBe(201);
    expect(await binQty(s.whA, 'B-02', 'MUG')).toBe(30);
    expect(await binQty(s.whA, null, 'MUG')).toBe(unplaced - 30);
    const over = await t.call('POST', '/api/v1/putaway', { body: { warehouse_id: s.whA, sku: 'MUG', qty: 21, to_bin: 'B-02' } });
    expect([over.status, over.body.code]).toEqual([422, 'bin_capacity_exceeded']);
    const staging = await t.call('POST', '/api/v1/putaway', { body: { warehouse_id: s.whA, sku: 'MUG', qty: 1, to_bin: 'STAGE-OUT' } });
    expect([staging.status, staging.body.code]).toEqual([422, 'bin_not_allowed']);
    const tooMany = await t.call('POST', '/api/v1/putaway', { body: { warehouse_id: s.whA, sku: 'MUG', qty: 10_000, to_bin: 'A-01' } });
    expect([tooMany.status, tooMany.body.code]).toEqual([409, 'insufficient_bin_stock']);
    // Damaged units are put away too, into a damage bin, staying damaged.
    const dmg = await t.call('POST', '/api/v1/putaway', { body: { warehouse_id: s.whA, sku: 'TEE', qty: 1, to_bin: 'R-03', state: 'damaged' } });
    expect(dmg.status, dmg.text).toBe(201);
    expect(await drifts(t.db.db)).toEqual([]);
  });

  it('two putaways racing into one bin never overfill it', async () => {
    const asn = await newAsn('PO-701', [{ sku: 'CAP', qty: 40 }]);
    await t.call('POST', `/api/v1/asns/${asn.id}/receive`, { body: { lines: [{ sku_or_barcode: 'CAP', qty: 40 }] } });
    await t.call('POST', `/api/v1/warehouses/${s.whA}/bins`, { body: { code: 'D-01', zone: 'D', walk_sequence: 30, capacity_units: 25 } });
    const rs = await Promise.all([0, 1].map(() => t.call('POST', '/api/v1/putaway', { body: { warehouse_id: s.whA, sku: 'CAP', qty: 15, to_bin: 'D-01' } })));
    expect(rs.map((r) => r.status).sort()).toEqual([201, 422]);
    expect(await binQty(s.whA, 'D-01', 'CAP')).toBe(15);
  });
});

describe('replenishment', () => {
  it('a pick face below min gets one task (the job run twice), FEFO from reserve bins; confirming moves the stock', async () => {
    // TEE: pick face A-02 holds 2; reserve R-01 lot LB (expires later), R-02 lot LA (expires first); STAGE-OUT holds some too.
    const rec = await t.call('POST', '/api/v1/inventory/receipts', {
      body: { warehouse_id: s.whA, reference: 'setup-repl', lines: [
        { sku: 'TEE', qty: 2, bin: 'A-02' },
        { sku: 'TEE', qty: 10, bin: 'R-01', lot: 'LB', expires_on: '2028-01-31' },
        { sku: 'TEE', qty: 6, bin: 'R-02', lot: 'LA', expires_on: '2027-01-31' },
        { sku: 'TEE', qty: 50, bin: 'STAGE-OUT' },
      ] },
    });
    expect(rec.status, rec.text).toBe(201);
    const rule = await t.call('PUT', '/api/v1/replenishment-rules', { body: { warehouse_id: s.whA, bin: 'A-02', sku: 'TEE', min_qty: 5, max_qty: 12 } });
    expect(rule.status, rule.text).toBe(200);
    expect(rule.body).toMatchObject({ bin: 'A-02', sku: 'TEE', min_qty: 5, max_qty: 12, active: true });

    const job = JOBS.find((j) => j.name === 'replenish')!;
    expect(job).toBeDefined();
    await job.run(t.db.db);
    await job.run(t.db.db);
    const tasks = await t.call('GET', `/api/v1/replenishment-tasks?warehouse_id=${s.whA}&status=open`);
    expect(tasks.body.data).toHaveLength(1);
    const task = tasks.body.data[0];
    expect(task).toMatchObject({ bin: 'A-02', sku: 'TEE', qty: 10, status: 'open' });
    expect(task.lines.map((l: any) => [l.from_bin, l.lot, l.qty])).toEqual([['R-02', 'LA', 6], ['R-01', 'LB', 4]]);

    const done = await t.call('POST', `/api/v1/replenishment-tasks/${task.id}/confirm`, { body: {} });
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({ status: 'done', moved_qty: 10 });
    expect(await binQty(s.whA, 'A-02', 'TEE')).toBe(12);
    expect(await binQty(s.whA, 'R-02', 'TEE')).toBe(0);
    expect(await binQty(s.whA, 'R-01', 'TEE')).toBe(6);
    expect(await binQty(s.whA, 'STAGE-OUT', 'TEE')).toBe(50);
    const ledger = await t.call('GET', `/api/v1/inventory/ledger?reference=${task.id}`);
    expect(ledger.body.data.map((l: any) => l.delta).reduce((a: number, b: number) => a + b, 0)).toBe(0);
    expect(ledger.body.data).toHaveLength(4);
    expect(await drifts(t.db.db)).toEqual([]);

    // At max now: nothing more to do; confirming again is refused.
    expect((await t.call('POST', '/api/v1/replenishment/run', { body: { warehouse_id: s.whA } })).body.created).toBe(0);
    expect((await t.call('POST', `/api/v1/replenishment-tasks/${task.id}/confirm`, { body: {} })).status).toBe(409);
  });

  it('confirms fewer units than planned, cancels tasks, and plans a fresh one after a cancellation', async () => {
    // The moved units kept their lots at the pick face; take them away again (face back to 2).
    for (const [lot, delta] of [['LA', -6], ['LB', -4]] as const) {
      const adj = await t.call('POST', '/api/v1/inventory/adjustments', { body: { warehouse_id: s.whA, sku: 'TEE', bin: 'A-02', lot, delta, reason: 'correction' } });
      expect(adj.status, adj.text).toBe(201);
    }
    const run = await t.call('POST', '/api/v1/replenishment/run', { body: { warehouse_id: s.whA } });
    expect(run.status, run.text).toBe(200);
    expect(run.body.created).toBe(1);
    const task = run.body.tasks[0];
    expect(task.qty).toBe(6); // only R-01's 6 are left in reserve (staging is never a source)
    expect((await t.call('POST', `/api/v1/replenishment-tasks/${task.id}/cancel`)).body.status).toBe('cancelled');
    const again = await t.call('POST', '/api/v1/replenishment/run', { body: { warehouse_id: s.whA } });
    expect(again.body.created).toBe(1);
    const part = await t.call('POST', `/api/v1/replenishment-tasks/${again.body.tasks[0].id}/confirm`, { body: { qty: 4 } });
    expect(part.body).toMatchObject({ status: 'done', moved_qty: 4 });
    expect(await binQty(s.whA, 'A-02', 'TEE')).toBe(6);
    const tooMany = await t.call('POST', `/api/v1/replenishment-tasks/${again.body.tasks[0].id}/confirm`, { body: { qty: 99 } });
    expect(tooMany.status).toBe(409);
    expect(await drifts(t.db.db)).toEqual([]);
  });

  it('concurrent planners create one task per pick face, and two confirmations of one task move the stock once', async () => {
    await t.call('POST', '/api/v1/inventory/receipts', { body: { warehouse_id: s.whA, reference: 'setup-repl-2', lines: [{ sku: 'SOAP', qty: 40, bin: 'R-03', lot: 'S1' }] } });
    expect((await t.call('PUT', '/api/v1/replenishment-rules', { body: { warehouse_id: s.whA, bin: 'A-01', sku: 'SOAP', min_qty: 3, max_qty: 15 } })).status).toBe(200);
    const job = JOBS.find((j) => j.name === 'replenish')!;
    const runs = await Promise.all([job.run(t.db.db), job.run(t.db.db), t.call('POST', '/api/v1/replenishment/run', { body: { warehouse_id: s.whA } })]);
    expect(runs).toHaveLength(3);
    const open = (await t.call('GET', `/api/v1/replenishment-tasks?warehouse_id=${s.whA}&status=open`)).body.data.filter((x: any) => x.sku === 'SOAP');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ bin: 'A-01', qty: 15 });
    const rs = await Promise.all([0, 1].map(() => t.call('POST', `/api/v1/replenishment-tasks/${open[0].id}/confirm`, { body: {} })));
    expect(rs.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await binQty(s.whA, 'A-01', 'SOAP')).toBe(15);
    expect(await binQty(s.whA, 'R-03', 'SOAP')).toBe(25);
    expect(await drifts(t.db.db)).toEqual([]);
  });

  it('refuses rules with min ≥ max or on a reserve bin', async () => {
    const bad = await t.call('PUT', '/api/v1/replenishment-rules', { body: { warehouse_id: s.whA, bin: 'A-01', sku: 'MUG', min_qty: 10, max_qty: 10 } });
    expect([bad.status, bad.body.code]).toEqual([400, 'rule_invalid']);
    const reserve = await t.call('PUT', '/api/v1/replenishment-rules', { body: { warehouse_id: s.whA, bin: 'R-01', sku: 'MUG', min_qty: 1, max_qty: 10 } });
    expect([reserve.status, reserve.body.code]).toEqual([422, 'rule_invalid']);
    expect((await t.call('GET', `/api/v1/replenishment-rules?warehouse_id=${s.whA}`)).body.data.map((r: any) => [r.bin, r.sku])).toEqual([['A-01', 'SOAP'], ['A-02', 'TEE']]);
  });
});

describe('access', () => {
  it('floor roles receive and put away; packers cannot; other warehouses are 404', async () => {
    const asn = await newAsn('PO-900', [{ sku: 'TEE', qty: 5 }]);
    const picker = await t.keyFor('picker', [s.whA]);
    expect((await t.call('POST', `/api/v1/asns/${asn.id}/receive`, { key: picker, body: { lines: [{ sku_or_barcode: 'TEE', qty: 1 }] } })).status).toBe(200);
    const packer = await t.keyFor('packer');
    expect((await t.call('POST', `/api/v1/asns/${asn.id}/receive`, { key: packer, body: { lines: [{ sku_or_barcode: 'TEE', qty: 1 }] } })).status).toBe(403);
    const otherOps = await t.keyFor('ops', [s.whB]);
    expect((await t.call('GET', `/api/v1/asns/${asn.id}`, { key: otherOps })).status).toBe(404);
    expect((await t.call('POST', `/api/v1/asns/${asn.id}/receive`, { key: otherOps, body: { lines: [{ sku_or_barcode: 'TEE', qty: 1 }] } })).status).toBe(404);
    expect((await t.call('POST', `/api/v1/asns/${asn.id}/close`, { key: otherOps })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/asns?warehouse_id=${s.whA}`, { key: otherOps })).status).toBe(404);
    expect((await t.call('GET', '/api/v1/asns', { key: otherOps })).body.data).toEqual([]);
    expect((await t.call('POST', '/api/v1/putaway', { key: otherOps, body: { warehouse_id: s.whA, sku: 'MUG', qty: 1, to_bin: 'A-01' } })).status).toBe(404);
    const tasks = await t.call('GET', `/api/v1/replenishment-tasks?warehouse_id=${s.whA}`);
    expect((await t.call('GET', `/api/v1/replenishment-tasks/${tasks.body.data[0].id}`, { key: otherOps })).status).toBe(404);
    expect((await t.call('POST', `/api/v1/replenishment-tasks/${tasks.body.data[0].id}/cancel`, { key: otherOps })).status).toBe(404);
    expect((await t.call('PUT', '/api/v1/replenishment-rules', { key: picker, body: { warehouse_id: s.whA, bin: 'A-01', sku: 'MUG', min_qty: 1, max_qty: 5 } })).status).toBe(403);
  });
});
