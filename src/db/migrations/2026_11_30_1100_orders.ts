import { sql, type Kysely } from 'kysely';

/** Orders (canonical order, lines, holds, timeline, verification rules), routing decisions, fulfillment orders. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE orders (
      id                  text PRIMARY KEY,
      channel_id          text NOT NULL REFERENCES channels(id),
      external_id         text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 128),
      number              text NOT NULL,
      status              text NOT NULL,
      currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      placed_at           timestamptz NOT NULL,
      customer_name       text NOT NULL,
      customer_email      text,
      customer_phone      text,
      shipping_address    jsonb,
      billing_address     jsonb,
      payment_method      text NOT NULL CHECK (payment_method IN ('prepaid', 'cod')),
      subtotal_amount     bigint NOT NULL,
      discount_amount     bigint NOT NULL DEFAULT 0 CHECK (discount_amount >= 0),
      shipping_amount     bigint NOT NULL DEFAULT 0 CHECK (shipping_amount >= 0),
      tax_amount          bigint NOT NULL DEFAULT 0 CHECK (tax_amount >= 0),
      total_amount        bigint NOT NULL,
      stated_total_amount bigint,
      priority            text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
      shipping_method     text,
      promised_ship_by    timestamptz,
      promised_deliver_by timestamptz,
      dispatch_by         timestamptz,
      tags                text[] NOT NULL DEFAULT '{}',
      channel_data        jsonb NOT NULL DEFAULT '{}',
      version             integer NOT NULL DEFAULT 1,
      cancel_reason       text,
      cancelled_at        timestamptz,
      created_at          timestamptz NOT NULL DEFAULT now(),
      updated_at          timestamptz NOT NULL DEFAULT now(),
      UNIQUE (channel_id, external_id)
    );
    CREATE INDEX orders_status ON orders (status, dispatch_by NULLS LAST, id);
    CREATE INDEX orders_created ON orders (created_at, id);
    CREATE INDEX orders_customer ON orders (customer_phone, created_at) WHERE customer_phone IS NOT NULL;
    CREATE INDEX orders_customer_email ON orders (lower(customer_email), created_at) WHERE customer_email IS NOT NULL;

    CREATE TABLE order_lines (
      id                   text PRIMARY KEY,
      order_id             text NOT NULL REFERENCES orders(id),
      line_no              integer NOT NULL,
      external_line_id     text,
      sku_id               text REFERENCES skus(id),
      channel_sku          text,
      title                text,
      qty                  integer NOT NULL CHECK (qty > 0),
      unit_price_amount    bigint NOT NULL CHECK (unit_price_amount >= 0),
      discount_amount      bigint NOT NULL DEFAULT 0 CHECK (discount_amount >= 0),
      tax_amount           bigint NOT NULL DEFAULT 0 CHECK (tax_amount >= 0),
      needs_shipping       boolean NOT NULL DEFAULT true,
      fulfilled_externally boolean NOT NULL DEFAULT false,
      qty_cancelled        integer NOT NULL DEFAULT 0,
      qty_shipped          integer NOT NULL DEFAULT 0,
      qty_returned         integer NOT NULL DEFAULT 0,
      UNIQUE (order_id, line_no),
      CHECK (qty_cancelled >= 0 AND qty_shipped >= 0 AND qty_returned >= 0),
      CHECK (qty_cancelled + qty_shipped <= qty),
      CHECK (qty_returned <= qty_shipped)
    );
    CREATE INDEX order_lines_order ON order_lines (order_id);
    CREATE INDEX order_lines_sku ON order_lines (sku_id);

    CREATE TABLE order_holds (
      id          text PRIMARY KEY,
      order_id    text NOT NULL REFERENCES orders(id),
      reason      text NOT NULL,
      detail      text NOT NULL,
      data        jsonb NOT NULL DEFAULT '{}',
      status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'released', 'cancelled')),
      created_at  timestamptz NOT NULL DEFAULT now(),
      resolved_at timestamptz,
      resolved_by text
    );
    CREATE INDEX order_holds_open ON order_holds (created_at) WHERE status = 'open';
    CREATE INDEX order_holds_order ON order_holds (order_id);

    CREATE TABLE order_events (
      id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      order_id  text NOT NULL REFERENCES orders(id),
      type      text NOT NULL,
      message   text NOT NULL,
      data      jsonb NOT NULL DEFAULT '{}',
      actor     text,
      at        timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX order_events_order ON order_events (order_id, id);

    -- Verification rules: one global row (channel_id NULL) and optional per-channel overrides.
    CREATE TABLE order_rules (
      id                        text PRIMARY KEY,
      channel_id                text UNIQUE REFERENCES channels(id),
      cod_limit_amount          bigint,
      high_value_amount         bigint,
      blocked_phones            text[] NOT NULL DEFAULT '{}',
      blocked_postal_codes      text[] NOT NULL DEFAULT '{}',
      duplicate_window_minutes  integer NOT NULL DEFAULT 30 CHECK (duplicate_window_minutes >= 0),
      express_methods           text[] NOT NULL DEFAULT '{express,next day,nextday,priority,same day,sameday,expedited}',
      priority_tags             text[] NOT NULL DEFAULT '{vip,priority,urgent}',
      handling_hours            integer NOT NULL DEFAULT 24 CHECK (handling_hours > 0),
      updated_at                timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO order_rules (id, channel_id, cod_limit_amount, high_value_amount) VALUES ('rules_global', NULL, 5000000, 10000000);

    CREATE TABLE routing_decisions (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      order_id    text NOT NULL REFERENCES orders(id),
      strategy    text NOT NULL,
      plan        jsonb NOT NULL,
      backordered jsonb NOT NULL DEFAULT '[]',
      reasons     jsonb NOT NULL DEFAULT '[]',
      created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX routing_decisions_order ON routing_decisions (order_id, id);

    CREATE TABLE fulfillment_orders (
      id           text PRIMARY KEY,
      order_id     text NOT NULL REFERENCES orders(id),
      warehouse_id text NOT NULL REFERENCES warehouses(id),
      status       text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'released', 'picking', 'picked', 'packing', 'packed', 'shipped', 'cancelled')),
      priority     text NOT NULL DEFAULT 'normal',
      dispatch_by  timestamptz,
      created_at   timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX fulfillment_orders_wh ON fulfillment_orders (warehouse_id, status, dispatch_by NULLS LAST);
    CREATE INDEX fulfillment_orders_order ON fulfillment_orders (order_id);

    CREATE TABLE fulfillment_order_lines (
      fulfillment_order_id text NOT NULL REFERENCES fulfillment_orders(id),
      order_line_id        text NOT NULL REFERENCES order_lines(id),
      sku_id               text NOT NULL REFERENCES skus(id),
      qty                  integer NOT NULL CHECK (qty >= 0),
      qty_cancelled        integer NOT NULL DEFAULT 0 CHECK (qty_cancelled >= 0),
      PRIMARY KEY (fulfillment_order_id, order_line_id, sku_id),
      CHECK (qty_cancelled <= qty)
    );
  `.execute(db);
}
