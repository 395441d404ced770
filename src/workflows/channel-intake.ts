import { withTx, type Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { EDITABLE, findOrderByExternal, recordOrderEvent, type ChannelCancellation, type OrderAddressInput, type OrderInput } from '../modules/orders/index.js';
import { captureOrder } from './capture-order.js';
import { cancelOrder, editOrder } from './order-actions.js';

export type IntakeOutcome = 'created' | 'duplicate_delivery' | 'already_known' | 'updated' | 'cancelled' | 'ignored' | 'recorded';

export interface IntakeResult {
  outcome: IntakeOutcome;
  order_id?: string | undefined;
}

/** True when this delivery was already processed. */
export async function seenDelivery(db: Db, channelId: string, deliveryId: string): Promise<boolean> {
  return !!(await db.selectFrom('channel_deliveries').select('delivery_id').where('channel_id', '=', channelId).where('delivery_id', '=', deliveryId).executeTakeFirst());
}

/** Remembers a processed delivery (after its effect committed), so a repeat is answered without effect. */
export async function rememberDelivery(db: Db, channelId: string, deliveryId: string, topic: string, result: IntakeResult, externalId?: string): Promise<void> {
  await db
    .insertInto('channel_deliveries')
    .values({ channel_id: channelId, delivery_id: deliveryId, topic, external_id: externalId ?? null, order_id: result.order_id ?? null, outcome: result.outcome })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

const ADDRESS_FIELDS = ['name', 'company', 'line1', 'line2', 'city', 'state', 'postal_code', 'country', 'phone'] as const;

/** Field by field (stored JSON has no key order, and absent equals empty). */
function sameAddress(a: OrderAddressInput, b: OrderAddressInput | null): boolean {
  if (!b) return false;
  return ADDRESS_FIELDS.every((f) => (a[f] ?? '') === (b[f] ?? ''));
}

/**
 * An order created or updated on the channel. New → placed like any order. Known → a cancelled order is
 * never reopened; a changed shipping address is applied while the order can still be edited.
 */
export async function intakeOrder(db: Db, channelId: string, input: OrderInput, actor: string): Promise<IntakeResult> {
  const existing = await findOrderByExternal(db, channelId, input.external_id);
  if (!existing) {
    const r = await captureOrder(db, channelId, input, actor);
    return { outcome: r.created ? 'created' : 'already_known', order_id: r.order.id };
  }
  const newAddress = input.shipping_address;
  const old = existing.shipping_address;
  if (newAddress && EDITABLE.includes(existing.status) && !sameAddress(newAddress, old)) {
    await editOrder(db, existing.id, { shipping_address: newAddress }, actor);
    return { outcome: 'updated', order_id: existing.id };
  }
  return { outcome: 'already_known', order_id: existing.id };
}

/** A cancellation from the channel: whole, or per line by the channel's line ids. Shipped orders are recorded, not cancelled. */
export async function intakeCancellation(db: Db, channelId: string, c: ChannelCancellation, actor: string): Promise<IntakeResult> {
  const existing = await findOrderByExternal(db, channelId, c.external_id);
  if (!existing) return { outcome: 'ignored' };
  if (existing.status === 'cancelled') return { outcome: 'already_known', order_id: existing.id };
  let lines: { line_id: string; qty: number }[] | undefined;
  if (c.lines && c.lines.length > 0) {
    const detail = await db.selectFrom('order_lines').select(['id', 'external_line_id']).where('order_id', '=', existing.id).execute();
    lines = c.lines.flatMap((l) => {
      const line = detail.find((d) => d.external_line_id === l.external_line_id);
      return line ? [{ line_id: line.id, qty: l.qty }] : [];
    });
    // A per-line cancellation of lines we never took in is not a whole-order cancellation.
    if (lines.length === 0) return { outcome: 'ignored', order_id: existing.id };
  }
  try {
    await cancelOrder(db, existing.id, { reason: `channel: ${c.reason}`, lines }, actor);
    return { outcome: 'cancelled', order_id: existing.id };
  } catch (err) {
    if (err instanceof AppError && err.kind === 'conflict') {
      // Too late to cancel (picked or shipped): keep the channel's word on the timeline for ops to act on.
      await withTx(db, (tx) => recordOrderEvent(tx, existing.id, 'channel_cancel_refused', `The channel cancelled the order but ${err.message}`, { reason: c.reason, code: err.code }, actor));
      return { outcome: 'recorded', order_id: existing.id };
    }
    throw err;
  }
}

/** A refund on the channel: recorded on the order's timeline (returns and money are handled by the returns flow). */
export async function intakeRefund(db: Db, channelId: string, externalId: string, data: Record<string, unknown>, actor: string): Promise<IntakeResult> {
  const existing = await findOrderByExternal(db, channelId, externalId);
  if (!existing) return { outcome: 'ignored' };
  await withTx(db, (tx) => recordOrderEvent(tx, existing.id, 'channel_refund', 'The channel recorded a refund', data, actor));
  return { outcome: 'recorded', order_id: existing.id };
}
