import { sql, type Kysely } from 'kysely';

/**
 * Channel write-back (shipments and tracking told to the channel an order came from, with sync exceptions) and
 * fulfillment automation rules per warehouse with their run log.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Which channels are told about shipments, and how Tandem's carriers are named there. The endpoint and
    -- credentials are the channel's stock policy's (one place for a channel's API access).
    CREATE TABLE channel_writeback_settings (
      channel_id       text PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
      enabled          boolean NOT NULL DEFAULT false,
      -- Shipments created before this moment are not written back (turning it on does not replay history).
      enabled_since    timestamptz,
      notify_customer  boolean NOT NULL DEFAULT true,
      -- Tandem carrier code → { name, code, tracking_url } as the channel knows it (e.g. Amazon carrierCode).
      carriers         jsonb NOT NULL DEFAULT '{}'::jsonb,
      updated_at       timestamptz NOT NULL DEFAULT now()
    );

    -- One row per thing a channel must be told (a shipment's fulfillment). Filled from the outbox through the
    -- 'channel-writeback' cursor, claimed with SKIP LOCKED and a lease, so exactly one worker talks to the channel
    -- at a time, and the channel's own id of what it created is kept (a retry never creates a second one).
    CREATE TABLE channel_writebacks (
      id               text PRIMARY KEY,
      channel_id       text NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
      order_id         text NOT NULL REFERENCES orders (id),
      shipment_id      text NOT NULL REFERENCES shipments (id),
      kind             text NOT NULL DEFAULT 'fulfillment' CHECK (kind IN ('fulfillment')),
      -- failed = a sync exception: the channel refused it (or retries ran out); ops retry or resolve it.
      status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed', 'resolved')),
      attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      next_attempt_at  timestamptz NOT NULL DEFAULT now(),
      claim_token      text,
      external_ref     text,
      error_code       text,
      error_message    text,
      last_status_code integer,
      last_attempt_at  timestamptz,
      done_at          timestamptz,
      resolved_by      text,
      resolved_at      timestamptz,
      resolution_note  text,
      event_id         text,
      created_at       timestamptz NOT NULL DEFAULT now(),
      updated_at       timestamptz NOT NULL DEFAULT now(),
      UNIQUE (shipment_id, kind)
    );
    CREATE INDEX channel_writebacks_due ON channel_writebacks (next_attempt_at) WHERE status = 'pending';
    CREATE INDEX channel_writebacks_order ON channel_writebacks (order_id);
    CREATE INDEX channel_writebacks_failed ON channel_writebacks (updated_at) WHERE status = 'failed';

    CREATE TABLE channel_writeback_attempts (
      writeback_id  text NOT NULL REFERENCES channel_writebacks (id) ON DELETE CASCADE,
      attempt       integer NOT NULL,
      attempted_at  timestamptz NOT NULL DEFAULT now(),
      outcome       text NOT NULL CHECK (outcome IN ('done', 'retry', 'failed')),
      status_code   integer,
      error_code    text,
      error         text,
      duration_ms   integer NOT NULL,
      PRIMARY KEY (writeback_id, attempt)
    );

    INSERT INTO event_cursors (name) VALUES ('channel-writeback');

    -- Fulfillment automation: one rule per warehouse × kind, editable, each run logged.
    CREATE TABLE automation_rules (
      id            text PRIMARY KEY,
      warehouse_id  text NOT NULL REFERENCES warehouses (id),
      kind          text NOT NULL CHECK (kind IN ('wave_release', 'auto_ship', 'manifest_close', 'cancel_stale_holds', 'sla_watch')),
      enabled       boolean NOT NULL DEFAULT true,
      settings      jsonb NOT NULL DEFAULT '{}'::jsonb,
      next_run_at   timestamptz,
      last_run_at   timestamptz,
      created_at    timestamptz NOT NULL DEFAULT now(),
      updated_at    timestamptz NOT NULL DEFAULT now(),
      UNIQUE (warehouse_id, kind)
    );

    CREATE TABLE automation_pauses (
      warehouse_id  text PRIMARY KEY REFERENCES warehouses (id),
      paused_by     text,
      reason        text,
      paused_at     timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE automation_runs (
      id            text PRIMARY KEY,
      rule_id       text NOT NULL REFERENCES automation_rules (id) ON DELETE CASCADE,
      warehouse_id  text NOT NULL,
      kind          text NOT NULL,
      started_at    timestamptz NOT NULL,
      finished_at   timestamptz NOT NULL DEFAULT now(),
      status        text NOT NULL CHECK (status IN ('ok', 'failed')),
      acted         integer NOT NULL DEFAULT 0,
      summary       jsonb NOT NULL DEFAULT '{}'::jsonb,
      error         text
    );
    CREATE INDEX automation_runs_rule ON automation_runs (rule_id, started_at DESC);
  `.execute(db);
}

