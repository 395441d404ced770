import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { deliverDue } from '../../src/events/delivery.js';
import { fanOutWebhooks } from '../../src/events/fanout.js';
import { webhookSettings, type WebhookSettings } from '../../src/config.js';
import { getStockPolicy } from '../../src/modules/channels/index.js';
import { loadCarrierAccount, easyPostSignature } from '../../src/modules/shipping/index.js';
import { installKeyRing, keyId, makeKeyRing, sealFields, sealSecret, type KeyRing } from '../../src/shared/secrets.js';
import { rotateSecrets, type ColumnRotation } from '../../src/workflows/rotate-secrets.js';
import type { AppError } from '../../src/shared/errors.js';
import { runSyncCycle } from '../../src/channels/sync/index.js';
import { seedWarehousesAndStock } from '../helpers/seed.js';
import { CREDENTIALS, startFakeChannels } from '../helpers/fake-channels.js';

/**
 * Secrets at rest, end to end over real HTTP and PostgreSQL: what the columns hold, what happens with a missing
 * or wrong key, and a rotation from key A to key B while everything keeps working. Each phase installs the key
 * ring a restarted process would have (the server reads the ring at the point of use).
 */

const A = randomBytes(32);
const B = randomBytes(32);
const KID_A = keyId(A);
const KID_B = keyId(B);
const S = {
  channel: `shpss_${randomBytes(12).toString('hex')}`,
  legacy: `legacy_${randomBytes(12).toString('hex')}`,
  webhook: `whsec_own_${randomBytes(12).toString('hex')}`,
  carrierKey: `EZAK_${randomBytes(12).toString('hex')}`,
  carrierHook: `ephook_${randomBytes(12).toString('hex')}`,
  shopToken: `shpat_${randomBytes(12).toString('hex')}`,
};

const settings: WebhookSettings = { ...webhookSettings({}), allowHosts: ['127.0.0.1'], maxAttempts: 20, retryBaseMs: 60_000, retryCapMs: 120_000, timeoutMs: 2_000 };

let t: TestApp;
let channelId: string;
let legacyChannelId: string;
let subId: string;
const got: { headers: http.IncomingHttpHeaders; body: string }[] = [];
let receiver: http.Server;

function use(ring: KeyRing): void {
  installKeyRing(ring);
}

async function shopifyHook(channel: string, secret: string): Promise<{ status: number; body: any; type: string | null }> {
  const raw = JSON.stringify({ id: 1, note: 'not an order topic' });
  const hmac = createHmac('sha256', secret).update(raw).digest('base64');
  const r = await t.call('POST', `/hooks/shopify/${channel}`, {
    raw, key: null,
    headers: { 'content-type': 'application/json', 'x-shopify-hmac-sha256': hmac, 'x-shopify-topic': 'app/uninstalled', 'x-shopify-webhook-id': randomBytes(8).toString('hex') },
  });
  return { status: r.status, body: r.body, type: r.headers.get('content-type') };
}

/**
 * Creates an event for the subscription and runs fan-out and the delivery worker until `attempts` deliveries were
 * attempted (the outbox cursor may hold a fresh event back while other transactions on the server are open).
 */
async function deliverOne(attempts = 1): Promise<{ outcome: Awaited<ReturnType<typeof deliverDue>>; received: number }> {
  const before = got.length;
  expect((await t.call('POST', '/api/v1/skus', { body: { sku: `SEC-${randomBytes(4).toString('hex')}`, name: 'Secrets test' } })).status).toBe(201);
  const outcome = { delivered: 0, failed: 0, dead: 0 };
  for (const end = Date.now() + 30_000; outcome.delivered + outcome.failed + outcome.dead < attempts && Date.now() < end;) {
    await fanOutWebhooks(t.db.db);
    const r = await deliverDue(t.db.db, { settings });
    outcome.delivered += r.delivered;
    outcome.failed += r.failed;
    outcome.dead += r.dead;
    if (r.delivered + r.failed + r.dead === 0) await new Promise((res) => setTimeout(res, 50));
  }
  return { outcome, received: got.length - before };
}

function verifyDelivery(d: { headers: http.IncomingHttpHeaders; body: string }, secret: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(d.headers['tandem-signature']));
  if (!m) return false;
  return timingSafeEqual(createHmac('sha256', secret).update(`${m[1]}.${d.body}`).digest(), Buffer.from(m[2]!, 'hex'));
}

