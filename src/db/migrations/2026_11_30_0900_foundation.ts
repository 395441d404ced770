import { sql, type Kysely } from 'kysely';

/** Platform tables: API keys, idempotency records and the event outbox. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE api_keys (
      id            text PRIMARY KEY,
      name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      role          text NOT NULL CHECK (role IN ('admin', 'ops', 'picker', 'packer', 'integration')),
      warehouse_ids text[],
      secret_hash   bytea NOT NULL,
      created_at    timestamptz NOT NULL DEFAULT now(),
      revoked_at    timestamptz,
      last_used_at  timestamptz
    );
    CREATE UNIQUE INDEX api_keys_secret_hash ON api_keys (secret_hash);

    CREATE TABLE idempotency_keys (
      principal_id    text NOT NULL,
      key             text NOT NULL,
      method          text NOT NULL,
      path            text NOT NULL,
      request_hash    text NOT NULL,
      state           text NOT NULL CHECK (state IN ('in_progress', 'completed')),
      response_status integer,
      response_body   text,
      response_type   text,
      locked_until    timestamptz NOT NULL,
      created_at      timestamptz NOT NULL DEFAULT now(),
      expires_at      timestamptz NOT NULL,
      PRIMARY KEY (principal_id, key)
    );
    CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);

    CREATE TABLE outbox (
      seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      id             text NOT NULL UNIQUE,
      type           text NOT NULL,
      aggregate_type text NOT NULL,
      aggregate_id   text NOT NULL,
      payload        jsonb NOT NULL,
      actor          text,
      occurred_at    timestamptz NOT NULL DEFAULT now(),
      -- The writing transaction: readers only return rows older than every transaction still open,
      -- so a reader that pages by seq never skips an event whose transaction commits late.
      tx_id          xid8 NOT NULL DEFAULT pg_current_xact_id()
    );
    CREATE INDEX outbox_aggregate ON outbox (aggregate_type, aggregate_id, seq);
    CREATE INDEX outbox_type ON outbox (type, seq);
  `.execute(db);
}
