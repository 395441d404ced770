import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { emit } from '../../events/outbox.js';
import { assertReturnTransition, progressStatus } from './returns.lifecycle.js';
import { getReturn, refundedSoFar, selectLines, setStatus, type ReturnRow } from './returns.repo.js';
import { computeRefunds, type LineRefund, type RefundOrderFacts } from './refund.js';
import type { Condition, Disposition, ReturnView } from './returns.types.js';

export interface InspectionEntry {
  line_id: string;
  /** Units this verdict covers; absent = every received unit of the line not inspected yet. */
  qty?: number | undefined;
  condition: Condition;
  disposition: Disposition;
  /** Where restocked or quarantined units are put (the workflow resolves or suggests it). */
  bin_id: string | null;
  note?: string | undefined;
}

export interface RefundFacts extends RefundOrderFacts {
  /** False when nothing is owed back (a return to origin of a cash-on-delivery order was never paid). */
  refunds_enabled: boolean;
  /** The order's shipping fee, refunded once when the return asks for it. */
  shipping_amount: number;
}

export interface Inspected {
  /** The return_inspections row of this verdict. */
  inspection_id: number;
  line_id: string;
  sku_id: string;
  qty: number;
  condition: Condition;
  disposition: Disposition;
  bin_id: string | null;
}

export interface InspectionResult {
  view: ReturnView;
  inspected: Inspected[];
  refund: { amount: number; currency: string; shipping_amount: number; lines: LineRefund[] };
}

const COUNTER: Record<Disposition, 'qty_restocked' | 'qty_quarantined' | 'qty_scrapped'> = { restock: 'qty_restocked', quarantine: 'qty_quarantined', scrap: 'qty_scrapped' };

/**
 * Records inspection verdicts on received units of a locked return (the caller also holds the order lock). Each
 * verdict is a guarded update, so the same units are never inspected — and restocked — twice. Units that are
 * inspected and not exchanged become refundable; the refund is computed in minor units and emitted as
 * `return.refund_due`. Stock is the caller's job (the inventory module), in the same transaction.
 */
