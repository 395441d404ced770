import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatMinorUnits } from '../../shared/money.js';
import { Fields, countryCode, expressPriority, itemCodes, normalizePhone, sumDecimalsRounded, unitAndDiscount, verifyBase64HmacSha256 } from './shared.js';
import { appError, sign } from './test-helpers.js';

describe('connector money', () => {
  it('adds "0.10" and "0.20" to exactly 30 minor units, never 30.000000000000004', () => {
    expect(sumDecimalsRounded(['0.10', '0.20'], 'USD', 't', 'p')).toBe(30);
    expect(sumDecimalsRounded([0.1, 0.2], 'INR', 't', 'p')).toBe(30);
    const f = Fields.of({ a: '0.10', b: '0.20' }, 'x', 't');
    expect(f.money('a', 'USD') + f.money('b', 'USD')).toBe(30);
  });

  it('rounds the exact sum once, half away from zero, to the currency\'s minor unit', () => {
    expect(sumDecimalsRounded(['8.264463', '1.735537'], 'EUR', 't', 'p')).toBe(1000);
    expect(sumDecimalsRounded(['0.005'], 'INR', 't', 'p')).toBe(1);
    expect(sumDecimalsRounded(['0.0049'], 'INR', 't', 'p')).toBe(0);
    expect(sumDecimalsRounded(['-0.005'], 'INR', 't', 'p')).toBe(-1);
    expect(sumDecimalsRounded(['3181.818182', '318.181818'], 'JPY', 't', 'p')).toBe(3500);
    expect(sumDecimalsRounded(['1.2345'], 'KWD', 't', 'p')).toBe(1235);
    expect(sumDecimalsRounded([], 'INR', 't', 'p')).toBe(0);
  });

  it('refuses what is not a decimal amount', () => {
    for (const bad of ['1,299.00', '1e3', 'abc', '12.', true, {}]) {
      expect(appError(() => sumDecimalsRounded([bad], 'INR', 't', 'p')).code).toBe('malformed_payload');
    }
    expect(appError(() => Fields.of({ a: '19.999' }, 'x', 't').money('a', 'INR')).code).toBe('malformed_payload');
  });

  it('agrees with exact parsing for every amount that has the currency\'s decimals (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e9, max: 1e9 }), { maxLength: 8 }), fc.constantFrom('INR', 'JPY', 'KWD'), (xs, c) => {
        expect(sumDecimalsRounded(xs.map((x) => formatMinorUnits(x, c)), c, 't', 'p')).toBe(xs.reduce((a, b) => a + b, 0));
      }),
    );
  });

  it('splits a line total into unit price and discount that reconcile exactly (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e10 }), fc.integer({ min: 0, max: 1e10 }), fc.integer({ min: 1, max: 10_000 }), (a, b, qty) => {
        const [net, gross] = a <= b ? [a, b] : [b, a];
        const { unit, discount } = unitAndDiscount(gross, qty, net);
        expect(Number.isSafeInteger(unit)).toBe(true);
        expect(unit * qty - discount).toBe(net);
        expect(unit * qty - gross).toBeGreaterThanOrEqual(0);
        expect(unit * qty - gross).toBeLessThan(qty);
      }),
    );
  });
});

describe('webhook HMAC', () => {
  const body = Buffer.from('{"id":1,"total":"10.00"}');

  it('accepts only the base64 HMAC-SHA256 of the exact bytes with the right secret', () => {
    expect(verifyBase64HmacSha256(body, sign(body, 's3cret'), 's3cret')).toBe(true);
    expect(verifyBase64HmacSha256(Buffer.from('{"id":1,"total":"10.01"}'), sign(body, 's3cret'), 's3cret')).toBe(false);
    expect(verifyBase64HmacSha256(body, sign(body, 's3cret'), 'S3cret')).toBe(false);
    expect(verifyBase64HmacSha256(body, undefined, 's3cret')).toBe(false);
    expect(verifyBase64HmacSha256(body, '   ', 's3cret')).toBe(false);
    // Same number of characters, more bytes: still refused, without throwing.
    expect(verifyBase64HmacSha256(body, 'é'.repeat(44), 's3cret')).toBe(false);
  });
});

describe('normalisation helpers', () => {
  it('maps country codes and common names to ISO 3166-1 alpha-2', () => {
    expect(countryCode('in')).toBe('IN');
    expect(countryCode('India')).toBe('IN');
    expect(countryCode('United States')).toBe('US');
    expect(countryCode('UK')).toBe('GB');
    expect(countryCode('IND')).toBe('IN');
    expect(countryCode('Atlantis')).toBeUndefined();
    expect(countryCode('')).toBeUndefined();
  });

  it('writes phone numbers in E.164 when the country says how', () => {
    expect(normalizePhone('098450 12345', 'IN')).toBe('+919845012345');
    expect(normalizePhone('9845012345', 'IN')).toBe('+919845012345');
    expect(normalizePhone('91 98450 12345', 'IN')).toBe('+919845012345');
    expect(normalizePhone('(413) 555-0142', 'US')).toBe('+14135550142');
    expect(normalizePhone('1-413-555-0142 ext. 12', 'US')).toBe('+14135550142');
    expect(normalizePhone('020 7946 0958', 'GB')).toBe('+442079460958');
    expect(normalizePhone('0044 20 7946 0958')).toBe('+442079460958');
    expect(normalizePhone('5550142')).toBe('5550142');
    expect(normalizePhone('  ')).toBeUndefined();
  });

  it('keeps a seller SKU too long to be ours as the channel code', () => {
    expect(itemCodes('KURTA-IND-M', '4415')).toEqual({ sku: 'KURTA-IND-M', channel_sku: '4415' });
    expect(itemCodes('', '4415')).toEqual({ channel_sku: '4415' });
    const long = 'X'.repeat(80);
    expect(itemCodes(long, undefined)).toEqual({ channel_sku: long });
    expect(itemCodes(undefined, undefined)).toEqual({});
  });

  it('reads express, next-day and priority as high, same-day as urgent', () => {
    expect(expressPriority('Express Delivery (1-2 days)')).toBe('high');
    expect(expressPriority('yamato-next-day')).toBe('high');
    expect(expressPriority('Same Day Delivery')).toBe('urgent');
    expect(expressPriority('Standard Shipping')).toBeUndefined();
  });

  it('names the path of what is wrong', () => {
    const err = appError(() => Fields.of({ order: { lines: [{ qty: 'two' }] } }, 'payload', 'test').obj('order').objs('lines')[0]!.int('qty'));
    expect(err).toMatchObject({ kind: 'invalid', code: 'malformed_payload', details: { channel: 'test', path: 'payload.order.lines[0].qty' } });
  });
});
