import { sql, type Kysely } from 'kysely';

/**
 * Inventory: stock per SKU × warehouse (counters), per bin × lot (quantities), the append-only ledger,
 * reservations, transfers between warehouses and cycle counts. See docs/inventory.md for the model.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- One row per SKU × warehouse. on_hand is sellable physical stock (reserved units included);
    -- damaged and quarantine are physical but never sellable, in_transit is on its way here from another warehouse.
    CREATE TABLE stock_levels (
      sku_id       text NOT NULL REFERENCES skus(id),
      warehouse_id text NOT NULL REFERENCES warehouses(id),
      on_hand      integer NOT NULL DEFAULT 0,
      reserved     integer NOT NULL DEFAULT 0,
      damaged      integer NOT NULL DEFAULT 0 CHECK (damaged >= 0),
      quarantine   integer NOT NULL DEFAULT 0 CHECK (quarantine >= 0),
      in_transit   integer NOT NULL DEFAULT 0 CHECK (in_transit >= 0),
      updated_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (sku_id, warehouse_id),
      CONSTRAINT stock_levels_reserved_within_on_hand CHECK (0 <= reserved AND reserved <= on_hand)
    ) WITH (fillfactor = 80);
    CREATE INDEX stock_levels_warehouse ON stock_levels (warehouse_id, sku_id);

    -- Where the units are: bin × SKU × lot × state. bin_id NULL = on hand but in no bin yet (received, awaiting putaway).
    -- lot '' = no lot (no NULL in the key).
    CREATE TABLE bin_stock (
      warehouse_id text NOT NULL,
      bin_id       text,
      sku_id       text NOT NULL,
      lot          text NOT NULL DEFAULT '' CHECK (length(lot) <= 64),
      state        text NOT NULL DEFAULT 'available' CHECK (state IN ('available', 'damaged', 'quarantine')),
      qty          integer NOT NULL CHECK (qty >= 0),
      expires_on   date,
      received_at  timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (warehouse_id, bin_id) REFERENCES bins (warehouse_id, id),
      FOREIGN KEY (sku_id, warehouse_id) REFERENCES stock_levels (sku_id, warehouse_id)
    );
    CREATE UNIQUE INDEX bin_stock_key ON bin_stock (warehouse_id, bin_id, sku_id, lot, state) NULLS NOT DISTINCT;
    CREATE INDEX bin_stock_sku ON bin_stock (sku_id, warehouse_id);
    CREATE INDEX bin_stock_bin ON bin_stock (bin_id) WHERE bin_id IS NOT NULL;

    -- Every change, never updated or deleted. delta changes the quantity in "state" (available = on_hand);
    -- reserved_delta changes reserved. Sums over it rebuild every counter (tandem inventory verify).
    CREATE TABLE inventory_ledger (
      seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      type           text NOT NULL CHECK (type IN ('receipt', 'adjustment', 'move', 'reserve', 'release', 'commit',
                                                   'transfer_out', 'transfer_in_transit', 'transfer_in', 'transfer_discrepancy', 'count')),
      sku_id         text NOT NULL,
      warehouse_id   text NOT NULL,
      bin_id         text,
      lot            text NOT NULL DEFAULT '',
      state          text NOT NULL DEFAULT 'available' CHECK (state IN ('available', 'damaged', 'quarantine', 'in_transit')),
      delta          integer NOT NULL,
      reserved_delta integer NOT NULL DEFAULT 0,
      reason         text,
      reference      text,
      actor          text,
      occurred_at    timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX inventory_ledger_sku ON inventory_ledger (sku_id, warehouse_id, seq);
    CREATE INDEX inventory_ledger_warehouse ON inventory_ledger (warehouse_id, seq);
    CREATE INDEX inventory_ledger_reference ON inventory_ledger (reference, seq) WHERE reference IS NOT NULL;

    CREATE FUNCTION inventory_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      RAISE EXCEPTION 'inventory_ledger is append-only: % is not allowed', TG_OP USING ERRCODE = 'restrict_violation';
    END
    $fn$;
    CREATE TRIGGER inventory_ledger_no_update BEFORE UPDATE OR DELETE ON inventory_ledger
      FOR EACH ROW EXECUTE FUNCTION inventory_ledger_append_only();
    CREATE TRIGGER inventory_ledger_no_truncate BEFORE TRUNCATE ON inventory_ledger
      FOR EACH STATEMENT EXECUTE FUNCTION inventory_ledger_append_only();

    -- One row per order line (ref, ref_line) × SKU × warehouse; qty is what it still holds. No foreign keys: a row
    -- is only kept when the guarded update of its stock_levels row succeeded in the same transaction (and verify
    -- checks reserved against these rows); keys on skus/warehouses would share-lock hot rows on every reservation.
    CREATE TABLE reservations (
      id            text PRIMARY KEY,
      ref           text NOT NULL CHECK (length(ref) BETWEEN 1 AND 100),
      ref_line      text NOT NULL DEFAULT '' CHECK (length(ref_line) <= 100),
      sku_id        text NOT NULL,
      warehouse_id  text NOT NULL,
      qty           integer NOT NULL CHECK (qty >= 0),
      committed_qty integer NOT NULL DEFAULT 0 CHECK (committed_qty >= 0),
      released_qty  integer NOT NULL DEFAULT 0 CHECK (released_qty >= 0),
      status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'committed', 'released')),
      created_at    timestamptz NOT NULL DEFAULT now(),
      updated_at    timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT reservations_open_holds_stock CHECK ((status = 'open') = (qty > 0))
    );
    CREATE INDEX reservations_open ON reservations (sku_id, warehouse_id) WHERE status = 'open';
    CREATE UNIQUE INDEX reservations_open_line ON reservations (ref, ref_line, sku_id, warehouse_id) WHERE status = 'open';
    CREATE INDEX reservations_ref ON reservations (ref);

    CREATE TABLE transfers (
      id                text PRIMARY KEY,
      from_warehouse_id text NOT NULL REFERENCES warehouses(id),
      to_warehouse_id   text NOT NULL REFERENCES warehouses(id),
      status            text NOT NULL DEFAULT 'created'
                          CHECK (status IN ('created', 'shipped', 'partially_received', 'received', 'cancelled')),
      reference         text CHECK (length(reference) <= 100),
      created_by        text,
      created_at        timestamptz NOT NULL DEFAULT now(),
      shipped_at        timestamptz,
      closed_at         timestamptz,
      updated_at        timestamptz NOT NULL DEFAULT now(),
      CHECK (from_warehouse_id <> to_warehouse_id)
    );
    CREATE INDEX transfers_from ON transfers (from_warehouse_id, created_at);
    CREATE INDEX transfers_to ON transfers (to_warehouse_id, created_at);

    CREATE TABLE transfer_lines (
      transfer_id text NOT NULL REFERENCES transfers(id),
      line_no     integer NOT NULL CHECK (line_no > 0),
      sku_id      text NOT NULL REFERENCES skus(id),
      qty         integer NOT NULL CHECK (qty > 0),
      shipped     integer NOT NULL DEFAULT 0,
      received    integer NOT NULL DEFAULT 0,
      discrepancy integer NOT NULL DEFAULT 0,
      PRIMARY KEY (transfer_id, line_no),
      UNIQUE (transfer_id, sku_id),
      CHECK (shipped >= 0 AND shipped <= qty),
      CHECK (received >= 0 AND discrepancy >= 0 AND received + discrepancy <= shipped)
    );

    CREATE TABLE cycle_counts (
      id           text PRIMARY KEY,
      warehouse_id text NOT NULL REFERENCES warehouses(id),
      status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'posted', 'cancelled')),
      created_by   text,
      created_at   timestamptz NOT NULL DEFAULT now(),
      posted_at    timestamptz,
      updated_at   timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX cycle_counts_warehouse ON cycle_counts (warehouse_id, created_at);

    -- A bin in an open count is blocked for picking, moves, receipts and adjustments (the partial unique index
    -- also keeps a bin in at most one open count).
    CREATE TABLE cycle_count_bins (
      count_id     text NOT NULL REFERENCES cycle_counts(id),
      warehouse_id text NOT NULL,
      bin_id       text NOT NULL,
      open         boolean NOT NULL DEFAULT true,
      counted_at   timestamptz,
      PRIMARY KEY (count_id, bin_id),
      FOREIGN KEY (warehouse_id, bin_id) REFERENCES bins (warehouse_id, id)
    );
    CREATE UNIQUE INDEX cycle_count_bins_open ON cycle_count_bins (bin_id) WHERE open;

    -- Counted quantities; expected and variance are recorded when the count is posted.
    CREATE TABLE cycle_count_lines (
      count_id text NOT NULL,
      bin_id   text NOT NULL,
      sku_id   text NOT NULL REFERENCES skus(id),
      lot      text NOT NULL DEFAULT '',
      counted  integer NOT NULL CHECK (counted >= 0),
      expected integer,
      variance integer,
      PRIMARY KEY (count_id, bin_id, sku_id, lot),
      FOREIGN KEY (count_id, bin_id) REFERENCES cycle_count_bins (count_id, bin_id)
    );
  `.execute(db);
}
