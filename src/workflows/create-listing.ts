import { withTx, type Db } from '../db/database.js';
import { getSku } from '../modules/catalog/index.js';
import { createListing as insertListing, type ListingView } from '../modules/channels/index.js';

/** Maps a channel SKU code to one of our SKUs (catalog lookup + channels write, one transaction). */
export async function createListing(db: Db, channelId: string, input: { channel_sku: string; sku: string }, actor?: string): Promise<ListingView> {
  return withTx(db, async (tx) => {
    const sku = await getSku(tx, input.sku);
    return insertListing(tx, channelId, { channel_sku: input.channel_sku, sku_id: sku.id, sku: sku.sku }, actor);
  });
}
