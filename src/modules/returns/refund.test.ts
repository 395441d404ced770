import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { allocateOrderDiscount, computeRefunds, lineRefund, type RefundLineFacts } from './refund.js';

const line = (over: Partial<RefundLineFacts> = {}): RefundLineFacts => ({ line_id: 'l1', line_no: 1, qty: 3, unit_price_amount: 1000, discount_amount: 100, tax_amount: 0, ...over });

describe('refund arithmetic in minor units', () => {
  it('spreads a discount of 100 over 3 units as 33, 33, 34: earlier units get the floor, the last one the remainder', () => {
    const l = line();
    expect([0, 1, 2].map((before) => lineRefund(l, false, 0, before, 1).discount_amount)).toEqual([33, 33, 34]);
    expect([0, 1, 2].map((before) => lineRefund(l, false, 0, before, 1).amount)).toEqual([967, 967, 966]);
  });

  it('gives the same total whether the units come back together or one by one', () => {
    const l = line({ qty: 7, unit_price_amount: 1999, discount_amount: 1001, tax_amount: 333 });
    const all = lineRefund(l, false, 0, 0, 7).amount;
    const single = [0, 1, 2, 3, 4, 5, 6].reduce((s, b) => s + lineRefund(l, false, 0, b, 1).amount, 0);
    expect(all).toBe(7 * 1999 - 1001 + 333);
    expect(single).toBe(all);
    expect(lineRefund(l, false, 0, 0, 2).amount + lineRefund(l, false, 0, 2, 5).amount).toBe(all);
  });

  it('adds the line tax share when prices exclude tax, and not when they include it', () => {
    const l = line({ qty: 3, discount_amount: 0, tax_amount: 100 });
    expect(lineRefund(l, false, 0, 0, 1)).toMatchObject({ tax_amount: 33, amount: 1033 });
    expect(lineRefund(l, true, 0, 0, 1)).toMatchObject({ tax_amount: 33, amount: 1000 });
  });

  it('splits an order-level discount by line value with the leftover unit to the largest remainder, ties to the lower line', () => {
    const lines = [line({ line_id: 'a', line_no: 1, qty: 1, unit_price_amount: 100, discount_amount: 0 }), line({ line_id: 'b', line_no: 2, qty: 1, unit_price_amount: 100, discount_amount: 0 }), line({ line_id: 'c', line_no: 3, qty: 1, unit_price_amount: 100, discount_amount: 0 })];
    expect(Object.fromEntries(allocateOrderDiscount(100, lines))).toEqual({ a: 34, b: 33, c: 33 });
    const uneven = [line({ line_id: 'a', line_no: 1, qty: 2, unit_price_amount: 250, discount_amount: 0 }), line({ line_id: 'b', line_no: 2, qty: 1, unit_price_amount: 500, discount_amount: 100 })];
    // Weights 500 and 400: 10 → 5.55… and 4.44… → 6 and 4.
    expect(Object.fromEntries(allocateOrderDiscount(10, uneven))).toEqual({ a: 6, b: 4 });
  });

  it('applies the order-level share in a multi-line refund', () => {
    const order = { taxes_included: false, order_discount_amount: 100, lines: [line({ line_id: 'a', line_no: 1, qty: 1, unit_price_amount: 300, discount_amount: 0 }), line({ line_id: 'b', line_no: 2, qty: 1, unit_price_amount: 100, discount_amount: 0 })] };
    const r = computeRefunds(order, [{ line_id: 'a', units: 1, refunded_before: 0 }, { line_id: 'b', units: 1, refunded_before: 0 }]);
    expect(r.map((x) => x.amount)).toEqual([225, 75]);
  });

  it('never refunds below zero nor more than was paid, whatever the numbers (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 10_000_000 }), fc.nat(), fc.nat(), fc.boolean(), fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 20 }),
        (qty, price, discRaw, taxRaw, incl, chunks) => {
          const l = line({ qty, unit_price_amount: price, discount_amount: discRaw % (price * qty + 1), tax_amount: taxRaw % 1_000_000 });
          let before = 0;
          let total = 0;
          for (const c of chunks) {
            const units = Math.min(c, qty - before);
            if (units <= 0) break;
            const r = lineRefund(l, incl, 0, before, units);
            expect(r.amount).toBeGreaterThanOrEqual(0);
            expect(Number.isInteger(r.amount)).toBe(true);
            total += r.amount;
            before += units;
          }
          if (before === qty) expect(total).toBe(price * qty - l.discount_amount + (incl ? 0 : l.tax_amount));
          else expect(total).toBeLessThanOrEqual(price * qty - l.discount_amount + (incl ? 0 : l.tax_amount));
        },
      ),
    );
  });
});
