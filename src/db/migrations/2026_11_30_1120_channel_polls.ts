import { sql, type Kysely } from 'kysely';

/**
 * Where each polled channel (Amazon SP-API, Flipkart) has got to: the lower bound of its next request
 * (`cursor`), when it last polled and what last went wrong. One row per channel, written only after the
 * orders up to the cursor were taken in.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE channel_poll_state (
      channel_id      text PRIMARY KEY REFERENCES channels(id),
      cursor          text,
      last_polled_at  timestamptz,
      last_error      text,
      updated_at      timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);
}
