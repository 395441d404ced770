/**
 * Refund arithmetic, in integer minor units only. A line's discount (its own plus its share of the order-level
 * discount) and its tax are spread over the line's ordered units cumulatively: after m of n units have been
 * refunded, floor(D·m/n) of the discount has been deducted. Each refund takes the difference between two such
 * points, so partial returns never drift and refunding every unit gives back exactly price·n − D (+ T).
 */

export interface RefundLineFacts {
  line_id: string;
  line_no: number;
  /** Ordered units (the denominator of every share). */
  qty: number;
  unit_price_amount: number;
  discount_amount: number;
  tax_amount: number;
}

export interface RefundOrderFacts {
  /** True when unit prices already include tax: tax is then part of the price, not added. */
  taxes_included: boolean;
  /** Order-level discount not carried by any line (order discount minus the lines' discounts). */
  order_discount_amount: number;
  lines: RefundLineFacts[];
}

export interface LineRefund {
  line_id: string;
  qty: number;
  gross_amount: number;
  discount_amount: number;
  tax_amount: number;
  amount: number;
}

/** floor(total · m / n) without floating point or overflow. */
function share(total: number, m: number, n: number): number {
  if (n <= 0 || total === 0) return 0;
  return Number((BigInt(total) * BigInt(m)) / BigInt(n));
}

/**
 * Spreads an order-level discount over lines by their net value (price·qty − line discount). Floors first, then
 * the leftover minor units go one each to the largest fractional remainders; ties go to the lower line number.
 */
export function allocateOrderDiscount(total: number, lines: RefundLineFacts[]): Map<string, number> {
  const out = new Map<string, number>(lines.map((l) => [l.line_id, 0]));
  const weights = lines.map((l) => ({ l, w: Math.max(0, l.unit_price_amount * l.qty - l.discount_amount) }));
  const sum = weights.reduce((s, x) => s + x.w, 0);
  if (total <= 0 || sum === 0) return out;
  const capped = Math.min(total, sum);
  const parts = weights.map(({ l, w }) => {
    const exact = BigInt(capped) * BigInt(w);
    return { l, floor: Number(exact / BigInt(sum)), rem: exact % BigInt(sum) };
  });
  let left = capped - parts.reduce((s, p) => s + p.floor, 0);
  const order = [...parts].sort((a, b) => (a.rem === b.rem ? a.l.line_no - b.l.line_no : a.rem > b.rem ? -1 : 1));
  for (const p of order) {
    if (left === 0) break;
    p.floor += 1;
    left -= 1;
  }
  for (const p of parts) out.set(p.l.line_id, p.floor);
  return out;
}

/**
 * The refund for `units` more units of a line of which `refundedBefore` units were refunded already (by any return
 * of the order). `extraDiscount` is the line's share of the order-level discount.
 */
export function lineRefund(line: RefundLineFacts, taxesIncluded: boolean, extraDiscount: number, refundedBefore: number, units: number): LineRefund {
  const n = line.qty;
  const discount = Math.min(line.discount_amount + extraDiscount, line.unit_price_amount * n);
  const upTo = refundedBefore + units;
  const d = share(discount, upTo, n) - share(discount, refundedBefore, n);
  const t = share(line.tax_amount, upTo, n) - share(line.tax_amount, refundedBefore, n);
  const gross = line.unit_price_amount * units;
  const amount = Math.max(0, gross - d + (taxesIncluded ? 0 : t));
  return { line_id: line.line_id, qty: units, gross_amount: gross, discount_amount: d, tax_amount: t, amount };
}

/** Refunds for several lines of one order at once (each with how many units it returns now and had refunded before). */
export function computeRefunds(order: RefundOrderFacts, requests: { line_id: string; units: number; refunded_before: number }[]): LineRefund[] {
  const extra = allocateOrderDiscount(order.order_discount_amount, order.lines);
  return requests
    .filter((r) => r.units > 0)
    .map((r) => {
      const line = order.lines.find((l) => l.line_id === r.line_id);
      if (!line) throw new Error(`refund for unknown line ${r.line_id}`);
      return lineRefund(line, order.taxes_included, extra.get(line.line_id) ?? 0, r.refunded_before, r.units);
    });
}
