import { sql, type Kysely } from 'kysely';

/**
 * EDI with external (3PL) warehouses: one trading partner per warehouse (X12 identities, folders, the next
 * interchange control number) and a log of every document sent or received. An inbound document is recorded
 * once per (warehouse, sender, interchange control number, transaction set control number): a file delivered
 * twice changes nothing twice.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE edi_partners (
      warehouse_id      text PRIMARY KEY REFERENCES warehouses(id),
      our_qualifier     text NOT NULL CHECK (our_qualifier ~ '^[0-9A-Z]{2}$'),
      our_id            text NOT NULL CHECK (our_id ~ '^[ -~]{1,15}$'),
      partner_qualifier text NOT NULL CHECK (partner_qualifier ~ '^[0-9A-Z]{2}$'),
      partner_id        text NOT NULL CHECK (partner_id ~ '^[ -~]{1,15}$'),
      outbound_dir      text NOT NULL CHECK (length(outbound_dir) BETWEEN 1 AND 500),
      inbound_dir       text NOT NULL CHECK (length(inbound_dir) BETWEEN 1 AND 500),
      test_mode         boolean NOT NULL DEFAULT false,
      next_control      integer NOT NULL DEFAULT 1 CHECK (next_control BETWEEN 1 AND 999999999),
      active            boolean NOT NULL DEFAULT true,
      created_at        timestamptz NOT NULL DEFAULT now(),
      updated_at        timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE edi_documents (
      id                   text PRIMARY KEY,
      warehouse_id         text NOT NULL REFERENCES warehouses(id),
      direction            text NOT NULL CHECK (direction IN ('out', 'in')),
      transaction_set      text NOT NULL CHECK (transaction_set IN ('940', '945', '846', 'unknown')),
      sender_id            text NOT NULL,
      interchange_control  text NOT NULL,
      set_control          text NOT NULL,
      fulfillment_order_id text,
      file_name            text,
      content              text NOT NULL,
      -- out: queued (committed, file not yet written) → sent; in: applied | rejected
      status               text NOT NULL CHECK (status IN ('queued', 'sent', 'applied', 'rejected')),
      result               jsonb NOT NULL DEFAULT '{}',
      error                text,
      created_at           timestamptz NOT NULL DEFAULT now(),
      updated_at           timestamptz NOT NULL DEFAULT now(),
      UNIQUE (warehouse_id, direction, sender_id, interchange_control, set_control, transaction_set)
    );
    CREATE INDEX edi_documents_queued ON edi_documents (created_at) WHERE status = 'queued';
    CREATE INDEX edi_documents_fo ON edi_documents (fulfillment_order_id) WHERE fulfillment_order_id IS NOT NULL;
    CREATE INDEX edi_documents_warehouse ON edi_documents (warehouse_id, created_at DESC);
  `.execute(db);
}
