import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { seedWorld, type World } from '../helpers/inventory.js';
import { insertUser } from '../helpers/users.js';
import { closeBrowserTest, ensureWebBuild, hasChromium, launchChromium, saveScreenshot, signInPage } from './browser.js';

/**
 * The Inventory screen's cycle counts and transfers, driven in Chromium as ops (keyboard entry like a scanner) and
 * checked through the API: the count's variance posted to on_hand, a transfer shipped and received, verify clean.
 * A picker sees neither the create nor the post/ship buttons.
 */
let t: TestApp;
let browser: Browser;
let world: World;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  ensureWebBuild();
  t = await startTestApp();
  world = await seedWorld(t.db.db, { warehouses: ['IA', 'IB'], bins: 3, skus: ['IO-MUG', 'IO-CUP'] });
  const r = await t.call('POST', '/api/v1/inventory/receipts', { body: { warehouse_id: 'IA', lines: [{ sku: 'IO-MUG', qty: 10, bin: 'B1' }, { sku: 'IO-CUP', qty: 8, bin: 'B2' }] } });
  expect(r.status, r.text).toBe(201);
  await insertUser(t.db.db, 'ops@example.com', 'ops');
  await insertUser(t.db.db, 'picker@example.com', 'picker', [world.wh.IA!]);
  browser = await launchChromium();
}, 180_000);
afterAll(() => closeBrowserTest(contexts, browser, t));

const level = async (sku: string, wh: string) => {
  const r = await t.call('GET', `/api/v1/inventory?sku=${sku}&warehouse_id=${wh}`);
  expect(r.status, r.text).toBe(200);
  return r.body.data[0] as { on_hand: number; reserved: number; in_transit: number };
};
const verify = async () => (await t.call('GET', '/api/v1/inventory/verify')).body;

/** A Mantine Select: open it by its label, then choose the option. */
async function choose(scope: Page | Locator, name: string, option: string, page: Page): Promise<void> {
  await scope.getByLabel(new RegExp(`^${name}( \\*)?$`)).click(); // a required field's label ends in an asterisk
  await page.getByRole('option', { name: option, exact: true }).click();
}

const cellText = async (row: Locator, i: number) => (await row.locator('td').nth(i).textContent())?.trim();

