import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import type { Role } from '../../src/modules/auth/index.js';
import { orderBody, seedWarehousesAndStock } from '../helpers/seed.js';
import { TEST_PASSWORD, insertUser } from '../helpers/users.js';

let t: TestApp;
let whA: string;
let whB: string;
const PASSWORD = TEST_PASSWORD;

beforeAll(async () => {
  t = await startTestApp();
  ({ whA, whB } = await seedWarehousesAndStock(t, [{ sku: 'SES-1', wh: 'A', qty: 10 }, { sku: 'SES-2', wh: 'B', qty: 10 }], 'S'));
});
afterAll(async () => t.close());

/** Through the API (one scrypt hash each), or straight into the table with a shared hash to keep the file quick. */
async function createUser(email: string, role: Role, warehouse_ids?: string[], viaApi = false): Promise<void> {
  if (!viaApi) {
    await insertUser(t.db.db, email, role, warehouse_ids ?? null);
    return;
  }
  const r = await t.call('POST', '/api/v1/users', { body: { email, role, password: PASSWORD, ...(warehouse_ids ? { warehouse_ids } : {}) } });
  expect(r.status, r.text).toBe(201);
  expect(r.body).not.toHaveProperty('password_hash');
}

/** Signs in and returns the cookie pair and the CSRF token. */
async function signIn(email: string, password = PASSWORD): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const r = await t.call('POST', '/api/v1/session', { key: null, body: { email, password } });
  expect(r.status, r.text).toBe(200);
  const setCookie = r.headers.get('set-cookie')!;
  return { cookie: setCookie.split(';')[0]!, csrf: r.body.csrf_token, setCookie };
}

