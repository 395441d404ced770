import pg from 'pg';
import { newId } from '../src/shared/ids.js';

/**
 * The baseline for bench/orders: the same order transaction written by hand as raw SQL on node-postgres with
 * named prepared statements — no Tandem code, no HTTP, no auth, no idempotency record. It writes the rows Tandem
 * writes for a 3-line order (order, lines, routing decision, guarded stock updates, reservations, ledger,
 * fulfillment order and lines, timeline, outbox events) and passes the same consistency checks; it does not
 * evaluate holds or priority rules beyond what the data needs. 14 statements in BEGIN … COMMIT.
 */

export interface BaselineLine {
  sku_id: string;
  qty: number;
}

const Q = {
  order: `INSERT INTO orders (id, channel_id, external_id, number, status, currency, placed_at, customer_name, customer_email, customer_phone,
            shipping_address, payment_method, subtotal_amount, total_amount, priority, channel_data)
          VALUES ($1, $2, $3, $3, 'pending', 'INR', now(), $4, $5, $6, $7::jsonb, 'prepaid', $8, $8, 'normal', '{"taxes_included":false}')
          ON CONFLICT (channel_id, external_id) DO NOTHING RETURNING id`,
  lines: `INSERT INTO order_lines (id, order_id, line_no, sku_id, qty, unit_price_amount)
          SELECT l.id, $1, l.no, l.sku, l.qty, 49900 FROM unnest($2::text[], $3::int[], $4::text[], $5::int[]) AS l(id, no, sku, qty)`,
  avail: `SELECT warehouse_id, sku_id, on_hand - reserved AS available FROM stock_levels WHERE sku_id = ANY($1::text[])`,
  reserve: `UPDATE stock_levels SET reserved = reserved + $3, updated_at = now()
            WHERE sku_id = $1 AND warehouse_id = $2 AND on_hand - reserved >= $3
            RETURNING on_hand, reserved, damaged, quarantine, in_transit`,
  reservations: `INSERT INTO reservations (id, ref, ref_line, sku_id, warehouse_id, qty)
                 SELECT r.id, $1, r.line, r.sku, r.wh, r.qty FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[]) AS r(id, line, sku, wh, qty)`,
  ledger: `INSERT INTO inventory_ledger (type, sku_id, warehouse_id, delta, reserved_delta, reference, actor)
           SELECT 'reserve', r.sku, r.wh, 0, r.qty, $1, 'bench' FROM unnest($2::text[], $3::text[], $4::int[]) AS r(sku, wh, qty)`,
  fos: `INSERT INTO fulfillment_orders (id, order_id, warehouse_id, priority) SELECT f.id, $1, f.wh, 'normal' FROM unnest($2::text[], $3::text[]) AS f(id, wh)`,
  foLines: `INSERT INTO fulfillment_order_lines (fulfillment_order_id, order_line_id, sku_id, qty)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[])`,
  decision: `INSERT INTO routing_decisions (order_id, strategy, plan, reasons) VALUES ($1, $2, $3::jsonb, '[]')`,
  timeline: `INSERT INTO order_events (order_id, type, message, data, actor) SELECT $1, e.type, e.message, e.data::jsonb, 'bench'
             FROM unnest($2::text[], $3::text[], $4::text[]) AS e(type, message, data)`,
  outbox: `INSERT INTO outbox (id, type, aggregate_type, aggregate_id, payload, actor)
           SELECT e.id, e.type, e.agg_type, e.agg_id, e.payload::jsonb, 'bench' FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS e(id, type, agg_type, agg_id, payload)`,
  status: `UPDATE orders SET status = 'allocated', version = version + 1, updated_at = now() WHERE id = $1`,
};

