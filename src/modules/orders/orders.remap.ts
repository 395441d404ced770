import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { recordOrderEvent, releaseHold } from './orders.service.js';

/** An open `unknown_sku` hold of an order on hold, with the line it names (still without a SKU). */
export interface UnknownSkuHold {
  hold_id: string;
  order_id: string;
  channel_id: string;
  line_id: string;
  line_no: number;
  /** Units still wanted on the line (ordered − cancelled), and whether someone else fulfils it. */
  qty: number;
  fulfilled_externally: boolean;
  /** What the channel sent: our SKU code and/or its own SKU code. */
  sku: string | null;
  channel_sku: string | null;
}

/**
 * Open `unknown_sku` holds whose line is still unmapped, oldest first, paged by hold id. The hold's `data`
 * (written by verification) names the line and the codes the channel sent.
 */
export async function listUnknownSkuHolds(db: Executor, opts: { channelId?: string | undefined; afterId?: string | undefined; limit: number }): Promise<UnknownSkuHold[]> {
  const r = await sql<UnknownSkuHold>`
    select h.id as hold_id, h.order_id, o.channel_id, l.id as line_id, l.line_no, l.qty - l.qty_cancelled as qty, l.fulfilled_externally,
           h.data->>'sku' as sku, coalesce(h.data->>'channel_sku', l.channel_sku) as channel_sku
      from order_holds h
      join orders o on o.id = h.order_id and o.status = 'on_hold'
      join order_lines l on l.order_id = h.order_id and l.line_no = (h.data->>'line_no')::int and l.sku_id is null
     where h.status = 'open' and h.reason = 'unknown_sku'
       ${opts.channelId ? sql`and o.channel_id = ${opts.channelId}` : sql``}
       ${opts.afterId ? sql`and h.id > ${opts.afterId}` : sql``}
     order by h.id
     limit ${opts.limit}`.execute(db);
  return r.rows;
}

/**
 * Gives a held line the SKU it now resolves to and releases its `unknown_sku` hold, on the order's timeline.
 * Guarded: a line that already has a SKU, or a hold no longer open, changes nothing (returns undefined).
 * Otherwise returns how many holds the order still has open. The caller holds the order's row lock.
 */
export async function mapHeldLine(
  tx: Executor,
  m: { orderId: string; holdId: string; lineId: string; skuId: string; sku: string; via: 'sku' | 'listing' },
  actor?: string,
): Promise<number | undefined> {
  const open = await tx.selectFrom('order_holds').select('id').where('id', '=', m.holdId).where('order_id', '=', m.orderId).where('status', '=', 'open').executeTakeFirst();
  if (!open) return undefined;
  const updated = await tx.updateTable('order_lines').set({ sku_id: m.skuId }).where('id', '=', m.lineId).where('order_id', '=', m.orderId).where('sku_id', 'is', null).returning('line_no').executeTakeFirst();
  if (!updated) return undefined;
  const how = m.via === 'listing' ? 'through the channel listing now mapped' : 'now that the SKU exists';
  await recordOrderEvent(tx, m.orderId, 'line_mapped', `Line ${updated.line_no} is ${m.sku} ${how}`, { line_id: m.lineId, line_no: updated.line_no, sku_id: m.skuId, sku: m.sku, via: m.via }, actor);
  return releaseHold(tx, m.orderId, m.holdId, actor);
}