describe('dashboard sessions', () => {
  it('refuses a wrong password and an unknown e-mail with the same answer, and sets no cookie', async () => {
    await createUser('ops1@example.com', 'ops');
    const wrong = await t.call('POST', '/api/v1/session', { key: null, body: { email: 'ops1@example.com', password: 'not the password' } });
    const unknown = await t.call('POST', '/api/v1/session', { key: null, body: { email: 'nobody@example.com', password: PASSWORD } });
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('invalid_credentials');
      expect(r.headers.get('set-cookie')).toBeNull();
    }
    expect(wrong.body.detail).toBe(unknown.body.detail);
    const sessions = await t.db.db.selectFrom('user_sessions').selectAll().execute();
    expect(sessions).toHaveLength(0);
  });

  it('signs in with an HttpOnly SameSite=Lax cookie stored as a hash, and knows who is calling', async () => {
    await createUser('ops2@example.com', 'ops', undefined, true);
    const s = await signIn('OPS2@example.com ');
    expect(s.setCookie).toMatch(/^tandem_session=tds_[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Expires=/);
    expect(s.setCookie).not.toContain('Secure'); // plain http on 127.0.0.1: the documented developer exception
    const me = await t.call('GET', '/api/v1/session', { key: null, headers: { cookie: s.cookie } });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ via: 'session', user: { email: 'ops2@example.com', role: 'ops', warehouse_ids: null }, csrf_token: s.csrf });
    const row = await t.db.db.selectFrom('user_sessions').select(['token_hash']).executeTakeFirstOrThrow();
    expect(row.token_hash.toString('hex')).not.toContain(s.cookie.split('=')[1]);
    const hash = await t.db.db.selectFrom('users').select('password_hash').where('email', '=', 'ops2@example.com').executeTakeFirstOrThrow();
    expect(hash.password_hash).toMatch(/^scrypt\$17\$8\$1\$/);
  });

  it('marks the cookie Secure with the __Host- prefix for any host that is not loopback', async () => {
    await createUser('ops3@example.com', 'ops');
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/session', headers: { host: 'tandem.example.com', 'content-type': 'application/json' }, payload: { email: 'ops3@example.com', password: PASSWORD } });
    expect(r.statusCode).toBe(200);
    expect(String(r.headers['set-cookie'])).toMatch(/^__Host-tandem_session=tds_[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Expires=.*; Secure$/);
  });

  it('refuses a cookie-authenticated write without the CSRF token or from another origin, and changes nothing', async () => {
    await createUser('ops4@example.com', 'ops');
    const s = await signIn('ops4@example.com');
    const body = { sku: 'CSRF-1', name: 'csrf' };
    const none = await t.call('POST', '/api/v1/skus', { key: null, headers: { cookie: s.cookie }, body });
    expect(none.status).toBe(403);
    expect(none.body.code).toBe('csrf_failed');
    const forged = await t.call('POST', '/api/v1/skus', { key: null, headers: { cookie: s.cookie, 'x-csrf-token': 'x'.repeat(43) }, body });
    expect(forged.status).toBe(403);
    const crossSite = await t.call('POST', '/api/v1/skus', { key: null, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, origin: 'https://evil.example' }, body });
    expect(crossSite.status).toBe(403);
    expect((await t.call('GET', '/api/v1/skus/CSRF-1')).status).toBe(404);

    const ok = await t.call('POST', '/api/v1/skus', { key: null, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, origin: t.url }, body });
    expect(ok.status, ok.text).toBe(201);
    // API keys are unaffected: no token needed.
    expect((await t.call('POST', '/api/v1/skus', { body: { sku: 'CSRF-2', name: 'key' } })).status).toBe(201);
  });

  it('applies the user\'s role exactly as for an API key', async () => {
    await createUser('pick1@example.com', 'picker');
    const s = await signIn('pick1@example.com');
    const denied = await t.call('POST', '/api/v1/skus', { key: null, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf }, body: { sku: 'PK-1', name: 'x' } });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('forbidden');
    expect((await t.call('GET', '/api/v1/holds', { key: null, headers: { cookie: s.cookie } })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/skus', { key: null, headers: { cookie: s.cookie } })).status).toBe(200);
  });

  it('shows a warehouse-scoped user only the orders of their warehouse', async () => {
    const a = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'SES-1', qty: 1 }]) });
    const b = await t.call('POST', '/api/v1/orders', { body: orderBody([{ sku: 'SES-2', qty: 1 }]) });
    expect(a.body.fulfillment_orders[0].warehouse_id).toBe(whA);
    expect(b.body.fulfillment_orders[0].warehouse_id).toBe(whB);
    await createUser('scoped@example.com', 'ops', [whA]);
    const s = await signIn('scoped@example.com');
    const list = await t.call('GET', '/api/v1/orders?limit=100', { key: null, headers: { cookie: s.cookie } });
    const ids = list.body.data.map((o: { id: string }) => o.id);
    expect(ids).toContain(a.body.id);
    expect(ids).not.toContain(b.body.id);
    expect((await t.call('GET', `/api/v1/orders/${b.body.id}`, { key: null, headers: { cookie: s.cookie } })).status).toBe(404);
    const byWh = await t.call('GET', `/api/v1/orders?warehouse_id=${whB}`);
    expect(byWh.body.data.map((o: { id: string }) => o.id)).toEqual([b.body.id]);
    const kpis = await t.call('GET', '/api/v1/dashboard/kpis', { key: null, headers: { cookie: s.cookie } });
    expect(kpis.status).toBe(200);
    expect(kpis.body.orders_today).toBe(1);
  });

  it('ends the session on sign-out: the old cookie no longer works', async () => {
    await createUser('ops5@example.com', 'ops');
    const s = await signIn('ops5@example.com');
    const noToken = await t.call('DELETE', '/api/v1/session', { key: null, headers: { cookie: s.cookie } });
    expect(noToken.status).toBe(403);
    const out = await t.call('DELETE', '/api/v1/session', { key: null, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toContain('Expires=Thu, 01 Jan 1970');
    expect((await t.call('GET', '/api/v1/session', { key: null, headers: { cookie: s.cookie } })).status).toBe(401);
    const row = await t.db.db.selectFrom('user_sessions as s').innerJoin('users as u', 'u.id', 's.user_id').select('s.revoked_at').where('u.email', '=', 'ops5@example.com').executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
  });

  it('expires an idle session and ends sessions when the user is disabled', async () => {
    await createUser('ops6@example.com', 'ops');
    const s = await signIn('ops6@example.com');
    await t.db.db.updateTable('user_sessions').set({ idle_expires_at: new Date(Date.now() - 1000) }).execute();
    expect((await t.call('GET', '/api/v1/session', { key: null, headers: { cookie: s.cookie } })).status).toBe(401);

    const s2 = await signIn('ops6@example.com');
    const user = (await t.call('GET', '/api/v1/users')).body.data.find((u: { email: string }) => u.email === 'ops6@example.com');
    expect((await t.call('PATCH', `/api/v1/users/${user.id}`, { body: { disabled: true } })).status).toBe(200);
    expect((await t.call('GET', '/api/v1/session', { key: null, headers: { cookie: s2.cookie } })).status).toBe(401);
    const again = await t.call('POST', '/api/v1/session', { key: null, body: { email: 'ops6@example.com', password: PASSWORD } });
    expect(again.status).toBe(401);
  });

  it('throttles repeated failures for an e-mail, even when the right password comes next', async () => {
    await createUser('ops7@example.com', 'ops');
    for (let i = 0; i < 5; i++) {
      const r = await t.call('POST', '/api/v1/session', { key: null, body: { email: 'ops7@example.com', password: `guess ${i}` } });
      expect(r.status).toBe(401);
    }
    const blocked = await t.call('POST', '/api/v1/session', { key: null, body: { email: 'ops7@example.com', password: PASSWORD } });
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('too_many_attempts');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another account from the same address is not blocked by it.
    await createUser('ops8@example.com', 'ops');
    expect((await t.call('POST', '/api/v1/session', { key: null, body: { email: 'ops8@example.com', password: PASSWORD } })).status).toBe(200);
  });
});

describe('serving the dashboard', () => {
  it('answers deep links with the app but never shadows the API, the hooks or a missing asset', async () => {
    const deep = await t.call('GET', '/orders/ord_anything', { key: null });
    expect(deep.status).toBe(200);
    expect(deep.headers.get('content-type')).toContain('text/html');
    expect(deep.headers.get('cache-control')).toBe('no-cache');
    for (const path of ['/api/v1/nothing-here', '/hooks/nothing', '/orders/a/b/c', '/assets/..%2F..%2Fpackage.json', '/assets/missing.js']) {
      const r = await t.call('GET', path, { key: null });
      expect(r.status, path).toBe(404);
      expect(r.headers.get('content-type'), path).toContain('application/problem+json');
    }
  });
});
