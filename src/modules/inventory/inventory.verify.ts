import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { Drift } from './inventory.types.js';

/**
 * `tandem inventory verify`: recomputes every counter from its source of truth and reports each
 * difference. on_hand, damaged, quarantine and in_transit from the ledger; reserved from the open
 * reservations (and from the ledger); bin totals against the levels; each bin row against the ledger;
 * in_transit against the transfers still on their way. A healthy database reports nothing.
 * Run it in a repeatable-read transaction so every check sees the same snapshot.
 */
export async function verifyInventory(db: Executor, input: { warehouse_ids?: string[] | null | undefined } = {}): Promise<Drift[]> {
  const scope = input.warehouse_ids ? (input.warehouse_ids.length > 0 ? input.warehouse_ids : ['']) : undefined;
  const only = (col: RawBuilder<unknown>) => (scope ? sql`AND ${col} IN (${sql.join(scope)})` : sql``);
  const drifts: Drift[] = [];

  // Levels against the ledger: one row per (sku, warehouse) seen on either side.
  const levels = await sql<{ sku_id: string; warehouse_id: string; on_hand: number; reserved: number; damaged: number; quarantine: number; in_transit: number; l_available: number; l_damaged: number; l_quarantine: number; l_in_transit: number; l_reserved: number; r_open: number; b_available: number; b_damaged: number; b_quarantine: number; t_in_transit: number }>`
    WITH led AS (
      SELECT sku_id, warehouse_id,
             sum(delta) FILTER (WHERE state = 'available')::bigint AS l_available,
             sum(delta) FILTER (WHERE state = 'damaged')::bigint AS l_damaged,
             sum(delta) FILTER (WHERE state = 'quarantine')::bigint AS l_quarantine,
             sum(delta) FILTER (WHERE state = 'in_transit')::bigint AS l_in_transit,
             sum(reserved_delta)::bigint AS l_reserved
      FROM inventory_ledger WHERE true ${only(sql.ref('warehouse_id'))} GROUP BY sku_id, warehouse_id),
    res AS (
      SELECT sku_id, warehouse_id, sum(qty)::bigint AS r_open FROM reservations
      WHERE status = 'open' ${only(sql.ref('warehouse_id'))} GROUP BY sku_id, warehouse_id),
    bins AS (
      SELECT sku_id, warehouse_id,
             sum(qty) FILTER (WHERE state = 'available')::bigint AS b_available,
             sum(qty) FILTER (WHERE state = 'damaged')::bigint AS b_damaged,
             sum(qty) FILTER (WHERE state = 'quarantine')::bigint AS b_quarantine
      FROM bin_stock WHERE true ${only(sql.ref('warehouse_id'))} GROUP BY sku_id, warehouse_id),
    trf AS (
      SELECT l.sku_id, t.to_warehouse_id AS warehouse_id, sum(l.shipped - l.received - l.discrepancy)::bigint AS t_in_transit
      FROM transfer_lines l JOIN transfers t ON t.id = l.transfer_id
      WHERE true ${only(sql.ref('t.to_warehouse_id'))} GROUP BY l.sku_id, t.to_warehouse_id),
    keys AS (
      SELECT sku_id, warehouse_id FROM stock_levels WHERE true ${only(sql.ref('warehouse_id'))}
      UNION SELECT sku_id, warehouse_id FROM led UNION SELECT sku_id, warehouse_id FROM res
      UNION SELECT sku_id, warehouse_id FROM bins UNION SELECT sku_id, warehouse_id FROM trf)
    SELECT k.sku_id, k.warehouse_id,
           COALESCE(s.on_hand, 0) AS on_hand, COALESCE(s.reserved, 0) AS reserved, COALESCE(s.damaged, 0) AS damaged,
           COALESCE(s.quarantine, 0) AS quarantine, COALESCE(s.in_transit, 0) AS in_transit,
           COALESCE(led.l_available, 0)::int AS l_available, COALESCE(led.l_damaged, 0)::int AS l_damaged,
           COALESCE(led.l_quarantine, 0)::int AS l_quarantine, COALESCE(led.l_in_transit, 0)::int AS l_in_transit,
           COALESCE(led.l_reserved, 0)::int AS l_reserved, COALESCE(res.r_open, 0)::int AS r_open,
           COALESCE(bins.b_available, 0)::int AS b_available, COALESCE(bins.b_damaged, 0)::int AS b_damaged,
           COALESCE(bins.b_quarantine, 0)::int AS b_quarantine, COALESCE(trf.t_in_transit, 0)::int AS t_in_transit
    FROM keys k
    LEFT JOIN stock_levels s ON s.sku_id = k.sku_id AND s.warehouse_id = k.warehouse_id
    LEFT JOIN led ON led.sku_id = k.sku_id AND led.warehouse_id = k.warehouse_id
    LEFT JOIN res ON res.sku_id = k.sku_id AND res.warehouse_id = k.warehouse_id
    LEFT JOIN bins ON bins.sku_id = k.sku_id AND bins.warehouse_id = k.warehouse_id
    LEFT JOIN trf ON trf.sku_id = k.sku_id AND trf.warehouse_id = k.warehouse_id
    ORDER BY k.warehouse_id, k.sku_id`.execute(db);

  for (const r of levels.rows) {
    const at = { sku_id: r.sku_id, warehouse_id: r.warehouse_id };
    const check = (kind: Drift['kind'], actual: number, expected: number, state?: Drift['state']) => {
      if (actual !== expected) drifts.push({ kind, ...at, ...(state ? { state } : {}), actual, expected });
    };
    check('on_hand_vs_ledger', r.on_hand, r.l_available, 'available');
    check('state_vs_ledger', r.damaged, r.l_damaged, 'damaged');
    check('state_vs_ledger', r.quarantine, r.l_quarantine, 'quarantine');
    check('state_vs_ledger', r.in_transit, r.l_in_transit, 'in_transit');
    check('reserved_vs_reservations', r.reserved, r.r_open);
    check('reserved_vs_ledger', r.reserved, r.l_reserved);
    check('bins_vs_level', r.b_available, r.on_hand, 'available');
    check('bins_vs_level', r.b_damaged, r.damaged, 'damaged');
    check('bins_vs_level', r.b_quarantine, r.quarantine, 'quarantine');
    check('in_transit_vs_transfers', r.in_transit, r.t_in_transit, 'in_transit');
    if (r.reserved > r.on_hand) drifts.push({ kind: 'reserved_exceeds_on_hand', ...at, actual: r.reserved, expected: r.on_hand });
    for (const [state, v] of [['available', r.on_hand], ['damaged', r.damaged], ['quarantine', r.quarantine], ['in_transit', r.in_transit]] as const) {
      if (v < 0) drifts.push({ kind: 'negative_quantity', ...at, state, actual: v, expected: 0 });
    }
    if (r.reserved < 0) drifts.push({ kind: 'negative_quantity', ...at, actual: r.reserved, expected: 0 });
  }

  // Each bin row against the ledger rows of that bin, SKU, lot and state (COALESCE: a FULL JOIN needs an equality, and NULL = unplaced).
  const bins = await sql<{ sku_id: string; warehouse_id: string; bin_id: string | null; lot: string; state: 'available' | 'damaged' | 'quarantine'; qty: number; ledger: number }>`
    WITH led AS (
      SELECT warehouse_id, bin_id, sku_id, lot, state, sum(delta)::bigint AS ledger FROM inventory_ledger
      WHERE state <> 'in_transit' ${only(sql.ref('warehouse_id'))} GROUP BY warehouse_id, bin_id, sku_id, lot, state)
    SELECT COALESCE(b.sku_id, led.sku_id) AS sku_id, COALESCE(b.warehouse_id, led.warehouse_id) AS warehouse_id,
           COALESCE(b.bin_id, led.bin_id) AS bin_id, COALESCE(b.lot, led.lot) AS lot, COALESCE(b.state, led.state) AS state,
           COALESCE(b.qty, 0) AS qty, COALESCE(led.ledger, 0)::int AS ledger
    FROM (SELECT * FROM bin_stock WHERE true ${only(sql.ref('warehouse_id'))}) b
    FULL JOIN led ON led.warehouse_id = b.warehouse_id AND COALESCE(led.bin_id, '') = COALESCE(b.bin_id, '') AND led.sku_id = b.sku_id
                 AND led.lot = b.lot AND led.state = b.state
    WHERE COALESCE(b.qty, 0) <> COALESCE(led.ledger, 0)
    ORDER BY 2, 3, 1, 4`.execute(db);
  for (const b of bins.rows) drifts.push({ kind: 'bin_vs_ledger', sku_id: b.sku_id, warehouse_id: b.warehouse_id, bin_id: b.bin_id, lot: b.lot, state: b.state, actual: b.qty, expected: b.ledger });
  return drifts;
}
