import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { orderBody, seedWarehousesAndStock } from '../helpers/seed.js';
import { shipOrderDirect } from '../helpers/ship.js';
import { insertUser } from '../helpers/users.js';
import { CREDENTIALS, startFakeChannels, type FakeChannels } from '../helpers/fake-channels.js';
import { withTx } from '../../src/db/database.js';
import { createApiKey } from '../../src/modules/auth/index.js';
import { runSyncCycle } from '../../src/channels/sync/index.js';
import { closeBrowserTest, ensureWebBuild, hasChromium, launchChromium, saveScreenshot, signInPage } from './browser.js';

/**
 * The home screen's KPIs in Chromium on known data (orders shipped on time and late, open orders around their
 * deadline, a backorder, a stock-out, picks by two named pickers, a channel's stock sync): the figures on the
 * page, the same figures in the charts' text alternatives, readable contrast, warehouse scope; live updates of
 * the orders list and the strip without a reload. With TANDEM_SCREENSHOTS=1 it saves the home, orders, holds and
 * inventory screens to docs/screenshots/.
 */
let t: TestApp;
let browser: Browser;
let fake: FakeChannels;
let whA: string;
let whB: string;
const contexts: BrowserContext[] = [];
const HOUR = 3_600_000;

async function ok<T = any>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
  const r = await t.call(method, path, { ...(body === undefined ? {} : { body }), ...(key ? { key } : {}) });
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${r.text}`);
  return r.body as T;
}

async function place(number: string, lines: { sku: string; qty: number }[], dispatchBy?: Date | null): Promise<string> {
  const o = await ok<{ id: string }>('POST', '/api/v1/orders', orderBody(lines, { number }));
  if (dispatchBy !== undefined) await sql`UPDATE orders SET dispatch_by = ${dispatchBy} WHERE id = ${o.id}`.execute(t.db.db);
  return o.id;
}

async function pickAll(key: string, warehouseId: string): Promise<void> {
  let task = await ok('POST', '/api/v1/pick-tasks/claim', { warehouse_id: warehouseId }, key);
  while (task.next_line) {
    const l = task.next_line;
    task = (await ok('POST', `/api/v1/pick-tasks/${task.id}/confirm`, { bin: l.bin, sku_or_barcode: l.sku, qty: l.qty_remaining }, key)).task;
  }
}

beforeAll(async () => {
  if (!hasChromium) return;
  ensureWebBuild();
  t = await startTestApp();
  fake = await startFakeChannels();
  ({ whA, whB } = await seedWarehousesAndStock(t, [
    { sku: 'KB-TEE', wh: 'A', qty: 40 }, { sku: 'KB-CAP', wh: 'A', qty: 30 }, { sku: 'KB-MUG', wh: 'B', qty: 40 }, { sku: 'KB-OUT', wh: 'A', qty: 2 },
  ], 'H'));
  await insertUser(t.db.db, 'ops@example.com', 'ops');
  await insertUser(t.db.db, 'a-only@example.com', 'ops', [whA]);
  await insertUser(t.db.db, 'b-only@example.com', 'ops', [whB]);

  const now = Date.now();
  // Shipped: four from A (three on time, one late), one from B on time.
  for (const [n, sku, late] of [['KB-101', 'KB-TEE', false], ['KB-102', 'KB-CAP', false], ['KB-103', 'KB-TEE', false], ['KB-104', 'KB-CAP', true], ['KB-105', 'KB-MUG', false]] as const) {
    const id = await place(n, [{ sku, qty: 1 }]);
    await shipOrderDirect(t.db.db, id);
    await sql`UPDATE orders SET dispatch_by = ${new Date(now + (late ? -48 : 24) * HOUR)} WHERE id = ${id}`.execute(t.db.db);
  }
  // Open: one overdue and one at risk in A, one at risk in B, two on track in A.
  await place('KB-201', [{ sku: 'KB-TEE', qty: 2 }], new Date(now - HOUR));
  await place('KB-202', [{ sku: 'KB-CAP', qty: 1 }, { sku: 'KB-TEE', qty: 1 }], new Date(now + HOUR));
  await place('KB-203', [{ sku: 'KB-MUG', qty: 1 }], new Date(now + 45 * 60_000));
  await place('KB-204', [{ sku: 'KB-TEE', qty: 3 }], new Date(now + 20 * HOUR));
  await place('KB-205', [{ sku: 'KB-CAP', qty: 2 }], new Date(now + 20 * HOUR));
  // KB-OUT: its two units in A go to KB-301; KB-302 waits for 3 with no warehouse to go to.
  await place('KB-301', [{ sku: 'KB-OUT', qty: 2 }], new Date(now + 20 * HOUR));
  await place('KB-302', [{ sku: 'KB-OUT', qty: 3 }], new Date(now + 20 * HOUR));

  // Picks: two named pickers in A.
  const picker = async (name: string) => (await withTx(t.db.db, (tx) => createApiKey(tx, { name, role: 'picker', warehouseIds: [whA] }))).token;
  const ravi = await picker('Ravi K.');
  const meena = await picker('Meena S.');
  await ok('POST', '/api/v1/waves', { warehouse_id: whA, strategy: 'single' });
  await pickAll(ravi, whA);
  await pickAll(ravi, whA);
  await pickAll(meena, whA);

  // A held order for the holds screen.
  await ok('PUT', '/api/v1/order-rules', { high_value_amount: 200_000 });
  await place('KB-401', [{ sku: 'KB-TEE', qty: 5 }]);
  await ok('PUT', '/api/v1/order-rules', { high_value_amount: 10_000_000 });

  // One channel whose stock sync ran once.
  const ch = await ok('POST', '/api/v1/channels', { type: 'woocommerce', name: 'Web shop' });
  await ok('PUT', `/api/v1/channels/${ch.id}/stock-policy`, { sync_enabled: true, endpoint: fake.url, credentials: CREDENTIALS.woocommerce });
  for (const [i, sku] of ['KB-TEE', 'KB-MUG'].entries()) {
    const l = await ok('POST', `/api/v1/channels/${ch.id}/listings`, { channel_sku: `WEB-${sku}`, sku });
    await ok('PUT', `/api/v1/channels/${ch.id}/listings/${l.id}/stock-sync`, { product_id: String(700 + i) });
  }
  await runSyncCycle(t.db.db, { timeoutMs: 5_000 });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await fake?.close();
  await closeBrowserTest(contexts, browser, t);
});

async function signIn(email: string): Promise<Page> {
  return signInPage(browser, t.url, email, contexts, { viewport: { width: 1280, height: 800 } });
}

const value = (page: Page, testId: string) => page.getByTestId(testId).locator('p').nth(1).textContent();

/** WCAG contrast ratio of an element's text against the first opaque background behind it (runs in the page). */
const CONTRAST = `(el) => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  let bg = null;
  for (let n = el; n && !bg; n = n.parentElement) { const c = rgb(getComputedStyle(n).backgroundColor); if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) bg = c.slice(0, 3); }
  const a = lum(rgb(getComputedStyle(el).color).slice(0, 3)), b = lum(bg || [255, 255, 255]);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}`;

describe.skipIf(!hasChromium)('the KPI home screen in Chromium', () => {
  it('shows SLA, backorders, stock-outs, pick rate and sync lag with their figures, also as text, readable', async () => {
    const page = await signIn('ops@example.com');
    await expect.poll(() => value(page, 'sla-on-time')).toBe('80 %');
    expect(await page.getByTestId('sla-on-time').textContent()).toContain('4 of 5');
    expect(await value(page, 'sla-late')).toBe('1');
    expect(await value(page, 'sla-overdue')).toBe('1');
    expect(await value(page, 'sla-at-risk')).toBe('2');
    expect(await page.getByTestId('sla-urgent').locator('tbody tr td:first-child').allTextContents()).toEqual(['KB-201', 'KB-203', 'KB-202']);
    await expect.poll(() => value(page, 'backorders-orders')).toBe('1');
    expect(await value(page, 'backorders-units')).toBe('3');
    await expect.poll(() => page.getByTestId('stock-out-row').count()).toBe(1);
    expect(await page.getByTestId('stock-out-row').textContent()).toMatch(/^KB-OUT.*HA0 ?2 ?1$/);
    await expect.poll(() => page.getByTestId('picker-row').count()).toBe(2);
    const pickers = (await page.getByTestId('picker-row').locator('td:first-child').allTextContents()).sort();
    expect(pickers).toEqual(['Meena S.', 'Ravi K.']);
    await expect.poll(() => page.getByTestId('sync-row').count()).toBe(1);
    expect(await page.getByTestId('sync-row').textContent()).toMatch(/^Web shop woocommerce2/);

    // The charts are canvas, hidden from assistive technology; their figures are in tables a screen reader reads.
    expect(await page.locator('[data-testid="sla"] canvas').count()).toBeGreaterThan(0);
    const slaRows = await page.getByTestId('sla-table').locator('tbody tr').allTextContents();
    expect(slaRows).toHaveLength(7);
    expect(slaRows.at(-1)).toMatch(/41$/); // today: 4 on time, 1 late
    expect(await page.getByTestId('sla-table').locator('caption').textContent()).toBe('Orders shipped on time and late per day');
    expect(await page.getByTestId('backorders-table').locator('tbody tr').last().textContent()).toMatch(/10$/); // today: KB-302 started waiting (KB-301 got its stock)
    // Every KPI label and figure reads at AA contrast (4.5:1 for small text, 3:1 for the large figures).
    for (const id of ['kpi-orders-today', 'kpi-on-hold', 'kpi-backordered', 'sla-late', 'sla-at-risk', 'sla-overdue', 'backorders-orders']) {
      const [labelRatio, figureRatio] = (await page.evaluate(`(() => { const c = ${CONTRAST}; const ps = document.querySelectorAll('[data-testid="${id}"] p'); return [c(ps[0]), c(ps[1])]; })()`)) as [number, number];
      expect(labelRatio, `${id} label`).toBeGreaterThanOrEqual(4.5);
      expect(figureRatio, `${id} figure`).toBeGreaterThanOrEqual(3);
    }
    await saveScreenshot(page, 'home-kpis');
    await page.getByTestId('pick-rate').scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'home-floor-kpis');
  }, 60_000);

  it('keeps each figure within the user\'s warehouses', async () => {
    const a = await signIn('a-only@example.com');
    await expect.poll(() => value(a, 'sla-on-time')).toBe('75 %');
    expect(await value(a, 'sla-at-risk')).toBe('1');
    await expect.poll(() => a.getByTestId('stock-out-row').count()).toBe(1);
    expect(await value(a, 'backorders-orders')).toBe('0'); // KB-302 waits for a warehouse, none is A's yet
    const b = await signIn('b-only@example.com');
    await expect.poll(() => value(b, 'sla-on-time')).toBe('100 %');
    expect(await value(b, 'sla-late')).toBe('0');
    expect(await value(b, 'sla-at-risk')).toBe('1');
    await b.getByText('No SKU is out of stock where it was wanted in the last 30 days.').waitFor();
    await b.getByText('No picks confirmed in this shift.').waitFor();
  }, 60_000);

  it('shows a new order on the orders list and the home screen without a reload', async () => {
    const page = await signIn('ops@example.com');
    await expect.poll(() => page.getByTestId('kpi-orders-today').textContent()).toMatch(/\d+$/);
    const before = Number((await value(page, 'kpi-orders-today'))!);
    await page.evaluate('window.__sameDocument = true');
    const placed = await place('KB-LIVE-1', [{ sku: 'KB-CAP', qty: 1 }]);
    await expect.poll(() => value(page, 'kpi-orders-today'), { timeout: 15_000 }).toBe(String(before + 1));

    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await page.locator(`[data-order-id="${placed}"]`).waitFor();
    const second = await place('KB-LIVE-2', [{ sku: 'KB-CAP', qty: 1 }]);
    await page.locator(`[data-order-id="${second}"]`).waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-testid="orders-table"] tbody tr td:first-child').first().textContent()).toBe('KB-LIVE-2');
    expect(await page.evaluate('window.__sameDocument')).toBe(true); // no reload: the same document all along
    await saveScreenshot(page, 'orders-list');

    if (process.env.TANDEM_SCREENSHOTS === '1') {
      await page.getByRole('link', { name: 'Holds' }).click();
      await page.getByTestId('holds-table').locator('tbody tr').first().waitFor();
      await saveScreenshot(page, 'holds');
      await page.getByRole('link', { name: 'Inventory' }).click();
      await page.getByTestId('totals-table').locator('tbody tr').first().waitFor();
      await saveScreenshot(page, 'inventory');
    }
  }, 60_000);
});
