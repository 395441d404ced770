import { sql, type Kysely } from 'kysely';

/** Inbound channel deliveries (webhooks, polls): one row per delivery id, so a repeated delivery changes nothing twice. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE channel_deliveries (
      channel_id   text NOT NULL REFERENCES channels(id),
      delivery_id  text NOT NULL CHECK (length(delivery_id) BETWEEN 1 AND 200),
      topic        text NOT NULL,
      external_id  text,
      order_id     text REFERENCES orders(id),
      outcome      text NOT NULL,
      received_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (channel_id, delivery_id)
    );
    CREATE INDEX channel_deliveries_received ON channel_deliveries (received_at);
  `.execute(db);
}
