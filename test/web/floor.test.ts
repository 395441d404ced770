import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { orderBody } from '../helpers/seed.js';
import { drifts } from '../helpers/inventory.js';
import { insertUser } from '../helpers/users.js';
import { closeBrowserTest, ensureWebBuild, hasChromium, launchChromium, saveScreenshot, signInPage } from './browser.js';

/** A phone held by a picker or packer, with a hardware scanner that types into the focused field and presses Enter. */
const PHONE = { width: 390, height: 844 };
const MUG = { sku: 'FL-MUG', name: 'Stoneware mug', gtin: '4006381333931', weight_g: 350, dims_mm: { l: 120, w: 100, h: 100 } };

let t: TestApp;
let browser: Browser;
let wh: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  ensureWebBuild();
  t = await startTestApp();
  const w = await t.call('POST', '/api/v1/warehouses', { body: { code: 'FLR', name: 'Floor warehouse', address: { line1: '1 Dock Road', city: 'Bengaluru', postal_code: '560001', country: 'IN' }, timezone: 'Asia/Kolkata', cutoff_time: '16:00' } });
  expect(w.status, w.text).toBe(201);
  wh = w.body.id;
  const bins = await t.call('POST', `/api/v1/warehouses/${wh}/bins`, { body: [{ code: 'A-01', zone: 'A', walk_sequence: 1 }, { code: 'A-02', zone: 'A', walk_sequence: 2 }, { code: 'STAGE-OUT', walk_sequence: 0, pickable: false }] });
  expect(bins.status, bins.text).toBe(201);
  expect((await t.call('POST', '/api/v1/skus', { body: MUG })).status).toBe(201);
  const stock = await t.call('POST', '/api/v1/inventory/receipts', { body: { warehouse_id: wh, lines: [{ sku: MUG.sku, qty: 20, bin: 'A-01' }] } });
  expect(stock.status, stock.text).toBe(201);
  for (const c of [
    { code: 'S', length_mm: 260, width_mm: 150, height_mm: 120, max_weight_g: 2000, tare_weight_g: 80 },
    { code: 'L', length_mm: 500, width_mm: 400, height_mm: 300, max_weight_g: 15000, tare_weight_g: 400 },
  ]) expect((await t.call('POST', `/api/v1/warehouses/${wh}/cartons`, { body: c })).status).toBe(201);
  const carrier = await t.call('POST', '/api/v1/carriers', { body: { code: 'swift', name: 'Swift Couriers', kind: 'rate_card', settings: { currency: 'INR' } } });
  expect(carrier.status, carrier.text).toBe(201);
  const csv = (rows: string[]) => ({ raw: rows.join('\n'), headers: { 'content-type': 'text/csv' } });
  for (const [table, rows] of [
    ['zones', ['zone,max_km,dest_prefix', 'metro,,5600']],
    ['rates', ['service,zone,transit_days,up_to_g,amount,extra_every_g,extra_amount', 'surface,metro,2,1000,60.00,500,25.00']],
    ['serviceability', ['postal_code,match,prepaid,cod', '56,prefix,yes,yes']],
  ] as const) {
    const r = await t.call('POST', `/api/v1/carriers/swift/rate-card/${table}`, csv([...rows]));
    expect(r.status, r.text).toBe(200);
  }
  await insertUser(t.db.db, 'ops@example.com', 'ops');
  await insertUser(t.db.db, 'picker@example.com', 'picker', [wh]);
  await insertUser(t.db.db, 'packer@example.com', 'packer', [wh]);
  browser = await launchChromium();
}, 180_000);
afterAll(() => closeBrowserTest(contexts, browser, t));

async function signIn(email: string, device: 'phone' | 'desktop' = 'phone'): Promise<Page> {
  return signInPage(browser, t.url, email, contexts, device === 'phone' ? { viewport: PHONE, isMobile: true, hasTouch: true } : { viewport: { width: 1280, height: 900 } });
}

/** What the hardware scanner does: type into whatever has the focus, then Enter. */
async function scan(page: Page, code: string): Promise<void> {
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
}
// A string, because this file is type-checked without the DOM library; it runs in the page.
const focused = (page: Page) => page.evaluate<string | undefined>('document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName');
const foStatus = async (id: string) => (await t.call('GET', `/api/v1/fulfillment-orders/${id}`)).body.status as string;

