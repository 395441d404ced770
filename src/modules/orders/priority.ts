import type { OrderInput, OrderPriority } from './orders.input.js';

export interface PriorityRules {
  express_methods: string[];
  priority_tags: string[];
  handling_hours: number;
}

const RANK: Record<OrderPriority, number> = { low: 0, normal: 1, high: 2, urgent: 3 };
const max = (a: OrderPriority, b: OrderPriority): OrderPriority => (RANK[a] >= RANK[b] ? a : b);

/**
 * Priority from the channel's facts: an explicit priority wins; otherwise express shipping or a priority
 * tag makes it high, and a marketplace ship-by within 12 hours of placing makes it urgent.
 * `dispatch_by` is the marketplace's ship-by, or placed + the channel's handling time, whichever is sooner.
 */
export function derivePriority(input: OrderInput, rules: PriorityRules, placedAt: Date): { priority: OrderPriority; dispatchBy: Date; why: string[] } {
  const why: string[] = [];
  let p: OrderPriority = 'normal';
  const method = (input.shipping_method ?? '').toLowerCase();
  if (method && rules.express_methods.some((m) => method.includes(m.toLowerCase()))) {
    p = max(p, 'high');
    why.push(`express shipping (${input.shipping_method})`);
  }
  const tags = (input.tags ?? []).map((t) => t.toLowerCase());
  const tag = rules.priority_tags.find((t) => tags.includes(t.toLowerCase()));
  if (tag) {
    p = max(p, 'high');
    why.push(`tag "${tag}"`);
  }
  let dispatchBy = new Date(placedAt.getTime() + rules.handling_hours * 3_600_000);
  if (input.promised_ship_by) {
    const shipBy = new Date(input.promised_ship_by);
    if (shipBy < dispatchBy) dispatchBy = shipBy;
    if (shipBy.getTime() - placedAt.getTime() <= 12 * 3_600_000) {
      p = max(p, 'urgent');
      why.push('ship-by within 12 hours');
    }
  }
  if (input.priority) {
    p = input.priority;
    why.splice(0, why.length, 'set by the channel');
  }
  return { priority: p, dispatchBy, why };
}
