import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { inventorySnapshot } from '../helpers/inventory.js';

let t: TestApp;
const wh: Record<string, string> = {};
const bin: Record<string, string> = {};

const warehouse = (code: string) => ({ code, name: `Warehouse ${code}`, address: { line1: '1 Dock Road', city: 'Pune', postal_code: '411001', country: 'IN' }, timezone: 'Asia/Kolkata' });

beforeAll(async () => {
  t = await startTestApp();
  for (const code of ['PNQ', 'BLR', 'DEL']) {
    wh[code] = (await t.call('POST', '/api/v1/warehouses', { body: warehouse(code) })).body.id;
    const bins = await t.call('POST', `/api/v1/warehouses/${wh[code]}/bins`, { body: [{ code: 'A-01', walk_sequence: 10 }, { code: 'A-02', walk_sequence: 20 }, { code: 'QA', pickable: false }] });
    for (const b of bins.body.data) bin[`${code}:${b.code}`] = b.id;
  }
  for (const sku of ['TEE', 'MUG', 'CAP']) await t.call('POST', '/api/v1/skus', { body: { sku, name: sku } });
  await t.call('POST', '/api/v1/skus', { body: { sku: 'GIFT', name: 'Gift set', kit_components: [{ sku: 'TEE', qty: 1 }, { sku: 'MUG', qty: 2 }] } });
});
afterAll(async () => t.close());

const stock = async (sku: string, w: string) => (await t.call('GET', `/api/v1/inventory?sku=${sku}&warehouse_id=${w}`)).body.data[0];

/** The request is refused with this status and code, as problem+json, and no inventory table or the outbox changed. */
async function refused(method: string, path: string, body: unknown, status: number, code: string, key?: string): Promise<any> {
  const before = await inventorySnapshot(t.db.db);
  const r = await t.call(method, path, { body, ...(key ? { key } : {}) });
  expect(r.status, `${method} ${path} ${JSON.stringify(body)} → ${r.text}`).toBe(status);
  expect(r.headers.get('content-type')).toContain('application/problem+json');
  expect(r.body.code).toBe(code);
  expect(await inventorySnapshot(t.db.db)).toEqual(before);
  return r.body;
}