describe.skipIf(!hasChromium)('the scanner screens on a phone', () => {
  it('picks an order on the Pick screen (a wrong bin refused) and packs it on the Pack screen', async () => {
    const order = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: MUG.sku, qty: 2 }], { number: 'FLR-1001' }) });
    expect(order.status, order.text).toBe(201);
    const foId = order.body.fulfillment_orders[0].id as string;
    const wave = await t.call('POST', '/api/v1/waves', { body: { warehouse_id: wh, strategy: 'single' } });
    expect(wave.status, wave.text).toBe(201);

    // Picker: navigation shows the picker's screens only.
    const picker = await signIn('picker@example.com');
    await picker.getByRole('button', { name: 'Menu' }).click();
    const nav = picker.getByRole('navigation', { name: 'Sections' });
    await nav.getByRole('link', { name: 'Pick' }).waitFor();
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Home', 'Orders', 'Inventory', 'Pick', 'Receive']);
    await nav.getByRole('link', { name: 'Pick' }).click();

    await picker.getByRole('button', { name: 'Claim next task' }).click();
    await expect.poll(() => picker.getByTestId('pick-bin').textContent()).toBe('A-01');
    expect(await picker.getByTestId('pick-item').textContent()).toBe(MUG.sku);
    expect(await picker.getByTestId('pick-qty').textContent()).toBe('× 2');
    await expect.poll(() => focused(picker)).toBe('scan-input'); // the scanner types straight into the screen
    await saveScreenshot(picker, 'pick-phone');

    await scan(picker, 'A-02'); // the wrong bin
    await scan(picker, MUG.gtin);
    await expect.poll(() => picker.getByTestId('pick-qty-input').inputValue()).toBe('2');
    await picker.keyboard.press('Enter');
    const refusal = picker.getByTestId('scan-error');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/^Wrong bin: you scanned bin A-02\. Go to bin A-01/);
    expect(await foStatus(foId)).toBe('released'); // the refusal changed nothing
    await expect.poll(() => focused(picker)).toBe('scan-input');

    await scan(picker, 'A-01');
    await scan(picker, MUG.sku);
    await picker.getByTestId('pick-qty-input').waitFor();
    await picker.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => picker.getByTestId('scan-ok').textContent()).toBe(`Picked 2 × ${MUG.sku}.`);
    expect(await picker.getByTestId('task-done').textContent()).toContain('2 picked, 0 short');
    expect(await foStatus(foId)).toBe('picked');

    // Packer: finds the order by scanning its number, scans both units, takes the suggested carton, weighs.
    const packer = await signIn('packer@example.com');
    await packer.getByRole('button', { name: 'Menu' }).click();
    const packerNav = packer.getByRole('navigation', { name: 'Sections' });
    await packerNav.getByRole('link', { name: 'Pack' }).waitFor();
    expect(await packerNav.getByRole('link').allTextContents()).toEqual(['Home', 'Orders', 'Inventory', 'Pack', 'Shipping']);
    await packer.goto(`${t.url}/floor/pack`);
    await expect.poll(() => focused(packer)).toBe('scan-input');
    await scan(packer, 'FLR-1001');
    await packer.getByTestId('pack-screen').waitFor();
    expect(packer.url()).toBe(`${t.url}/floor/pack/${foId}`);
    await expect.poll(() => focused(packer)).toBe('scan-input');
    await scan(packer, MUG.gtin);
    await expect.poll(() => packer.getByTestId('pack-count').textContent()).toBe('1 / 2');
    await scan(packer, '9780201379624'); // not in this order
    await expect.poll(() => packer.getByTestId('scan-error').textContent()).toMatch(/matches no item|not part of order/);
    await scan(packer, MUG.sku);
    await expect.poll(() => packer.getByTestId('pack-count').textContent()).toBe('2 / 2');
    await expect.poll(() => packer.getByTestId('carton-suggestion').textContent()).toMatch(/^Suggested: S \(\d+% full\)$/);
    await saveScreenshot(packer, 'pack-phone');
    await packer.getByLabel('Weight (g) from the scale').fill('790');
    await packer.getByRole('button', { name: 'Pack', exact: true }).click();
    await packer.getByTestId('packages').waitFor();
    await expect.poll(() => packer.getByTestId('pack-status').textContent()).toBe('packed');

    const pkgs = await t.call('GET', `/api/v1/packages?fulfillment_order_id=${foId}`);
    expect(pkgs.status, pkgs.text).toBe(200);
    expect(pkgs.body.data).toHaveLength(1);
    expect(pkgs.body.data[0]).toMatchObject({ status: 'packed', carton_code: 'S', weight_g: 790, weight_estimated: false, items: [{ qty: 2 }] });
    expect(await foStatus(foId)).toBe('packed');
    expect(await packer.locator(`[data-package-id="${pkgs.body.data[0].id}"]`).textContent()).toContain('S · 790 g');

    // Ship it from the pack station: the label is bought and can be printed from the page.
    await packer.getByRole('button', { name: 'Ship and print label' }).click();
    const labelLink = packer.getByRole('link', { name: 'Label PDF' });
    await labelLink.waitFor();
    const label = await packer.evaluate(async (href) => { const r = await fetch(href); return { status: r.status, type: r.headers.get('content-type') }; }, (await labelLink.getAttribute('href'))!);
    expect(label).toEqual({ status: 200, type: 'application/pdf' });
    const shipped = await t.call('GET', `/api/v1/shipments?order_id=${order.body.id}`);
    expect(shipped.body.data).toHaveLength(1);
    expect(shipped.body.data[0]).toMatchObject({ carrier: 'swift', status: 'label_created' });
    expect(await drifts(t.db.db)).toEqual([]);
  }, 60_000);

  it('lets ops release a wave, reprint a label, close a manifest and receive a return with a disposition', async () => {
    const ops = await signIn('ops@example.com', 'desktop');
    const nav = ops.getByRole('navigation', { name: 'Sections' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Home', 'Orders', 'Holds', 'Inventory', 'Waves', 'Pick', 'Pack', 'Receive', 'Shipping', 'Returns', 'Settings']);

    // Waves: the form releases a wave for a new order; the list shows it with its progress and pick list.
    const next = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: MUG.sku, qty: 1 }], { number: 'FLR-1002' }) });
    expect(next.status, next.text).toBe(201);
    await nav.getByRole('link', { name: 'Waves' }).click();
    await ops.getByLabel('Strategy').selectOption('batch');
    await ops.getByLabel('Max orders').fill('5');
    await ops.getByRole('button', { name: 'Release wave' }).click();
    await expect.poll(() => ops.getByTestId('wave-result').textContent()).toMatch(/^Wave released: 1 order\(s\), 1 unit\(s\) in 1 task\(s\)\./);
    const waves = await t.call('GET', `/api/v1/waves?warehouse_id=${wh}`);
    const wave = waves.body.data.find((w: { strategy: string }) => w.strategy === 'batch');
    expect(wave).toMatchObject({ status: 'released', orders: 1, criteria: { max_orders: 5 } });
    await ops.locator(`[data-wave-id="${wave.id}"]`).waitFor();
    expect(await ops.locator(`[data-wave-id="${wave.id}"] a`).getAttribute('href')).toBe(`/api/v1/waves/${wave.id}/picklist.pdf`);
    await saveScreenshot(ops, 'waves');

    // Shipping: the shipment from the pack station, its labels, and the carrier's manifest closed for handover.
    await nav.getByRole('link', { name: 'Shipping' }).click();
    const row = ops.locator('[data-testid="shipments-table"] tbody tr').first();
    await row.waitFor();
    expect(await row.textContent()).toContain('FLR-1001');
    const zpl = await ops.evaluate(async (href) => (await fetch(href)).text(), (await row.getByRole('link', { name: 'ZPL' }).getAttribute('href'))!);
    expect(zpl).toMatch(/^\^XA/);
    await saveScreenshot(ops, 'shipping');
    await ops.getByRole('tab', { name: 'Manifests' }).click();
    await ops.locator('[data-testid="manifests-table"] tbody tr').first().waitFor();
    await ops.getByRole('button', { name: 'Close for handover' }).click();
    await ops.getByRole('link', { name: 'Handover PDF' }).waitFor();
    const manifests = await t.call('GET', `/api/v1/manifests?warehouse_id=${wh}`);
    expect(manifests.body.data[0]).toMatchObject({ carrier: 'swift', status: 'closed', shipment_count: 1 });

    // Returns: an RMA for one of the shipped mugs, received by scanning it, inspected and restocked.
    await nav.getByRole('link', { name: 'Returns' }).click();
    await ops.getByLabel('Order number').fill('FLR-1001');
    await ops.getByRole('button', { name: 'Find order' }).click();
    await ops.getByLabel(`Units of ${MUG.sku}`).fill('1');
    await ops.getByLabel('Reason').selectOption('size_fit');
    await ops.getByRole('button', { name: 'Create return' }).click();
    await ops.getByTestId('return-detail').waitFor();
    const returnId = ops.url().split('/').pop()!;
    await expect.poll(() => focused(ops)).toBe('scan-input');
    await scan(ops, MUG.gtin);
    await expect.poll(() => ops.getByTestId('return-status').textContent()).toBe('received');
    await ops.getByLabel('Condition').selectOption('opened');
    await ops.getByRole('button', { name: 'Record inspection' }).click();
    await expect.poll(() => ops.getByTestId('return-status').textContent()).toBe('inspected');
    await saveScreenshot(ops, 'returns');
    const ret = await t.call('GET', `/api/v1/returns/${returnId}`);
    expect(ret.body).toMatchObject({ status: 'inspected', lines: [{ qty: 1, qty_received: 1, qty_restocked: 1 }] });
    expect(ret.body.inspections[0]).toMatchObject({ condition: 'opened', disposition: 'restock' });
    expect(await drifts(t.db.db)).toEqual([]);
  }, 60_000);

  it('receives an ASN on the phone, damaged units apart, and puts the good units away where suggested', async () => {
    const asn = await t.call('POST', '/api/v1/asns', { body: { warehouse_id: wh, reference: 'PO-7788', supplier: 'Clayworks', lines: [{ sku: MUG.sku, qty: 5 }] } });
    expect(asn.status, asn.text).toBe(201);
    const before = await t.call('GET', `/api/v1/inventory/bins?warehouse_id=${wh}&bin=A-01`);
    const inA01 = (body: { data: { sku: string; qty: number; state?: string }[] }) => body.data.filter((b) => b.sku === MUG.sku && (b.state ?? 'available') === 'available').reduce((n, b) => n + b.qty, 0);

    const picker = await signIn('picker@example.com');
    // The list of open ASNs is held back, as on a slow network: the scan comes before it and must still find the ASN.
    let releaseList!: () => void;
    const listHeld = new Promise<void>((resolve) => { releaseList = resolve; });
    await picker.route((url) => url.pathname === '/api/v1/asns' && url.searchParams.has('status'), async (route) => {
      await listHeld;
      await route.continue();
    });
    await picker.goto(`${t.url}/floor/receive`);
    await expect.poll(() => focused(picker)).toBe('scan-input');
    await scan(picker, 'PO-7788');
    releaseList();
    await picker.getByTestId('receive-screen').waitFor();
    await expect.poll(() => focused(picker)).toBe('scan-input');
    await scan(picker, MUG.gtin);
    await picker.getByLabel('Good units').fill('4');
    await picker.getByLabel('Damaged units').fill('1');
    await picker.getByRole('button', { name: 'Receive', exact: true }).click();
    await expect.poll(() => picker.locator('[data-testid="asn-lines"] tbody tr').first().textContent()).toContain('5 / 5');
    await expect.poll(() => picker.getByTestId('putaway-suggestion').textContent()).toBe('A-01 × 4 (already holds it)');
    await picker.getByRole('button', { name: 'Put away' }).click();
    await expect.poll(() => focused(picker)).toBe('scan-input');
    await scan(picker, 'A-01');
    await expect.poll(() => picker.getByTestId('scan-ok').textContent()).toBe(`Put 4 × ${MUG.sku} away in A-01.`);

    const after = await t.call('GET', `/api/v1/asns/${asn.body.id}`);
    expect(after.body.lines[0]).toMatchObject({ expected: 5, received: 5, damaged: 1 });
    const bins = await t.call('GET', `/api/v1/inventory/bins?warehouse_id=${wh}&bin=A-01`);
    expect(inA01(bins.body)).toBe(inA01(before.body) + 4);
    const plan = await t.call('GET', `/api/v1/asns/${asn.body.id}/putaway`);
    expect(plan.body.items[0].unplaced_available).toBe(0);
    expect(await drifts(t.db.db)).toEqual([]);
  }, 60_000);
});
