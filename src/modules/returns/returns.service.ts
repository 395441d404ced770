import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { emit } from '../../events/outbox.js';
import { assertReturnTransition, progressStatus, RECEIVABLE } from './returns.lifecycle.js';
import { claimedByLine, getReturn, lockReturn, selectLines, setStatus, type ReturnRow } from './returns.repo.js';
import { RETURN_REASONS, RTO_REASON, type NewReturn, type ReturnableLine, type ReturnView } from './returns.types.js';

/**
 * Opens a return (RMA). The caller holds the order lock, so concurrent returns of one order are checked one at a
 * time: each line's quantity must fit in what shipped minus what other returns already claim.
 */
export async function createReturn(tx: Executor, input: NewReturn, returnable: ReturnableLine[], actor?: string): Promise<ReturnView> {
  if (input.lines.length === 0) throw new AppError('conflict', 'nothing_shipped', `Order ${input.order_id} has nothing to return`, { order_id: input.order_id });
  const seen = new Set<string>();
  const claimed = await claimedByLine(tx, input.order_id);
  for (const [i, l] of input.lines.entries()) {
    if (seen.has(l.line_id)) throw new AppError('invalid', 'duplicate_line', `Line ${l.line_id} appears twice; give one entry per order line`, { line_id: l.line_id }, [{ path: `lines.${i}.line_id`, message: 'duplicate' }]);
    seen.add(l.line_id);
    if (input.type === 'customer' && !(RETURN_REASONS as readonly string[]).includes(l.reason)) {
      throw new AppError('invalid', 'validation_failed', `Unknown reason ${l.reason}`, { reason: l.reason, allowed: RETURN_REASONS }, [{ path: `lines.${i}.reason`, message: `one of ${RETURN_REASONS.join(', ')}` }]);
    }
    const line = returnable.find((r) => r.line_id === l.line_id);
    if (!line) throw new AppError('not_found', 'line_not_found', `Order ${input.order_id} has no returnable line ${l.line_id}`, { order_id: input.order_id, line_id: l.line_id });
    const left = line.shipped - (claimed.get(l.line_id) ?? 0);
    if (l.qty > left) {
      throw new AppError('conflict', 'qty_exceeds_returnable', `Line ${line.line_no} has ${left} unit(s) left to return (shipped ${line.shipped}, already on returns ${claimed.get(l.line_id) ?? 0})`, {
        line_id: l.line_id, requested: l.qty, returnable: left, shipped: line.shipped,
      });
    }
  }

  const seqRow = await sql<{ seq: number }>`SELECT coalesce(max(seq), 0)::int + 1 AS seq FROM returns WHERE order_id = ${input.order_id}`.execute(tx);
  const seq = seqRow.rows[0]!.seq;
  const id = newId('rma');
  const number = `RMA-${input.order_number}-${seq}`;
  try {
    await tx
      .insertInto('returns')
      .values({
        id, number, order_id: input.order_id, seq, type: input.type, warehouse_id: input.warehouse_id, shipment_id: input.shipment_id ?? null, currency: input.currency,
        refund_shipping: input.refund_shipping ?? false, note: input.note ?? null, created_by: actor ?? null, received_at: null, inspected_at: null, closed_at: null, cancelled_at: null,
      })
      .execute();
  } catch (err) {
    if ((err as { code?: string }).code === '23505' && input.type === 'rto') {
      throw new AppError('conflict', 'rto_exists', `Shipment ${input.shipment_id} already has a return to origin`, { shipment_id: input.shipment_id });
    }
    throw err;
  }
  await tx
    .insertInto('return_lines')
    .values(input.lines.map((l) => {
      const line = returnable.find((r) => r.line_id === l.line_id)!;
      return { return_id: id, order_line_id: l.line_id, line_no: line.line_no, sku_id: line.sku_id, qty: l.qty, reason: input.type === 'rto' ? RTO_REASON : l.reason };
    }))
    .execute();
  await emit(tx, {
    type: 'return.created', aggregateType: 'return', aggregateId: id, actor,
    payload: { return_id: id, number, order_id: input.order_id, type: input.type, warehouse_id: input.warehouse_id, shipment_id: input.shipment_id ?? null, lines: input.lines.map((l) => ({ line_id: l.line_id, qty: l.qty, reason: input.type === 'rto' ? RTO_REASON : l.reason })) },
  });
  return getReturn(tx, id);
}

/** The id of the live return to origin of a shipment, if there is one. */
export async function findRtoForShipment(db: Executor, shipmentId: string): Promise<string | undefined> {
  const r = await db.selectFrom('returns').select('id').where('shipment_id', '=', shipmentId).where('type', '=', 'rto').where('status', '<>', 'cancelled').executeTakeFirst();
  return r?.id;
}

export interface ReceivedUnits {
  /** The SKU scanned (the return line's SKU: a kit line is received by the kit's code). */
  sku_id: string;
  qty: number;
}

