import { sql, type Kysely } from 'kysely';

/**
 * Purchase limits (OWASP API6, business-flow abuse): per-SKU caps per order and per customer, optionally for one
 * channel and a time window, so a flash sale is not bought out by one buyer. The counters are changed only by a
 * guarded single-statement upsert inside the capture transaction; the usages record what each order counted so a
 * cancellation gives exactly that back.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE purchase_limits (
      id                      text PRIMARY KEY,
      sku_id                  text NOT NULL REFERENCES skus(id),
      channel_id              text REFERENCES channels(id),
      max_units_per_order     integer CHECK (max_units_per_order > 0),
      max_units_per_customer  integer CHECK (max_units_per_customer > 0),
      window_hours            integer CHECK (window_hours BETWEEN 1 AND 8784),
      active_from             timestamptz,
      active_until            timestamptz,
      action                  text NOT NULL CHECK (action IN ('reject', 'hold')),
      note                    text CHECK (length(note) <= 500),
      created_at              timestamptz NOT NULL DEFAULT now(),
      updated_at              timestamptz NOT NULL DEFAULT now(),
      updated_by              text,
      CHECK (max_units_per_order IS NOT NULL OR max_units_per_customer IS NOT NULL),
      CHECK (window_hours IS NULL OR max_units_per_customer IS NOT NULL),
      CHECK (active_from IS NULL OR active_until IS NULL OR active_until > active_from),
      -- One limit per SKU for all channels (channel_id NULL) and one per SKU × channel.
      CONSTRAINT purchase_limits_sku_channel UNIQUE NULLS NOT DISTINCT (sku_id, channel_id)
    );

    -- Units a customer has bought under a limit in one window. Only ever changed by a guarded upsert.
    CREATE TABLE purchase_limit_counters (
      limit_id      text NOT NULL REFERENCES purchase_limits(id) ON DELETE CASCADE,
      customer_key  text NOT NULL,
      window_start  timestamptz NOT NULL,
      units         integer NOT NULL CHECK (units >= 0),
      updated_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (limit_id, customer_key, window_start)
    );

    -- What each order counted, so cancelling its units gives exactly those back to the right counter.
    CREATE TABLE purchase_limit_usages (
      order_id      text NOT NULL REFERENCES orders(id),
      limit_id      text NOT NULL REFERENCES purchase_limits(id) ON DELETE CASCADE,
      sku_id        text NOT NULL,
      customer_key  text NOT NULL,
      window_start  timestamptz NOT NULL,
      units         integer NOT NULL CHECK (units > 0),
      returned      integer NOT NULL DEFAULT 0 CHECK (returned >= 0 AND returned <= units),
      created_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (order_id, limit_id)
    );
    CREATE INDEX purchase_limit_usages_limit ON purchase_limit_usages (limit_id);
  `.execute(db);
}
