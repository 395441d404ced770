import { sql, type Kysely } from 'kysely';

/**
 * Security gaps (docs/security.md): CLI changes are audited (actor type `cli`), and an audited request writes its
 * entry inside the transaction of its change. That entry is written before the response exists, so it starts
 * "pending" (status and after null) and is completed once, in place, when the response is known. The table stays
 * append-only otherwise: the trigger allows exactly that one completion (status, after and a missing object id
 * filled in; nothing else changed) and refuses every other UPDATE, DELETE and TRUNCATE.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_type_check;
    ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_type_check CHECK (actor_type IN ('api_key', 'user', 'system', 'cli'));
    ALTER TABLE audit_log ALTER COLUMN status DROP NOT NULL;

    CREATE FUNCTION audit_log_complete_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_OP = 'UPDATE' AND OLD.status IS NULL AND OLD.after IS NULL AND NEW.status IS NOT NULL
         AND (OLD.object_id IS NULL OR NEW.object_id IS NOT DISTINCT FROM OLD.object_id)
         AND (to_jsonb(NEW) - 'status' - 'after' - 'object_id') = (to_jsonb(OLD) - 'status' - 'after' - 'object_id') THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'restrict_violation';
    END
    $fn$;
    DROP TRIGGER audit_log_no_update ON audit_log;
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_complete_only();
  `.execute(db);
}
