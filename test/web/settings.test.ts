import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { orderBody, seedWarehousesAndStock } from '../helpers/seed.js';
import { insertUser } from '../helpers/users.js';
import { webhookSettings } from '../../src/config.js';
import { deliverDue } from '../../src/events/delivery.js';
import { verifySignature } from '../../src/events/envelope.js';
import { fanOutWebhooks } from '../../src/events/fanout.js';
import { channelSecret } from '../../src/modules/channels/index.js';
import { closeBrowserTest, ensureWebBuild, hasChromium, launchChromium, saveScreenshot, signInPage } from './browser.js';

let t: TestApp;
let browser: Browser;
let whA: string;
let whB: string;
const contexts: BrowserContext[] = [];

/** A real HTTP receiver for webhook deliveries on 127.0.0.1 (allow-listed below, as docs/events.md says). */
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    received.push({ headers: req.headers, body });
    res.statusCode = 200;
    res.end('ok');
  });
});
let hookUrl = '';

beforeAll(async () => {
  if (!hasChromium) return;
  ensureWebBuild();
  // The SSRF guard refuses loopback unless allow-listed; it reads this when a subscription is created.
  process.env.TANDEM_WEBHOOK_ALLOW_HOSTS = '127.0.0.1';
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/tandem`;
  t = await startTestApp();
  ({ whA, whB } = await seedWarehousesAndStock(t, [{ sku: 'SET-MUG', wh: 'A', qty: 10 }, { sku: 'SET-MUG', wh: 'B', qty: 10 }], 'S'));
  // Three orders to Bengaluru: the live rules ship them from SA (nearest, and first by code on a tie).
  for (let i = 0; i < 3; i++) {
    const o = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'SET-MUG', qty: 1 }]) });
    expect(o.status, o.text).toBe(201);
    expect(o.body.fulfillment_orders.map((f: { warehouse_id: string }) => f.warehouse_id)).toEqual([whA]);
  }
  const carrier = await t.call('POST', '/api/v1/carriers', { body: { code: 'swift', name: 'Swift Couriers', kind: 'rate_card', settings: { currency: 'INR' } } });
  expect(carrier.status, carrier.text).toBe(201);
  expect((await t.call('POST', '/api/v1/carriers/swift/rate-card/zones', { raw: 'zone,max_km,dest_prefix\nmetro,,5600', headers: { 'content-type': 'text/csv' } })).status).toBe(200);
  await insertUser(t.db.db, 'admin@example.com', 'admin');
  await insertUser(t.db.db, 'ops@example.com', 'ops');
  await insertUser(t.db.db, 'picker@example.com', 'picker', [whA]);
  browser = await launchChromium();
}, 180_000);
afterAll(async () => {
  await closeBrowserTest(contexts, browser, t);
  await new Promise((r) => receiver.close(r));
});

async function signIn(email: string): Promise<Page> {
  return signInPage(browser, t.url, email, contexts);
}

/** Runs the webhook worker's two steps once, as `tandem work` does: fan events out, then deliver what is due. */
async function runWebhookWorker(): Promise<void> {
  while ((await fanOutWebhooks(t.db.db)) > 0);
  await deliverDue(t.db.db, { settings: { ...webhookSettings(), allowHosts: ['127.0.0.1'] } });
}

describe.skipIf(!hasChromium)('the settings screens', () => {
  it('creates a channel with its webhook URL and secret shown once, and adds a listing', async () => {
    const page = await signIn('admin@example.com');
    const nav = page.getByRole('navigation', { name: 'Sections' });
    await nav.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(/\/settings\/channels$/);
    const tabs = page.getByRole('tablist', { name: 'Settings sections' });
    await expect.poll(() => tabs.getByRole('tab').allTextContents()).toEqual(['Channels', 'Routing rules', 'Warehouses and bins', 'Carriers', 'Purchase limits', 'Webhooks', 'API keys', 'Users']);

    const form = page.getByRole('form', { name: 'New channel' });
    await form.getByLabel('Type').selectOption('shopify');
    await form.getByRole('textbox', { name: /^Name/ }).fill('Web store');
    await form.getByLabel('Secret', { exact: true }).fill('shpss-signing-secret-1');
    await form.getByRole('button', { name: 'Create channel' }).click();
    await page.waitForURL(/\/settings\/channels\/ch_/);
    const channelId = new URL(page.url()).pathname.split('/').at(-1)!;

    expect(await page.getByTestId('channel-webhook-url').textContent()).toBe(`${t.url}/hooks/shopify/${channelId}`);
    expect(await page.getByTestId('channel-secret').textContent()).toBe('shpss-signing-secret-1');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.getByTestId('channel-secret-box').waitFor({ state: 'detached' });
    expect(await page.getByTestId('channel-secret-state').textContent()).toBe('secret set');
    const api = await t.call('GET', `/api/v1/channels/${channelId}`);
    expect(api.body).toMatchObject({ id: channelId, type: 'shopify', name: 'Web store', has_secret: true });
    expect(api.text).not.toContain('shpss-signing-secret-1');
    // Reloading the page does not bring the secret back: the API never returns it.
    await page.reload();
    await page.getByTestId('channel-detail').waitFor();
    expect(await page.getByTestId('channel-secret').count()).toBe(0);
    // Replacing the secret: written sealed, never shown back; webhooks now verify against the new one.
    await page.getByTestId('channel-new-secret').fill('shpss-signing-secret-2');
    await page.getByRole('button', { name: 'Replace secret' }).click();
    await page.getByText('Secret replaced').waitFor();
    expect(await channelSecret(t.db.db, channelId)).toBe('shpss-signing-secret-2');
    expect(await page.getByTestId('channel-new-secret').inputValue()).toBe('');

    const listing = page.getByRole('form', { name: 'Add listing' });
    await listing.getByLabel('Channel SKU').fill('SHOP-MUG-1');
    await listing.getByLabel('Our SKU').fill('SET-MUG');
    await listing.getByRole('button', { name: 'Add listing' }).click();
    await page.locator('[data-listing="SHOP-MUG-1"]').waitFor();
    expect(await page.locator('[data-listing="SHOP-MUG-1"] td').nth(1).textContent()).toBe('SET-MUG');
    const listings = await t.call('GET', `/api/v1/channels/${channelId}/listings`);
    expect(listings.body.data.map((l: { channel_sku: string; sku: string }) => [l.channel_sku, l.sku])).toEqual([['SHOP-MUG-1', 'SET-MUG']]);
    // A refusal is shown as the API's sentence and changes nothing.
    await listing.getByLabel('Channel SKU').fill('SHOP-MUG-1');
    await listing.getByLabel('Our SKU').fill('SET-MUG');
    await listing.getByRole('button', { name: 'Add listing' }).click();
    expect(await page.getByTestId('action-error').textContent()).toContain('already mapped');
    expect((await t.call('GET', `/api/v1/channels/${channelId}/listings`)).body.data).toHaveLength(1);
    // Stock policy: a buffer and a cap, saved through the API.
    const policy = page.getByRole('form', { name: 'Stock policy' });
    await policy.getByLabel('Buffer value').fill('2');
    await policy.getByLabel(/^Cap/).fill('50');
    await policy.getByRole('button', { name: 'Save stock policy' }).click();
    await expect.poll(async () => (await t.call('GET', `/api/v1/channels/${channelId}/stock-policy`)).body).toMatchObject({ buffer: { kind: 'units', value: 2 }, max_units: 50, sync_enabled: false });
    await page.evaluate('window.scrollTo(0, 0)');
    await saveScreenshot(page, 'settings-channels');
  });

  it('edits the routing rules, simulates them beside the live ones, and saves them', async () => {
    const page = await signIn('admin@example.com');
    await page.goto(`${t.url}/settings/routing`);
    const editor = page.getByTestId('routing-editor');
    await editor.locator('[data-rule="warehouse_priority"]').waitFor();
    const before = await t.call('GET', '/api/v1/routing/rules');
    expect(before.body.source).toBe('built_in');
    expect(before.body.rules.map((r: { rule: string }) => r.rule)).toEqual(['fewest_shipments', 'meets_promise', 'nearest', 'lowest_cost', 'warehouse_priority']);

    // Reorder: warehouse priority up one place; add "allowed warehouses" with only SB ticked.
    await editor.getByRole('button', { name: 'Move Warehouse priority up' }).click();
    await editor.getByLabel('Add a rule').selectOption('allowed_warehouses');
    await editor.getByRole('button', { name: 'Add rule' }).click();
    const allowed = editor.locator('[data-rule="allowed_warehouses"]');
    await allowed.getByLabel('SA').uncheck();
    expect(await allowed.getByLabel('SB').isChecked()).toBe(true);
    await editor.getByText('edited, not saved').waitFor();

    await page.getByTestId('routing-simulation').getByRole('button', { name: 'Simulate' }).click();
    const results = page.getByTestId('sim-results');
    await results.waitFor();
    const cell = (metric: string, col: 'live' | 'proposed') => results.locator(`[data-metric="${metric}"] [data-col="${col}"]`).textContent();
    expect(await cell('orders', 'live')).toBe('3');
    expect(await cell('orders', 'proposed')).toBe('3');
    expect(await cell('shipments', 'live')).toBe('3');
    expect(await cell('wh_SA', 'live')).toBe('3 (100.0%)');
    expect(await cell('wh_SA', 'proposed')).toBe('0 (0.0%)');
    expect(await cell('wh_SB', 'live')).toBe('0 (0.0%)');
    expect(await cell('wh_SB', 'proposed')).toBe('3 (100.0%)');
    expect(await cell('split_rate', 'proposed')).toBe('0.0%');
    expect(await page.getByTestId('sim-changed').textContent()).toContain('3 order(s) would ship from different warehouses');
    // Both sides sit next to each other: the editor's right edge is left of the simulation's left edge.
    const e = (await editor.boundingBox())!;
    const s = (await page.getByTestId('routing-simulation').boundingBox())!;
    expect(e.x + e.width).toBeLessThanOrEqual(s.x);
    // The picture: the editor and the simulation's results from their top, under the fixed header.
    await page.evaluate(`window.scrollTo(0, document.querySelector('[data-testid="routing-editor"]').getBoundingClientRect().top + window.scrollY - 70)`);
    await saveScreenshot(page, 'settings-routing');

    await editor.getByRole('button', { name: 'Save rules' }).click();
    expect(await page.getByTestId('action-ok').textContent()).toContain('Saved 6 rule(s) for the default');
    const after = await t.call('GET', '/api/v1/routing/rules');
    expect(after.body.source).toBe('default');
    expect(after.body.rules).toEqual([
      { rule: 'fewest_shipments' }, { rule: 'meets_promise' }, { rule: 'nearest' }, { rule: 'warehouse_priority' }, { rule: 'lowest_cost' },
      { rule: 'allowed_warehouses', warehouse_ids: [whB] },
    ]);
    await editor.getByText('edited, not saved').waitFor({ state: 'detached' });
    // New orders follow the saved rules.
    const o = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'SET-MUG', qty: 1 }]) });
    expect(o.body.fulfillment_orders.map((f: { warehouse_id: string }) => f.warehouse_id)).toEqual([whB]);
  });

  it('changes a warehouse priority, adds a bin, views a rate card and disables a carrier', async () => {
    const page = await signIn('admin@example.com');
    await page.goto(`${t.url}/settings/warehouses/${whA}`);
    await page.getByLabel('Routing priority of SA').fill('40');
    await page.locator('[data-warehouse="SA"]').getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await t.call('GET', `/api/v1/warehouses/${whA}`)).body.routing_priority).toBe(40);
    const bin = page.getByRole('form', { name: 'Add bin' });
    await bin.getByLabel('Bin code').fill('B-07');
    await bin.getByLabel('Zone').fill('B');
    await bin.getByRole('button', { name: 'Add bin' }).click();
    await page.locator('[data-bin="B-07"]').waitFor();
    const bins = await t.call('GET', `/api/v1/warehouses/${whA}/bins`);
    expect(bins.body.data.map((b: { code: string }) => b.code)).toContain('B-07');

    await page.goto(`${t.url}/settings/carriers/swift`);
    await page.getByTestId('rate-card').locator('label', { hasText: /^Zones$/ }).click();
    await expect.poll(() => page.getByTestId('rate-card-table').locator('tbody tr').first().textContent()).toContain('metro');
    await page.locator('[data-carrier="swift"]').getByRole('button', { name: 'Disable' }).click();
    await expect.poll(async () => (await t.call('GET', '/api/v1/carriers/swift')).body.active).toBe(false);
  });

  it('creates a webhook subscription, shows its deliveries and replays one', async () => {
    const page = await signIn('admin@example.com');
    await page.goto(`${t.url}/settings/webhooks`);
    const form = page.getByRole('form', { name: 'New webhook subscription' });
    await form.getByLabel('URL').fill(hookUrl);
    await form.getByLabel('Events').fill('listing.*');
    await form.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForURL(/\/settings\/webhooks\/whk_/);
    const secret = (await page.getByTestId('webhook-secret').textContent())!;
    expect(secret.length).toBeGreaterThanOrEqual(16);

    // An event the subscription matches, delivered by the worker to the local receiver.
    const channel = await t.call('POST', '/api/v1/channels', { body: { type: 'woocommerce', name: 'Hook store' } });
    expect(channel.status, channel.text).toBe(201);
    expect((await t.call('POST', `/api/v1/channels/${channel.body.id}/listings`, { body: { channel_sku: 'WOO-MUG-2', sku: 'SET-MUG' } })).status).toBe(201);
    await runWebhookWorker();
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body).type).toBe('listing.created');
    // The secret shown once is the one the deliveries are signed with.
    expect(verifySignature(String(received[0]!.headers['tandem-signature']), secret, received[0]!.body)).toBe(true);

    const log = page.getByTestId('deliveries-table');
    const row = log.locator('tbody tr[data-status="delivered"]');
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator('td').nth(0).textContent()).toBe('listing.created');
    expect(await row.locator('td').nth(2).textContent()).toBe('1');
    expect(await row.locator('td').nth(3).textContent()).toBe('200');

    await row.getByRole('button', { name: /^Replay listing.created/ }).click();
    await log.locator('tbody tr').nth(1).waitFor();
    await runWebhookWorker();
    expect(received).toHaveLength(2);
    await expect.poll(() => log.locator('tbody tr[data-status="delivered"]').count(), { timeout: 15_000 }).toBe(2);
    const subId = new URL(page.url()).pathname.split('/').at(-1)!;
    const deliveries = await t.call('GET', `/api/v1/webhooks/${subId}/deliveries`);
    expect(deliveries.body.data.map((d: { status: string; replay_of: string | null }) => [d.status, d.replay_of !== null])).toEqual([['delivered', true], ['delivered', false]]);

    // Rotating the secret: the new one is shown once; for the grace period deliveries verify with either.
    await page.locator(`[data-webhook-id="${subId}"]`).getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByText(/New signing secret for/).waitFor();
    const rotated = (await page.getByTestId('webhook-secret').textContent())!;
    expect(rotated).not.toBe(secret);
    expect((await t.call('POST', `/api/v1/channels/${channel.body.id}/listings`, { body: { channel_sku: 'WOO-MUG-3', sku: 'SET-MUG' } })).status).toBe(201);
    await runWebhookWorker();
    expect(received).toHaveLength(3);
    expect(verifySignature(String(received[2]!.headers['tandem-signature']), rotated, received[2]!.body)).toBe(true);
    expect(verifySignature(String(received[2]!.headers['tandem-signature']), secret, received[2]!.body)).toBe(true);

    await page.locator(`[data-webhook-id="${subId}"]`).getByRole('button', { name: 'Disable' }).click();
    await expect.poll(async () => (await t.call('GET', `/api/v1/webhooks/${subId}`)).body.status).toBe('disabled');
  });

  it('creates an API key shown once and revokes it after a confirmation', async () => {
    const page = await signIn('admin@example.com');
    await page.goto(`${t.url}/settings/api-keys`);
    const form = page.getByRole('form', { name: 'New API key' });
    await form.getByLabel('Key name').fill('ERP connector');
    await form.getByLabel('Role').selectOption('integration');
    await form.getByLabel('SB').check();
    await form.getByRole('button', { name: 'Create key' }).click();
    const token = (await page.getByTestId('api-key-token').textContent())!;
    const me = await t.call('GET', '/api/v1/me', { key: token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ role: 'integration', warehouse_ids: [whB] });
    await page.getByRole('button', { name: 'I have copied it' }).click();

    const row = page.locator('[data-key-name="ERP connector"]');
    await row.getByRole('button', { name: 'Revoke' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await row.getByText('revoked').waitFor();
    expect((await t.call('GET', '/api/v1/me', { key: token })).status).toBe(401);
  });

  it('creates a dashboard user and changes their role and warehouse scope', async () => {
    const page = await signIn('admin@example.com');
    await page.goto(`${t.url}/settings/users`);
    const form = page.getByRole('form', { name: 'New user' });
    await form.getByRole('textbox', { name: /^E-mail/ }).fill('lead@example.com');
    await form.getByLabel('Role').selectOption('packer');
    await form.locator('input[autocomplete="new-password"]').fill('a long enough password');
    await form.getByRole('button', { name: 'Create user' }).click();
    const row = page.locator('[data-user="lead@example.com"]');
    await row.waitFor();
    expect(await row.locator('td').nth(2).textContent()).toBe('packer');
    await row.getByRole('button', { name: 'Change role or scope' }).click();
    const edit = page.getByRole('form', { name: 'Change lead@example.com' });
    await edit.getByLabel('Role').selectOption('ops');
    await edit.getByLabel('SB').check();
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => row.locator('td').nth(2).textContent()).toBe('ops');
    expect(await row.locator('td').nth(3).textContent()).toBe('SB');
    const users = await t.call('GET', '/api/v1/users');
    expect(users.body.data.find((u: { email: string }) => u.email === 'lead@example.com')).toMatchObject({ role: 'ops', warehouse_ids: [whB] });
  });

  it('lets ops set a purchase limit that the API then enforces, and delete it', async () => {
    const page = await signIn('ops@example.com');
    await page.goto(`${t.url}/settings/limits`);
    const form = page.getByRole('form', { name: 'Purchase limit' });
    await form.getByLabel('SKU').fill('SET-MUG');
    await form.getByLabel('Units per order').fill('2');
    await form.getByRole('button', { name: 'Save limit' }).click();
    await page.locator('[data-limit-sku="SET-MUG"]').waitFor();
    expect(await page.locator('[data-limit-sku="SET-MUG"] td').nth(2).textContent()).toBe('2');
    const limits = await t.call('GET', '/api/v1/purchase-limits');
    expect(limits.body.data).toEqual([expect.objectContaining({ sku: 'SET-MUG', channel_id: null, max_units_per_order: 2, action: 'reject' })]);
    const refused = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'SET-MUG', qty: 3 }]) });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('purchase_limit_exceeded');

    await page.getByRole('button', { name: 'Delete the limit on SET-MUG' }).click();
    await page.getByText('No purchase limits.').waitFor();
    expect((await t.call('GET', '/api/v1/purchase-limits')).body.data).toEqual([]);
    expect((await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'SET-MUG', qty: 3 }]) })).status).toBe(201);
  });

  it('shows ops the read-only settings and refuses the admin ones; a picker has none', async () => {
    const ops = await signIn('ops@example.com');
    await ops.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Settings' }).click();
    const tabs = ops.getByRole('tablist', { name: 'Settings sections' });
    await expect.poll(() => tabs.getByRole('tab').allTextContents()).toEqual(['Channels', 'Routing rules', 'Warehouses and bins', 'Carriers', 'Purchase limits']);
    expect(await ops.getByRole('form', { name: 'New channel' }).count()).toBe(0);
    await ops.goto(`${t.url}/settings/routing`);
    await ops.getByTestId('routing-editor').locator('[data-rule="nearest"]').waitFor();
    expect(await ops.getByRole('button', { name: 'Save rules' }).count()).toBe(0);
    await ops.goto(`${t.url}/settings/api-keys`);
    await ops.getByTestId('settings-refused').waitFor();
    const opsKey = await t.keyFor('ops');
    expect((await t.call('PUT', '/api/v1/routing/rules', { key: opsKey, body: { mode: 'strict', rules: [] } })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/api-keys', { key: opsKey })).status).toBe(403);

    const picker = await signIn('picker@example.com');
    expect(await picker.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Settings' }).count()).toBe(0);
    await picker.goto(`${t.url}/settings/channels`);
    await picker.getByText('Nothing here, or not for your role.').waitFor();
    expect(await picker.getByRole('tablist', { name: 'Settings sections' }).count()).toBe(0);
  });
});
