import { sql, type Kysely } from 'kysely';

/**
 * Dashboard users and their sessions. Sessions live here (not in process memory) so any number of stateless
 * processes can serve one signed-in user; the cookie carries a random token, the table only its SHA-256.
 * `login_throttle` counts failed sign-ins per e-mail and per client address for rate limiting across processes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE users (
      id               text PRIMARY KEY,
      email            text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 200),
      name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      role             text NOT NULL CHECK (role IN ('admin', 'ops', 'picker', 'packer', 'integration')),
      warehouse_ids    text[],
      password_hash    text NOT NULL,
      created_at       timestamptz NOT NULL DEFAULT now(),
      updated_at       timestamptz NOT NULL DEFAULT now(),
      disabled_at      timestamptz,
      last_login_at    timestamptz
    );
    CREATE UNIQUE INDEX users_email ON users (email);

    CREATE TABLE user_sessions (
      token_hash    bytea PRIMARY KEY,
      user_id       text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      created_at    timestamptz NOT NULL DEFAULT now(),
      last_seen_at  timestamptz NOT NULL DEFAULT now(),
      idle_expires_at timestamptz NOT NULL,
      expires_at    timestamptz NOT NULL,
      revoked_at    timestamptz,
      user_agent    text,
      ip            text
    );
    CREATE INDEX user_sessions_user ON user_sessions (user_id);
    CREATE INDEX user_sessions_expires ON user_sessions (expires_at);

    CREATE TABLE login_throttle (
      key              text PRIMARY KEY,
      failures         integer NOT NULL CHECK (failures >= 0),
      window_started_at timestamptz NOT NULL,
      blocked_until    timestamptz
    );
  `.execute(db);
}
