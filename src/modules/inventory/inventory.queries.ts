import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { BinStockView, LedgerEntryView, LedgerType, StockLevelView } from './inventory.types.js';

/** Read models: availability, network totals, bin and lot stock (FEFO), the ledger, low stock. */

/** null = every warehouse; [] = none. */
type Scope = string[] | null | undefined;

const inScope = (scope: Scope) => (scope ? (scope.length > 0 ? scope : ['']) : undefined);

export interface ListStockInput {
  sku_ids?: string[] | undefined;
  warehouse_ids?: string[] | undefined;
  scope?: Scope;
  limit: number;
  cursor?: string | undefined;
}

const LEVEL_VIEW = [
  's.sku_id', 'k.sku', 's.warehouse_id', 's.on_hand', 's.reserved', 's.damaged', 's.quarantine', 's.in_transit', 's.updated_at',
] as const;

/** Stock per SKU × warehouse with available = on_hand − reserved, paged by (sku, warehouse). */
export async function listStock(db: Executor, input: ListStockInput): Promise<{ data: StockLevelView[]; next_cursor: string | null }> {
  let q = db
    .selectFrom('stock_levels as s')
    .innerJoin('skus as k', 'k.id', 's.sku_id')
    .select(LEVEL_VIEW)
    .select(sql<number>`s.on_hand - s.reserved`.as('available'))
    .orderBy('s.sku_id')
    .orderBy('s.warehouse_id')
    .limit(input.limit + 1);
  if (input.sku_ids) q = q.where('s.sku_id', 'in', input.sku_ids.length > 0 ? input.sku_ids : ['']);
  if (input.warehouse_ids) q = q.where('s.warehouse_id', 'in', input.warehouse_ids.length > 0 ? input.warehouse_ids : ['']);
  const scope = inScope(input.scope);
  if (scope) q = q.where('s.warehouse_id', 'in', scope);
  if (input.cursor) {
    const [sku, wh] = input.cursor.split('~');
    q = q.where(sql<boolean>`(s.sku_id, s.warehouse_id) > (${sku ?? ''}, ${wh ?? ''})`);
  }
  const rows = (await q.execute()) as StockLevelView[];
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return { data: page, next_cursor: rows.length > input.limit && last ? `${last.sku_id}~${last.warehouse_id}` : null };
}

/** Sellable units per SKU × warehouse for these SKUs (what routing and order allocation read). */
export async function availabilityFor(db: Executor, skuIds: string[], scope?: Scope): Promise<{ sku_id: string; warehouse_id: string; on_hand: number; reserved: number; available: number }[]> {
  if (skuIds.length === 0) return [];
  let q = db
    .selectFrom('stock_levels')
    .select(['sku_id', 'warehouse_id', 'on_hand', 'reserved'])
    .select(sql<number>`on_hand - reserved`.as('available'))
    .where('sku_id', '=', sql<string>`any(${[...new Set(skuIds)]}::text[])`)
    .orderBy('warehouse_id')
    .orderBy('sku_id');
  const s = inScope(scope);
  if (s) q = q.where('warehouse_id', 'in', s);
  return q.execute();
}

export interface NetworkTotal {
  sku_id: string;
  sku: string;
  on_hand: number;
  reserved: number;
  available: number;
  damaged: number;
  quarantine: number;
  in_transit: number;
  warehouses: number;
}

/** Totals per SKU over every warehouse in scope. */
export async function networkTotals(db: Executor, input: { sku_ids?: string[] | undefined; scope?: Scope; limit: number; cursor?: string | undefined }): Promise<{ data: NetworkTotal[]; next_cursor: string | null }> {
  const scope = inScope(input.scope);
  const r = await sql<NetworkTotal>`
    SELECT s.sku_id, k.sku, sum(s.on_hand)::int AS on_hand, sum(s.reserved)::int AS reserved, sum(s.on_hand - s.reserved)::int AS available,
           sum(s.damaged)::int AS damaged, sum(s.quarantine)::int AS quarantine, sum(s.in_transit)::int AS in_transit, count(*)::int AS warehouses
    FROM stock_levels s JOIN skus k ON k.id = s.sku_id
    WHERE true
      ${input.sku_ids ? sql`AND s.sku_id IN (${sql.join(input.sku_ids.length > 0 ? input.sku_ids : [''])})` : sql``}
      ${scope ? sql`AND s.warehouse_id IN (${sql.join(scope)})` : sql``}
      ${input.cursor ? sql`AND s.sku_id > ${input.cursor}` : sql``}
    GROUP BY s.sku_id, k.sku ORDER BY s.sku_id LIMIT ${input.limit + 1}`.execute(db);
  const page = r.rows.slice(0, input.limit);
  return { data: page, next_cursor: r.rows.length > input.limit ? page.at(-1)!.sku_id : null };
}

