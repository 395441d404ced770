import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import type { ExchangeView, InspectionView, ReturnLineView, ReturnStatus, ReturnType, ReturnView } from './returns.types.js';

/** The returns module's SQL: only its own tables (skus joined for codes only). */

export type ReturnRow = Omit<ReturnView, 'lines' | 'inspections' | 'exchanges'>;

const RETURN_COLUMNS = [
  'id', 'number', 'order_id', 'type', 'status', 'warehouse_id', 'shipment_id', 'currency', 'refund_shipping', 'refund_amount', 'shipping_refund_amount',
  'note', 'created_by', 'created_at', 'updated_at', 'received_at', 'inspected_at', 'closed_at', 'cancelled_at',
] as const;

const toRow = (r: Record<string, unknown>): ReturnRow => ({ ...(r as unknown as ReturnRow), type: r.type as ReturnType, status: r.status as ReturnStatus });

export async function selectReturn(db: Executor, id: string, forUpdate = false): Promise<ReturnRow | undefined> {
  let q = db.selectFrom('returns').select(RETURN_COLUMNS).where('id', '=', id);
  if (forUpdate) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  return r ? toRow(r) : undefined;
}

/** The return row, locked for the transaction (every command on one return runs one at a time). */
export async function lockReturn(tx: Executor, id: string): Promise<ReturnRow> {
  const r = await selectReturn(tx, id, true);
  if (!r) throw new AppError('not_found', 'return_not_found', `Return ${id} was not found`, { return_id: id });
  return r;
}

export async function selectLines(db: Executor, returnId: string): Promise<ReturnLineView[]> {
  return db
    .selectFrom('return_lines as l')
    .innerJoin('skus as s', 's.id', 'l.sku_id')
    .select([
      'l.order_line_id as line_id', 'l.line_no', 'l.sku_id', 's.sku', 'l.reason', 'l.qty', 'l.qty_received', 'l.qty_inspected', 'l.qty_restocked',
      'l.qty_quarantined', 'l.qty_scrapped', 'l.qty_exchanged', 'l.qty_refunded', 'l.refund_amount',
    ])
    .where('l.return_id', '=', returnId)
    .orderBy('l.line_no')
    .execute();
}

async function selectInspections(db: Executor, returnId: string): Promise<InspectionView[]> {
  const rows = await db
    .selectFrom('return_inspections')
    .select(['id', 'order_line_id as line_id', 'qty', 'condition', 'disposition', 'bin_id', 'refund_amount', 'note', 'actor', 'at'])
    .where('return_id', '=', returnId)
    .orderBy('id')
    .execute();
  if (rows.length === 0) return [];
  const lots = await db.selectFrom('return_inspection_lots').select(['inspection_id', 'sku_id', 'lot', 'expires_on', 'known', 'qty'])
    .where('inspection_id', 'in', rows.map((r) => r.id)).orderBy('inspection_id').orderBy('sku_id').orderBy('lot').execute();
  return rows.map((r) => ({ ...r, lots: lots.filter((l) => l.inspection_id === Number(r.id)).map(({ inspection_id: _i, ...l }) => l) }));
}

async function selectExchanges(db: Executor, returnId: string): Promise<ExchangeView[]> {
  const rows = await db.selectFrom('return_exchanges').select(['id', 'order_id', 'status', 'lines', 'created_at']).where('return_id', '=', returnId).orderBy('id').execute();
  return rows.map((r) => ({ ...r, lines: r.lines as ExchangeView['lines'] }));
}

/** A return with its lines, inspections and exchanges; throws `return_not_found`. */
export async function getReturn(db: Executor, id: string): Promise<ReturnView> {
  const r = await selectReturn(db, id);
  if (!r) throw new AppError('not_found', 'return_not_found', `Return ${id} was not found`, { return_id: id });
  const [lines, inspections, exchanges] = await Promise.all([selectLines(db, id), selectInspections(db, id), selectExchanges(db, id)]);
  return { ...r, lines, inspections, exchanges };
}

