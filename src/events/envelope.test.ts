import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { webhookSettings } from '../config.js';
import { matchesEventType, minimumRetryWindowMs, retryDelayMs, signatureHeader, verifySignature } from './envelope.js';

describe('event filters', () => {
  it('matches exact types, families and everything', () => {
    expect(matchesEventType(['order.*'], 'order.placed')).toBe(true);
    expect(matchesEventType(['order.*'], 'orders.placed')).toBe(false);
    expect(matchesEventType(['order.*'], 'order_rules.updated')).toBe(false);
    expect(matchesEventType(['stock.changed'], 'stock.changed')).toBe(true);
    expect(matchesEventType(['stock.changed'], 'stock.changed_more')).toBe(false);
    expect(matchesEventType(['*'], 'fulfillment_order.created')).toBe(true);
    expect(matchesEventType(['fulfillment_order.*', 'stock.reserved'], 'stock.released')).toBe(false);
  });
});

describe('signatures', () => {
  it('signs "t.body" with HMAC-SHA256 and verifies it in constant time within the tolerance', () => {
    const body = '{"id":"evt_1"}';
    const header = signatureHeader('s3cret-s3cret-s3cret', body, 1_700_000_000);
    const mac = createHmac('sha256', 's3cret-s3cret-s3cret').update(`1700000000.${body}`).digest('hex');
    expect(header).toBe(`t=1700000000,v1=${mac}`);
    expect(verifySignature(header, 's3cret-s3cret-s3cret', body, { now: 1_700_000_100 })).toBe(true);
    expect(verifySignature(header, 's3cret-s3cret-s3cret', body + ' ', { now: 1_700_000_100 })).toBe(false);
    expect(verifySignature(header, 'another-secret-000000', body, { now: 1_700_000_100 })).toBe(false);
    expect(verifySignature(header, 's3cret-s3cret-s3cret', body, { now: 1_700_001_000 })).toBe(false);
    expect(verifySignature('t=1,v1=zz', 's3cret-s3cret-s3cret', body, { now: 1 })).toBe(false);
  });

  it('carries one v1 per secret during a rotation, and a receiver with either secret verifies', () => {
    const body = '{"id":"evt_2"}';
    const header = signatureHeader(['new-secret-0000000000', 'old-secret-0000000000'], body, 1_700_000_000);
    const mac = (s: string) => createHmac('sha256', s).update(`1700000000.${body}`).digest('hex');
    expect(header).toBe(`t=1700000000,v1=${mac('new-secret-0000000000')},v1=${mac('old-secret-0000000000')}`);
    expect(verifySignature(header, 'new-secret-0000000000', body, { now: 1_700_000_000 })).toBe(true);
    expect(verifySignature(header, 'old-secret-0000000000', body, { now: 1_700_000_000 })).toBe(true);
    expect(verifySignature(header, 'other-secret-00000000', body, { now: 1_700_000_000 })).toBe(false);
    expect(verifySignature(`t=1700000000,v1=zz,v1=${mac('old-secret-0000000000')}`, 'old-secret-0000000000', body, { now: 1_700_000_000 })).toBe(true);
  });
});

describe('retry schedule', () => {
  it('doubles from the base up to the cap, with jitter of ±20%', () => {
    const p = { maxAttempts: 5, retryBaseMs: 1000, retryCapMs: 5000 };
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(a, p, 0.5))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(retryDelayMs(1, p, 0)).toBe(800);
    expect(retryDelayMs(1, p, 1)).toBe(1200);
  });

  it('by default keeps retrying for at least 24 hours before dead-lettering', () => {
    const defaults = webhookSettings({});
    expect(defaults.timeoutMs).toBe(5000);
    expect(minimumRetryWindowMs(defaults)).toBeGreaterThanOrEqual(24 * 3_600_000);
  });
});