async function rawColumns(): Promise<string[]> {
  const q = (await sql<{ v: string }>`
    SELECT secret AS v FROM channels WHERE secret IS NOT NULL
    UNION ALL SELECT secret FROM webhook_subscriptions
    UNION ALL SELECT credentials::text FROM carriers
    UNION ALL SELECT credentials::text FROM channel_stock_policy WHERE credentials IS NOT NULL`.execute(t.db.db)).rows;
  return q.map((r) => r.v);
}

function cli(args: string[], env: Record<string, string | undefined>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, DATABASE_URL: t.db.url, LOG_LEVEL: 'silent', TANDEM_SECRET_KEY: undefined, TANDEM_SECRET_KEYS_PREVIOUS: undefined, ...env },
    encoding: 'utf8', timeout: 90_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  process.env.TANDEM_WEBHOOK_ALLOW_HOSTS = '127.0.0.1';
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.statusCode = 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  use(makeKeyRing(A));
  t = await startTestApp();

  const ch = await t.call('POST', '/api/v1/channels', { body: { type: 'shopify', name: 'Secret shop', secret: S.channel } });
  expect(ch.status, ch.text).toBe(201);
  channelId = ch.body.id;
  const policy = await t.call('PUT', `/api/v1/channels/${channelId}/stock-policy`, { body: { endpoint: 'https://shop.example', location_id: '1', credentials: { access_token: S.shopToken } } });
  expect(policy.status, policy.text).toBe(200);
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/in`;
  const sub = await t.call('POST', '/api/v1/webhooks', { body: { url, events: ['sku.created'], secret: S.webhook } });
  expect(sub.status, sub.text).toBe(201);
  subId = sub.body.id;
  const carrier = await t.call('POST', '/api/v1/carriers', {
    body: { code: 'ep', name: 'EasyPost', kind: 'easypost', credentials: { api_key: S.carrierKey, webhook_secret: S.carrierHook }, settings: { currency: 'INR', base_url: 'https://api.easypost.example' } },
  });
  expect(carrier.status, carrier.text).toBe(201);
  // A row from before encryption: plaintext, as the migration leaves it.
  legacyChannelId = (await sql<{ id: string }>`
    INSERT INTO channels (id, type, name, secret) VALUES (${`ch_legacy${randomBytes(4).toString('hex')}`}, 'shopify', 'Legacy shop', ${S.legacy}) RETURNING id`.execute(t.db.db)).rows[0]!.id;
});

afterAll(async () => {
  use(makeKeyRing(undefined));
  await t?.close();
  await new Promise((r) => receiver.close(r));
});

describe('secrets at rest', () => {
  it('stores no plaintext: every secret column holds tsec:v1 values of the current key, and nothing else carries them', async () => {
    const values = await rawColumns();
    expect(values.length).toBe(5); // channel, legacy channel, webhook, carrier, stock policy
    const all = values.join('\n');
    for (const s of [S.channel, S.webhook, S.carrierKey, S.carrierHook, S.shopToken]) expect(all).not.toContain(s);
    const sealed = values.filter((v) => v !== S.legacy);
    for (const v of sealed) expect(v).toContain(`tsec:v1:${KID_A}:`);
    expect(JSON.parse(values.find((v) => v.includes('api_key'))!)).toEqual({ api_key: expect.stringMatching(/^tsec:v1:/), webhook_secret: expect.stringMatching(/^tsec:v1:/) });
    // The event log and the audit log never had them either.
    const elsewhere = await sql<{ n: number }>`
      SELECT (SELECT count(*) FROM outbox o WHERE o::text LIKE ANY (${[S.channel, S.webhook, S.carrierKey, S.shopToken].map((s) => `%${s}%`)}))::int
           + (SELECT count(*) FROM audit_log a WHERE a::text LIKE ANY (${[S.channel, S.webhook, S.carrierKey, S.shopToken].map((s) => `%${s}%`)}))::int AS n`.execute(t.db.db);
    expect(elsewhere.rows[0]!.n).toBe(0);
    // The longest secret the API takes (500 characters, 3 bytes each) still fits its column once sealed.
    const long = await t.call('POST', '/api/v1/webhooks', { body: { url: 'http://127.0.0.1:9/in', events: ['sku.created'], secret: '€'.repeat(500) } });
    expect(long.status, long.text).toBe(201);
    expect((await t.call('DELETE', `/api/v1/webhooks/${long.body.id}`)).status).toBeLessThan(300);
    // And the API still only says which are set.
    expect((await t.call('GET', '/api/v1/carriers/ep')).body.credentials_set).toEqual(['api_key', 'webhook_secret']);
    expect((await t.call('GET', `/api/v1/channels/${channelId}/stock-policy`)).body.has_credentials).toBe(true);
  });

  it('with key A, everything opens: Shopify HMAC, delivery signing, carrier and channel credentials, legacy plaintext', async () => {
    expect((await shopifyHook(channelId, S.channel)).status).toBe(200);
    expect((await shopifyHook(channelId, 'wrong-secret-000')).status).toBe(401);
    expect((await shopifyHook(legacyChannelId, S.legacy)).status).toBe(200);
    const d = await deliverOne();
    expect(d).toMatchObject({ outcome: { delivered: 1 }, received: 1 });
    expect(verifyDelivery(got.at(-1)!, S.webhook)).toBe(true);
    expect((await loadCarrierAccount(t.db.db, 'ep')).credentials).toEqual({ api_key: S.carrierKey, webhook_secret: S.carrierHook });
    expect((await getStockPolicy(t.db.db, channelId)).credentials).toEqual({ access_token: S.shopToken });
  });

  it('without the key, or with another key, nothing decrypts: hooks fail closed with 503 problem+json, deliveries fail retryably', async () => {
    for (const ring of [makeKeyRing(undefined), makeKeyRing(B)]) {
      use(ring);
      const hook = await shopifyHook(channelId, S.channel);
      expect(hook.status).toBe(503);
      expect(hook.type).toMatch(/application\/problem\+json/);
      expect(hook.body).toMatchObject({ code: 'secret_key_unknown', status: 503 });
      expect(JSON.stringify(hook.body)).not.toMatch(/at .*\.ts:\d+|stack/);
      // A legacy plaintext secret still verifies (it needs no key), and a bad signature is still a 401.
      expect((await shopifyHook(legacyChannelId, S.legacy)).status).toBe(200);

      const before = (await t.call('GET', `/api/v1/webhooks/${subId}/deliveries`)).body.data.length;
      const d = await deliverOne();
      expect(d).toMatchObject({ outcome: { delivered: 0, failed: 1, dead: 0 }, received: 0 });
      const list = (await t.call('GET', `/api/v1/webhooks/${subId}/deliveries`)).body.data;
      expect(list.length).toBe(before + 1);
      const failed = list.find((x: any) => x.status === 'pending');
      expect(failed).toMatchObject({ attempts: 1, last_error: expect.stringMatching(/^secret_key_unknown: /) });

      const account = await loadCarrierAccount(t.db.db, 'ep');
      expect(() => account.credentials).toThrow(expect.objectContaining({ code: 'secret_key_unknown' }) as AppError);
      const raw = JSON.stringify({ id: 'evt_1', description: 'tracker.updated', result: {} });
      const tracking = await t.call('POST', '/hooks/tracking/ep', { raw, key: null, headers: { 'content-type': 'application/json', 'x-hmac-signature': easyPostSignature(S.carrierHook, raw) } });
      expect(tracking.status).toBe(503);
      expect(tracking.body.code).toBe('secret_key_unknown');
      // Views that need no secret keep working.
      expect((await t.call('GET', `/api/v1/channels/${channelId}/stock-policy`)).status).toBe(200);
      expect((await t.call('GET', '/api/v1/carriers/ep')).status).toBe(200);
    }
    // Writing a secret without any key is refused, and changes nothing.
    use(makeKeyRing(undefined));
    const refused = await t.call('POST', '/api/v1/channels', { body: { type: 'woocommerce', name: 'Keyless', secret: 'abcdefgh12345' } });
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('secret_key_missing');
    expect((await t.call('GET', '/api/v1/channels')).body.data.some((c: any) => c.name === 'Keyless')).toBe(false);
  });

  it('a production process without TANDEM_SECRET_KEY refuses to start and says how to make one', () => {
    const r = cli(['serve'], { PORT: '0' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/configuration error: TANDEM_SECRET_KEY is required with DATABASE_URL.*openssl rand -base64 32/);
    const bad = cli(['serve'], { PORT: '0', TANDEM_SECRET_KEY: 'too-short' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/TANDEM_SECRET_KEY must be 32 random bytes/);
  });

  it('rotates from key A to key B without downtime, then works with B alone', async () => {
    // Deploy: B current, A previous. Old values open, new ones are sealed with B.
    use(makeKeyRing(B, [A]));
    expect((await shopifyHook(channelId, S.channel)).status).toBe(200);
    const mid = await t.call('POST', '/api/v1/channels', { body: { type: 'woocommerce', name: 'Mid-rotation shop', secret: 'mid-rotation-secret' } });
    expect(mid.status).toBe(201);
    // The deliveries that failed while the key was wrong are retried and now signed correctly.
    await sql`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'pending'`.execute(t.db.db);
    const d = await deliverOne(3);
    expect(d.outcome).toMatchObject({ delivered: 3, failed: 0 });
    for (const g of got.slice(-3)) expect(verifyDelivery(g, S.webhook)).toBe(true);

    const status = cli(['secrets', 'status', '--json'], { TANDEM_SECRET_KEY: B.toString('base64'), TANDEM_SECRET_KEYS_PREVIOUS: A.toString('hex') });
    expect(status.status, status.stderr).toBe(0);
    const st = JSON.parse(status.stdout);
    expect(st).toMatchObject({ current_key: KID_B, previous_keys: [KID_A], unknown_keys: [], plaintext: 1 });
    expect(st.columns.find((c: any) => c.table === 'channels').by_key).toEqual({ [KID_A]: 1, [KID_B]: 1, plaintext: 1 });

    // Without A, status says which values would be lost, and rotate cannot proceed for them.
    const missing = cli(['secrets', 'status'], { TANDEM_SECRET_KEY: B.toString('base64') });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`values sealed with key(s) ${KID_A} cannot be opened`);

    const rot = cli(['secrets', 'rotate', '--batch', '1'], { TANDEM_SECRET_KEY: B.toString('base64'), TANDEM_SECRET_KEYS_PREVIOUS: A.toString('base64') });
    expect(rot.status, rot.stderr).toBe(0);
    expect(rot.stdout).toMatch(/channels\.secret\s+rows 3, re-sealed 1, plaintext sealed 1, already current 1, changed meanwhile 0, failed 0/);
    expect(rot.stdout).toMatch(/webhook_subscriptions\.secret\s+rows 1, re-sealed 1,/);
    expect(rot.stdout).toMatch(/carriers\.credentials\s+rows 1, re-sealed 1,/);
    expect(rot.stdout).toMatch(/channel_stock_policy\.credentials\s+rows 1, re-sealed 1,/);
    expect(rot.stderr).toContain(`every stored secret is sealed with key ${KID_B}`);
    const audit = await sql<{ actor_type: string; action: string; object_id: string; after: { columns: { table: string; resealed: number }[] } }>`
      select actor_type, action, object_id, after from audit_log where action = 'tandem secrets rotate'`.execute(t.db.db);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ actor_type: 'cli', object_id: KID_B });
    expect(audit.rows[0]!.after.columns.find((c) => c.table === 'webhook_subscriptions')).toMatchObject({ resealed: 1 });
    expect(JSON.stringify(audit.rows[0]!.after)).not.toContain('tsec:');

    // Drop A: only B.
    use(makeKeyRing(B));
    const values = await rawColumns();
    expect(values.join('\n')).not.toContain(KID_A);
    for (const v of values) expect(v).toContain(`tsec:v1:${KID_B}:`);
    expect(values.join('\n')).not.toContain(S.legacy);
    expect((await shopifyHook(channelId, S.channel)).status).toBe(200);
    expect((await shopifyHook(legacyChannelId, S.legacy)).status).toBe(200);
    const after = await deliverOne();
    expect(after).toMatchObject({ outcome: { delivered: 1 }, received: 1 });
    expect(verifyDelivery(got.at(-1)!, S.webhook)).toBe(true);
    expect((await loadCarrierAccount(t.db.db, 'ep')).credentials).toEqual({ api_key: S.carrierKey, webhook_secret: S.carrierHook });
    expect((await getStockPolicy(t.db.db, channelId)).credentials).toEqual({ access_token: S.shopToken });

    // A second rotation finds nothing to do.
    const again = await rotateSecrets(t.db.db);
    expect(again.every((c) => c.resealed + c.sealed_plaintext === 0 && c.failed.length === 0)).toBe(true);
  });

  it('rotation never overwrites a value changed after it was read, and reports values no key opens', async () => {
    const C = randomBytes(32);
    const lost = `ch_lost${randomBytes(4).toString('hex')}`;
    await sql`INSERT INTO channels (id, type, name, secret) VALUES (${lost}, 'woocommerce', 'Lost key shop', ${sealSecret('gone', `channels.secret:${lost}`, makeKeyRing(C))})`.execute(t.db.db);
    // Rotate back to A (B previous): every value needs re-sealing, the carrier's too.
    use(makeKeyRing(A, [B]));
    const fresh = sealFields({ api_key: 'changed-meanwhile-1' }, 'carriers.credentials:ep');
    let rotating!: Promise<ColumnRotation[]>;
    await t.db.db.transaction().execute(async (tx) => {
      // A concurrent writer holds the carrier row: rotate reads the old value, and its guarded UPDATE waits.
      await sql`SELECT 1 FROM carriers WHERE code = 'ep' FOR UPDATE`.execute(tx);
      rotating = rotateSecrets(t.db.db, { batch: 2 });
      for (let i = 0; ; i++) {
        const w = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE "carriers"%'`.execute(t.db.db);
        if (w.rows[0]!.n > 0) break;
        if (i > 1200) throw new Error('rotate never reached the carrier row');
        await new Promise((r) => setTimeout(r, 25));
      }
      await sql`UPDATE carriers SET credentials = ${JSON.stringify(fresh)}::jsonb WHERE code = 'ep'`.execute(tx);
    });
    const result = await rotating;
    const byColumn = Object.fromEntries(result.map((r) => [`${r.table}.${r.column}`, r]));
    expect(byColumn['carriers.credentials']).toMatchObject({ rows: 1, resealed: 0, changed_concurrently: 1, failed: [] });
    expect(byColumn['channels.secret']).toMatchObject({ rows: 4, resealed: 3, failed: [{ key: lost, code: 'secret_key_unknown' }] });
    expect(byColumn['webhook_subscriptions.secret']).toMatchObject({ resealed: 1 });
    expect(byColumn['webhook_subscriptions.previous_secret']).toMatchObject({ rows: 0 });
    // The concurrent change stands; the lost value is untouched (still C's), everything else is on A.
    expect((await loadCarrierAccount(t.db.db, 'ep')).credentials).toEqual({ api_key: 'changed-meanwhile-1' });
    const lostNow = (await sql<{ s: string }>`SELECT secret AS s FROM channels WHERE id = ${lost}`.execute(t.db.db)).rows[0]!.s;
    expect(lostNow).toContain(`tsec:v1:${keyId(C)}:`);
    expect((await shopifyHook(channelId, S.channel)).status).toBe(200);
  });

  it('stock sync with credentials no key opens: the listing waits with a retryable error, and goes out once the key is back', async () => {
    const fake = await startFakeChannels();
    try {
      use(makeKeyRing(A));
      await seedWarehousesAndStock(t, [{ sku: 'SEC-SYNC', wh: 'A', qty: 7 }], 'SS');
      const ch = (await t.call('POST', '/api/v1/channels', { body: { type: 'shopify', name: 'Sync shop' } })).body.id as string;
      const l = await t.call('POST', `/api/v1/channels/${ch}/listings`, { body: { channel_sku: 'SEC-SYNC-1', sku: 'SEC-SYNC' } });
      expect(l.status, l.text).toBe(201);
      expect((await t.call('PUT', `/api/v1/channels/${ch}/listings/${l.body.id}/stock-sync`, { body: { inventory_item_id: '90001' } })).status).toBe(200);
      expect((await t.call('PUT', `/api/v1/channels/${ch}/stock-policy`, { body: { sync_enabled: true, endpoint: fake.url, location_id: '7001', credentials: CREDENTIALS.shopify } })).status).toBe(200);

      use(makeKeyRing(B));
      const r = await runSyncCycle(t.db.db, { timeoutMs: 5_000 });
      expect(r.failed).toBeGreaterThanOrEqual(1);
      expect(fake.stock.shopify.get('90001')).toBeUndefined();
      const waiting = (await t.call('GET', `/api/v1/channels/${ch}/sync-status`)).body.data[0];
      expect(waiting.error).toMatchObject({ code: 'secret_key_unknown', transient: true });

      use(makeKeyRing(A));
      await sql`UPDATE channel_stock_sync SET next_attempt_at = now() WHERE channel_id = ${ch}`.execute(t.db.db);
      await runSyncCycle(t.db.db, { timeoutMs: 5_000 });
      expect(fake.stock.shopify.get('90001')).toBe(7);
      expect(fake.violations).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
