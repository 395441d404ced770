import { sql, type Kysely } from 'kysely';

/**
 * Lots travel with shipped and returned units.
 * - `package_item_lots`: which lot (and its expiry) each shipped unit of a package left the staging bin from —
 *   the lot its own pick put there. Written in the shipping transaction; none for packages a 3PL shipped (945)
 *   or shipped before this table existed.
 * - `return_inspection_lots`: which lot inspected units of a return went back into (restock, quarantine) or were
 *   written off from (scrap); `known = false` marks units whose lot was not recorded at shipping (default lot).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE package_item_lots (
      package_id    text NOT NULL,
      order_line_id text NOT NULL,
      sku_id        text NOT NULL,
      lot           text NOT NULL,
      expires_on    date,
      qty           integer NOT NULL CHECK (qty > 0),
      PRIMARY KEY (package_id, order_line_id, sku_id, lot),
      FOREIGN KEY (package_id, order_line_id, sku_id) REFERENCES package_items (package_id, order_line_id, sku_id)
    );
    CREATE INDEX package_item_lots_line ON package_item_lots (order_line_id, sku_id);

    CREATE TABLE return_inspection_lots (
      inspection_id bigint NOT NULL REFERENCES return_inspections(id),
      sku_id        text NOT NULL REFERENCES skus(id),
      lot           text NOT NULL,
      expires_on    date,
      known         boolean NOT NULL,
      qty           integer NOT NULL CHECK (qty > 0),
      PRIMARY KEY (inspection_id, sku_id, lot, known)
    );
  `.execute(db);
}