describe('inventory over HTTP', () => {
  it('receives by SKU and bin code, and shows on_hand, reserved and available per SKU × warehouse', async () => {
    const r = await t.call('POST', '/api/v1/inventory/receipts', { body: { warehouse_id: 'PNQ', reference: 'PO-7', lines: [{ sku: 'TEE', qty: 20, bin: 'A-01' }, { sku: 'MUG', qty: 30, bin: 'A-02', lot: 'M1', expires_on: '2027-03-01' }, { sku: 'CAP', qty: 4 }] } });
    expect(r.status).toBe(201);
    expect(await stock('TEE', 'PNQ')).toMatchObject({ sku: 'TEE', warehouse_id: wh.PNQ, on_hand: 20, reserved: 0, available: 20 });
    const ledger = await t.call('GET', '/api/v1/inventory/ledger?sku=MUG&warehouse_id=PNQ');
    expect(ledger.body.data).toEqual([expect.objectContaining({ type: 'receipt', sku: 'MUG', bin: 'A-02', lot: 'M1', delta: 30, reference: 'PO-7' })]);
    const bins = await t.call('GET', '/api/v1/inventory/bins?warehouse_id=PNQ&sku=MUG');
    expect(bins.body.data).toEqual([expect.objectContaining({ bin: 'A-02', lot: 'M1', qty: 30, expires_on: '2027-03-01', under_count: false })]);
  });

  it('refuses bad input with a clear 4xx problem and changes nothing', async () => {
    const base = { warehouse_id: 'PNQ', lines: [{ sku: 'TEE', qty: 1, bin: 'A-01' }] };
    await refused('POST', '/api/v1/inventory/receipts', { ...base, lines: [{ sku: 'TEE', qty: 0 }] }, 400, 'validation_failed');
    await refused('POST', '/api/v1/inventory/receipts', { ...base, lines: [{ sku: 'TEE', qty: -5 }] }, 400, 'validation_failed');
    await refused('POST', '/api/v1/inventory/receipts', { ...base, lines: [{ sku: 'TEE', qty: 1.5 }] }, 400, 'validation_failed');
    await refused('POST', '/api/v1/inventory/receipts', { ...base, lines: [{ sku: 'NOPE', qty: 1 }] }, 404, 'sku_not_found');
    await refused('POST', '/api/v1/inventory/receipts', { ...base, lines: [{ sku: 'TEE', qty: 1, bin: 'Z-99' }] }, 404, 'bin_not_found');
    await refused('POST', '/api/v1/inventory/receipts', { ...base, warehouse_id: 'NOWHERE' }, 404, 'warehouse_not_found');
    await refused('POST', '/api/v1/inventory/receipts', { ...base, lines: [{ sku: 'TEE', qty: 1, bin: bin['BLR:A-01'] }] }, 400, 'bin_wrong_warehouse');
    await refused('POST', '/api/v1/inventory/receipts', { ...base, lines: [{ sku: 'GIFT', qty: 1 }] }, 400, 'sku_is_kit');
    await refused('POST', '/api/v1/inventory/adjustments', { warehouse_id: 'PNQ', sku: 'TEE', bin: 'A-01', delta: 0, reason: 'found' }, 400, 'validation_failed');
    await refused('POST', '/api/v1/inventory/adjustments', { warehouse_id: 'PNQ', sku: 'TEE', bin: 'A-01', delta: 1, reason: 'because' }, 400, 'validation_failed');
    const moved = await refused('POST', '/api/v1/inventory/moves', { warehouse_id: 'PNQ', sku: 'TEE', qty: 21, from_bin: 'A-01', to_bin: 'A-02' }, 409, 'insufficient_bin_stock');
    expect(moved.details).toMatchObject({ requested: 21, available: 20 });
    const short = await refused('POST', '/api/v1/inventory/reservations', { ref: 'ord_x', lines: [{ sku: 'CAP', warehouse_id: 'PNQ', qty: 5 }] }, 409, 'insufficient_stock');
    expect(short.details).toEqual({ sku: 'CAP', warehouse_id: wh.PNQ, requested: 5, available: 4 });
    await refused('POST', '/api/v1/inventory/transfers', { from_warehouse_id: 'PNQ', to_warehouse_id: 'PNQ', lines: [{ sku: 'TEE', qty: 1 }] }, 400, 'validation_failed');
  });

  it('adjusts with a reason code and moves between bins and into quarantine', async () => {
    expect((await t.call('POST', '/api/v1/inventory/adjustments', { body: { warehouse_id: 'PNQ', sku: 'TEE', bin: 'A-01', delta: -2, reason: 'damaged', note: 'torn' } })).status).toBe(201);
    expect((await t.call('POST', '/api/v1/inventory/moves', { body: { warehouse_id: 'PNQ', sku: 'TEE', qty: 3, from_bin: 'A-01', to_bin: 'QA', to_state: 'quarantine' } })).status).toBe(201);
    expect((await t.call('POST', '/api/v1/inventory/moves', { body: { warehouse_id: 'PNQ', sku: 'CAP', qty: 4, to_bin: 'A-02' } })).status).toBe(201);
    expect(await stock('TEE', 'PNQ')).toMatchObject({ on_hand: 15, available: 15, quarantine: 3 });
  });

  it('reserves a kit as its components, releases by id and by ref, and commits on ship', async () => {
    const r = await t.call('POST', '/api/v1/inventory/reservations', { body: { ref: 'ord_kit', lines: [{ ref_line: 'L1', sku: 'GIFT', warehouse_id: 'PNQ', qty: 2 }, { ref_line: 'L2', sku: 'MUG', warehouse_id: 'PNQ', qty: 1 }] } });
    expect(r.status).toBe(201);
    expect(r.body.reservations.map((x: any) => [x.ref_line, x.qty])).toEqual(expect.arrayContaining([['L1', 2], ['L1', 4], ['L2', 1]]));
    expect(await stock('MUG', 'PNQ')).toMatchObject({ on_hand: 30, reserved: 5, available: 25 });
    const l2 = r.body.reservations.find((x: any) => x.ref_line === 'L2');
    expect((await t.call('POST', `/api/v1/inventory/reservations/${l2.id}/release`, { body: {} })).status).toBe(200);
    expect((await t.call('POST', `/api/v1/inventory/reservations/${l2.id}/release`, { body: {} })).body.code).toBe('invalid_transition');
    const tee = r.body.reservations.find((x: any) => x.sku_id !== l2.sku_id);
    const shipped = await t.call('POST', `/api/v1/inventory/reservations/${tee.id}/commit`, { body: { picks: [{ bin: 'A-01', qty: 2 }] } });
    expect(shipped.status).toBe(200);
    expect(await stock('TEE', 'PNQ')).toMatchObject({ on_hand: 13, reserved: 0 });
    const rel = await t.call('POST', '/api/v1/inventory/reservations/release', { body: { ref: 'ord_kit' } });
    expect(rel.body.released).toHaveLength(1);
    expect(await stock('MUG', 'PNQ')).toMatchObject({ on_hand: 30, reserved: 0 });
    const listed = await t.call('GET', '/api/v1/inventory/reservations?ref=ord_kit');
    expect(listed.body.data.map((x: any) => x.status).sort()).toEqual(['committed', 'released', 'released']);
  });

  it('transfers stock: create reserves, ship leaves the source, receive arrives in parts, close records the discrepancy', async () => {
    const tr = await t.call('POST', '/api/v1/inventory/transfers', { body: { from_warehouse_id: 'PNQ', to_warehouse_id: 'BLR', lines: [{ sku: 'MUG', qty: 10 }] } });
    expect(tr.status).toBe(201);
    expect(tr.body).toMatchObject({ status: 'created', lines: [{ sku: 'MUG', qty: 10, shipped: 0 }] });
    expect(await stock('MUG', 'PNQ')).toMatchObject({ reserved: 10 });
    expect((await t.call('POST', `/api/v1/inventory/transfers/${tr.body.id}/ship`)).body.status).toBe('shipped');
    expect(await stock('MUG', 'PNQ')).toMatchObject({ on_hand: 20, reserved: 0 });
    expect(await stock('MUG', 'BLR')).toMatchObject({ on_hand: 0, in_transit: 10 });
    const part = await t.call('POST', `/api/v1/inventory/transfers/${tr.body.id}/receive`, { body: { lines: [{ sku: 'MUG', qty: 6, bin: 'A-01', lot: 'M1' }] } });
    expect(part.body.status).toBe('partially_received');
    await refused('POST', `/api/v1/inventory/transfers/${tr.body.id}/receive`, { lines: [{ sku: 'MUG', qty: 5 }] }, 409, 'transfer_over_receipt');
    const closed = await t.call('POST', `/api/v1/inventory/transfers/${tr.body.id}/receive`, { body: { lines: [{ sku: 'MUG', qty: 3, bin: 'A-01', lot: 'M1' }], close: true } });
    expect(closed.body).toMatchObject({ status: 'received', lines: [{ shipped: 10, received: 9, discrepancy: 1 }] });
    expect(await stock('MUG', 'BLR')).toMatchObject({ on_hand: 9, in_transit: 0 });
    await refused('POST', `/api/v1/inventory/transfers/${tr.body.id}/ship`, undefined, 409, 'transfer_invalid_state');
    const totals = await t.call('GET', '/api/v1/inventory/totals?sku=MUG');
    expect(totals.body.data[0]).toMatchObject({ sku: 'MUG', on_hand: 29, warehouses: 2 });
  });

  it('counts bins: blocks them, reports variance, posts adjustments with reason count, and refuses a second post', async () => {
    const cnt = await t.call('POST', '/api/v1/inventory/counts', { body: { warehouse_id: 'PNQ', bins: ['A-02'] } });
    expect(cnt.status).toBe(201);
    await refused('POST', '/api/v1/inventory/moves', { warehouse_id: 'PNQ', sku: 'MUG', qty: 1, from_bin: 'A-02', to_bin: 'A-01', lot: 'M1' }, 409, 'bin_under_count');
    expect((await t.call('GET', '/api/v1/inventory/bins?warehouse_id=PNQ&bin=A-02')).body.data.every((b: any) => b.under_count)).toBe(true);
    await t.call('POST', `/api/v1/inventory/counts/${cnt.body.id}/entries`, { body: { bin: 'A-02', lines: [{ sku: 'MUG', lot: 'M1', qty: 18 }, { sku: 'CAP', qty: 4 }] } });
    const variance = await t.call('GET', `/api/v1/inventory/counts/${cnt.body.id}/variance`);
    expect(variance.body.lines.map((l: any) => [l.sku, l.lot, l.expected, l.counted, l.variance])).toEqual([['CAP', '', 4, 4, 0], ['MUG', 'M1', 20, 18, -2]]);
    expect((await t.call('POST', `/api/v1/inventory/counts/${cnt.body.id}/post`)).status).toBe(200);
    await refused('POST', `/api/v1/inventory/counts/${cnt.body.id}/post`, undefined, 409, 'count_already_posted');
    expect(await stock('MUG', 'PNQ')).toMatchObject({ on_hand: 18 });
    const ledger = await t.call('GET', `/api/v1/inventory/ledger?type=count&reference=${cnt.body.id}`);
    expect(ledger.body.data).toEqual([expect.objectContaining({ sku: 'MUG', delta: -2, reason: 'count' })]);
    // The list: newest first, with counted bins, filtered by status and by the caller's warehouses.
    const open = await t.call('POST', '/api/v1/inventory/counts', { body: { warehouse_id: 'PNQ', bins: ['A-01', 'A-02'] } });
    const all = await t.call('GET', '/api/v1/inventory/counts?warehouse_id=PNQ');
    expect(all.body.data.map((c: any) => [c.id, c.status, c.bins, c.bins_counted])).toEqual([[open.body.id, 'open', 2, 0], [cnt.body.id, 'posted', 1, 1]]);
    expect((await t.call('GET', '/api/v1/inventory/counts?status=posted&warehouse_id=PNQ')).body.data.map((c: any) => c.id)).toEqual([cnt.body.id]);
    const page1 = await t.call('GET', '/api/v1/inventory/counts?warehouse_id=PNQ&limit=1');
    expect(page1.body.next_cursor).toBe(open.body.id);
    expect((await t.call('GET', `/api/v1/inventory/counts?warehouse_id=PNQ&limit=1&cursor=${page1.body.next_cursor}`)).body.data.map((c: any) => c.id)).toEqual([cnt.body.id]);
    const elsewhere = await t.keyFor('ops', [wh.BLR!]);
    expect((await t.call('GET', '/api/v1/inventory/counts', { key: elsewhere })).body.data).toEqual([]);
    expect((await t.call('POST', `/api/v1/inventory/counts/${open.body.id}/cancel`)).status).toBe(200);
  });

  it('replays a receipt with the same Idempotency-Key without receiving twice', async () => {
    const body = { warehouse_id: 'DEL', lines: [{ sku: 'CAP', qty: 5, bin: 'A-01' }] };
    const a = await t.call('POST', '/api/v1/inventory/receipts', { body, headers: { 'idempotency-key': 'rcv-1' } });
    const b = await t.call('POST', '/api/v1/inventory/receipts', { body, headers: { 'idempotency-key': 'rcv-1' } });
    expect(b.status).toBe(a.status);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(await stock('CAP', 'DEL')).toMatchObject({ on_hand: 5 });
  });

  it('lists low stock lowest first', async () => {
    const low = await t.call('GET', '/api/v1/inventory/low-stock?threshold=5&warehouse_id=PNQ');
    expect(low.body.data.map((l: any) => [l.sku, l.available])).toEqual([['CAP', 4]]);
  });
});

