import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { webhookSettings, type WebhookSettings } from '../config.js';
import type { Job } from '../worker.js';
import { fanOutWebhooks } from './fanout.js';
import { deliverDue, type DeliveryOutcome } from './delivery.js';
import { NatsPublisher } from './nats.js';
import { outboxLag } from './cursor.js';

/** Delivered and dead deliveries are kept this long for the log and for replay, then purged. */
export const DELIVERY_RETENTION_DAYS = 30;

export interface EventJobOptions {
  natsUrl?: string | undefined;
  webhooks?: WebhookSettings;
  /** Pause of the continuous loops when there is nothing to do: the dispatch latency when idle. */
  idleMs?: number;
}

/** Running totals of this process's dispatch work, logged by the `event-stats` job. */
export interface DispatchStats {
  fannedOut: number;
  natsPublished: number;
  deliveries: DeliveryOutcome;
}

/**
 * The event-delivery jobs of `tandem work`: outbox → webhook deliveries (one leader at a time), delivery of
 * due webhooks (every worker, rows shared out with SKIP LOCKED), outbox → NATS JetStream when a URL is set,
 * a periodic lag log and the purge of old deliveries. Settings are read from the environment when omitted.
 */
export function eventJobs(opts: EventJobOptions = { natsUrl: process.env.NATS_URL || undefined }): Job[] {
  const idleMs = opts.idleMs ?? 200;
  const settings = (): WebhookSettings => opts.webhooks ?? webhookSettings();
  const stats: DispatchStats = { fannedOut: 0, natsPublished: 0, deliveries: { delivered: 0, failed: 0, dead: 0 } };
  const jobs: Job[] = [
    {
      name: 'webhook-fanout',
      everyMs: idleMs,
      continuous: true,
      run: async (db) => {
        const n = await fanOutWebhooks(db);
        stats.fannedOut += n;
        return n;
      },
    },
    {
      name: 'webhook-deliver',
      everyMs: idleMs,
      continuous: true,
      exclusive: false,
      run: async (db) => {
        const r = await deliverDue(db, { settings: settings() });
        stats.deliveries.delivered += r.delivered;
        stats.deliveries.failed += r.failed;
        stats.deliveries.dead += r.dead;
        return r.delivered + r.failed + r.dead;
      },
    },
    {
      name: 'event-stats',
      everyMs: 60_000,
      exclusive: false,
      run: async (db) => ({ lag: await outboxLag(db), since_start: stats }),
    },
    { name: 'purge-webhook-deliveries', everyMs: 3_600_000, run: purgeOldDeliveries },
  ];
  if (opts.natsUrl) {
    const publisher = new NatsPublisher({ url: opts.natsUrl });
    jobs.push({
      name: 'nats-publish',
      everyMs: idleMs,
      continuous: true,
      run: async (db) => {
        const n = await publisher.publishPending(db);
        stats.natsPublished += n;
        return n;
      },
      stop: () => publisher.close(),
    });
  }
  return jobs;
}

/** Deletes finished deliveries (and their attempt logs) older than the retention period. */
export async function purgeOldDeliveries(db: Db): Promise<number> {
  const r = await sql`
    delete from webhook_deliveries
    where status in ('delivered', 'dead') and created_at < now() - make_interval(days => ${DELIVERY_RETENTION_DAYS})`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}
