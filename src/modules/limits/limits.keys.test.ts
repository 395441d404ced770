import { describe, expect, it } from 'vitest';
import { customerKey, windowEnd, windowStart } from './limits.keys.js';

describe('customerKey', () => {
  it('prefers the e-mail, lower-cased and without a +tag sub-address', () => {
    expect(customerKey({ email: ' Asha.Rao+Sale2@Example.COM ', phone: '+91 98450 00000' }, 'ch_1')).toBe('email:asha.rao@example.com');
  });

  it('falls back to the last 10 digits of the phone, so +91 98450 00000 equals 098450-00000', () => {
    expect(customerKey({ phone: '+91 98450 00000' }, 'ch_1')).toBe('phone:9845000000');
    expect(customerKey({ email: '', phone: '098450-00000' }, 'ch_1')).toBe('phone:9845000000');
  });

  it('falls back to the channel customer id, scoped to the channel, ignoring guest ids', () => {
    expect(customerKey({}, 'ch_woo', { customer_id: 118 })).toBe('channel:ch_woo:118');
    expect(customerKey({}, 'ch_woo', { customer_id: ' c-9 ' })).toBe('channel:ch_woo:c-9');
    expect(customerKey({}, 'ch_woo', { customer_id: 0 })).toBeNull();
    expect(customerKey({}, 'ch_woo', { customer_id: '0' })).toBeNull();
  });

  it('identifies nobody from a malformed e-mail and a too-short phone', () => {
    expect(customerKey({ email: 'nobody', phone: '123' }, 'ch_1')).toBeNull();
    expect(customerKey({ email: '@example.com' }, 'ch_1')).toBeNull();
  });

  it('keeps an address whose local part is only a tag intact rather than emptying it', () => {
    expect(customerKey({ email: '+x@example.com' }, 'ch_1')).toBe('email:+x@example.com');
  });
});

describe('windowStart', () => {
  const created = new Date('2026-12-01T00:00:00Z');

  it('is one window for the whole sale without window_hours, anchored at active_from', () => {
    const from = new Date('2026-12-05T10:00:00Z');
    const l = { window_hours: null, active_from: from, active_until: new Date('2026-12-05T12:00:00Z'), created_at: created };
    expect(windowStart(l, new Date('2026-12-05T11:59:00Z'))).toEqual(from);
    expect(windowEnd(l, from)).toEqual(new Date('2026-12-05T12:00:00Z'));
  });

  it('steps in fixed windows of window_hours from the anchor', () => {
    const l = { window_hours: 24, active_from: null, active_until: null, created_at: new Date('2026-12-01T06:30:00Z') };
    expect(windowStart(l, new Date('2026-12-01T06:30:00Z'))).toEqual(new Date('2026-12-01T06:30:00Z'));
    expect(windowStart(l, new Date('2026-12-02T06:29:59Z'))).toEqual(new Date('2026-12-01T06:30:00Z'));
    expect(windowStart(l, new Date('2026-12-02T06:30:00Z'))).toEqual(new Date('2026-12-02T06:30:00Z'));
    expect(windowEnd(l, new Date('2026-12-02T06:30:00Z'))).toEqual(new Date('2026-12-03T06:30:00Z'));
  });
});