export async function recordInspection(tx: Executor, ret: ReturnRow, entries: InspectionEntry[], facts: RefundFacts, actor?: string): Promise<InspectionResult> {
  if (ret.status === 'requested' || ret.status === 'inspected') throw new AppError('conflict', 'nothing_to_inspect', `Return ${ret.number} has no received units awaiting inspection`, { return_id: ret.id, status: ret.status });
  if (ret.status !== 'received') assertReturnTransition(ret.id, ret.status, 'inspected');
  const lines = await selectLines(tx, ret.id);
  const refunded = await refundedSoFar(tx, ret.order_id);
  const inspected: Inspected[] = [];
  const refunds: LineRefund[] = [];

  for (const [i, e] of entries.entries()) {
    const line = lines.find((l) => l.line_id === e.line_id);
    if (!line) throw new AppError('not_found', 'line_not_found', `Return ${ret.number} has no line ${e.line_id}`, { return_id: ret.id, line_id: e.line_id });
    const uninspected = line.qty_received - line.qty_inspected;
    if (uninspected === 0) throw new AppError('conflict', 'nothing_to_inspect', `Line ${line.line_no} has no received units awaiting inspection`, { line_id: line.line_id, received: line.qty_received, inspected: line.qty_inspected });
    const qty = e.qty ?? uninspected;
    if (qty > uninspected) {
      throw new AppError('conflict', 'qty_exceeds_uninspected', `Line ${line.line_no} has ${uninspected} unit(s) awaiting inspection`, { line_id: line.line_id, requested: qty, uninspected }, [{ path: `lines.${i}.qty`, message: `at most ${uninspected}` }]);
    }
    const col = COUNTER[e.disposition];
    const r = await sql`UPDATE return_lines SET qty_inspected = qty_inspected + ${qty}, ${sql.ref(col)} = ${sql.ref(col)} + ${qty}
                        WHERE return_id = ${ret.id} AND order_line_id = ${line.line_id} AND qty_inspected + ${qty} <= qty_received`.execute(tx);
    if (Number(r.numAffectedRows ?? 0) !== 1) throw new AppError('conflict', 'qty_exceeds_uninspected', `Line ${line.line_no} units were inspected meanwhile`, { line_id: line.line_id });
    line.qty_inspected += qty;

    let refundAmount = 0;
    const units = facts.refunds_enabled ? Math.min(line.qty_inspected, line.qty - line.qty_exchanged) - line.qty_refunded : 0;
    if (units > 0) {
      const [lr] = computeRefunds(facts, [{ line_id: line.line_id, units, refunded_before: refunded.units.get(line.line_id) ?? 0 }]);
      await sql`UPDATE return_lines SET qty_refunded = qty_refunded + ${units}, refund_amount = refund_amount + ${lr!.amount}
                WHERE return_id = ${ret.id} AND order_line_id = ${line.line_id}`.execute(tx);
      line.qty_refunded += units;
      refunded.units.set(line.line_id, (refunded.units.get(line.line_id) ?? 0) + units);
      refunds.push(lr!);
      refundAmount = lr!.amount;
    }
    const row = await tx
      .insertInto('return_inspections')
      .values({ return_id: ret.id, order_line_id: line.line_id, qty, condition: e.condition, disposition: e.disposition, bin_id: e.bin_id, refund_amount: refundAmount, note: e.note ?? null, actor: actor ?? null })
      .returning('id')
      .executeTakeFirstOrThrow();
    inspected.push({ inspection_id: Number(row.id), line_id: line.line_id, sku_id: line.sku_id, qty, condition: e.condition, disposition: e.disposition, bin_id: e.bin_id });
  }

  const lineTotal = refunds.reduce((s, r) => s + r.amount, 0);
  // The shipping fee goes back once per order, with the first refund of a return that asked for it.
  const shipping = ret.refund_shipping && ret.shipping_refund_amount === 0 && lineTotal > 0 ? Math.max(0, facts.shipping_amount - refunded.shipping) : 0;
  const total = lineTotal + shipping;
  const next = progressStatus(lines);
  if (next !== ret.status) assertReturnTransition(ret.id, ret.status, next);
  await setStatus(tx, ret.id, next, { refund_amount: sql`refund_amount + ${total}`, shipping_refund_amount: sql`shipping_refund_amount + ${shipping}` });
  await emit(tx, { type: 'return.inspected', aggregateType: 'return', aggregateId: ret.id, actor, payload: { return_id: ret.id, order_id: ret.order_id, warehouse_id: ret.warehouse_id, status: next, lines: inspected } });
  if (total > 0) {
    await emit(tx, {
      type: 'return.refund_due', aggregateType: 'return', aggregateId: ret.id, actor,
      payload: { return_id: ret.id, order_id: ret.order_id, amount: total, currency: ret.currency, shipping_amount: shipping, lines: refunds },
    });
  }
  return { view: await getReturn(tx, ret.id), inspected, refund: { amount: total, currency: ret.currency, shipping_amount: shipping, lines: refunds } };
}

/** Units of an order line × SKU in one lot, as returns see them. */
export interface ReturnedLot {
  order_line_id: string;
  sku_id: string;
  lot: string;
  expires_on: string | null;
  qty: number;
}

/**
 * Lots that inspected units of an order's returns went back into or were written off from, per order line × SKU
 * (only lots known from shipping; of one return when given).
 */
export async function returnedLots(db: Executor, orderId: string, returnId?: string): Promise<ReturnedLot[]> {
  const r = await sql<ReturnedLot>`
    SELECT i.order_line_id, x.sku_id, x.lot, x.expires_on::text AS expires_on, sum(x.qty)::int AS qty
    FROM return_inspection_lots x JOIN return_inspections i ON i.id = x.inspection_id JOIN returns r ON r.id = i.return_id
    WHERE r.order_id = ${orderId} AND x.known ${returnId ? sql`AND r.id = ${returnId}` : sql``}
    GROUP BY 1, 2, 3, 4`.execute(db);
  return r.rows;
}

/** Records which lot(s) the units of inspection verdicts went into; `known: false` = the default lot, not recorded at shipping. */
export async function recordInspectionLots(tx: Executor, rows: { inspection_id: number; sku_id: string; lot: string; expires_on: string | null; known: boolean; qty: number }[]): Promise<void> {
  const merged = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    const k = `${r.inspection_id}\u0000${r.sku_id}\u0000${r.lot}\u0000${r.known}`;
    const m = merged.get(k);
    if (m) m.qty += r.qty;
    else merged.set(k, { ...r });
  }
  if (merged.size === 0) return;
  await tx.insertInto('return_inspection_lots').values([...merged.values()]).execute();
}