/**
 * Records units that arrived for a locked return, filling its lines of that SKU in line order with guarded updates
 * (never more than each line expects). No stock moves here: units awaiting inspection are not sellable stock.
 */
export async function recordReceipt(tx: Executor, ret: ReturnRow, scans: ReceivedUnits[], actor?: string): Promise<{ view: ReturnView; received: { line_id: string; sku_id: string; qty: number }[] }> {
  if (!RECEIVABLE.includes(ret.status)) assertReturnTransition(ret.id, ret.status, 'received');
  const lines = await selectLines(tx, ret.id);
  const received: { line_id: string; sku_id: string; qty: number }[] = [];
  for (const scan of scans) {
    const candidates = lines.filter((l) => l.sku_id === scan.sku_id);
    if (candidates.length === 0) throw new AppError('conflict', 'sku_not_in_return', `Return ${ret.number} expects no units of this SKU`, { return_id: ret.id, sku_id: scan.sku_id });
    let left = scan.qty;
    for (const l of candidates) {
      const q = Math.min(left, l.qty - l.qty_received);
      if (q <= 0) continue;
      const r = await sql`UPDATE return_lines SET qty_received = qty_received + ${q}
                          WHERE return_id = ${ret.id} AND order_line_id = ${l.line_id} AND qty_received + ${q} <= qty`.execute(tx);
      if (Number(r.numAffectedRows ?? 0) !== 1) throw new AppError('conflict', 'qty_exceeds_expected', `Line ${l.line_no} expects no more units`, { line_id: l.line_id });
      l.qty_received += q;
      left -= q;
      received.push({ line_id: l.line_id, sku_id: l.sku_id, qty: q });
    }
    if (left > 0) {
      const expected = candidates.reduce((s, l) => s + l.qty, 0);
      throw new AppError('conflict', 'qty_exceeds_expected', `${left} unit(s) more than return ${ret.number} expects of ${candidates[0]!.sku}`, { return_id: ret.id, sku: candidates[0]!.sku, expected, over_by: left });
    }
  }
  const next = progressStatus(lines);
  assertReturnTransition(ret.id, ret.status, next);
  await setStatus(tx, ret.id, next);
  await emit(tx, { type: 'return.received', aggregateType: 'return', aggregateId: ret.id, actor, payload: { return_id: ret.id, order_id: ret.order_id, warehouse_id: ret.warehouse_id, lines: received } });
  return { view: await getReturn(tx, ret.id), received };
}

/** Cancels a return nothing has been received for; a return with an exchange order keeps it (cancel that order first). */
export async function cancelReturn(tx: Executor, ret: ReturnRow, reason: string, actor?: string): Promise<ReturnView> {
  if (ret.status === 'cancelled') return getReturn(tx, ret.id);
  assertReturnTransition(ret.id, ret.status, 'cancelled');
  const ex = await tx.selectFrom('return_exchanges').select('order_id').where('return_id', '=', ret.id).executeTakeFirst();
  if (ex) throw new AppError('conflict', 'invalid_transition', `Return ${ret.number} has an exchange order ${ex.order_id ?? ''}; cancel that order, the return stays`, { return_id: ret.id, exchange_order_id: ex.order_id });
  await setStatus(tx, ret.id, 'cancelled');
  await emit(tx, { type: 'return.cancelled', aggregateType: 'return', aggregateId: ret.id, actor, payload: { return_id: ret.id, order_id: ret.order_id, reason } });
  return getReturn(tx, ret.id);
}

/**
 * Closes a return whose received units are all inspected. Units that never arrived are given up: they no longer
 * count against the order line, so another return may claim them.
 */
export async function closeReturn(tx: Executor, ret: ReturnRow, actor?: string): Promise<ReturnView> {
  if (ret.status === 'closed') return getReturn(tx, ret.id);
  assertReturnTransition(ret.id, ret.status, 'closed');
  const lines = await selectLines(tx, ret.id);
  const open = lines.filter((l) => l.qty_inspected < l.qty_received);
  if (open.length > 0) {
    throw new AppError('conflict', 'uninspected_units', `Return ${ret.number} has received units not inspected yet`, { lines: open.map((l) => ({ line_id: l.line_id, uninspected: l.qty_received - l.qty_inspected })) });
  }
  await setStatus(tx, ret.id, 'closed');
  const notReceived = lines.filter((l) => l.qty_received < l.qty).map((l) => ({ line_id: l.line_id, qty: l.qty - l.qty_received }));
  const view = await getReturn(tx, ret.id);
  await emit(tx, {
    type: 'return.closed', aggregateType: 'return', aggregateId: ret.id, actor,
    payload: { return_id: ret.id, order_id: ret.order_id, refund_amount: view.refund_amount, currency: view.currency, not_received: notReceived },
  });
  return view;
}

export { lockReturn };
