/**
 * Full reconciliation: recomputes available-to-sell for every listing of every channel that syncs and marks
 * each one whose value differs from what the channel last acknowledged — drift from anything the change queue
 * cannot see (a warehouse deactivated, a push lost after the channel applied it, a value edited by hand in our
 * database). With `force`, every listing is pushed again even when unchanged, which also repairs drift made on
 * the channel's side (stock edited in the channel's admin). The next sync cycle does the pushing.
 */
import type { Db } from '../../db/database.js';
import { ensureSyncRows, markForReconcile, syncRowsPage, syncingPolicies } from '../../modules/channels/index.js';
import { channelAvailability, channelFeed } from '../../workflows/channel-stock-sync.js';
import { adapterFor } from './adapters/index.js';

export interface ReconcileResult {
  channels: number;
  checked: number;
  drifted: number;
  marked: number;
}

const PAGE = 1000;

/** Reconciles every syncing channel (or one); `force` re-pushes every listing. */
export async function reconcileStock(db: Db, opts: { channelId?: string | undefined; force?: boolean | undefined } = {}): Promise<ReconcileResult> {
  const policies = (await syncingPolicies(db)).filter((p) => adapterFor(p.channel_type) && (!opts.channelId || p.channel_id === opts.channelId));
  const result: ReconcileResult = { channels: policies.length, checked: 0, drifted: 0, marked: 0 };
  for (const policy of policies) {
    await ensureSyncRows(db, policy.channel_id);
    const feed = await channelFeed(db, policy.channel_id);
    for (let after: string | null = null; ; ) {
      const rows = await syncRowsPage(db, policy.channel_id, after, PAGE);
      if (rows.length === 0) break;
      const { items } = await channelAvailability(db, policy.channel_id, [...new Set(rows.map((r) => r.sku_id))], { policy, feed });
      const ats = new Map(items.map((a) => [a.sku_id, a.available_to_sell]));
      const drifted = rows.filter((r) => r.last_pushed !== (ats.get(r.sku_id) ?? 0));
      result.checked += rows.length;
      result.drifted += drifted.length;
      result.marked += await markForReconcile(db, (opts.force ? rows : drifted).map((r) => r.listing_id), opts.force ?? false);
      after = rows.at(-1)!.listing_id;
      if (rows.length < PAGE) break;
    }
  }
  return result;
}
