import { sql, type Kysely } from 'kysely';

/**
 * Returns: RMAs (customer returns and RTO), their lines with received / inspected / dispositioned / refunded
 * counters, one row per inspection, and exchange orders linked to a return.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE returns (
      id                      text PRIMARY KEY,
      number                  text NOT NULL UNIQUE,
      order_id                text NOT NULL REFERENCES orders(id),
      seq                     integer NOT NULL CHECK (seq >= 1),
      type                    text NOT NULL CHECK (type IN ('customer', 'rto')),
      status                  text NOT NULL DEFAULT 'requested'
                                CHECK (status IN ('requested', 'received', 'inspected', 'closed', 'cancelled')),
      warehouse_id            text NOT NULL REFERENCES warehouses(id),
      shipment_id             text,
      currency                text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      refund_shipping         boolean NOT NULL DEFAULT false,
      refund_amount           bigint NOT NULL DEFAULT 0 CHECK (refund_amount >= 0),
      shipping_refund_amount  bigint NOT NULL DEFAULT 0 CHECK (shipping_refund_amount >= 0),
      note                    text,
      created_by              text,
      created_at              timestamptz NOT NULL DEFAULT now(),
      updated_at              timestamptz NOT NULL DEFAULT now(),
      received_at             timestamptz,
      inspected_at            timestamptz,
      closed_at               timestamptz,
      cancelled_at            timestamptz,
      UNIQUE (order_id, seq),
      CHECK ((type = 'rto') = (shipment_id IS NOT NULL))
    );
    -- One live RTO per shipment: the carrier returns a parcel once, however often its event is delivered.
    CREATE UNIQUE INDEX returns_rto_shipment ON returns (shipment_id) WHERE type = 'rto' AND status <> 'cancelled';
    CREATE INDEX returns_warehouse ON returns (warehouse_id, status, id);
    CREATE INDEX returns_order ON returns (order_id);

    CREATE TABLE return_lines (
      return_id         text NOT NULL REFERENCES returns(id),
      order_line_id     text NOT NULL REFERENCES order_lines(id),
      line_no           integer NOT NULL,
      sku_id            text NOT NULL REFERENCES skus(id),
      qty               integer NOT NULL CHECK (qty >= 1),
      reason            text NOT NULL,
      qty_received      integer NOT NULL DEFAULT 0,
      qty_inspected     integer NOT NULL DEFAULT 0,
      qty_restocked     integer NOT NULL DEFAULT 0,
      qty_quarantined   integer NOT NULL DEFAULT 0,
      qty_scrapped      integer NOT NULL DEFAULT 0,
      qty_exchanged     integer NOT NULL DEFAULT 0,
      qty_refunded      integer NOT NULL DEFAULT 0,
      refund_amount     bigint NOT NULL DEFAULT 0 CHECK (refund_amount >= 0),
      PRIMARY KEY (return_id, order_line_id),
      CHECK (qty_received BETWEEN 0 AND qty),
      CHECK (qty_inspected BETWEEN 0 AND qty_received),
      CHECK (qty_restocked >= 0 AND qty_quarantined >= 0 AND qty_scrapped >= 0),
      CHECK (qty_restocked + qty_quarantined + qty_scrapped = qty_inspected),
      CHECK (qty_exchanged >= 0 AND qty_refunded >= 0 AND qty_exchanged + qty_refunded <= qty)
    );
    CREATE INDEX return_lines_order_line ON return_lines (order_line_id);

    CREATE TABLE return_inspections (
      id              bigserial PRIMARY KEY,
      return_id       text NOT NULL REFERENCES returns(id),
      order_line_id   text NOT NULL,
      qty             integer NOT NULL CHECK (qty >= 1),
      condition       text NOT NULL CHECK (condition IN ('new', 'opened', 'damaged')),
      disposition     text NOT NULL CHECK (disposition IN ('restock', 'quarantine', 'scrap')),
      bin_id          text REFERENCES bins(id),
      refund_amount   bigint NOT NULL DEFAULT 0 CHECK (refund_amount >= 0),
      note            text,
      actor           text,
      at              timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (return_id, order_line_id) REFERENCES return_lines (return_id, order_line_id)
    );
    CREATE INDEX return_inspections_return ON return_inspections (return_id, id);

    CREATE TABLE return_exchanges (
      id              bigserial PRIMARY KEY,
      return_id       text NOT NULL REFERENCES returns(id),
      external_id     text NOT NULL UNIQUE,
      order_id        text REFERENCES orders(id),
      status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'created')),
      lines           jsonb NOT NULL,
      created_by      text,
      created_at      timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX return_exchanges_return ON return_exchanges (return_id, id);
    CREATE INDEX return_exchanges_order ON return_exchanges (order_id);
  `.execute(db);
}
