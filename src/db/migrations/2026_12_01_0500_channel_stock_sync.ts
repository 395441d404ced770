import { sql, type Kysely } from 'kysely';

/**
 * Channel stock sync (docs/channel-sync.md): safety stock per SKU × warehouse, each channel's stock policy
 * (buffer, cap, where and how to push), a queue of availability changes filled by triggers in the writing
 * transaction, and per-listing sync state (dirty since, last value pushed and acknowledged, errors).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Units of a SKU at a warehouse that no channel is offered (breakage, display stock, a margin for miscounts).
    CREATE TABLE safety_stock (
      sku_id       text NOT NULL REFERENCES skus(id),
      warehouse_id text NOT NULL REFERENCES warehouses(id),
      units        integer NOT NULL CHECK (units BETWEEN 0 AND 1000000000),
      updated_by   text,
      updated_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (sku_id, warehouse_id)
    );

    -- What a channel is offered and how it is told. credentials are write-only (never returned by the API).
    CREATE TABLE channel_stock_policy (
      channel_id        text PRIMARY KEY REFERENCES channels(id),
      sync_enabled      boolean NOT NULL DEFAULT false,
      buffer_kind       text NOT NULL DEFAULT 'units' CHECK (buffer_kind IN ('units', 'percent')),
      buffer_value      integer NOT NULL DEFAULT 0 CHECK (buffer_value >= 0),
      max_units         integer CHECK (max_units >= 0),
      endpoint          text CHECK (length(endpoint) <= 500),
      location_id       text CHECK (length(location_id) <= 100),
      seller_id         text CHECK (length(seller_id) <= 100),
      marketplace_id    text CHECK (length(marketplace_id) <= 40),
      token_endpoint    text CHECK (length(token_endpoint) <= 500),
      credentials       jsonb,
      min_interval_ms   integer NOT NULL DEFAULT 0 CHECK (min_interval_ms BETWEEN 0 AND 86400000),
      last_batch_at     timestamptz,
      updated_by        text,
      updated_at        timestamptz NOT NULL DEFAULT now(),
      CHECK (buffer_kind = 'units' OR buffer_value <= 100)
    );

    -- Availability changes waiting to be turned into dirty listings. Insert-only from the triggers (no row is
    -- ever updated by a writer, so a flash sale on one SKU adds no lock on a shared row); the sync worker
    -- deletes what it has marked. sku_id NULL = every listing of channel_id (of every channel when that is NULL too).
    CREATE TABLE channel_stock_changes (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      sku_id      text,
      channel_id  text,
      changed_at  timestamptz NOT NULL DEFAULT clock_timestamp()
    );

    CREATE FUNCTION channel_stock_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_TABLE_NAME = 'listings' THEN
        INSERT INTO channel_stock_changes (sku_id, channel_id) VALUES (NEW.sku_id, NEW.channel_id);
      ELSIF TG_TABLE_NAME = 'kit_components' THEN
        INSERT INTO channel_stock_changes (sku_id) VALUES (NEW.kit_sku_id);
      ELSIF TG_TABLE_NAME = 'routing_rules' THEN
        INSERT INTO channel_stock_changes (sku_id, channel_id) VALUES (NULL, NEW.channel_id);
      ELSE
        INSERT INTO channel_stock_changes (sku_id) VALUES (NEW.sku_id);
      END IF;
      RETURN NULL;
    END
    $fn$;
    -- Sellable stock is on_hand - reserved: only those two columns matter to channels.
    CREATE TRIGGER stock_levels_channel_sync_update AFTER UPDATE OF on_hand, reserved ON stock_levels
      FOR EACH ROW WHEN (OLD.on_hand IS DISTINCT FROM NEW.on_hand OR OLD.reserved IS DISTINCT FROM NEW.reserved)
      EXECUTE FUNCTION channel_stock_changed();
    CREATE TRIGGER stock_levels_channel_sync_insert AFTER INSERT ON stock_levels
      FOR EACH ROW WHEN (NEW.on_hand <> 0 OR NEW.reserved <> 0)
      EXECUTE FUNCTION channel_stock_changed();
    -- A new listing is pushed once; new kit components and changed routing rules change what is sellable.
    CREATE TRIGGER listings_channel_sync AFTER INSERT ON listings
      FOR EACH ROW EXECUTE FUNCTION channel_stock_changed();
    CREATE TRIGGER kit_components_channel_sync AFTER INSERT OR UPDATE ON kit_components
      FOR EACH ROW EXECUTE FUNCTION channel_stock_changed();
    CREATE TRIGGER routing_rules_channel_sync AFTER INSERT OR UPDATE ON routing_rules
      FOR EACH ROW EXECUTE FUNCTION channel_stock_changed();

    -- One row per listing of a channel that syncs. dirty_since = the commit-time of the oldest change not yet
    -- reflected on the channel (lag is measured from it); changes marked while a push is in flight go to
    -- next_dirty_since so the push cannot clear them.
    CREATE TABLE channel_stock_sync (
      listing_id        text PRIMARY KEY REFERENCES listings(id) ON DELETE CASCADE,
      channel_id        text NOT NULL REFERENCES channels(id),
      sku_id            text NOT NULL REFERENCES skus(id),
      mapping           jsonb NOT NULL DEFAULT '{}',
      dirty_since       timestamptz,
      next_dirty_since  timestamptz,
      pending_changes   integer NOT NULL DEFAULT 0,
      force_push        boolean NOT NULL DEFAULT false,
      lease_token       text,
      lease_until       timestamptz,
      next_attempt_at   timestamptz,
      attempts          integer NOT NULL DEFAULT 0,
      last_computed     integer,
      last_pushed       integer,
      last_pushed_at    timestamptz,
      last_lag_ms       integer,
      pushes            bigint NOT NULL DEFAULT 0,
      changes           bigint NOT NULL DEFAULT 0,
      error_code        text,
      error_message     text,
      error_status      integer,
      error_transient   boolean,
      error_at          timestamptz,
      updated_at        timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX channel_stock_sync_due ON channel_stock_sync (dirty_since) WHERE dirty_since IS NOT NULL;
    CREATE INDEX channel_stock_sync_channel ON channel_stock_sync (channel_id, listing_id);
    CREATE INDEX channel_stock_sync_sku ON channel_stock_sync (sku_id);
  `.execute(db);
}
