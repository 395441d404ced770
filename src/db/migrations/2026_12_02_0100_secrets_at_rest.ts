import { sql, type Kysely } from 'kysely';

/**
 * Secrets at rest (docs/security.md): channel secrets, webhook signing secrets, channel API credentials and
 * carrier credentials are stored as AES-256-GCM envelopes (`tsec:v1:<key id>:<iv>:<ciphertext+tag>`; in the
 * jsonb credential objects, every value). A migration has no key, so it seals nothing: rows written before this
 * one stay plaintext, are still read as such, and are sealed by `tandem secrets rotate`. This one only makes
 * room for the longer sealed values and documents the columns.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE webhook_subscriptions DROP CONSTRAINT IF EXISTS webhook_subscriptions_secret_check;
    ALTER TABLE webhook_subscriptions ADD CONSTRAINT webhook_subscriptions_secret_check CHECK (length(secret) BETWEEN 16 AND 4000);
    ALTER TABLE channels ADD CONSTRAINT channels_secret_length CHECK (length(secret) <= 4000);

    COMMENT ON COLUMN channels.secret IS 'sealed (tsec:v1:<kid>:<iv>:<ct+tag>, purpose channels.secret:<id>); legacy plaintext until tandem secrets rotate';
    COMMENT ON COLUMN webhook_subscriptions.secret IS 'sealed (tsec:v1, purpose webhook_subscriptions.secret:<id>); legacy plaintext until tandem secrets rotate';
    COMMENT ON COLUMN channel_stock_policy.credentials IS 'object of sealed values (tsec:v1, purpose channel_stock_policy.credentials:<channel_id>:<field>)';
    COMMENT ON COLUMN carriers.credentials IS 'object of sealed values (tsec:v1, purpose carriers.credentials:<code>:<field>)';
  `.execute(db);
}
