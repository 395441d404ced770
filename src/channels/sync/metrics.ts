import { Counter, Histogram } from 'prom-client';

/**
 * Channel sync metrics, observed by the sync worker of this process and scraped through the HTTP server's
 * registry (`registerSyncMetrics`) when the process serves HTTP too (`tandem start`). A `tandem work` process
 * has no /metrics: there, `GET /api/v1/channels/{id}/sync-status` (from the database) shows the lag.
 */
export const syncLag = new Histogram({
  name: 'tandem_channel_sync_lag_seconds',
  help: 'Stock change committed → channel acknowledged the new available-to-sell, by channel type',
  labelNames: ['channel_type'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
  registers: [],
});

export const syncPushes = new Counter({
  name: 'tandem_channel_sync_pushes_total',
  help: 'Listing pushes by channel type and outcome (acked, unchanged, failed)',
  labelNames: ['channel_type', 'outcome'] as const,
  registers: [],
});

/** Adds the sync metrics to a registry (once per registry). */
export function registerSyncMetrics(registry: { getSingleMetric(name: string): unknown; registerMetric(m: never): void }): void {
  for (const m of [syncLag, syncPushes]) {
    if (!registry.getSingleMetric((m as unknown as { name: string }).name)) registry.registerMetric(m as never);
  }
}
