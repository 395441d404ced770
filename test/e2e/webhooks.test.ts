import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import http from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startWorkers } from '../../src/worker.js';
import { eventJobs } from '../../src/events/jobs.js';
import { claimDeliveries, deliverDue } from '../../src/events/delivery.js';
import { fanOutWebhooks } from '../../src/events/fanout.js';
import { webhookSettings, type WebhookSettings } from '../../src/config.js';
import { verifySignature } from '../../src/events/envelope.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on 127.0.0.1 that answers each request with the next status of `statuses` (the last one repeats). */
async function receiver(statuses: number[]): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.statusCode = statuses[Math.min(got.length - 1, statuses.length - 1)]!;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/tandem`,
    got,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const quiet = { info: () => undefined, error: () => undefined };
const settings: WebhookSettings = { ...webhookSettings({}), allowHosts: ['127.0.0.1'], maxAttempts: 3, retryBaseMs: 50, retryCapMs: 200, timeoutMs: 2_000 };

let t: TestApp;
let workers: { stop(): Promise<void> } | undefined;
let skuNo = 0;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  process.env.TANDEM_WEBHOOK_ALLOW_HOSTS = '127.0.0.1';
  t = await startTestApp();
});
afterEach(async () => {
  await workers?.stop();
  workers = undefined;
  for (const c of cleanup.splice(0)) await c();
});
afterAll(async () => t.close());

const startWorker = (): void => {
  workers = startWorkers(t.db.db, quiet, eventJobs({ webhooks: settings, idleMs: 25 }));
};

async function subscribe(url: string, events = ['sku.*'], secret?: string): Promise<{ id: string; secret: string }> {
  const r = await t.call('POST', '/api/v1/webhooks', { body: { url, events, ...(secret ? { secret } : {}) } });
  expect(r.status, r.text).toBe(201);
  cleanup.push(() => t.call('DELETE', `/api/v1/webhooks/${r.body.id}`));
  return r.body;
}

async function createSku(): Promise<string> {
  const sku = `WH-${++skuNo}`;
  const r = await t.call('POST', '/api/v1/skus', { body: { sku, name: `Webhook test ${skuNo}` } });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

async function deliveriesOf(id: string): Promise<any[]> {
  return (await t.call('GET', `/api/v1/webhooks/${id}/deliveries`)).body.data;
}

describe('webhook subscriptions', () => {
  it('shows a generated secret once, never again, and is for admins only', async () => {
    const rx = await receiver([200]);
    cleanup.push(rx.close);
    const sub = await subscribe(rx.url, ['order.*', 'stock.changed']);
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const got = await t.call('GET', `/api/v1/webhooks/${sub.id}`);
    expect(got.body).toMatchObject({ id: sub.id, url: rx.url, events: ['order.*', 'stock.changed'], status: 'active' });
    expect(got.body.secret).toBeUndefined();
    const list = await t.call('GET', '/api/v1/webhooks');
    expect(list.body.data.some((s: any) => s.id === sub.id && s.secret === undefined)).toBe(true);
    expect(list.text).not.toContain(sub.secret);

    const ops = await t.keyFor('ops');
    expect((await t.call('GET', '/api/v1/webhooks', { key: ops })).status).toBe(403);
    expect((await t.call('POST', '/api/v1/webhooks', { key: ops, body: { url: rx.url, events: ['*'] } })).status).toBe(403);
    expect((await t.call('POST', '/api/v1/webhooks', { body: { url: rx.url, events: ['Order.Placed!'] } })).status).toBe(400);
  });

  it('refuses URLs that reach loopback, private, link-local or metadata addresses', async () => {
    const before = (await t.call('GET', '/api/v1/webhooks?limit=500')).body.data.length;
    const port = 9;
    process.env.TANDEM_WEBHOOK_ALLOW_HOSTS = '';
    try {
      for (const url of ['http://10.0.0.1/x', 'http://169.254.169.254/latest/meta-data/', `http://[::1]:${port}/`, `http://localhost:${port}/`, 'http://0x7f000001/', 'http://127.0.0.1:9/', 'http://[::ffff:192.168.0.1]/']) {
        const r = await t.call('POST', '/api/v1/webhooks', { body: { url, events: ['*'] } });
        expect(r.status, `${url} → ${r.text}`).toBe(422);
        expect(r.body.code).toBe('webhook_url_forbidden');
      }
      const ftp = await t.call('POST', '/api/v1/webhooks', { body: { url: 'ftp://example.com/x', events: ['*'] } });
      expect(ftp.body.code).toBe('webhook_url_invalid');
    } finally {
      process.env.TANDEM_WEBHOOK_ALLOW_HOSTS = '127.0.0.1';
    }
    expect((await t.call('GET', '/api/v1/webhooks?limit=500')).body.data.length).toBe(before);
  });
});

