import { sql, type Kysely } from 'kysely';

/**
 * Shipping: carrier accounts (credentials kept apart from settings and never returned), the built-in rate-card
 * carrier's zones, weight slabs and serviceable postal codes, rate-shopping rules per warehouse × channel,
 * the brand's GS1 settings for SSCCs, shipments with their stored labels and tracking events, and manifests.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE carriers (
      code          text PRIMARY KEY CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
      name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      kind          text NOT NULL CHECK (kind IN ('rate_card', 'easypost', 'external')),
      active        boolean NOT NULL DEFAULT true,
      cod_capable   boolean NOT NULL DEFAULT false,
      settings      jsonb NOT NULL DEFAULT '{}',
      credentials   jsonb NOT NULL DEFAULT '{}',
      -- The rate-card carrier's next tracking serial (its range is in settings.tracking); advanced by a guarded UPDATE.
      tracking_next bigint CHECK (tracking_next >= 0),
      created_at    timestamptz NOT NULL DEFAULT now(),
      updated_at    timestamptz NOT NULL DEFAULT now()
    );

    -- A zone is found by destination postal prefix (longest wins, optionally only from an origin prefix) or,
    -- failing that, by the smallest distance band that covers the warehouse → destination distance.
    CREATE TABLE rate_card_zones (
      id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      carrier       text NOT NULL REFERENCES carriers(code),
      zone          text NOT NULL CHECK (length(zone) BETWEEN 1 AND 40),
      max_km        numeric CHECK (max_km > 0),
      dest_prefix   text CHECK (dest_prefix ~ '^[A-Z0-9]{1,10}$'),
      origin_prefix text CHECK (origin_prefix ~ '^[A-Z0-9]{1,10}$'),
      CHECK (max_km IS NOT NULL OR dest_prefix IS NOT NULL)
    );
    CREATE INDEX rate_card_zones_carrier ON rate_card_zones (carrier);

    CREATE TABLE rate_card_slabs (
      carrier       text NOT NULL REFERENCES carriers(code),
      service       text NOT NULL CHECK (service ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
      zone          text NOT NULL,
      transit_days  integer NOT NULL CHECK (transit_days BETWEEN 0 AND 60),
      up_to_g       integer NOT NULL CHECK (up_to_g > 0),
      amount        bigint NOT NULL CHECK (amount >= 0),
      extra_every_g integer CHECK (extra_every_g > 0),
      extra_amount  bigint CHECK (extra_amount >= 0),
      PRIMARY KEY (carrier, service, zone, up_to_g),
      CHECK ((extra_every_g IS NULL) = (extra_amount IS NULL))
    );

    CREATE TABLE carrier_serviceability (
      carrier     text NOT NULL REFERENCES carriers(code),
      match       text NOT NULL CHECK (match IN ('exact', 'prefix')),
      postal_code text NOT NULL CHECK (postal_code ~ '^[A-Z0-9]{1,12}$'),
      prepaid     boolean NOT NULL DEFAULT true,
      cod         boolean NOT NULL DEFAULT false,
      PRIMARY KEY (carrier, match, postal_code)
    );

    CREATE TABLE shipping_rules (
      id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      warehouse_id       text REFERENCES warehouses(id),
      channel_id         text REFERENCES channels(id),
      strategy           text NOT NULL DEFAULT 'cheapest' CHECK (strategy IN ('cheapest', 'fastest')),
      preferred_carriers text[] NOT NULL DEFAULT '{}',
      allowed_carriers   text[],
      updated_by         text,
      updated_at         timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX shipping_rules_scope ON shipping_rules (coalesce(warehouse_id, ''), coalesce(channel_id, ''));

    CREATE TABLE shipping_settings (
      id                   text PRIMARY KEY CHECK (id = 'default'),
      gs1_company_prefix   text CHECK (gs1_company_prefix ~ '^[0-9]{7,10}$'),
      sscc_extension_digit integer NOT NULL DEFAULT 0 CHECK (sscc_extension_digit BETWEEN 0 AND 9),
      updated_at           timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO shipping_settings (id) VALUES ('default');
    -- SSCC serial references: a sequence never hands out a number twice (gaps after a rollback are allowed by GS1).
    CREATE SEQUENCE sscc_serial_seq MINVALUE 1 START 1;

    CREATE TABLE manifests (
      id             text PRIMARY KEY,
      warehouse_id   text NOT NULL REFERENCES warehouses(id),
      carrier        text NOT NULL REFERENCES carriers(code),
      seq            integer NOT NULL CHECK (seq > 0),
      status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
      opened_at      timestamptz NOT NULL DEFAULT now(),
      closed_at      timestamptz,
      closed_by      text,
      shipment_count integer,
      total_weight_g bigint,
      handover_pdf   bytea,
      UNIQUE (warehouse_id, carrier, seq),
      CHECK ((status = 'closed') = (closed_at IS NOT NULL))
    );
    CREATE UNIQUE INDEX manifests_one_open ON manifests (warehouse_id, carrier) WHERE status = 'open';

    CREATE TABLE shipments (
      id                   text PRIMARY KEY,
      order_id             text NOT NULL REFERENCES orders(id),
      -- The order number and package sequence as printed on the label and the manifest (both never change).
      order_number         text NOT NULL,
      warehouse_id         text NOT NULL REFERENCES warehouses(id),
      package_id           text NOT NULL REFERENCES packages(id),
      package_seq          integer NOT NULL CHECK (package_seq > 0),
      fulfillment_order_id text NOT NULL REFERENCES fulfillment_orders(id),
      carrier              text NOT NULL REFERENCES carriers(code),
      service              text NOT NULL,
      tracking_number      text NOT NULL CHECK (length(tracking_number) BETWEEN 1 AND 80),
      carrier_ref          text,
      sscc                 text UNIQUE CHECK (sscc ~ '^[0-9]{18}$'),
      status               text NOT NULL DEFAULT 'label_created' CHECK (status IN
                             ('label_created', 'in_transit', 'out_for_delivery', 'delivered', 'exception', 'rto_initiated', 'rto_delivered', 'cancelled')),
      currency             text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      cod_amount           bigint NOT NULL DEFAULT 0 CHECK (cod_amount >= 0),
      rate_amount          bigint NOT NULL CHECK (rate_amount >= 0),
      rate_currency        text NOT NULL CHECK (rate_currency ~ '^[A-Z]{3}$'),
      transit_days         integer,
      estimated_delivery   date,
      weight_g             integer NOT NULL CHECK (weight_g > 0),
      chargeable_weight_g  integer NOT NULL CHECK (chargeable_weight_g > 0),
      rate                 jsonb NOT NULL,
      alternatives         jsonb NOT NULL DEFAULT '[]',
      selection            jsonb NOT NULL DEFAULT '{}',
      carrier_label_url    text,
      manifest_id          text REFERENCES manifests(id),
      created_by           text,
      created_at           timestamptz NOT NULL DEFAULT now(),
      updated_at           timestamptz NOT NULL DEFAULT now(),
      delivered_at         timestamptz,
      UNIQUE (carrier, tracking_number)
    );
    -- One live shipment per package: the second ship of a package is a 409, whatever the race.
    CREATE UNIQUE INDEX shipments_one_per_package ON shipments (package_id) WHERE status <> 'cancelled';
    CREATE INDEX shipments_order ON shipments (order_id);
    CREATE INDEX shipments_wh_status ON shipments (warehouse_id, status, created_at);
    CREATE INDEX shipments_manifest ON shipments (manifest_id);

    CREATE TABLE shipment_labels (
      shipment_id text PRIMARY KEY REFERENCES shipments(id),
      pdf         bytea NOT NULL,
      zpl         text NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE shipment_events (
      id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      shipment_id    text NOT NULL REFERENCES shipments(id),
      carrier        text NOT NULL,
      event_id       text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 200),
      status         text,
      carrier_status text,
      message        text,
      location       text,
      occurred_at    timestamptz NOT NULL,
      applied        boolean NOT NULL,
      received_at    timestamptz NOT NULL DEFAULT now(),
      UNIQUE (carrier, event_id)
    );
    CREATE INDEX shipment_events_shipment ON shipment_events (shipment_id, occurred_at, id);
  `.execute(db);
}
