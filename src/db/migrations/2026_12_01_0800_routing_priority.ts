import { sql, type Kysely } from 'kysely';

/**
 * Routing: a configurable warehouse priority (lower is preferred; ties go by code) and the planner's notes
 * ("postal code … not known: distance from the region centroid") stored with each decision.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE warehouses ADD COLUMN routing_priority integer NOT NULL DEFAULT 100 CHECK (routing_priority BETWEEN 0 AND 1000000);
    ALTER TABLE routing_decisions ADD COLUMN notes jsonb NOT NULL DEFAULT '[]';
  `.execute(db);
}
