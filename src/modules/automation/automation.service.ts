import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { emit } from '../../events/outbox.js';
import { AppError } from '../../shared/errors.js';
import { AUTOMATION_KINDS, DEFAULT_SETTINGS, type AutomationKind, type RuleSettings } from './automation.schedule.js';

export interface AutomationRule {
  id: string;
  warehouse_id: string;
  kind: AutomationKind;
  enabled: boolean;
  settings: RuleSettings;
  next_run_at: Date | null;
  last_run_at: Date | null;
  updated_at: Date;
}

export interface AutomationRun {
  id: string;
  rule_id: string;
  warehouse_id: string;
  kind: string;
  started_at: Date;
  finished_at: Date;
  status: 'ok' | 'failed';
  acted: number;
  summary: Record<string, unknown>;
  error: string | null;
}

const newRunId = (): string => `arun_${randomUUID().replaceAll('-', '')}`;

function toRule(r: { id: string; warehouse_id: string; kind: string; enabled: boolean; settings: unknown; next_run_at: Date | null; last_run_at: Date | null; updated_at: Date }): AutomationRule {
  return { ...r, kind: r.kind as AutomationKind, settings: r.settings as RuleSettings };
}

/** Creates or changes a warehouse's rule of one kind (settings merged over the kind's defaults); it runs next at once. */
export async function saveRule(tx: Executor, warehouseId: string, kind: AutomationKind, input: { enabled?: boolean | undefined; settings?: RuleSettings | undefined }, actor?: string): Promise<AutomationRule> {
  if (!AUTOMATION_KINDS.includes(kind)) throw new AppError('not_found', 'automation_kind_not_found', `No automation rule kind ${kind}`, { kind });
  const existing = await tx.selectFrom('automation_rules').selectAll().where('warehouse_id', '=', warehouseId).where('kind', '=', kind).forUpdate().executeTakeFirst();
  const settings = { ...DEFAULT_SETTINGS[kind], ...((existing?.settings as RuleSettings | undefined) ?? {}), ...(input.settings ?? {}) };
  const enabled = input.enabled ?? existing?.enabled ?? true;
  const row = await tx.insertInto('automation_rules')
    .values({ id: `arule_${randomUUID().replaceAll('-', '')}`, warehouse_id: warehouseId, kind, enabled, settings: JSON.stringify(settings) as never, next_run_at: null })
    .onConflict((oc) => oc.columns(['warehouse_id', 'kind']).doUpdateSet({ enabled, settings: JSON.stringify(settings) as never, next_run_at: null, updated_at: new Date() }))
    .returningAll().executeTakeFirstOrThrow();
  await emit(tx, { type: 'automation.rule_saved', aggregateType: 'warehouse', aggregateId: warehouseId, actor, payload: { warehouse_id: warehouseId, rule_id: row.id, kind, enabled, settings } });
  return toRule(row);
}

export async function listRules(db: Executor, warehouseIds: string[] | null): Promise<AutomationRule[]> {
  let q = db.selectFrom('automation_rules').selectAll().orderBy('warehouse_id').orderBy('kind');
  if (warehouseIds) q = q.where('warehouse_id', 'in', warehouseIds.length > 0 ? warehouseIds : ['-']);
  return (await q.execute()).map(toRule);
}

/** Pauses every rule of a warehouse (they keep their settings) or resumes them. */
export async function setWarehousePaused(tx: Executor, warehouseId: string, paused: boolean, actor?: string, reason?: string): Promise<{ warehouse_id: string; paused: boolean }> {
  if (paused) {
    await tx.insertInto('automation_pauses').values({ warehouse_id: warehouseId, paused_by: actor ?? null, reason: reason ?? null }).onConflict((oc) => oc.column('warehouse_id').doNothing()).execute();
  } else {
    await tx.deleteFrom('automation_pauses').where('warehouse_id', '=', warehouseId).execute();
  }
  await emit(tx, { type: paused ? 'automation.paused' : 'automation.resumed', aggregateType: 'warehouse', aggregateId: warehouseId, actor, payload: { warehouse_id: warehouseId, reason: reason ?? null } });
  return { warehouse_id: warehouseId, paused };
}

export async function pausedWarehouses(db: Executor): Promise<{ warehouse_id: string; paused_at: Date; paused_by: string | null; reason: string | null }[]> {
  return db.selectFrom('automation_pauses').selectAll().execute();
}

/**
 * Takes the rules due at `now` for this runner: enabled, of a warehouse not paused, next run reached. The claim
 * pushes next_run_at out by a lease in the same statement (rows taken SKIP LOCKED), so a second worker finds
 * them not due: one runner per rule at a time. A runner that dies leaves the rule to run again after the lease.
 */
export async function claimDueRules(db: Executor, now: Date, leaseMs: number, limit = 20): Promise<AutomationRule[]> {
  const r = await sql<AutomationRule>`
    WITH due AS (
      SELECT r.id FROM automation_rules r
      WHERE r.enabled AND (r.next_run_at IS NULL OR r.next_run_at <= ${now})
        AND NOT EXISTS (SELECT 1 FROM automation_pauses p WHERE p.warehouse_id = r.warehouse_id)
      ORDER BY r.next_run_at NULLS FIRST
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE automation_rules r SET next_run_at = ${new Date(now.getTime() + leaseMs)}
    FROM due WHERE r.id = due.id
    RETURNING r.*`.execute(db);
  return r.rows.map(toRule);
}

/** Records a run (what it did) and schedules the rule's next one. */
export async function recordRun(tx: Executor, rule: AutomationRule, run: { started_at: Date; status: 'ok' | 'failed'; acted: number; summary: Record<string, unknown>; error: string | null; next_run_at: Date }): Promise<AutomationRun> {
  const row = await tx.insertInto('automation_runs').values({
    id: newRunId(), rule_id: rule.id, warehouse_id: rule.warehouse_id, kind: rule.kind, started_at: run.started_at, status: run.status, acted: run.acted, summary: JSON.stringify(run.summary) as never, error: run.error,
  }).returningAll().executeTakeFirstOrThrow();
  await tx.updateTable('automation_rules').set({ last_run_at: run.started_at, next_run_at: run.next_run_at }).where('id', '=', rule.id).execute();
  if (run.acted > 0 || run.status === 'failed') {
    await emit(tx, { type: 'automation.ran', aggregateType: 'warehouse', aggregateId: rule.warehouse_id, payload: { warehouse_id: rule.warehouse_id, rule_id: rule.id, kind: rule.kind, status: run.status, acted: run.acted, summary: run.summary, error: run.error } });
  }
  return row as AutomationRun;
}

export async function listRuns(db: Executor, f: { warehouse_ids: string[] | null; warehouse_id?: string | undefined; kind?: string | undefined; limit: number }): Promise<AutomationRun[]> {
  let q = db.selectFrom('automation_runs').selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc').limit(f.limit);
  if (f.warehouse_ids) q = q.where('warehouse_id', 'in', f.warehouse_ids.length > 0 ? f.warehouse_ids : ['-']);
  if (f.warehouse_id) q = q.where('warehouse_id', '=', f.warehouse_id);
  if (f.kind) q = q.where('kind', '=', f.kind);
  return (await q.execute()) as AutomationRun[];
}
