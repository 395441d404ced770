import type { Executor } from '../../db/database.js';
import type { Plan } from './routing.types.js';

/** Stores the plan and its reasons, so the order can say why it ships from where it ships. */
export async function recordDecision(tx: Executor, orderId: string, plan: Plan): Promise<void> {
  await tx
    .insertInto('routing_decisions')
    .values({ order_id: orderId, strategy: plan.strategy, plan: JSON.stringify(plan.allocations), backordered: JSON.stringify(plan.backordered), reasons: JSON.stringify(plan.reasons), notes: JSON.stringify(plan.notes ?? []) })
    .execute();
}

export async function latestDecision(db: Executor, orderId: string): Promise<{ strategy: string; plan: unknown; backordered: unknown; reasons: unknown; notes: unknown; created_at: Date } | undefined> {
  return db
    .selectFrom('routing_decisions')
    .select(['strategy', 'plan', 'backordered', 'reasons', 'notes', 'created_at'])
    .where('order_id', '=', orderId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}
