export type { ChannelInput, ChannelView, ChannelType, ListingView, ChannelsErrorCode } from './channels.service.js';
/** Creates a sales channel. */
export { createChannel, updateChannel } from './channels.service.js';
export type { ChannelPatch } from './channels.service.js';
/** Gets a channel (throws channel_not_found). */
export { getChannel } from './channels.service.js';
/** Lists channels. */
export { listChannels } from './channels.service.js';
/** The channel's webhook secret (never exposed over the API). */
export { channelSecret } from './channels.service.js';
/** The secret columns of this module's tables (sealed at rest), for `tandem secrets rotate|status`. */
export { CHANNEL_SECRET } from './channels.service.js';
export { STOCK_POLICY_CREDENTIALS } from './channels.stock-policy.js';
/** Maps a channel SKU to one of ours. */
export { createListing } from './channels.service.js';
/** Lists a channel's listings. */
export { listListings } from './channels.service.js';
/** The default channel of orders posted to the API. */
export { ensureApiChannel } from './channels.service.js';
/** The default channel of orders posted to the API, if it exists yet (a read: no transaction needed). */
export { findApiChannel } from './channels.service.js';
/** Resolves channel SKUs to our SKU ids. */
export { resolveListings } from './channels.service.js';
export type { BufferKind, StockPolicy, StockPolicyInput, StockPolicyView, SafetyStockView, ListingMapping } from './channels.stock-policy.js';
export type { ClaimedListing, PushOutcome, SyncRow, SyncStatusRow, SyncSummary } from './channels.stock-sync.js';
/** A channel's stock policy with its credentials (defaults when never saved). */
export { getStockPolicy } from './channels.stock-policy.js';
/** The stock policy without credentials, for the API. */
export { policyView } from './channels.stock-policy.js';
/** The policies of every active channel that syncs stock. */
export { syncingPolicies } from './channels.stock-policy.js';
/** Saves a channel's stock policy (buffer, cap, endpoint, credentials) and re-pushes its listings. */
export { saveStockPolicy } from './channels.stock-policy.js';
/** Sets safety stock of a SKU at a warehouse. */
export { setSafetyStock } from './channels.stock-policy.js';
/** Safety stock rows by SKU and warehouse. */
export { listSafetyStock } from './channels.stock-policy.js';
/** Sets where a listing lives on its channel (inventory item, product, variation). */
export { setListingMapping } from './channels.stock-policy.js';
/** Queues an availability change for channel sync (one SKU, or every listing of a channel). */
export { queueStockChange } from './channels.stock-policy.js';
/** Turns queued availability changes into dirty listings. */
export { markDirtyListings } from './channels.stock-sync.js';
/** Leases due dirty listings to one sync worker. */
export { claimDirtyListings } from './channels.stock-sync.js';
/** Takes a channel's batch slot when it limits how often it may be pushed. */
export { takeBatchSlot } from './channels.stock-sync.js';
/** Records the outcome of leased pushes (acknowledged, unchanged, failed). */
export { recordPushOutcomes } from './channels.stock-sync.js';
/** Returns leases that were not pushed. */
export { releaseLeases } from './channels.stock-sync.js';
/** Marks listings dirty for reconciliation. */
export { markForReconcile } from './channels.stock-sync.js';
/** Creates missing sync rows of a channel's listings. */
export { ensureSyncRows } from './channels.stock-sync.js';
/** A page of a channel's sync rows. */
export { syncRowsPage } from './channels.stock-sync.js';
/** A channel's sync totals and lag. */
export { syncSummary } from './channels.stock-sync.js';
/** Dashboard: stock-sync lag of every syncing channel (p50/p99/max of last pushes, oldest pending change). */
export { syncLagByChannel } from './channels.stock-sync.js';
export type { ChannelSyncLag } from './channels.stock-sync.js';
/** A channel's listings with their sync state. */
export { listSyncStatus } from './channels.stock-sync.js';