describe('access', () => {
  it('lets a picker receive and move but not adjust, and an integration reserve and release but not receive', async () => {
    const picker = await t.keyFor('picker');
    expect((await t.call('POST', '/api/v1/inventory/receipts', { key: picker, body: { warehouse_id: 'DEL', lines: [{ sku: 'TEE', qty: 2, bin: 'A-01' }] } })).status).toBe(201);
    expect((await t.call('POST', '/api/v1/inventory/adjustments', { key: picker, body: { warehouse_id: 'DEL', sku: 'TEE', bin: 'A-01', delta: -1, reason: 'lost' } })).status).toBe(403);
    const integration = await t.keyFor('integration');
    const r = await t.call('POST', '/api/v1/inventory/reservations', { key: integration, body: { ref: 'ext-1', lines: [{ sku: 'TEE', warehouse_id: 'DEL', qty: 1 }] } });
    expect(r.status).toBe(201);
    expect((await t.call('POST', '/api/v1/inventory/reservations/release', { key: integration, body: { reservation_ids: [r.body.reservations[0].id] } })).status).toBe(200);
    expect((await t.call('POST', '/api/v1/inventory/receipts', { key: integration, body: { warehouse_id: 'DEL', lines: [{ sku: 'TEE', qty: 1 }] } })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/inventory/verify', { key: picker })).status).toBe(403);
  });

  it('shows a warehouse-scoped key only its warehouses, and answers 404 for anything of another', async () => {
    const key = await t.keyFor('ops', [wh.BLR!]);
    const listed = await t.call('GET', '/api/v1/inventory', { key });
    expect(listed.body.data.length).toBeGreaterThan(0);
    expect(listed.body.data.every((r: any) => r.warehouse_id === wh.BLR)).toBe(true);
    expect((await t.call('GET', '/api/v1/inventory/totals?sku=MUG', { key })).body.data[0]).toMatchObject({ on_hand: 9, warehouses: 1 });
    expect((await t.call('GET', '/api/v1/inventory/ledger', { key })).body.data.every((r: any) => r.warehouse_id === wh.BLR)).toBe(true);
    await refused('POST', '/api/v1/inventory/receipts', { warehouse_id: 'PNQ', lines: [{ sku: 'TEE', qty: 1 }] }, 404, 'warehouse_not_found', key);
    await refused('POST', '/api/v1/inventory/reservations', { ref: 'o', lines: [{ sku: 'TEE', warehouse_id: wh.PNQ, qty: 1 }] }, 404, 'warehouse_not_found', key);
    expect((await t.call('GET', `/api/v1/inventory?warehouse_id=${wh.PNQ}`, { key })).body.code).toBe('warehouse_not_found');
    const other = await t.call('POST', '/api/v1/inventory/transfers', { body: { from_warehouse_id: 'PNQ', to_warehouse_id: 'DEL', lines: [{ sku: 'TEE', qty: 1 }] } });
    expect((await t.call('GET', `/api/v1/inventory/transfers/${other.body.id}`, { key })).status).toBe(404);
    await refused('POST', `/api/v1/inventory/transfers/${other.body.id}/ship`, undefined, 404, 'transfer_not_found', key);
    const res = await t.call('POST', '/api/v1/inventory/reservations', { body: { ref: 'ord_scope', lines: [{ sku: 'TEE', warehouse_id: 'PNQ', qty: 1 }] } });
    await refused('POST', `/api/v1/inventory/reservations/${res.body.reservations[0].id}/release`, {}, 404, 'reservation_not_found', key);
    expect((await t.call('GET', '/api/v1/inventory/transfers', { key })).body.data.every((x: any) => x.from_warehouse_id === wh.BLR || x.to_warehouse_id === wh.BLR)).toBe(true);
  });
});

describe('verify', () => {
  const cli = () =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'inventory', 'verify'], { env: { ...process.env, DATABASE_URL: t.db.url, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });

  it('reports nothing on a healthy database, over HTTP and from the tandem command', async () => {
    const r = await t.call('GET', '/api/v1/inventory/verify');
    expect(r.body).toEqual({ ok: true, drifts: [] });
    const out = cli();
    expect(out.status).toBe(0);
    expect(out.stderr).toContain('no drift');
  });

  it('finds a counter corrupted directly in the database, and the command exits 1 printing it', async () => {
    await sql`update stock_levels set on_hand = on_hand + 7 where warehouse_id = ${wh.DEL!} and sku_id = (select id from skus where sku = 'CAP')`.execute(t.db.db);
    const r = await t.call('GET', '/api/v1/inventory/verify');
    expect(r.body.ok).toBe(false);
    expect(r.body.drifts).toContainEqual(expect.objectContaining({ kind: 'on_hand_vs_ledger', warehouse_id: wh.DEL, actual: 12, expected: 5 }));
    const out = cli();
    expect(out.status).toBe(1);
    expect(out.stdout).toContain('drift on_hand_vs_ledger');
    expect(out.stdout).toContain('is 12, should be 5');
  });
});
