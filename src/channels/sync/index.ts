/** Real-time channel stock sync: the sync cycle, reconciliation, adapters and metrics (docs/channel-sync.md). */
export { runSyncCycle, type SyncCycleResult, type SyncOptions } from './engine.js';
export { reconcileStock, type ReconcileResult } from './reconcile.js';
export { adapterFor, listingsFeed, type PushItem, type StockAdapter } from './adapters/index.js';
export { registerSyncMetrics, syncLag, syncPushes } from './metrics.js';
export { applyPolicy, computeAvailability, type Availability } from './ats.js';
