import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const countSkus = async (prefix: string): Promise<number> =>
  (await sql<{ n: number }>`select count(*)::int as n from skus where sku like ${`${prefix}%`}`.execute(t.db.db)).rows[0]!.n;

describe('Idempotency-Key', () => {
  it('replays the stored status and body for the same key and body, with no second effect', async () => {
    const body = { sku: 'IDEM-1', name: 'Idempotent tee' };
    const first = await t.call('POST', '/api/v1/skus', { body, headers: { 'idempotency-key': 'k-1' } });
    expect(first.status).toBe(201);
    const second = await t.call('POST', '/api/v1/skus', { body, headers: { 'idempotency-key': 'k-1' } });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await countSkus('IDEM-1')).toBe(1);
    const events = await sql<{ n: number }>`select count(*)::int as n from outbox where type = 'sku.created' and payload->>'sku' = 'IDEM-1'`.execute(t.db.db);
    expect(events.rows[0]!.n).toBe(1);
  });

  it('answers 422 idempotency_key_reused when the same key comes with a different body', async () => {
    await t.call('POST', '/api/v1/skus', { body: { sku: 'IDEM-2', name: 'a' }, headers: { 'idempotency-key': 'k-2' } });
    const reused = await t.call('POST', '/api/v1/skus', { body: { sku: 'IDEM-2B', name: 'b' }, headers: { 'idempotency-key': 'k-2' } });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency_key_reused');
    expect(await countSkus('IDEM-2B')).toBe(0);
  });

  it('replays an error response too, so a retried failure stays the same failure', async () => {
    await t.call('POST', '/api/v1/skus', { body: { sku: 'IDEM-3', name: 'a' } });
    const dup = { sku: 'IDEM-3', name: 'a' };
    const a = await t.call('POST', '/api/v1/skus', { body: dup, headers: { 'idempotency-key': 'k-3' } });
    expect(a.status).toBe(409);
    const b = await t.call('POST', '/api/v1/skus', { body: dup, headers: { 'idempotency-key': 'k-3' } });
    expect(b.status).toBe(409);
    expect(b.body).toEqual(a.body);
  });

  it('resolves concurrent duplicates to one effect and one answer', async () => {
    const body = { sku: 'IDEM-4', name: 'Raced tee' };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => t.call('POST', '/api/v1/skus', { body, headers: { 'idempotency-key': 'k-4' } })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await countSkus('IDEM-4')).toBe(1);
  });

  it('keeps keys apart per caller', async () => {
    const ops = await t.keyFor('ops');
    const a = await t.call('POST', '/api/v1/skus', { body: { sku: 'IDEM-5A', name: 'a' }, headers: { 'idempotency-key': 'shared' } });
    const b = await t.call('POST', '/api/v1/skus', { key: ops, body: { sku: 'IDEM-5B', name: 'b' }, headers: { 'idempotency-key': 'shared' } });
    expect([a.status, b.status]).toEqual([201, 201]);
  });

  it('keeps a key for at least 72 hours', async () => {
    await t.call('POST', '/api/v1/skus', { body: { sku: 'IDEM-6', name: 'a' }, headers: { 'idempotency-key': 'k-6' } });
    const row = await sql<{ hours: number }>`select extract(epoch from expires_at - created_at) / 3600 as hours from idempotency_keys where key = 'k-6'`.execute(t.db.db);
    expect(Number(row.rows[0]!.hours)).toBeGreaterThanOrEqual(72);
  });

  it('rejects a malformed key', async () => {
    const r = await t.call('POST', '/api/v1/skus', { body: { sku: 'IDEM-7', name: 'a' }, headers: { 'idempotency-key': 'x'.repeat(300) } });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('invalid_idempotency_key');
    expect(await countSkus('IDEM-7')).toBe(0);
  });
});
