import type { OrderInput } from './orders.input.js';
import { isValidPostalCode, postalCodeOptional } from './postal.js';

export type HoldReason =
  | 'unknown_sku'
  | 'incomplete_address'
  | 'undeliverable_postal_code'
  | 'cod_over_limit'
  | 'cod_blocked_phone'
  | 'cod_blocked_postal_code'
  | 'possible_duplicate'
  | 'high_value'
  | 'total_mismatch'
  | 'purchase_limit'
  | 'manual';

export interface HoldFinding {
  reason: HoldReason;
  detail: string;
  data: Record<string, unknown>;
}

/** The verification rules in force for a channel (its own row, else the global one). */
export interface VerificationRules {
  cod_limit_amount: number | null;
  high_value_amount: number | null;
  blocked_phones: string[];
  blocked_postal_codes: string[];
  duplicate_window_minutes: number;
}

export interface VerificationFacts {
  input: OrderInput;
  totalAmount: number;
  /** Lines (by line number) whose SKU could not be resolved. */
  unmapped: { line_no: number; sku?: string | undefined; channel_sku?: string | undefined }[];
  /** Earlier orders that look the same (same customer, same lines) within the window. */
  duplicates: { id: string; number: string }[];
  /** Whether any line needs shipping (digital-only orders need no address). */
  needsShipping: boolean;
}

/** Normalises a phone number for comparison: digits only, the last 10 (so +91 98… equals 098…). */
export const phoneKey = (phone: string): string => phone.replace(/\D/g, '').slice(-10);

/**
 * Decides which holds an order needs. Pure: the facts (unmapped lines, lookalike orders) are gathered
 * by the caller; each rule that fires adds one hold with a reason code and a human sentence.
 */
export function evaluateHolds(facts: VerificationFacts, rules: VerificationRules): HoldFinding[] {
  const { input } = facts;
  const holds: HoldFinding[] = [];
  for (const u of facts.unmapped) {
    holds.push({
      reason: 'unknown_sku',
      detail: `Line ${u.line_no}: ${u.sku ?? u.channel_sku ?? 'an item'} is not a known SKU or mapped listing`,
      data: { line_no: u.line_no, sku: u.sku, channel_sku: u.channel_sku },
    });
  }
  const addr = input.shipping_address;
  if (facts.needsShipping) {
    if (!addr) {
      holds.push({ reason: 'incomplete_address', detail: 'The order has no shipping address', data: {} });
    } else {
      const missing = (['line1', 'city', 'country'] as const).filter((f) => !addr[f] || !String(addr[f]).trim());
      if (!postalCodeOptional(addr.country) && !addr.postal_code?.trim()) missing.push('postal_code' as never);
      if (missing.length > 0) {
        holds.push({ reason: 'incomplete_address', detail: `The shipping address lacks ${missing.join(', ')}`, data: { missing } });
      } else if (!isValidPostalCode(addr.country, addr.postal_code)) {
        holds.push({ reason: 'undeliverable_postal_code', detail: `${addr.postal_code} is not a valid postal code for ${addr.country}`, data: { postal_code: addr.postal_code, country: addr.country } });
      }
    }
  }
  if (input.payment.method === 'cod') {
    if (rules.cod_limit_amount !== null && facts.totalAmount > rules.cod_limit_amount) {
      holds.push({ reason: 'cod_over_limit', detail: `Cash on delivery for ${facts.totalAmount} exceeds the limit of ${rules.cod_limit_amount}`, data: { total: facts.totalAmount, limit: rules.cod_limit_amount } });
    }
    const phones = [input.customer.phone, addr?.phone].filter((p): p is string => !!p).map(phoneKey);
    const blocked = new Set(rules.blocked_phones.map(phoneKey));
    const hit = phones.find((p) => p.length > 0 && blocked.has(p));
    if (hit) holds.push({ reason: 'cod_blocked_phone', detail: 'Cash on delivery from a blocked phone number', data: { phone_suffix: hit.slice(-4) } });
    if (addr && rules.blocked_postal_codes.map((c) => c.replace(/\s/g, '').toUpperCase()).includes(addr.postal_code.replace(/\s/g, '').toUpperCase())) {
      holds.push({ reason: 'cod_blocked_postal_code', detail: `Cash on delivery is blocked for ${addr.postal_code}`, data: { postal_code: addr.postal_code } });
    }
  }
  if (facts.duplicates.length > 0) {
    holds.push({
      reason: 'possible_duplicate',
      detail: `Looks like ${facts.duplicates.map((d) => d.number).join(', ')}: same customer and lines within ${rules.duplicate_window_minutes} minutes`,
      data: { orders: facts.duplicates.map((d) => d.id) },
    });
  }
  if (rules.high_value_amount !== null && facts.totalAmount > rules.high_value_amount) {
    holds.push({ reason: 'high_value', detail: `Order value ${facts.totalAmount} is above the review threshold ${rules.high_value_amount}`, data: { total: facts.totalAmount, threshold: rules.high_value_amount } });
  }
  if (input.total_amount !== undefined && input.total_amount !== facts.totalAmount) {
    holds.push({ reason: 'total_mismatch', detail: `The channel's total ${input.total_amount} differs from the computed ${facts.totalAmount}`, data: { stated: input.total_amount, computed: facts.totalAmount } });
  }
  return holds;
}

/** Subtotal (before discounts), discounts, tax and total of an order, in minor units. */
export function computeTotals(input: OrderInput): { subtotal: number; discount: number; tax: number; shipping: number; total: number } {
  let subtotal = 0;
  let discount = input.discount_amount ?? 0;
  let tax = input.tax_amount ?? 0;
  for (const l of input.lines) {
    subtotal += l.unit_price_amount * l.qty;
    discount += l.discount_amount ?? 0;
    tax += l.tax_amount ?? 0;
  }
  const shipping = input.shipping_amount ?? 0;
  return { subtotal, discount, tax, shipping, total: subtotal - discount + shipping + (input.taxes_included ? 0 : tax) };
}
