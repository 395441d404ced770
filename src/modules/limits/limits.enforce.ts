import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import type { HoldFinding } from '../orders/index.js';
import { customerKey, windowEnd, windowStart } from './limits.keys.js';
import type { LimitAction, LimitViolation } from './limits.types.js';

/** What capture knows of a new order when it applies the limits. */
export interface OrderForLimits {
  orderId: string;
  channelId: string;
  /** The order's resolved lines. Lines without one of our SKUs, and lines someone else fulfils (Amazon AFN), are not limited. */
  lines: readonly { sku_id: string | null; input: { qty: number; fulfilled_externally?: boolean | undefined } }[];
  customer: { email?: string | null | undefined; phone?: string | null | undefined };
  channelData?: Record<string, unknown> | undefined;
  /** The order exists already (a held line whose SKU was mapped later): over a limit it is held, never refused. */
  neverRefuse?: boolean | undefined;
}

interface LimitRow {
  id: string;
  sku: string;
  sku_id: string;
  max_units_per_order: number | null;
  max_units_per_customer: number | null;
  window_hours: number | null;
  active_from: Date | null;
  active_until: Date | null;
  created_at: Date;
  action: LimitAction;
  channel_type: string;
}

const per = (v: LimitViolation): string => (v.window_hours ? ` per ${v.window_hours} h` : '');

function describe(v: LimitViolation): string {
  if (v.scope === 'order') return `SKU ${v.sku}: at most ${v.limit} unit(s) per order, this order has ${v.requested}`;
  if (v.scope === 'unidentified_customer') return `SKU ${v.sku}: at most ${v.limit} unit(s) per customer${per(v)}, and this order names no customer (no e-mail, phone or channel customer id) to count them against`;
  return `SKU ${v.sku}: at most ${v.limit} unit(s) per customer${per(v)}; this customer already bought ${v.already_bought}, this order has ${v.requested}`;
}

const exceeded = (v: LimitViolation): AppError =>
  new AppError('unprocessable', 'purchase_limit_exceeded', describe(v), { ...v });

/**
 * Counts an order's units against a customer's counter in one statement, and records them for the order (so a
 * cancellation can give them back). With `cap`, the upsert only adds when the total stays within it: concurrent
 * orders of one buyer queue on the counter row and each sees the committed total, so together they never pass
 * the cap. Returns the new total, or null when the cap refused the units (nothing was recorded).
 */
async function countUnits(tx: Executor, o: OrderForLimits, l: LimitRow, key: string, start: Date, units: number, cap: number | null): Promise<number | null> {
  const r = await sql<{ units: number }>`
    WITH counted AS (
      INSERT INTO purchase_limit_counters AS c (limit_id, customer_key, window_start, units)
      VALUES (${l.id}, ${key}, ${start}, ${units})
      ON CONFLICT (limit_id, customer_key, window_start)
      DO UPDATE SET units = c.units + EXCLUDED.units, updated_at = now()
      WHERE ${cap}::int IS NULL OR c.units + EXCLUDED.units <= ${cap}::int
      RETURNING c.units
    ), used AS (
      INSERT INTO purchase_limit_usages (order_id, limit_id, sku_id, customer_key, window_start, units)
      SELECT ${o.orderId}, ${l.id}, ${l.sku_id}, ${key}, ${start}, ${units} FROM counted
    )
    SELECT units FROM counted`.execute(tx);
  return r.rows[0]?.units ?? null;
}

async function unitsBought(tx: Executor, limitId: string, key: string, start: Date): Promise<number> {
  const r = await tx.selectFrom('purchase_limit_counters').select('units').where('limit_id', '=', limitId).where('customer_key', '=', key).where('window_start', '=', start).executeTakeFirst();
  return r?.units ?? 0;
}

/**
 * Applies the purchase limits in force to an order its capture has just inserted, inside the capture transaction.
 * Orders of the `api` channel type over a `reject` limit are refused (422 `purchase_limit_exceeded`, naming the
 * SKU, the limit and what the customer already bought; the transaction rolls back, so nothing of the order
 * remains). Every other case over a limit — `hold` limits, and any order of a storefront or marketplace channel or a
 * CSV import, whose sale already happened — returns a `purchase_limit` hold for ops to decide. A per-customer limit on an order
 * without an identifiable customer holds it for review. Exchange orders (replacements for returned units) are
 * not limited. Held orders count too, so cancelling them gives their units back like any other.
 */
