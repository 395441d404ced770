import { sql, type Kysely } from 'kysely';

/**
 * Routing rules, one ordered list per channel (channel_id NULL = the default for every other channel),
 * and postal-code centroids imported by operators, looked up before the built-in data.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE routing_rules (
      id              bigserial PRIMARY KEY,
      channel_id      text REFERENCES channels(id),
      mode            text NOT NULL DEFAULT 'strict' CHECK (mode IN ('strict', 'weighted')),
      rules           jsonb NOT NULL CHECK (jsonb_typeof(rules) = 'array'),
      allow_backorder boolean NOT NULL DEFAULT true,
      updated_by      text,
      updated_at      timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX routing_rules_channel_uq ON routing_rules (coalesce(channel_id, ''));
    CREATE TABLE postal_codes (
      country     text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
      postal_code text NOT NULL,
      lat         double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
      lng         double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
      PRIMARY KEY (country, postal_code)
    );
  `.execute(db);
}
