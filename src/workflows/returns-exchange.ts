import { withTx, type Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { resolveSkus } from '../modules/catalog/index.js';
import { lockOrder, recordOrderEvent, type OrderInput, type OrderRow } from '../modules/orders/index.js';
import * as returns from '../modules/returns/index.js';
import type { ExchangeLine, PendingExchange, ReturnRow, ReturnView } from '../modules/returns/index.js';
import { captureOrder } from './capture-order.js';
import { getReturnFor, lockBoth, type Caller } from './returns.js';

export interface ExchangeRequest {
  lines: { line_id: string; sku: string; qty: number; unit_price_amount?: number | undefined }[];
}

/** The replacement order: same customer, address and channel; priced 0 (like for like) unless a price difference is charged. */
function exchangeOrder(order: OrderRow, ret: ReturnRow, ex: PendingExchange): OrderInput {
  const total = ex.lines.reduce((s, l) => s + l.unit_price_amount * l.qty, 0);
  return {
    external_id: ex.external_id,
    number: ex.external_id,
    currency: order.currency,
    customer: { name: order.customer.name, email: order.customer.email ?? undefined, phone: order.customer.phone ?? undefined },
    shipping_address: order.shipping_address ?? undefined,
    billing_address: order.billing_address ?? undefined,
    // Nothing to collect for a like-for-like swap; a price difference is collected the way the original was paid.
    payment: { method: total > 0 ? order.payment_method : 'prepaid' },
    lines: ex.lines.map((l) => ({ sku: l.sku, qty: l.qty, unit_price_amount: l.unit_price_amount })),
    priority: order.priority,
    tags: ['exchange'],
    channel_data: { exchange_for_return: ret.id, original_order_id: order.id },
  };
}

/**
 * Creates the replacement order for returned units, through the normal capture workflow (verified, routed,
 * reserved). Three steps, because capture is its own transaction: book the exchange on the return (its units
 * leave the refund), capture the order under an external id derived from the return (a retry can never make a
 * second order), then link them. A crash between steps leaves a pending exchange that the next call completes;
 * a capture that fails undoes the booking.
 */
export async function exchangeReturn(db: Db, caller: Caller, id: string, req: ExchangeRequest): Promise<ReturnView> {
  const booked = await withTx(db, async (tx) => {
    const { order, ret } = await lockBoth(tx, caller, id);
    const codes = [...new Set(req.lines.map((l) => l.sku))];
    const skus = await resolveSkus(tx, codes);
    for (const c of codes) {
      if (!skus.get(c)?.active) throw new AppError('not_found', 'sku_not_found', `SKU ${c} was not found`, { sku: c });
    }
    const lines: ExchangeLine[] = req.lines.map((l) => ({ line_id: l.line_id, sku: skus.get(l.sku)!.sku, qty: l.qty, unit_price_amount: l.unit_price_amount ?? 0 }));
    const fresh = await returns.bookExchange(tx, ret, lines, caller.id);
    return { order, ret, fresh, pending: await returns.pendingExchanges(tx, id) };
  });
  for (const ex of booked.pending) {
    let captured;
    try {
      captured = await captureOrder(db, booked.order.channel_id, exchangeOrder(booked.order, booked.ret, ex), caller.id);
    } catch (err) {
      if (ex.id === booked.fresh.id) await withTx(db, async (tx) => returns.dropExchange(tx, await returns.lockReturn(tx, id), ex.id));
      throw err;
    }
    await withTx(db, async (tx) => {
      await lockOrder(tx, booked.order.id);
      const ret = await returns.lockReturn(tx, id);
      const linked = await returns.completeExchange(tx, ret, ex.id, captured.order.id, caller.id);
      if (!linked) return;
      await recordOrderEvent(tx, booked.order.id, 'exchange_created', `Exchange order ${captured.order.number} created for return ${ret.number}`, { return_id: id, exchange_order_id: captured.order.id }, caller.id);
      await recordOrderEvent(tx, captured.order.id, 'exchange_for_return', `Replacement for return ${ret.number} of order ${booked.order.number}`, { return_id: id, original_order_id: booked.order.id }, caller.id);
    });
  }
  return getReturnFor(db, caller, id);
}
