import { sql, type Kysely } from 'kysely';

/**
 * Waves and picking: bins gain aisle/position (for S-shape pick paths), waves group released fulfillment orders,
 * pick tasks (claimed by one picker) hold pick task lines (one bin × lot allocation each), and pick exceptions
 * record short picks for the supervisor. See docs/fulfillment.md.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE bins ADD COLUMN aisle integer CHECK (aisle BETWEEN 0 AND 100000),
                     ADD COLUMN position integer CHECK (position BETWEEN 0 AND 100000);

    CREATE TABLE waves (
      id            text PRIMARY KEY,
      warehouse_id  text NOT NULL REFERENCES warehouses(id),
      strategy      text NOT NULL CHECK (strategy IN ('single', 'batch', 'zone')),
      status        text NOT NULL DEFAULT 'released' CHECK (status IN ('released', 'picking', 'picked', 'cancelled')),
      criteria      jsonb NOT NULL DEFAULT '{}',
      unreleased    jsonb NOT NULL DEFAULT '[]',
      orders        integer NOT NULL DEFAULT 0,
      lines         integer NOT NULL DEFAULT 0,
      units         integer NOT NULL DEFAULT 0,
      created_by    text,
      created_at    timestamptz NOT NULL DEFAULT now(),
      completed_at  timestamptz,
      updated_at    timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX waves_warehouse ON waves (warehouse_id, created_at DESC, id DESC);

    ALTER TABLE fulfillment_orders ADD COLUMN wave_id text REFERENCES waves(id),
                                   ADD COLUMN released_at timestamptz,
                                   ADD COLUMN picked_at timestamptz;
    CREATE INDEX fulfillment_orders_wave ON fulfillment_orders (wave_id) WHERE wave_id IS NOT NULL;

    CREATE TABLE pick_tasks (
      id            text PRIMARY KEY,
      wave_id       text NOT NULL REFERENCES waves(id),
      warehouse_id  text NOT NULL REFERENCES warehouses(id),
      seq           integer NOT NULL CHECK (seq > 0),
      strategy      text NOT NULL CHECK (strategy IN ('single', 'batch', 'zone')),
      zone_id       text REFERENCES zones(id),
      priority_rank integer NOT NULL DEFAULT 2,
      status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
      picker        text,
      path_m        double precision,
      path_model    text NOT NULL DEFAULT 'walk_sequence' CHECK (path_model IN ('s_shape', 'walk_sequence')),
      claimed_at    timestamptz,
      completed_at  timestamptz,
      created_at    timestamptz NOT NULL DEFAULT now(),
      updated_at    timestamptz NOT NULL DEFAULT now(),
      UNIQUE (wave_id, seq),
      CHECK ((status = 'open') = (picker IS NULL) OR status IN ('done', 'cancelled'))
    );
    -- The claim query: the most urgent open task of a warehouse, skipping rows other pickers hold.
    CREATE INDEX pick_tasks_claim ON pick_tasks (warehouse_id, priority_rank, created_at, id) WHERE status = 'open';
    CREATE INDEX pick_tasks_picker ON pick_tasks (warehouse_id, picker) WHERE status = 'in_progress';
    CREATE INDEX pick_tasks_wave ON pick_tasks (wave_id, seq);

    -- One allocation: units of an order line's SKU to take from one bin × lot. Open units
    -- (qty - picked - short - cancelled) of open lines are what a bin has promised away: the wave release never
    -- promises more than the bin holds. Picked units wait in the staging bin; returned = moved back by a cancellation.
    CREATE TABLE pick_task_lines (
      id                   text PRIMARY KEY,
      task_id              text NOT NULL REFERENCES pick_tasks(id),
      seq                  integer NOT NULL CHECK (seq > 0),
      warehouse_id         text NOT NULL,
      fulfillment_order_id text NOT NULL REFERENCES fulfillment_orders(id),
      order_line_id        text NOT NULL REFERENCES order_lines(id),
      sku_id               text NOT NULL REFERENCES skus(id),
      bin_id               text NOT NULL,
      lot                  text NOT NULL DEFAULT '',
      slot                 integer CHECK (slot > 0),
      qty                  integer NOT NULL CHECK (qty > 0),
      qty_picked           integer NOT NULL DEFAULT 0 CHECK (qty_picked >= 0),
      qty_short            integer NOT NULL DEFAULT 0 CHECK (qty_short >= 0),
      qty_cancelled        integer NOT NULL DEFAULT 0 CHECK (qty_cancelled >= 0),
      qty_returned         integer NOT NULL DEFAULT 0 CHECK (qty_returned >= 0),
      status               text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
      updated_at           timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (warehouse_id, bin_id) REFERENCES bins (warehouse_id, id),
      CHECK (qty_picked + qty_short + qty_cancelled <= qty),
      CHECK (qty_returned <= qty_picked),
      CHECK ((status = 'open') = (qty_picked + qty_short + qty_cancelled < qty))
    );
    CREATE INDEX pick_task_lines_task ON pick_task_lines (task_id, seq);
    CREATE INDEX pick_task_lines_fo ON pick_task_lines (fulfillment_order_id);
    CREATE INDEX pick_task_lines_open_bin ON pick_task_lines (warehouse_id, sku_id, bin_id, lot) WHERE status = 'open';

    CREATE TABLE pick_exceptions (
      id                   text PRIMARY KEY,
      warehouse_id         text NOT NULL REFERENCES warehouses(id),
      kind                 text NOT NULL DEFAULT 'short' CHECK (kind IN ('short')),
      task_id              text NOT NULL REFERENCES pick_tasks(id),
      task_line_id         text NOT NULL REFERENCES pick_task_lines(id),
      fulfillment_order_id text NOT NULL REFERENCES fulfillment_orders(id),
      order_id             text NOT NULL REFERENCES orders(id),
      sku_id               text NOT NULL REFERENCES skus(id),
      bin_id               text NOT NULL,
      lot                  text NOT NULL DEFAULT '',
      qty_expected         integer NOT NULL CHECK (qty_expected > 0),
      qty_found            integer NOT NULL CHECK (qty_found >= 0),
      qty_missing          integer NOT NULL CHECK (qty_missing > 0),
      qty_reallocated      integer NOT NULL DEFAULT 0 CHECK (qty_reallocated >= 0),
      qty_rerouted         integer NOT NULL DEFAULT 0 CHECK (qty_rerouted >= 0),
      qty_deferred         integer NOT NULL DEFAULT 0 CHECK (qty_deferred >= 0),
      picker               text,
      created_at           timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX pick_exceptions_warehouse ON pick_exceptions (warehouse_id, created_at DESC, id DESC);
  `.execute(db);
}
