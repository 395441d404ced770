import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES, TRANSITIONS, assertTransition, allocationStatus, canTransition } from './orders.lifecycle.js';

describe('order lifecycle', () => {
  it('allows every transition in the table', () => {
    for (const from of ORDER_STATUSES) for (const to of TRANSITIONS[from]) expect(() => assertTransition('ord_1', from, to)).not.toThrow();
  });

  it('refuses transitions the table does not list, with 409 invalid_transition', () => {
    const illegal: [string, string][] = [
      ['shipped', 'cancelled'],
      ['cancelled', 'pending'],
      ['closed', 'allocated'],
      ['delivered', 'shipped'],
      ['on_hold', 'shipped'],
      ['pending', 'shipped'],
      ['returned', 'shipped'],
    ];
    for (const [from, to] of illegal) {
      expect(() => assertTransition('ord_1', from as never, to as never)).toThrow(expect.objectContaining({ code: 'invalid_transition', kind: 'conflict' }));
    }
  });

  it('has terminal states with no way out, and every status reachable from pending', () => {
    expect(TRANSITIONS.cancelled).toEqual([]);
    expect(TRANSITIONS.closed).toEqual([]);
    const seen = new Set(['pending']);
    const queue = ['pending'];
    while (queue.length > 0) {
      for (const to of TRANSITIONS[queue.shift() as never] as string[]) {
        if (!seen.has(to)) {
          seen.add(to);
          queue.push(to);
        }
      }
    }
    expect([...seen].sort()).toEqual([...ORDER_STATUSES].sort());
    expect(canTransition('shipped', 'delivered')).toBe(true);
  });

  it('derives the allocation status from what is reserved', () => {
    expect(allocationStatus(5, 5)).toBe('allocated');
    expect(allocationStatus(5, 2)).toBe('partially_allocated');
    expect(allocationStatus(5, 0)).toBe('backordered');
    expect(allocationStatus(0, 0)).toBe('closed');
  });
});
