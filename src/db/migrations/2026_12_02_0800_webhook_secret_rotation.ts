import { sql, type Kysely } from 'kysely';

/**
 * Rotating a webhook subscription's signing secret without downtime: the old secret is kept (sealed, like the
 * current one) until `previous_secret_expires_at`, and deliveries until then carry a signature with each secret, so
 * a receiver that still has the old one keeps verifying while it switches.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE webhook_subscriptions
      ADD COLUMN previous_secret text CHECK (length(previous_secret) BETWEEN 16 AND 4000),
      ADD COLUMN previous_secret_expires_at timestamptz,
      ADD CONSTRAINT webhook_previous_secret_expiry CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL));
    COMMENT ON COLUMN webhook_subscriptions.previous_secret IS 'the signing secret before the last rotation, sealed (tsec:v1:…); also signs deliveries until previous_secret_expires_at';
  `.execute(db);
}
