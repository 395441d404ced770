import { sql, type Kysely } from 'kysely';

/**
 * Packing: scan sessions (one open per fulfillment order, each scan a row) and the packages they produce,
 * with their items per order line × SKU. Cartons are referenced by code only: the catalog may change after
 * a package is sealed, so a package keeps its own dimensions and tare.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE pack_sessions (
      id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      fulfillment_order_id text NOT NULL REFERENCES fulfillment_orders(id),
      status               text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
      opened_by            text,
      opened_at            timestamptz NOT NULL DEFAULT now(),
      closed_at            timestamptz
    );
    CREATE UNIQUE INDEX pack_sessions_one_open ON pack_sessions (fulfillment_order_id) WHERE status = 'open';
    CREATE INDEX pack_sessions_fo ON pack_sessions (fulfillment_order_id, opened_at);

    CREATE TABLE pack_scans (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      session_id  bigint NOT NULL REFERENCES pack_sessions(id),
      sku_id      text NOT NULL REFERENCES skus(id),
      barcode     text NOT NULL CHECK (length(barcode) BETWEEN 1 AND 128),
      qty         integer NOT NULL CHECK (qty > 0),
      scanned_by  text,
      scanned_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX pack_scans_session ON pack_scans (session_id, sku_id);

    CREATE TABLE packages (
      id                   text PRIMARY KEY,
      fulfillment_order_id text NOT NULL REFERENCES fulfillment_orders(id),
      order_id             text NOT NULL REFERENCES orders(id),
      warehouse_id         text NOT NULL REFERENCES warehouses(id),
      seq                  integer NOT NULL CHECK (seq > 0),
      carton_code          text,
      -- Unknown (null) for a package a 3PL reports in its 945: it packed it, not us.
      length_mm            integer CHECK (length_mm > 0),
      width_mm             integer CHECK (width_mm > 0),
      height_mm            integer CHECK (height_mm > 0),
      weight_g             integer NOT NULL CHECK (weight_g > 0),
      weight_estimated     boolean NOT NULL DEFAULT false,
      status               text NOT NULL DEFAULT 'packed' CHECK (status IN ('packed', 'shipped', 'cancelled')),
      packed_by            text,
      created_at           timestamptz NOT NULL DEFAULT now(),
      shipped_at           timestamptz,
      cancelled_at         timestamptz,
      cancel_reason        text,
      UNIQUE (fulfillment_order_id, seq),
      CHECK ((status = 'shipped') = (shipped_at IS NOT NULL)),
      CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
    );
    CREATE INDEX packages_order ON packages (order_id);
    CREATE INDEX packages_wh_status ON packages (warehouse_id, status, created_at);

    CREATE TABLE package_items (
      package_id    text NOT NULL REFERENCES packages(id),
      order_line_id text NOT NULL REFERENCES order_lines(id),
      sku_id        text NOT NULL REFERENCES skus(id),
      qty           integer NOT NULL CHECK (qty > 0),
      PRIMARY KEY (package_id, order_line_id, sku_id)
    );
  `.execute(db);
}
