import { describe, expect, it } from 'vitest';
import { derivePriority } from './priority.js';
import type { OrderInput } from './orders.input.js';

const rules = { express_methods: ['express', 'next day'], priority_tags: ['vip'], handling_hours: 24 };
const base: OrderInput = { external_id: 'x', currency: 'INR', customer: { name: 'A' }, payment: { method: 'prepaid' }, lines: [] };
const placed = new Date('2026-11-30T08:00:00Z');

describe('priority and dispatch-by', () => {
  it('is normal with a dispatch-by one handling time after placing', () => {
    const r = derivePriority(base, rules, placed);
    expect(r.priority).toBe('normal');
    expect(r.dispatchBy.toISOString()).toBe('2026-12-01T08:00:00.000Z');
  });

  it('is high for express shipping or a priority tag', () => {
    expect(derivePriority({ ...base, shipping_method: 'Express Delivery' }, rules, placed).priority).toBe('high');
    expect(derivePriority({ ...base, tags: ['VIP'] }, rules, placed).priority).toBe('high');
  });

  it('is urgent when the marketplace ship-by is within 12 hours, and dispatches by it', () => {
    const r = derivePriority({ ...base, promised_ship_by: '2026-11-30T18:00:00Z' }, rules, placed);
    expect(r.priority).toBe('urgent');
    expect(r.dispatchBy.toISOString()).toBe('2026-11-30T18:00:00.000Z');
  });

  it('keeps a priority the channel set explicitly', () => {
    expect(derivePriority({ ...base, priority: 'low', shipping_method: 'express' }, rules, placed).priority).toBe('low');
  });
});
