import { sql, type Kysely } from 'kysely';

/**
 * Cartons (fulfillment: the packing catalog per warehouse) and inbound: ASNs with their lines and the
 * receipts scanned against them, the preferred putaway zone per SKU × warehouse, and replenishment
 * (min/max rules per pick face, tasks with their source lines). See docs/inbound.md and docs/fulfillment.md.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Inner dimensions (what fits inside), the most the carton may hold, and its own weight (added to the package).
    CREATE TABLE cartons (
      id            text PRIMARY KEY,
      warehouse_id  text NOT NULL REFERENCES warehouses(id),
      code          text NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
      length_mm     integer NOT NULL CHECK (length_mm > 0),
      width_mm      integer NOT NULL CHECK (width_mm > 0),
      height_mm     integer NOT NULL CHECK (height_mm > 0),
      max_weight_g  integer NOT NULL CHECK (max_weight_g > 0),
      tare_weight_g integer NOT NULL DEFAULT 0 CHECK (tare_weight_g >= 0),
      active        boolean NOT NULL DEFAULT true,
      created_at    timestamptz NOT NULL DEFAULT now(),
      updated_at    timestamptz NOT NULL DEFAULT now(),
      UNIQUE (warehouse_id, code)
    );

    CREATE TABLE asns (
      id                 text PRIMARY KEY,
      warehouse_id       text NOT NULL REFERENCES warehouses(id),
      reference          text NOT NULL CHECK (length(reference) BETWEEN 1 AND 100),
      supplier           text CHECK (length(supplier) <= 200),
      expected_at        timestamptz,
      status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'receiving', 'closed', 'cancelled')),
      over_tolerance_pct integer NOT NULL DEFAULT 10 CHECK (over_tolerance_pct BETWEEN 0 AND 1000),
      created_by         text,
      created_at         timestamptz NOT NULL DEFAULT now(),
      closed_at          timestamptz,
      updated_at         timestamptz NOT NULL DEFAULT now(),
      UNIQUE (warehouse_id, reference)
    );
    CREATE INDEX asns_warehouse ON asns (warehouse_id, status, created_at);

    -- received counts every unit that arrived (damaged ones included); short is written when the ASN closes.
    CREATE TABLE asn_lines (
      asn_id      text NOT NULL REFERENCES asns(id),
      line_no     integer NOT NULL CHECK (line_no > 0),
      sku_id      text NOT NULL REFERENCES skus(id),
      lot         text NOT NULL DEFAULT '' CHECK (length(lot) <= 64),
      expires_on  date,
      expected    integer NOT NULL CHECK (expected > 0),
      received    integer NOT NULL DEFAULT 0 CHECK (received >= 0),
      damaged     integer NOT NULL DEFAULT 0 CHECK (damaged >= 0),
      short       integer NOT NULL DEFAULT 0 CHECK (short >= 0),
      PRIMARY KEY (asn_id, line_no),
      UNIQUE (asn_id, sku_id, lot),
      CHECK (damaged <= received)
    );

    -- One row per scan-receipt (the audit trail of who received what, where).
    CREATE TABLE asn_receipts (
      id          text PRIMARY KEY,
      asn_id      text NOT NULL REFERENCES asns(id),
      line_no     integer NOT NULL,
      qty         integer NOT NULL CHECK (qty >= 0),
      damaged     integer NOT NULL DEFAULT 0 CHECK (damaged >= 0),
      bin_id      text REFERENCES bins(id),
      lot         text NOT NULL DEFAULT '',
      expires_on  date,
      actor       text,
      received_at timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (asn_id, line_no) REFERENCES asn_lines (asn_id, line_no),
      CHECK (qty + damaged > 0)
    );
    CREATE INDEX asn_receipts_asn ON asn_receipts (asn_id, received_at);

    CREATE TABLE sku_putaway_zones (
      sku_id       text NOT NULL REFERENCES skus(id),
      warehouse_id text NOT NULL,
      zone_id      text NOT NULL,
      updated_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (sku_id, warehouse_id),
      FOREIGN KEY (warehouse_id, zone_id) REFERENCES zones (warehouse_id, id)
    );

    CREATE TABLE replenishment_rules (
      warehouse_id text NOT NULL,
      bin_id       text NOT NULL,
      sku_id       text NOT NULL REFERENCES skus(id),
      min_qty      integer NOT NULL CHECK (min_qty >= 0),
      max_qty      integer NOT NULL CHECK (max_qty > 0),
      active       boolean NOT NULL DEFAULT true,
      updated_by   text,
      updated_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (bin_id, sku_id),
      FOREIGN KEY (warehouse_id, bin_id) REFERENCES bins (warehouse_id, id),
      CHECK (min_qty < max_qty)
    );
    CREATE INDEX replenishment_rules_warehouse ON replenishment_rules (warehouse_id) WHERE active;

    CREATE TABLE replenishment_tasks (
      id           text PRIMARY KEY,
      warehouse_id text NOT NULL,
      bin_id       text NOT NULL,
      sku_id       text NOT NULL REFERENCES skus(id),
      qty          integer NOT NULL CHECK (qty > 0),
      moved_qty    integer NOT NULL DEFAULT 0 CHECK (moved_qty >= 0),
      status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
      created_at   timestamptz NOT NULL DEFAULT now(),
      closed_at    timestamptz,
      closed_by    text,
      FOREIGN KEY (warehouse_id, bin_id) REFERENCES bins (warehouse_id, id)
    );
    -- Never two open tasks for one pick face × SKU, however many planners run.
    CREATE UNIQUE INDEX replenishment_tasks_open ON replenishment_tasks (bin_id, sku_id) WHERE status = 'open';
    CREATE INDEX replenishment_tasks_warehouse ON replenishment_tasks (warehouse_id, status, created_at);

    CREATE TABLE replenishment_task_lines (
      task_id     text NOT NULL REFERENCES replenishment_tasks(id),
      line_no     integer NOT NULL CHECK (line_no > 0),
      from_bin_id text NOT NULL REFERENCES bins(id),
      lot         text NOT NULL DEFAULT '',
      qty         integer NOT NULL CHECK (qty > 0),
      moved_qty   integer NOT NULL DEFAULT 0 CHECK (moved_qty >= 0),
      PRIMARY KEY (task_id, line_no)
    );
    CREATE INDEX replenishment_task_lines_from ON replenishment_task_lines (from_bin_id);
  `.execute(db);
}