/** One order, all lines reserved or the transaction rolls back (stock never runs out in bench/orders). Returns false on a duplicate. */
export async function baselineOrder(pool: pg.Pool, channelId: string, externalId: string, n: number, lines: BaselineLine[]): Promise<boolean> {
  const client = await pool.connect();
  try {
    const q = (name: keyof typeof Q, values: unknown[]) => client.query({ name: `bench_${name}`, text: Q[name], values });
    await client.query('BEGIN');
    const orderId = newId('ord');
    const subtotal = lines.reduce((s, l) => s + l.qty * 49_900, 0);
    const address = JSON.stringify({ line1: '12 MG Road', city: 'Bengaluru', postal_code: '560001', country: 'IN' });
    const inserted = await q('order', [orderId, channelId, externalId, `Buyer ${n}`, `buyer${n}@example.com`, `+91 9${String(n).padStart(9, '0')}`, address, subtotal]);
    if (inserted.rowCount === 0) {
      await client.query('ROLLBACK');
      return false;
    }
    const lineIds = lines.map(() => newId('line'));
    await q('lines', [orderId, lineIds, lines.map((_, i) => i + 1), lines.map((l) => l.sku_id), lines.map((l) => l.qty)]);

    // Routing: the first warehouse (by id) that has every line, else each line from the first that has it.
    const avail = await q('avail', [lines.map((l) => l.sku_id)]);
    const have = new Map<string, Map<string, number>>();
    for (const r of avail.rows as { warehouse_id: string; sku_id: string; available: number }[]) {
      if (!have.has(r.warehouse_id)) have.set(r.warehouse_id, new Map());
      have.get(r.warehouse_id)!.set(r.sku_id, r.available);
    }
    const whs = [...have.keys()].sort();
    const whole = whs.find((w) => lines.every((l) => (have.get(w)!.get(l.sku_id) ?? 0) >= l.qty));
    const plan = lines.map((l, i) => ({ line: lineIds[i]!, sku_id: l.sku_id, qty: l.qty, wh: whole ?? whs.find((w) => (have.get(w)!.get(l.sku_id) ?? 0) >= l.qty) }));
    if (plan.some((p) => !p.wh)) throw new Error('baseline: out of stock');

    const levels: unknown[] = [];
    for (const p of [...plan].sort((a, b) => `${a.wh}|${a.sku_id}`.localeCompare(`${b.wh}|${b.sku_id}`))) {
      const r = await q('reserve', [p.sku_id, p.wh, p.qty]);
      if (r.rowCount !== 1) throw new Error('baseline: insufficient stock');
      levels.push({ sku_id: p.sku_id, warehouse_id: p.wh, ...r.rows[0] });
    }
    const resIds = plan.map(() => newId('res'));
    await q('reservations', [orderId, resIds, plan.map((p) => p.line), plan.map((p) => p.sku_id), plan.map((p) => p.wh!), plan.map((p) => p.qty)]);
    await q('ledger', [orderId, plan.map((p) => p.sku_id), plan.map((p) => p.wh!), plan.map((p) => p.qty)]);
    const usedWhs = [...new Set(plan.map((p) => p.wh!))];
    const foIds = new Map(usedWhs.map((w) => [w, newId('fo')]));
    await q('fos', [orderId, usedWhs.map((w) => foIds.get(w)!), usedWhs]);
    await q('foLines', [plan.map((p) => foIds.get(p.wh!)!), plan.map((p) => p.line), plan.map((p) => p.sku_id), plan.map((p) => p.qty)]);
    const strategy = usedWhs.length > 1 ? 'split' : 'single_warehouse';
    const allocations = usedWhs.map((w) => ({ warehouse_id: w, lines: plan.filter((p) => p.wh === w).map((p) => ({ line_id: p.line, qty: p.qty })) }));
    await q('decision', [orderId, strategy, JSON.stringify(allocations)]);
    const events: [string, string, string][] = [
      ['placed', `Order ${externalId} captured`, JSON.stringify({ external_id: externalId, total_amount: subtotal })],
      ['routed', strategy, JSON.stringify({ strategy, allocations })],
      ['status_changed', 'All lines reserved', JSON.stringify({ from: 'pending', to: 'allocated' })],
    ];
    await q('timeline', [orderId, events.map((e) => e[0]), events.map((e) => e[1]), events.map((e) => e[2])]);
    const outbox: [string, string, string, string][] = [
      ['order.placed', 'order', orderId, events[0]![2]],
      ...usedWhs.map((w): [string, string, string, string] => [
        'stock.reserved', 'reservation', orderId,
        JSON.stringify({ ref: orderId, reservations: plan.map((p, i) => ({ id: resIds[i], ref_line: p.line, sku_id: p.sku_id, warehouse_id: p.wh, qty: p.qty })).filter((r) => r.warehouse_id === w) }),
      ]),
      ...levels.map((l): [string, string, string, string] => ['stock.changed', 'sku', (l as { sku_id: string }).sku_id, JSON.stringify(l)]),
      ...usedWhs.map((w): [string, string, string, string] => ['fulfillment_order.created', 'fulfillment_order', foIds.get(w)!, JSON.stringify({ order_id: orderId, warehouse_id: w })]),
      ['order.routed', 'order', orderId, events[1]![2]],
      ['order.status_changed', 'order', orderId, events[2]![2]],
    ];
    await q('outbox', [outbox.map(() => newId('evt')), outbox.map((e) => e[0]), outbox.map((e) => e[1]), outbox.map((e) => e[2]), outbox.map((e) => e[3])]);
    await q('status', [orderId]);
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
