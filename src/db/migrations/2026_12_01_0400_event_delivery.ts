import { sql, type Kysely } from 'kysely';

/**
 * Event delivery: durable dispatcher cursors over the outbox, webhook subscriptions, their deliveries and
 * every delivery attempt.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The dispatcher reads the outbox by (tx_id, seq): every row below pg_snapshot_xmin comes from a finished
    -- transaction and every row still to commit has a larger tx_id, so that cursor can never pass over a late commit.
    CREATE INDEX outbox_tx_position ON outbox (tx_id, seq);

    CREATE TABLE event_cursors (
      name       text PRIMARY KEY,
      last_tx_id xid8 NOT NULL DEFAULT '0'::xid8,
      last_seq   bigint NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO event_cursors (name) VALUES ('webhooks'), ('nats');

    CREATE TABLE webhook_subscriptions (
      id          text PRIMARY KEY,
      url         text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
      events      text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 50),
      -- Kept in clear: signing needs it. Shown once at creation, never returned by the API again.
      secret      text NOT NULL CHECK (length(secret) BETWEEN 16 AND 500),
      description text,
      status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
      created_by  text,
      created_at  timestamptz NOT NULL DEFAULT now(),
      updated_at  timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE webhook_deliveries (
      id               text PRIMARY KEY,
      subscription_id  text NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
      event_id         text NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
      event_type       text NOT NULL,
      status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
      attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      -- When the row is next due. A claim pushes it forward by the lease, so a worker that dies mid-attempt
      -- leaves a row that falls due again by itself; claim_token fences off a worker whose lease expired.
      next_attempt_at  timestamptz NOT NULL DEFAULT now(),
      claim_token      text,
      last_status_code integer,
      last_error       text,
      last_attempt_at  timestamptz,
      delivered_at     timestamptz,
      replay_of        text REFERENCES webhook_deliveries (id) ON DELETE SET NULL,
      replayed         boolean NOT NULL DEFAULT false,
      created_at       timestamptz NOT NULL DEFAULT now()
    );
    -- Fan-out is idempotent: one original delivery per (subscription, event); replays are extra rows.
    CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (subscription_id, event_id) WHERE NOT replayed;
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, id);
    CREATE INDEX webhook_deliveries_dead ON webhook_deliveries (created_at) WHERE status = 'dead';
    CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

    CREATE TABLE webhook_delivery_attempts (
      delivery_id  text NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
      attempt      integer NOT NULL,
      attempted_at timestamptz NOT NULL DEFAULT now(),
      status_code  integer,
      error        text,
      duration_ms  integer NOT NULL,
      PRIMARY KEY (delivery_id, attempt)
    );
  `.execute(db);
}
