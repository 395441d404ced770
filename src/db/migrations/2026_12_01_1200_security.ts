import { sql, type Kysely } from 'kysely';

/**
 * Security: the audit log of administrative changes (append-only, like the inventory ledger) and the fixed-window
 * counters of the API rate limit (kept in PostgreSQL so every process counts the same requests).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE audit_log (
      seq          bigserial PRIMARY KEY,
      id           text NOT NULL UNIQUE,
      occurred_at  timestamptz NOT NULL DEFAULT now(),
      actor_id     text NOT NULL,
      actor_type   text NOT NULL CHECK (actor_type IN ('api_key', 'user', 'system')),
      actor_role   text,
      action       text NOT NULL,
      object_type  text NOT NULL,
      object_id    text,
      status       integer NOT NULL,
      ip           text,
      user_agent   text,
      request_id   text,
      before       jsonb,
      after        jsonb
    );
    CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
    CREATE INDEX audit_log_object ON audit_log (object_id, seq) WHERE object_id IS NOT NULL;
    CREATE INDEX audit_log_time ON audit_log (occurred_at);

    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'restrict_violation';
    END
    $fn$;
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

    -- One row per (key or IP) × minute; unlogged: losing the counters in a crash only resets a minute's limits.
    CREATE UNLOGGED TABLE rate_limit_windows (
      bucket        text NOT NULL,
      window_start  timestamptz NOT NULL,
      hits          integer NOT NULL,
      PRIMARY KEY (bucket, window_start)
    );
  `.execute(db);
}
