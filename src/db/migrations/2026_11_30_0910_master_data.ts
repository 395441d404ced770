import { sql, type Kysely } from 'kysely';

/** Master data: SKUs and kits (catalog), warehouses, zones and bins (warehouse), channels and listings (channels). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE skus (
      id          text PRIMARY KEY,
      sku         text NOT NULL UNIQUE CHECK (length(sku) BETWEEN 1 AND 64),
      name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
      gtin        text UNIQUE CHECK (gtin ~ '^[0-9]{8}$|^[0-9]{12,14}$'),
      weight_g    integer CHECK (weight_g >= 0),
      length_mm   integer CHECK (length_mm > 0),
      width_mm    integer CHECK (width_mm > 0),
      height_mm   integer CHECK (height_mm > 0),
      is_kit      boolean NOT NULL DEFAULT false,
      active      boolean NOT NULL DEFAULT true,
      created_at  timestamptz NOT NULL DEFAULT now(),
      updated_at  timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE kit_components (
      kit_sku_id       text NOT NULL REFERENCES skus(id),
      component_sku_id text NOT NULL REFERENCES skus(id),
      qty              integer NOT NULL CHECK (qty > 0),
      PRIMARY KEY (kit_sku_id, component_sku_id),
      CHECK (kit_sku_id <> component_sku_id)
    );

    CREATE TABLE warehouses (
      id           text PRIMARY KEY,
      code         text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
      name         text NOT NULL,
      address      jsonb NOT NULL,
      postal_code  text NOT NULL,
      country      text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
      lat          double precision CHECK (lat BETWEEN -90 AND 90),
      lng          double precision CHECK (lng BETWEEN -180 AND 180),
      timezone     text NOT NULL,
      cutoff_time  time,
      type         text NOT NULL DEFAULT 'own' CHECK (type IN ('own', 'external')),
      active       boolean NOT NULL DEFAULT true,
      created_at   timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE zones (
      id           text PRIMARY KEY,
      warehouse_id text NOT NULL REFERENCES warehouses(id),
      code         text NOT NULL,
      name         text,
      created_at   timestamptz NOT NULL DEFAULT now(),
      UNIQUE (warehouse_id, code),
      UNIQUE (warehouse_id, id)
    );

    CREATE TABLE bins (
      id             text PRIMARY KEY,
      warehouse_id   text NOT NULL REFERENCES warehouses(id),
      zone_id        text REFERENCES zones(id),
      code           text NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
      walk_sequence  integer NOT NULL DEFAULT 0 CHECK (walk_sequence >= 0),
      capacity_units integer CHECK (capacity_units > 0),
      pickable       boolean NOT NULL DEFAULT true,
      active         boolean NOT NULL DEFAULT true,
      created_at     timestamptz NOT NULL DEFAULT now(),
      UNIQUE (warehouse_id, code),
      UNIQUE (warehouse_id, id),
      FOREIGN KEY (warehouse_id, zone_id) REFERENCES zones (warehouse_id, id)
    );
    CREATE INDEX bins_walk ON bins (warehouse_id, walk_sequence, code);

    CREATE TABLE channels (
      id         text PRIMARY KEY,
      type       text NOT NULL CHECK (type IN ('shopify', 'woocommerce', 'amazon', 'flipkart', 'api', 'csv')),
      name       text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
      secret     text,
      settings   jsonb NOT NULL DEFAULT '{}',
      active     boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE listings (
      id          text PRIMARY KEY,
      channel_id  text NOT NULL REFERENCES channels(id),
      channel_sku text NOT NULL CHECK (length(channel_sku) BETWEEN 1 AND 128),
      sku_id      text NOT NULL REFERENCES skus(id),
      created_at  timestamptz NOT NULL DEFAULT now(),
      UNIQUE (channel_id, channel_sku)
    );
    CREATE INDEX listings_sku ON listings (sku_id);
  `.execute(db);
}