export interface ListReturnsInput {
  order_id?: string | undefined;
  status?: ReturnStatus | undefined;
  type?: ReturnType | undefined;
  warehouse_id?: string | undefined;
  /** null = every warehouse. */
  scope: string[] | null;
  limit: number;
  cursor?: string | undefined;
}

/** Returns newest first, paged by id. */
export async function listReturns(db: Executor, input: ListReturnsInput): Promise<{ data: ReturnRow[]; next_cursor: string | null }> {
  let q = db.selectFrom('returns').select(RETURN_COLUMNS).orderBy('id', 'desc').limit(input.limit + 1);
  if (input.order_id) q = q.where('order_id', '=', input.order_id);
  if (input.status) q = q.where('status', '=', input.status);
  if (input.type) q = q.where('type', '=', input.type);
  if (input.warehouse_id) q = q.where('warehouse_id', '=', input.warehouse_id);
  if (input.scope) q = input.scope.length === 0 ? q.where(sql<boolean>`false`) : q.where('warehouse_id', 'in', input.scope);
  if (input.cursor) q = q.where('id', '<', input.cursor);
  const rows = (await q.execute()).map(toRow);
  const more = rows.length > input.limit;
  const data = more ? rows.slice(0, input.limit) : rows;
  return { data, next_cursor: more ? data[data.length - 1]!.id : null };
}

/**
 * Units of each order line already claimed by returns: an open return claims everything it asked for, a closed
 * one only what actually came back; cancelled returns claim nothing.
 */
export async function claimedByLine(db: Executor, orderId: string): Promise<Map<string, number>> {
  const rows = await sql<{ order_line_id: string; units: number }>`
    SELECT l.order_line_id, sum(CASE WHEN r.status = 'closed' THEN l.qty_received ELSE l.qty END)::int AS units
    FROM return_lines l JOIN returns r ON r.id = l.return_id
    WHERE r.order_id = ${orderId} AND r.status <> 'cancelled'
    GROUP BY l.order_line_id`.execute(db);
  return new Map(rows.rows.map((r) => [r.order_line_id, r.units]));
}

/** Units of each order line received back, over every return of the order. */
export async function receivedByLine(db: Executor, orderId: string): Promise<Map<string, number>> {
  const rows = await sql<{ order_line_id: string; units: number }>`
    SELECT l.order_line_id, sum(l.qty_received)::int AS units
    FROM return_lines l JOIN returns r ON r.id = l.return_id
    WHERE r.order_id = ${orderId} AND r.status <> 'cancelled'
    GROUP BY l.order_line_id`.execute(db);
  return new Map(rows.rows.map((r) => [r.order_line_id, r.units]));
}

/** Units of each order line refunded so far and the shipping refunded, over every return of the order. */
export async function refundedSoFar(db: Executor, orderId: string): Promise<{ units: Map<string, number>; shipping: number }> {
  const lines = await sql<{ order_line_id: string; units: number }>`
    SELECT l.order_line_id, sum(l.qty_refunded)::int AS units
    FROM return_lines l JOIN returns r ON r.id = l.return_id WHERE r.order_id = ${orderId}
    GROUP BY l.order_line_id`.execute(db);
  const ship = await sql<{ amount: number }>`SELECT coalesce(sum(shipping_refund_amount), 0)::bigint AS amount FROM returns WHERE order_id = ${orderId}`.execute(db);
  return { units: new Map(lines.rows.map((r) => [r.order_line_id, r.units])), shipping: Number(ship.rows[0]!.amount) };
}

/** Sets a return's status (and the matching timestamp, kept from its first time) after the caller checked the transition. */
export async function setStatus(tx: Executor, id: string, status: ReturnStatus, extra: { refund_amount?: unknown; shipping_refund_amount?: unknown } = {}): Promise<void> {
  const stamp = { received: 'received_at', inspected: 'inspected_at', closed: 'closed_at', cancelled: 'cancelled_at' } as const;
  const col = status === 'requested' ? undefined : stamp[status];
  await tx
    .updateTable('returns')
    .set({ status, updated_at: new Date(), ...(col ? { [col]: sql`coalesce(${sql.ref(col)}, now())` } : {}), ...(extra as object) })
    .where('id', '=', id)
    .execute();
}
