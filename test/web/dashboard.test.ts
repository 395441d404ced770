import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { orderBody, seedWarehousesAndStock } from '../helpers/seed.js';
import { TEST_PASSWORD, insertUser } from '../helpers/users.js';
import { closeBrowserTest, ensureWebBuild, hasChromium, launchChromium, saveScreenshot } from './browser.js';

let t: TestApp;
let browser: Browser;
let whA: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  ensureWebBuild();
  t = await startTestApp();
  ({ whA } = await seedWarehousesAndStock(t, [{ sku: 'WEB-A', wh: 'A', qty: 20 }, { sku: 'WEB-B', wh: 'B', qty: 20 }], 'W'));
  await insertUser(t.db.db, 'ops@example.com', 'ops');
  await insertUser(t.db.db, 'wa-only@example.com', 'ops', [whA]);
  await insertUser(t.db.db, 'picker@example.com', 'picker', [whA]);
  browser = await launchChromium();
}, 180_000);
afterAll(() => closeBrowserTest(contexts, browser, t));

async function newPage(): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  return page;
}

async function signIn(page: Page, email: string, password = TEST_PASSWORD): Promise<void> {
  await page.goto(`${t.url}/`);
  await page.getByLabel('E-mail').fill(email);
  await page.locator('input[autocomplete="current-password"]').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function placeOrder(body: Record<string, unknown>): Promise<{ id: string; number: string; status: string }> {
  const r = await t.call('POST', '/api/v1/orders', { body });
  expect(r.status, r.text).toBe(201);
  return r.body;
}

describe.skipIf(!hasChromium)('the dashboard in Chromium', () => {
  it('signs in, lists an order placed through the API, shows its routing, and releases a hold', async () => {
    const routed = await placeOrder(orderBody([{ sku: 'WEB-A', qty: 1 }], { number: 'WEB-1001' }));
    expect(routed.status).toBe('allocated');
    expect((await t.call('PUT', '/api/v1/order-rules', { body: { high_value_amount: 100_000 } })).status).toBe(200);
    const held = await placeOrder(orderBody([{ sku: 'WEB-A', qty: 3 }], { number: 'WEB-1002' }));
    expect(held.status).toBe('on_hold');

    const page = await newPage();
    await signIn(page, 'ops@example.com');
    await expect.poll(() => page.getByTestId('signed-in-as').textContent()).toBe('ops@example.com');
    await expect.poll(() => page.getByTestId('kpi-orders-today').textContent()).toMatch(/Orders today\s*2$/);

    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    const row = page.locator(`[data-order-id="${routed.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('WEB-1001');
    expect(await row.textContent()).toContain('₹499.00');

    await page.getByRole('link', { name: 'WEB-1001' }).click();
    await page.getByTestId('routing').waitFor();
    const reasons = await page.getByTestId('routing-reason').allTextContents();
    expect(reasons.length).toBeGreaterThanOrEqual(1);
    expect(reasons[0]).toMatch(/^WA: /);
    expect(await page.getByTestId('routing').textContent()).toContain('chosen');
    await page.getByTestId('routing').scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'order-detail');

    await page.goto(`${t.url}/orders/${held.id}`); // a deep link: the server answers with the app
    await expect.poll(() => page.getByTestId('order-status').textContent()).toBe('on hold');
    expect(await page.getByTestId('holds').textContent()).toContain('high value');
    await page.getByRole('button', { name: 'Release hold high value' }).click();
    await expect.poll(() => page.getByTestId('order-status').textContent()).toBe('allocated');
    expect(await page.getByTestId('routing-reason').first().textContent()).toMatch(/^WA: /);
    const after = await t.call('GET', `/api/v1/orders/${held.id}`);
    expect(after.body.status).toBe('allocated');
    expect(after.body.holds[0]).toMatchObject({ status: 'released' });
    expect(after.body.holds[0].resolved_by).toMatch(/^usr_/); // the signed-in user, not an API key
  });

  it('keeps the user out on a wrong password, saying only that the sign-in failed', async () => {
    const page = await newPage();
    await signIn(page, 'ops@example.com', 'wrong password here');
    const alert = page.getByTestId('login-error');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('The e-mail or password is not right');
    expect(await page.context().cookies()).toEqual([]);
    const me = await page.evaluate(async () => (await fetch('/api/v1/session')).status);
    expect(me).toBe(401);
  });

  it('refuses a signed-in write without the CSRF token, from the page itself', async () => {
    const page = await newPage();
    await signIn(page, 'ops@example.com');
    await page.getByTestId('signed-in-as').waitFor();
    const status = await page.evaluate(async () => {
      const r = await fetch('/api/v1/skus', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sku: 'NO-CSRF', name: 'x' }) });
      return r.status;
    });
    expect(status).toBe(403);
    expect((await t.call('GET', '/api/v1/skus/NO-CSRF')).status).toBe(404);
  });

  it('ends the session on sign-out', async () => {
    const page = await newPage();
    await signIn(page, 'ops@example.com');
    await page.getByTestId('signed-in-as').waitFor();
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: 'tandem_session', httpOnly: true, sameSite: 'Lax' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(page.url()).toBe(`${t.url}/login`);
    expect(await page.context().cookies()).toEqual([]);
    const replay = await t.call('GET', '/api/v1/session', { key: null, headers: { cookie: `${cookie!.name}=${cookie!.value}` } });
    expect(replay.status).toBe(401);
  });

  it('shows a warehouse-scoped user only their warehouse\'s orders, and hides what their role cannot use', async () => {
    const mine = await placeOrder(orderBody([{ sku: 'WEB-A', qty: 1 }], { number: 'WEB-2001' }));
    const theirs = await placeOrder(orderBody([{ sku: 'WEB-B', qty: 1 }], { number: 'WEB-2002' }));
    const page = await newPage();
    await signIn(page, 'wa-only@example.com');
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await page.locator(`[data-order-id="${mine.id}"]`).waitFor();
    const numbers = await page.locator('[data-testid="orders-table"] tbody tr td:first-child').allTextContents();
    expect(numbers).toContain('WEB-2001');
    expect(numbers).not.toContain('WEB-2002');
    await page.goto(`${t.url}/orders/${theirs.id}`);
    await page.getByText('This order was not found.').waitFor();

    const picker = await newPage();
    await signIn(picker, 'picker@example.com');
    await picker.getByTestId('signed-in-as').waitFor();
    expect(await picker.getByRole('link', { name: 'Holds' }).count()).toBe(0);
    await picker.goto(`${t.url}/orders/${mine.id}`);
    await picker.getByTestId('order-status').waitFor();
    expect(await picker.getByRole('button', { name: 'Cancel order' }).count()).toBe(0);
    expect(await picker.locator('body').textContent()).not.toContain('asha'); // no customer e-mail for a picker
  });
});