export interface ListBinStockInput {
  warehouse_id: string;
  sku_id?: string | undefined;
  bin_id?: string | undefined;
  state?: string | undefined;
  include_empty?: boolean | undefined;
}

/** Stock by bin and lot, in the order it should leave (FEFO, then FIFO, then walk sequence); bins under count are flagged. */
export async function listBinStock(db: Executor, input: ListBinStockInput): Promise<BinStockView[]> {
  const r = await sql<BinStockView>`
    SELECT bs.warehouse_id, bs.bin_id, b.code AS bin, bs.sku_id, k.sku, bs.lot, bs.state, bs.qty, bs.expires_on, bs.received_at,
           EXISTS (SELECT 1 FROM cycle_count_bins c WHERE c.bin_id = bs.bin_id AND c.open) AS under_count
    FROM bin_stock bs JOIN skus k ON k.id = bs.sku_id LEFT JOIN bins b ON b.id = bs.bin_id
    WHERE bs.warehouse_id = ${input.warehouse_id}
      ${input.sku_id ? sql`AND bs.sku_id = ${input.sku_id}` : sql``}
      ${input.bin_id ? sql`AND bs.bin_id = ${input.bin_id}` : sql``}
      ${input.state ? sql`AND bs.state = ${input.state}` : sql``}
      ${input.include_empty ? sql`` : sql`AND bs.qty > 0`}
    ORDER BY k.sku, (bs.state <> 'available'), bs.expires_on NULLS LAST, bs.received_at, b.walk_sequence NULLS LAST, b.code, bs.lot
    LIMIT 5000`.execute(db);
  return r.rows;
}

export interface ListLedgerInput {
  sku_id?: string | undefined;
  warehouse_id?: string | undefined;
  bin_id?: string | undefined;
  type?: LedgerType | undefined;
  reference?: string | undefined;
  since?: Date | undefined;
  scope?: Scope;
  after?: number | undefined;
  limit: number;
}

/** Ledger entries in the order they were written, filtered; page with `after` (the last seq seen). */
export async function listLedger(db: Executor, input: ListLedgerInput): Promise<{ data: LedgerEntryView[]; next_after: number | null }> {
  let q = db
    .selectFrom('inventory_ledger as l')
    .innerJoin('skus as k', 'k.id', 'l.sku_id')
    .leftJoin('bins as b', 'b.id', 'l.bin_id')
    .select(['l.seq', 'l.type', 'l.sku_id', 'k.sku', 'l.warehouse_id', 'l.bin_id', 'b.code as bin', 'l.lot', 'l.state', 'l.delta', 'l.reserved_delta', 'l.reason', 'l.reference', 'l.actor', 'l.occurred_at'])
    .orderBy('l.seq')
    .limit(input.limit + 1);
  if (input.sku_id) q = q.where('l.sku_id', '=', input.sku_id);
  if (input.warehouse_id) q = q.where('l.warehouse_id', '=', input.warehouse_id);
  if (input.bin_id) q = q.where('l.bin_id', '=', input.bin_id);
  if (input.type) q = q.where('l.type', '=', input.type);
  if (input.reference) q = q.where('l.reference', '=', input.reference);
  if (input.since) q = q.where('l.occurred_at', '>=', input.since);
  if (input.after !== undefined) q = q.where('l.seq', '>', input.after);
  const scope = inScope(input.scope);
  if (scope) q = q.where('l.warehouse_id', 'in', scope);
  const rows = (await q.execute()) as LedgerEntryView[];
  const page = rows.slice(0, input.limit);
  return { data: page, next_after: rows.length > input.limit ? page.at(-1)!.seq : null };
}