describe('webhook delivery', () => {
  it('delivers an event once, signed, even when the receiver fails twice first', async () => {
    const rx = await receiver([500, 503, 200]);
    cleanup.push(rx.close);
    const sub = await subscribe(rx.url);
    const skuId = await createSku();
    startWorker();

    const [d] = await until('delivery', async () => {
      const list = await deliveriesOf(sub.id);
      return list.length === 1 && list[0].status === 'delivered' && list;
    });
    await new Promise((r) => setTimeout(r, 400)); // enough for any wrong extra attempt
    expect(rx.got).toHaveLength(3);
    expect(d).toMatchObject({ status: 'delivered', attempts: 3, last_status_code: 200, last_error: null, event_type: 'sku.created' });
    const detail = await t.call('GET', `/api/v1/webhook-deliveries/${d.id}`);
    expect(detail.body.attempt_log.map((a: any) => a.status_code)).toEqual([500, 503, 200]);
    expect(detail.body.attempt_log[0].error).toBe('HTTP 500');

    const last = rx.got[2]!;
    const event = JSON.parse(last.body);
    expect(event).toMatchObject({ type: 'sku.created', aggregate_type: 'sku', aggregate_id: skuId, data: expect.objectContaining({ sku: expect.any(String) }) });
    expect(event.id).toMatch(/^evt_/);
    expect(event.version).toBe(event.seq);
    expect(new Set(rx.got.map((g) => g.headers['tandem-event-id']))).toEqual(new Set([event.id]));
    expect(last.headers['tandem-delivery-id']).toBe(d.id);

    // The receiver's check, written independently of Tandem's code.
    const header = String(last.headers['tandem-signature']);
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header)!;
    expect(m).not.toBeNull();
    expect(Math.abs(Number(m[1]) - Date.now() / 1000)).toBeLessThan(60);
    const expected = createHmac('sha256', sub.secret).update(`${m[1]}.${last.body}`).digest();
    expect(timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'))).toBe(true);
    const forged = createHmac('sha256', 'not-the-secret-0000').update(`${m[1]}.${last.body}`).digest('hex');
    expect(forged).not.toBe(m[2]);
  });

  it('signs with a secret chosen by the caller', async () => {
    const rx = await receiver([204]);
    cleanup.push(rx.close);
    const sub = await subscribe(rx.url, ['sku.created'], 'my-own-secret-0123456789');
    expect(sub.secret).toBe('my-own-secret-0123456789');
    await createSku();
    startWorker();
    await until('delivery', async () => rx.got.length === 1);
    const [, ts, mac] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(String(rx.got[0]!.headers['tandem-signature']))!;
    expect(mac).toBe(createHmac('sha256', 'my-own-secret-0123456789').update(`${ts}.${rx.got[0]!.body}`).digest('hex'));
  });

  it('rotates the signing secret with a grace period: both signatures until it ends, then only the new one', async () => {
    const rx = await receiver([204]);
    cleanup.push(rx.close);
    const sub = await subscribe(rx.url, ['sku.created'], 'old-secret-0123456789');
    const rot = await t.call('POST', `/api/v1/webhooks/${sub.id}/rotate-secret`, { body: { grace_hours: 2 } });
    expect(rot.status, rot.text).toBe(200);
    expect(rot.body.secret).toMatch(/^whsec_/);
    expect(new Date(rot.body.previous_secret_expires_at).getTime() - Date.now()).toBeGreaterThan(7_000_000);
    const stored = (await sql<{ secret: string; previous_secret: string }>`select secret, previous_secret from webhook_subscriptions where id = ${sub.id}`.execute(t.db.db)).rows[0]!;
    expect(stored.secret.startsWith('tsec:v1:') && stored.previous_secret.startsWith('tsec:v1:')).toBe(true);
    expect(JSON.stringify(stored)).not.toContain('old-secret');
    // The audit entry of the rotation never holds the new secret.
    const audit = await sql<{ after: unknown }>`select after from audit_log where action = 'POST /api/v1/webhooks/:id/rotate-secret' and object_id = ${sub.id}`.execute(t.db.db);
    expect(audit.rows).toHaveLength(1);
    expect(JSON.stringify(audit.rows[0])).not.toContain(rot.body.secret);

    await createSku();
    startWorker();
    await until('delivery', async () => rx.got.length === 1);
    const header = String(rx.got[0]!.headers['tandem-signature']);
    // The receiver's check, written independently: one v1 per secret, the new one first.
    const [, ts, mNew, mOld] = /^t=(\d+),v1=([0-9a-f]{64}),v1=([0-9a-f]{64})$/.exec(header)!;
    expect(mNew).toBe(createHmac('sha256', rot.body.secret).update(`${ts}.${rx.got[0]!.body}`).digest('hex'));
    expect(mOld).toBe(createHmac('sha256', 'old-secret-0123456789').update(`${ts}.${rx.got[0]!.body}`).digest('hex'));
    expect(verifySignature(header, 'old-secret-0123456789', rx.got[0]!.body)).toBe(true);
    expect(verifySignature(header, rot.body.secret, rx.got[0]!.body)).toBe(true);
    await workers?.stop();
    workers = undefined;

    // Grace over (0 hours): only the new secret signs.
    const again = await t.call('POST', `/api/v1/webhooks/${sub.id}/rotate-secret`, { body: { grace_hours: 0, secret: 'third-secret-0123456789' } });
    expect(again.status, again.text).toBe(200);
    expect(again.body.previous_secret_expires_at).toBeNull();
    await createSku();
    startWorker();
    await until('second delivery', async () => rx.got.length === 2);
    const h2 = String(rx.got[1]!.headers['tandem-signature']);
    expect(h2).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(h2, 'third-secret-0123456789', rx.got[1]!.body)).toBe(true);
    expect(verifySignature(h2, rot.body.secret, rx.got[1]!.body)).toBe(false);

    expect((await t.call('POST', `/api/v1/webhooks/${sub.id}/rotate-secret`, { body: { grace_hours: 500 } })).status).toBe(400);
    expect((await t.call('POST', '/api/v1/webhooks/whk_nope/rotate-secret', { body: {} })).status).toBe(404);
  });

  it('retries, in another worker, what a killed worker had claimed but not finished', async () => {
    const rx = await receiver([200]);
    cleanup.push(rx.close);
    const sub = await subscribe(rx.url);
    await createSku();
    while ((await fanOutWebhooks(t.db.db)) > 0);
    // A worker claims the delivery and dies before sending it: nothing but its lease is left behind.
    const claimed = await claimDeliveries(t.db.db, { leaseMs: 500 });
    expect(claimed.map((c) => c.url)).toContain(rx.url);
    startWorker();
    await new Promise((r) => setTimeout(r, 250));
    expect(rx.got).toHaveLength(0); // still leased to the dead worker
    const [d] = await until('redelivery', async () => {
      const list = await deliveriesOf(sub.id);
      return list[0]?.status === 'delivered' && list;
    });
    expect(d.attempts).toBe(2);
    expect(rx.got).toHaveLength(1);
  });

  it('dead-letters a delivery after the last allowed attempt and stops calling', async () => {
    const rx = await receiver([500]);
    cleanup.push(rx.close);
    const sub = await subscribe(rx.url);
    await createSku();
    startWorker();
    const [d] = await until('dead letter', async () => {
      const list = await deliveriesOf(sub.id);
      return list[0]?.status === 'dead' && list;
    });
    expect(d).toMatchObject({ attempts: 3, last_status_code: 500, next_attempt_at: null });
    await new Promise((r) => setTimeout(r, 400));
    expect(rx.got).toHaveLength(3);
    expect((await t.call('GET', `/api/v1/webhooks/${sub.id}/deliveries?status=dead`)).body.data).toHaveLength(1);

    // Replay: a new delivery of the same event, with its own log.
    rx.got.length = 0;
    const replay = await t.call('POST', `/api/v1/webhook-deliveries/${d.id}/replay`);
    expect(replay.status).toBe(201);
    expect(replay.body).toMatchObject({ replay_of: d.id, event_id: d.event_id, status: 'pending' });
    await until('replayed delivery', async () => rx.got.length >= 1);
    expect(JSON.parse(rx.got[0]!.body).id).toBe(d.event_id);
  });

  it('replays a time range of events to a subscription', async () => {
    const rx = await receiver([200]);
    cleanup.push(rx.close);
    const sub = await subscribe(rx.url);
    const from = new Date(Date.now() - 1000).toISOString();
    const skus = [await createSku(), await createSku(), await createSku()];
    startWorker();
    await until('first deliveries', async () => rx.got.length === 3);
    const to = new Date(Date.now() + 1000).toISOString();
    const r = await t.call('POST', `/api/v1/webhooks/${sub.id}/replay`, { body: { from, to } });
    expect(r.status).toBe(202);
    expect(r.body.queued).toBeGreaterThanOrEqual(3);
    await until('replays', async () => rx.got.length === 3 + r.body.queued);
    const ids = rx.got.map((g) => JSON.parse(g.body).aggregate_id as string);
    for (const s of skus) expect(ids.filter((i) => i === s)).toHaveLength(2);
    expect((await t.call('POST', `/api/v1/webhooks/${sub.id}/replay`, { body: { from: to, to: from } })).body.code).toBe('invalid_range');
  });

  it('checks the target again at delivery time and refuses it once it is no longer allowed', async () => {
    const rx = await receiver([200]);
    cleanup.push(rx.close);
    const sub = await subscribe(rx.url);
    await createSku();
    while ((await fanOutWebhooks(t.db.db)) > 0);
    const r = await deliverDue(t.db.db, { settings: { ...settings, allowHosts: [] } });
    expect(r.failed).toBeGreaterThanOrEqual(1);
    const [d] = await deliveriesOf(sub.id);
    expect(d.status).toBe('pending');
    expect(d.last_error).toMatch(/may not call 127\.0\.0\.1.*loopback/);
    expect(rx.got).toHaveLength(0);
  });

  it('does not deliver to a disabled subscription until it is enabled again', async () => {
    const rx = await receiver([200]);
    cleanup.push(rx.close);
    const sub = await subscribe(rx.url);
    await createSku();
    while ((await fanOutWebhooks(t.db.db)) > 0);
    expect((await t.call('POST', `/api/v1/webhooks/${sub.id}/disable`)).body.status).toBe('disabled');
    startWorker();
    await new Promise((r) => setTimeout(r, 300));
    expect(rx.got).toHaveLength(0);
    expect((await t.call('POST', `/api/v1/webhooks/${sub.id}/enable`)).body.status).toBe('active');
    await until('delivery after enable', async () => rx.got.length === 1);
  });

  it('reports outbox lag and deliveries by status on /metrics', async () => {
    const rx = await receiver([200]);
    cleanup.push(rx.close);
    const sub = await subscribe(rx.url);
    await createSku();
    startWorker();
    await until('delivery', async () => (await deliveriesOf(sub.id))[0]?.status === 'delivered');
    const r = await t.call('GET', '/metrics', { key: null });
    expect(r.text).toMatch(/tandem_outbox_lag_seconds\{dispatcher="webhooks"\} \d/);
    expect(r.text).toMatch(/tandem_webhook_deliveries\{status="delivered"\} [1-9]/);
    expect(r.text).toMatch(/tandem_webhook_deliveries\{status="dead"\} 0/);
  });

  it('deletes a subscription with its log', async () => {
    const rx = await receiver([200]);
    cleanup.push(rx.close);
    const r = await t.call('POST', '/api/v1/webhooks', { body: { url: rx.url, events: ['*'] } });
    expect((await t.call('DELETE', `/api/v1/webhooks/${r.body.id}`)).status).toBe(204);
    expect((await t.call('GET', `/api/v1/webhooks/${r.body.id}`)).body.code).toBe('webhook_not_found');
    expect((await t.call('DELETE', `/api/v1/webhooks/${r.body.id}`)).status).toBe(404);
  });
});