export async function applyPurchaseLimits(tx: Executor, o: OrderForLimits): Promise<HoldFinding[]> {
  if (o.channelData?.exchange_for_return) return [];
  const units = new Map<string, number>();
  for (const l of o.lines) if (l.sku_id && !l.input.fulfilled_externally) units.set(l.sku_id, (units.get(l.sku_id) ?? 0) + l.input.qty);
  if (units.size === 0) return [];
  const now = new Date();
  // Read-only joins: the SKU code for messages and the channel's type (whether it may be refused).
  const limits = (await sql<LimitRow>`
    SELECT l.id, s.sku, l.sku_id, l.max_units_per_order, l.max_units_per_customer, l.window_hours, l.active_from, l.active_until,
           l.created_at, l.action, ch.type AS channel_type
    FROM purchase_limits l JOIN skus s ON s.id = l.sku_id JOIN channels ch ON ch.id = ${o.channelId}
    WHERE l.sku_id = ANY(${[...units.keys()]}::text[]) AND (l.channel_id IS NULL OR l.channel_id = ${o.channelId})
      AND (l.active_from IS NULL OR l.active_from <= ${now}) AND (l.active_until IS NULL OR l.active_until > ${now})
    ORDER BY l.id`.execute(tx)).rows;
  if (limits.length === 0) return [];
  // Only an order placed through the API can still be told no; a CSV import (even into the API channel) reports sales made elsewhere.
  const imported = o.channelData?.source === 'csv_import';
  const refusable = (l: LimitRow) => l.action === 'reject' && l.channel_type === 'api' && !imported && !o.neverRefuse;
  const violations: LimitViolation[] = [];

  // Per-order caps first: a refusal then costs no counter update.
  for (const l of limits) {
    const n = units.get(l.sku_id)!;
    if (l.max_units_per_order === null || n <= l.max_units_per_order) continue;
    const v: LimitViolation = { limit_id: l.id, sku: l.sku, scope: 'order', limit: l.max_units_per_order, requested: n };
    if (refusable(l)) throw exceeded(v);
    violations.push(v);
  }

  const key = customerKey(o.customer, o.channelId, o.channelData);
  // Counters in limit id order, so two orders of one buyer never wait on each other's counters crosswise.
  for (const l of limits) {
    const cap = l.max_units_per_customer;
    if (cap === null) continue;
    const n = units.get(l.sku_id)!;
    const window = { window_hours: l.window_hours };
    if (!key) {
      violations.push({ limit_id: l.id, sku: l.sku, scope: 'unidentified_customer', limit: cap, requested: n, ...window });
      continue;
    }
    const start = windowStart(l, now);
    const span = { ...window, window_start: start, window_ends_at: windowEnd(l, start) };
    const guarded = refusable(l);
    const total = guarded && n > cap ? null : await countUnits(tx, o, l, key, start, n, guarded ? cap : null);
    if (total === null) throw exceeded({ limit_id: l.id, sku: l.sku, scope: 'customer', limit: cap, requested: n, already_bought: await unitsBought(tx, l.id, key, start), ...span });
    if (total > cap) violations.push({ limit_id: l.id, sku: l.sku, scope: 'customer', limit: cap, requested: n, already_bought: total - n, ...span });
  }
  if (violations.length === 0) return [];
  return [{ reason: 'purchase_limit', detail: violations.map(describe).join('; '), data: { violations } }];
}

/**
 * Gives cancelled units back to the counters they were counted in (whole or partial cancellation before shipping),
 * never more than the order counted. Call with the order locked, before its stock is released (counters are
 * locked before stock rows everywhere, as in capture).
 */
export async function returnPurchaseUnits(tx: Executor, orderId: string, cancelled: readonly { sku_id: string | null; qty: number }[]): Promise<void> {
  const units = new Map<string, number>();
  for (const c of cancelled) if (c.sku_id && c.qty > 0) units.set(c.sku_id, (units.get(c.sku_id) ?? 0) + c.qty);
  if (units.size === 0) return;
  const usages = await tx.selectFrom('purchase_limit_usages').select(['limit_id', 'sku_id', 'units', 'returned'])
    .where('order_id', '=', orderId).where('sku_id', 'in', [...units.keys()]).where(sql<boolean>`returned < units`).orderBy('limit_id').execute();
  for (const u of usages) {
    const give = Math.min(units.get(u.sku_id)!, u.units - u.returned);
    // Relative and guarded: the usage never returns more than it counted, the counter never goes below zero.
    await sql`
      WITH back AS (
        UPDATE purchase_limit_usages SET returned = returned + ${give}
        WHERE order_id = ${orderId} AND limit_id = ${u.limit_id} AND returned + ${give} <= units
        RETURNING limit_id, customer_key, window_start
      )
      UPDATE purchase_limit_counters c SET units = c.units - ${give}, updated_at = now()
      FROM back WHERE c.limit_id = back.limit_id AND c.customer_key = back.customer_key AND c.window_start = back.window_start`.execute(tx);
  }
}
