import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { emit } from '../../events/outbox.js';
import { selectLines, type ReturnRow } from './returns.repo.js';
import type { ExchangeView } from './returns.types.js';

export interface ExchangeLine {
  /** The returned order line the replacement is for. */
  line_id: string;
  /** The replacement SKU's code. */
  sku: string;
  qty: number;
  /** What the customer pays for each replacement unit (0 = like for like; a price difference otherwise). */
  unit_price_amount: number;
}

export interface PendingExchange {
  id: number;
  external_id: string;
  lines: ExchangeLine[];
}

/**
 * Books an exchange on a locked return: the returned units it covers are taken out of the refund (guarded:
 * exchanged + refunded never exceeds the line) and a pending exchange row names the order to capture, with an
 * external id derived from the return so that capturing it again can never create a second order.
 */
export async function bookExchange(tx: Executor, ret: ReturnRow, lines: ExchangeLine[], actor?: string): Promise<PendingExchange> {
  if (ret.status === 'cancelled' || ret.status === 'closed') {
    throw new AppError('conflict', 'invalid_transition', `Return ${ret.number} is ${ret.status}; an exchange needs an open return`, { return_id: ret.id, status: ret.status });
  }
  const current = await selectLines(tx, ret.id);
  const perLine = new Map<string, number>();
  for (const l of lines) perLine.set(l.line_id, (perLine.get(l.line_id) ?? 0) + l.qty);
  for (const [lineId, qty] of perLine) {
    const line = current.find((c) => c.line_id === lineId);
    if (!line) throw new AppError('not_found', 'line_not_found', `Return ${ret.number} has no line ${lineId}`, { return_id: ret.id, line_id: lineId });
    const r = await sql`UPDATE return_lines SET qty_exchanged = qty_exchanged + ${qty}
                        WHERE return_id = ${ret.id} AND order_line_id = ${lineId} AND qty_exchanged + qty_refunded + ${qty} <= qty`.execute(tx);
    if (Number(r.numAffectedRows ?? 0) !== 1) {
      const left = line.qty - line.qty_exchanged - line.qty_refunded;
      throw new AppError('conflict', 'qty_exceeds_exchangeable', `Line ${line.line_no} has ${left} unit(s) that are neither refunded nor exchanged`, { line_id: lineId, requested: qty, exchangeable: left });
    }
  }
  const n = await sql<{ n: number }>`SELECT count(*)::int + 1 AS n FROM return_exchanges WHERE return_id = ${ret.id}`.execute(tx);
  const externalId = `${ret.number}-X${n.rows[0]!.n}`;
  const row = await tx
    .insertInto('return_exchanges')
    .values({ return_id: ret.id, external_id: externalId, order_id: null, lines: JSON.stringify(lines), created_by: actor ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, external_id: externalId, lines };
}

/** Exchanges of a return whose order has not been captured yet (a crash between booking and capture leaves one). */
export async function pendingExchanges(db: Executor, returnId: string): Promise<PendingExchange[]> {
  const rows = await db.selectFrom('return_exchanges').select(['id', 'external_id', 'lines']).where('return_id', '=', returnId).where('status', '=', 'pending').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, external_id: r.external_id, lines: r.lines as ExchangeLine[] }));
}

/** Links the captured order to its exchange and tells the world. */
export async function completeExchange(tx: Executor, ret: ReturnRow, exchangeId: number, orderId: string, actor?: string): Promise<ExchangeView | undefined> {
  const row = await tx
    .updateTable('return_exchanges')
    .set({ order_id: orderId, status: 'created' })
    .where('id', '=', exchangeId)
    .where('status', '=', 'pending')
    .returning(['id', 'order_id', 'status', 'lines', 'created_at'])
    .executeTakeFirst();
  if (!row) return undefined;
  await emit(tx, { type: 'return.exchange_created', aggregateType: 'return', aggregateId: ret.id, actor, payload: { return_id: ret.id, order_id: ret.order_id, exchange_order_id: orderId, lines: row.lines } });
  return { ...row, lines: row.lines as ExchangeView['lines'] };
}

/** Undoes a booked exchange whose order could not be captured: the units become refundable again. */
export async function dropExchange(tx: Executor, ret: ReturnRow, exchangeId: number): Promise<void> {
  const row = await tx.deleteFrom('return_exchanges').where('id', '=', exchangeId).where('status', '=', 'pending').returning('lines').executeTakeFirst();
  if (!row) return;
  const perLine = new Map<string, number>();
  for (const l of row.lines as ExchangeLine[]) perLine.set(l.line_id, (perLine.get(l.line_id) ?? 0) + l.qty);
  for (const [lineId, qty] of perLine) {
    await sql`UPDATE return_lines SET qty_exchanged = qty_exchanged - ${qty} WHERE return_id = ${ret.id} AND order_line_id = ${lineId}`.execute(tx);
  }
}