/** SKU × warehouse rows whose available stock is at or below the threshold, lowest first. */
export async function lowStock(db: Executor, input: { threshold: number; warehouse_id?: string | undefined; scope?: Scope; limit: number }): Promise<StockLevelView[]> {
  let q = db
    .selectFrom('stock_levels as s')
    .innerJoin('skus as k', 'k.id', 's.sku_id')
    .select(LEVEL_VIEW)
    .select(sql<number>`s.on_hand - s.reserved`.as('available'))
    .where(sql<boolean>`s.on_hand - s.reserved <= ${input.threshold}`)
    .where('k.active', '=', true)
    .where('k.is_kit', '=', false)
    .orderBy(sql`s.on_hand - s.reserved`)
    .orderBy('k.sku')
    .limit(input.limit);
  if (input.warehouse_id) q = q.where('s.warehouse_id', '=', input.warehouse_id);
  const scope = inScope(input.scope);
  if (scope) q = q.where('s.warehouse_id', 'in', scope);
  return (await q.execute()) as StockLevelView[];
}

/** Open reserved units per warehouse × SKU held by some refs (orders), e.g. to give them back in a what-if. */
export async function reservedForRefs(db: Executor, refs: string[]): Promise<{ warehouse_id: string; sku_id: string; qty: number }[]> {
  if (refs.length === 0) return [];
  const r = await sql<{ warehouse_id: string; sku_id: string; qty: number }>`
    SELECT warehouse_id, sku_id, sum(qty)::int AS qty FROM reservations
    WHERE status = 'open' AND ref = ANY(${refs}::text[]) GROUP BY warehouse_id, sku_id`.execute(db);
  return r.rows;
}

/** A SKU × warehouse out of stock that customers wanted (see `stockOuts`). */
export interface StockOutRow {
  warehouse_id: string;
  sku_id: string;
  sku: string;
  name: string;
  on_hand: number;
  reserved: number;
  available: number;
  /** Units reserved here since `since` (orders that took this stock), and the last such reservation. */
  reserved_since: number;
  last_reserved_at: Date | null;
  /** Orders waiting for stock (backordered units) with a line of this SKU, whichever warehouse they wait for. */
  waiting_orders: number;
}

/**
 * Stock-outs within a warehouse scope: SKU × warehouse rows with available (on hand − reserved) ≤ 0 that had
 * demand — units reserved at that warehouse since `since` (the ledger's `reserve` rows), or orders waiting for
 * the SKU now. Most wanted first; `total` is the count before the limit. Reads `orders`/`order_lines` (orders
 * module) read-only for the waiting orders, in the same statement.
 */
export async function stockOuts(db: Executor, input: { since: Date; scope?: Scope; limit: number }): Promise<{ total: number; data: StockOutRow[] }> {
  const scope = inScope(input.scope);
  const r = await sql<StockOutRow & { total: number }>`
    WITH waiting AS (
      SELECT l.sku_id, count(DISTINCT o.id)::int AS orders FROM orders o JOIN order_lines l ON l.order_id = o.id
      WHERE o.backordered_units > 0 AND o.status NOT IN ('pending', 'on_hold', 'cancelled', 'closed') AND l.sku_id IS NOT NULL
      GROUP BY l.sku_id)
    SELECT s.warehouse_id, s.sku_id, k.sku, k.name, s.on_hand, s.reserved, s.on_hand - s.reserved AS available,
           COALESCE(d.units, 0)::int AS reserved_since, d.last_at AS last_reserved_at, COALESCE(w.orders, 0)::int AS waiting_orders,
           count(*) OVER ()::int AS total
    FROM stock_levels s JOIN skus k ON k.id = s.sku_id
    LEFT JOIN LATERAL (
      SELECT sum(g.reserved_delta)::int AS units, max(g.occurred_at) AS last_at FROM inventory_ledger g
      WHERE g.sku_id = s.sku_id AND g.warehouse_id = s.warehouse_id AND g.type = 'reserve' AND g.occurred_at >= ${input.since}) d ON true
    LEFT JOIN waiting w ON w.sku_id = s.sku_id
    WHERE s.on_hand - s.reserved <= 0 AND k.active AND NOT k.is_kit AND (COALESCE(d.units, 0) > 0 OR COALESCE(w.orders, 0) > 0)
      ${scope ? sql`AND s.warehouse_id = ANY(${scope}::text[])` : sql``}
    ORDER BY waiting_orders DESC, reserved_since DESC, k.sku, s.warehouse_id
    LIMIT ${input.limit}`.execute(db);
  return { total: r.rows[0]?.total ?? 0, data: r.rows.map(({ total: _total, ...row }) => row) };
}
