import { sql, type Kysely } from 'kysely';

/**
 * Indexes for the dashboard's KPIs, both partial so writes that are not KPI facts pay nothing:
 * - status changes by time (fulfillment SLA: when an order became shipped; backorders: orders entering and
 *   leaving "waiting for stock" per day);
 * - pick confirmations by time (pick rate per picker: the `pick.confirmed` events carry the user and the units).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX order_events_status_changed_at ON order_events (at) WHERE type = 'status_changed';
    CREATE INDEX outbox_pick_confirmed_at ON outbox (occurred_at) WHERE type = 'pick.confirmed';
  `.execute(db);
}