describe.skipIf(!hasChromium)('inventory: cycle counts and transfers', () => {
  it('ops counts a bin, sees the variance and posts it; the stock follows and verify is clean', async () => {
    const page = await signInPage(browser, t.url, 'ops@example.com', contexts);
    await page.goto(`${t.url}/inventory?tab=counts`);
    const form = page.getByRole('region', { name: 'New cycle count' });
    await choose(form, 'Warehouse', 'IA · Warehouse IA', page);
    await form.getByTestId('count-bins').fill('B1');
    await form.getByRole('button', { name: 'Open count (1 bin)' }).click();
    const detail = page.getByTestId('count-detail');
    await detail.waitFor();
    expect(await detail.getByTestId('count-status').textContent()).toBe('open');
    const countId = new URL(page.url()).searchParams.get('count')!;
    expect(countId).toMatch(/^cnt_/);
    // The API agrees: the count exists and B1 is blocked for picking.
    const bins = await t.call('GET', '/api/v1/inventory/bins?warehouse_id=IA&bin=B1');
    expect(bins.body.data[0].under_count).toBe(true);
    // Before counting, the variance lists what the system expects and "not counted".
    const row = detail.locator('[data-variance-row="B1|IO-MUG|"]');
    expect(await cellText(row, 3)).toBe('10');
    expect(await cellText(row, 4)).toBe('not counted');
    expect(await detail.getByRole('button', { name: 'Post variance' }).isDisabled()).toBe(true);

    // Keyboard only, as a scanner types: bin, Enter, SKU, Enter, quantity, Enter.
    await detail.getByTestId('count-bin').click();
    await page.keyboard.type('B1');
    await page.keyboard.press('Enter');
    await page.keyboard.type('IO-MUG');
    await page.keyboard.press('Enter');
    await page.keyboard.type('7');
    await page.keyboard.press('Enter');
    await expect.poll(() => detail.getByTestId('count-lines').locator('tbody tr').count()).toBe(1);
    expect(await page.evaluate<string | undefined>('document.activeElement?.closest("[data-testid]")?.getAttribute("data-testid") ?? document.activeElement?.getAttribute("data-testid")')).toBe('count-sku');
    await detail.getByRole('button', { name: 'Record bin B1' }).click();
    await expect.poll(() => cellText(row, 4)).toBe('7');
    expect(await cellText(row, 5)).toMatch(/^\u22123/); // −3 (short)
    expect(await detail.getByTestId('variance-summary').textContent()).toBe('1 line(s) differ, net \u22123 units.');
    await saveScreenshot(page, 'inventory-counts');

    const before = await level('IO-MUG', 'IA');
    expect(before.on_hand).toBe(10);
    await detail.getByRole('button', { name: 'Post variance' }).click();
    const dialog = page.getByRole('dialog', { name: `Post count ${countId}?` });
    expect(await dialog.textContent()).toContain('net \u22123 units');
    await dialog.getByRole('button', { name: 'Post', exact: true }).click();
    await expect.poll(() => detail.getByTestId('count-status').textContent()).toBe('posted');
    expect(await detail.getByTestId('action-ok').textContent()).toContain('1 adjustment(s), net \u22123 units');
    expect(await detail.getByRole('button', { name: 'Post variance' }).count()).toBe(0);

    const after = await level('IO-MUG', 'IA');
    expect(after.on_hand - before.on_hand).toBe(-3);
    const ledger = await t.call('GET', `/api/v1/inventory/ledger?type=count&reference=${countId}`);
    expect(ledger.body.data.map((l: { delta: number; sku: string }) => [l.sku, l.delta])).toEqual([['IO-MUG', -3]]);
    expect((await t.call('GET', '/api/v1/inventory/bins?warehouse_id=IA&bin=B1')).body.data[0].under_count).toBe(false);
    expect(await verify()).toEqual({ ok: true, drifts: [] });
    // The list keeps the count, with its status.
    const listed = page.getByTestId('counts-table').locator(`[data-count-id="${countId}"]`);
    expect(await cellText(listed, 1)).toBe('posted');
  });

  it('ops creates a transfer, ships it and receives it short; both warehouses follow on screen and in the API', async () => {
    const page = await signInPage(browser, t.url, 'ops@example.com', contexts);
    await page.goto(`${t.url}/inventory?tab=transfers`);
    const form = page.getByRole('region', { name: 'New transfer' });
    await choose(form, 'From warehouse', 'IA · Warehouse IA', page);
    await choose(form, 'To warehouse', 'IB · Warehouse IB', page);
    await form.getByLabel('Reference').fill('TR-1');
    await form.getByTestId('transfer-sku').click();
    await page.keyboard.type('IO-CUP');
    await page.keyboard.press('Enter');
    await page.keyboard.type('5');
    await page.keyboard.press('Enter');
    await form.getByRole('button', { name: 'Create transfer' }).click();
    const detail = page.getByTestId('transfer-detail');
    await detail.waitFor();
    expect(await detail.getByTestId('transfer-status').textContent()).toBe('created');
    const id = new URL(page.url()).searchParams.get('transfer')!;
    expect((await t.call('GET', `/api/v1/inventory/transfers/${id}`)).body).toMatchObject({ status: 'created', reference: 'TR-1', lines: [{ sku: 'IO-CUP', qty: 5 }] });
    expect(await level('IO-CUP', 'IA')).toMatchObject({ on_hand: 8, reserved: 5 });
    expect(await page.getByTestId('transfers-table').locator(`[data-transfer-id="${id}"]`).count()).toBe(1);

    await detail.getByRole('button', { name: 'Ship' }).click();
    await expect.poll(() => detail.getByTestId('transfer-status').textContent()).toBe('shipped');
    const line = detail.locator('[data-line-sku="IO-CUP"]');
    expect(await cellText(line, 2)).toBe('5'); // shipped
    expect(await cellText(line, 5)).toBe('5'); // in transit
    expect(await level('IO-CUP', 'IA')).toMatchObject({ on_hand: 3, reserved: 0 });
    expect((await level('IO-CUP', 'IB')).in_transit).toBe(5);

    // 4 of 5 arrive; closing records the fifth as missing.
    await detail.getByTestId('receive-qty-IO-CUP').fill('4');
    await detail.getByLabel('Into bin').fill('B1');
    await detail.getByRole('checkbox', { name: /Close/ }).check();
    expect(await detail.getByText('1 unit(s) will be recorded as missing.').count()).toBe(1);
    await detail.getByRole('button', { name: 'Receive', exact: true }).click();
    await expect.poll(() => detail.getByTestId('transfer-status').textContent()).toBe('received');
    expect(await cellText(line, 3)).toBe('4'); // received
    expect(await cellText(line, 4)).toBe('1'); // discrepancy
    expect(await cellText(line, 5)).toBe('0');
    expect(await detail.getByText('1 × IO-CUP did not arrive').count()).toBe(1);
    expect(await level('IO-CUP', 'IB')).toMatchObject({ on_hand: 4, in_transit: 0 });
    const binB1 = await t.call('GET', '/api/v1/inventory/bins?warehouse_id=IB&sku=IO-CUP');
    expect(binB1.body.data.map((b: { bin: string; qty: number }) => [b.bin, b.qty])).toEqual([['B1', 4]]);
    expect((await t.call('GET', `/api/v1/inventory/transfers/${id}`)).body.lines[0]).toMatchObject({ shipped: 5, received: 4, discrepancy: 1 });
    expect(await verify()).toEqual({ ok: true, drifts: [] });
  });

  it('a picker reads counts and transfers, may record a bin, but has no create, post, ship or cancel buttons', async () => {
    const count = await t.call('POST', '/api/v1/inventory/counts', { body: { warehouse_id: 'IA', bins: ['B3'] } });
    expect(count.status, count.text).toBe(201);
    const transfer = await t.call('POST', '/api/v1/inventory/transfers', { body: { from_warehouse_id: 'IA', to_warehouse_id: 'IB', lines: [{ sku: 'IO-MUG', qty: 1 }], reference: 'TR-2' } });
    expect(transfer.status, transfer.text).toBe(201);

    const page = await signInPage(browser, t.url, 'picker@example.com', contexts);
    await page.goto(`${t.url}/inventory?tab=counts&count=${count.body.id}`);
    const detail = page.getByTestId('count-detail');
    await detail.waitFor();
    expect(await detail.getByTestId('count-status').textContent()).toBe('open');
    expect(await page.getByRole('region', { name: 'New cycle count' }).count()).toBe(0);
    expect(await detail.getByRole('region', { name: 'Record a bin' }).count()).toBe(1); // counting is floor work
    expect(await detail.getByRole('button', { name: 'Post variance' }).count()).toBe(0);
    expect(await detail.getByRole('button', { name: 'Cancel count' }).count()).toBe(0);
    // The picker records B3 as empty (it is): the API takes it, nothing differs.
    await detail.getByTestId('count-bin').fill('B3');
    await detail.getByRole('button', { name: 'Record bin B3 as empty' }).click();
    await expect.poll(async () => (await t.call('GET', `/api/v1/inventory/counts/${count.body.id}`)).body.bins[0].counted_at !== null).toBe(true);

    await page.goto(`${t.url}/inventory?tab=transfers&transfer=${transfer.body.id}`);
    const tr = page.getByTestId('transfer-detail');
    await tr.waitFor();
    expect(await tr.getByTestId('transfer-status').textContent()).toBe('created');
    expect(await page.getByRole('region', { name: 'New transfer' }).count()).toBe(0);
    expect(await tr.getByRole('button', { name: 'Ship' }).count()).toBe(0);
    expect(await tr.getByRole('button', { name: 'Cancel transfer' }).count()).toBe(0);
    // The API refuses what the screen hides.
    const pickerKey = await t.keyFor('picker', [world.wh.IA!]);
    expect((await t.call('POST', `/api/v1/inventory/counts/${count.body.id}/post`, { key: pickerKey })).status).toBe(403);
    expect((await t.call('POST', `/api/v1/inventory/transfers/${transfer.body.id}/ship`, { key: pickerKey })).status).toBe(403);
    expect((await t.call('GET', `/api/v1/inventory/counts/${count.body.id}`)).body.status).toBe('open');
  });
});
