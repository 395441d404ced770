/**
 * Fulfillment automation: each warehouse's rules, run by `tandem work` when due. A run claims its rule (one
 * runner per rule at a time), does its work through the same workflows staff use over the API — wave release,
 * shipping a packed package, closing a manifest, cancelling an order, raising priority — and records what it did.
 * `now` is passed in, so tests drive the clock.
 */
import { withTx, type Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { claimDueRules, nextRunAt, recordRun, saveRule, setWarehousePaused, type AutomationKind, type AutomationRule, type AutomationRun, type RuleSettings } from '../modules/automation/index.js';
import { listPackages, searchFulfillmentOrders } from '../modules/fulfillment/index.js';
import { ORDER_STATUSES, SLA_CLOSED_STATUSES, listOrders, lockOrder, recordOrderEvent, updateOrderDetails, type OrderPriority } from '../modules/orders/index.js';
import { listManifests } from '../modules/shipping/index.js';
import { getWarehouse } from '../modules/warehouse/index.js';
import { closeManifestWithHandover } from './manifest-handover.js';
import { cancelOrder } from './order-actions.js';
import { shipPackage } from './ship-package.js';
import { createWave } from './wave-release.js';
import { warehouseFor } from './stock-commands.js';

const ACTOR = 'automation';
const SYSTEM = { id: ACTOR, warehouseIds: null };
const LEASE_MS = 10 * 60_000;
const RANK: Record<OrderPriority, number> = { low: 0, normal: 1, high: 2, urgent: 3 };
// The SLA's open/closed statuses live with the orders module, shared with the dashboard's SLA KPI.
const NOT_OPEN = new Set<string>(SLA_CLOSED_STATUSES);

export interface AutomationOptions {
  now?: Date | undefined;
  /** HTTP client for carriers (auto-ship). */
  fetch?: typeof fetch | undefined;
}

interface RunResult {
  acted: number;
  summary: Record<string, unknown>;
}

const errorOf = (err: unknown): { code: string; message: string } => (err instanceof AppError ? { code: err.code, message: err.message } : { code: 'error', message: (err as Error).message ?? String(err) });

async function releaseWaveRun(db: Db, rule: AutomationRule, now: Date): Promise<RunResult> {
  try {
    const wave = await createWave(db, SYSTEM, { warehouse_id: rule.warehouse_id, strategy: rule.settings.strategy ?? 'single', ...(rule.settings.max_orders ? { max_orders: rule.settings.max_orders } : {}) }, now);
    return { acted: 1, summary: { wave_id: wave.id, orders: wave.orders, units: wave.units, fulfillment_order_ids: wave.fulfillment_order_ids, unreleased: wave.unreleased.length } };
  } catch (err) {
    if (err instanceof AppError && err.code === 'nothing_to_release') return { acted: 0, summary: { wave_id: null, reason: err.message } };
    throw err;
  }
}

async function autoShipRun(db: Db, rule: AutomationRule, opts: AutomationOptions, now: Date): Promise<RunResult> {
  const fos = await searchFulfillmentOrders(db, { scope: null, warehouse_id: rule.warehouse_id, status: 'packed', limit: 200 });
  const shipped: { package_id: string; shipment_id: string; tracking_number: string; carrier: string }[] = [];
  const failed: { package_id: string; code: string; message: string }[] = [];
  for (const fo of fos.data) {
    for (const pkg of (await listPackages(db, { fulfillment_order_id: fo.id })).filter((p) => p.status === 'packed')) {
      try {
        const s = await shipPackage(db, undefined, pkg.id, { carrier: rule.settings.carrier, service: rule.settings.service }, { fetch: opts.fetch, now });
        shipped.push({ package_id: pkg.id, shipment_id: s.id, tracking_number: s.tracking_number, carrier: s.carrier });
      } catch (err) {
        // Another runner or a packer shipped it first: not a failure of this run.
        if (err instanceof AppError && err.code === 'already_shipped') continue;
        failed.push({ package_id: pkg.id, ...errorOf(err) });
      }
    }
  }
  return { acted: shipped.length, summary: { shipped, failed } };
}

async function closeManifestsRun(db: Db, rule: AutomationRule): Promise<RunResult> {
  const open = (await listManifests(db, { warehouse_id: rule.warehouse_id, status: 'open', limit: 100 })).filter((m) => !rule.settings.carriers || rule.settings.carriers.includes(m.carrier));
  const closed: { manifest_id: string; carrier: string }[] = [];
  const skipped: { manifest_id: string; reason: string }[] = [];
  for (const m of open) {
    try {
      await closeManifestWithHandover(db, m.id, ACTOR);
      closed.push({ manifest_id: m.id, carrier: m.carrier });
    } catch (err) {
      if (err instanceof AppError && (err.code === 'manifest_empty' || err.code === 'manifest_closed')) skipped.push({ manifest_id: m.id, reason: err.code });
      else throw err;
    }
  }
  return { acted: closed.length, summary: { closed, skipped } };
}

async function cancelStaleHoldsRun(db: Db, rule: AutomationRule, now: Date): Promise<RunResult> {
  const before = new Date(now.getTime() - (rule.settings.older_than_minutes ?? 2880) * 60_000).toISOString();
  const cancelled: { order_id: string; number: string; hold_reason: string }[] = [];
  for (const reason of rule.settings.hold_reasons ?? []) {
    const held = await listOrders(db, { status: ['on_hold'], hold_reason: reason, created_before: before, limit: 200 });
    for (const o of held.data) {
      if (cancelled.some((c) => c.order_id === o.id)) continue;
      await cancelOrder(db, o.id, { reason: `Automation: on hold (${reason}) for more than ${rule.settings.older_than_minutes} minutes` }, ACTOR);
      cancelled.push({ order_id: o.id, number: o.number, hold_reason: reason });
    }
  }
  return { acted: cancelled.length, summary: { cancelled } };
}

async function slaWatchRun(db: Db, rule: AutomationRule, now: Date): Promise<RunResult> {
  const target = rule.settings.raise_to ?? 'urgent';
  const horizon = now.getTime() + (rule.settings.at_risk_minutes ?? 120) * 60_000;
  const open = ORDER_STATUSES.filter((s) => !NOT_OPEN.has(s));
  const orders = await listOrders(db, { warehouse_id: rule.warehouse_id, status: [...open], sort: 'dispatch_by', limit: 500 });
  const raised: { order_id: string; number: string; from: string; dispatch_by: string }[] = [];
  for (const o of orders.data) {
    if (!o.dispatch_by || new Date(o.dispatch_by).getTime() > horizon || RANK[o.priority] >= RANK[target]) continue;
    const done = await withTx(db, async (tx) => {
      const order = await lockOrder(tx, o.id);
      if (RANK[order.priority] >= RANK[target] || NOT_OPEN.has(order.status)) return false;
      await updateOrderDetails(tx, order, { priority: target }, ACTOR);
      const late = new Date(order.dispatch_by!).getTime() < now.getTime();
      await recordOrderEvent(tx, order.id, 'sla_at_risk', `${late ? 'Past' : 'Close to'} its dispatch-by time ${new Date(order.dispatch_by!).toISOString()}: priority raised from ${order.priority} to ${target}`, { from: order.priority, to: target, dispatch_by: order.dispatch_by, rule_id: rule.id }, ACTOR);
      return true;
    });
    if (done) raised.push({ order_id: o.id, number: o.number, from: o.priority, dispatch_by: new Date(o.dispatch_by).toISOString() });
  }
  return { acted: raised.length, summary: { raised, to: target } };
}

async function execute(db: Db, rule: AutomationRule, opts: AutomationOptions, now: Date): Promise<RunResult> {
  switch (rule.kind) {
    case 'wave_release': return releaseWaveRun(db, rule, now);
    case 'auto_ship': return autoShipRun(db, rule, opts, now);
    case 'manifest_close': return closeManifestsRun(db, rule);
    case 'cancel_stale_holds': return cancelStaleHoldsRun(db, rule, now);
    case 'sla_watch': return slaWatchRun(db, rule, now);
  }
}

/** Runs every rule due at `now` (the job of `tandem work`); returns the runs recorded. */
export async function runDueAutomation(db: Db, opts: AutomationOptions = {}): Promise<AutomationRun[]> {
  const now = opts.now ?? new Date();
  const rules = await claimDueRules(db, now, LEASE_MS);
  const runs: AutomationRun[] = [];
  for (const rule of rules) {
    const wh = await getWarehouse(db, rule.warehouse_id);
    const next = nextRunAt(rule.kind, rule.settings, now, { timezone: wh.timezone, cutoff_time: wh.cutoff_time ?? null });
    let result: RunResult;
    let error: string | null = null;
    try {
      result = await execute(db, rule, opts, now);
    } catch (err) {
      const e = errorOf(err);
      result = { acted: 0, summary: { code: e.code } };
      error = e.message;
    }
    runs.push(await withTx(db, (tx) => recordRun(tx, rule, { started_at: now, status: error ? 'failed' : 'ok', acted: result.acted, summary: result.summary, error, next_run_at: next })));
  }
  return runs;
}

/** Creates or changes a warehouse's rule of one kind (the warehouse must be in the caller's scope). */
export async function saveAutomationRule(db: Db, caller: { id: string; warehouseIds: string[] | null }, warehouseRef: string, kind: AutomationKind, input: { enabled?: boolean | undefined; settings?: RuleSettings | undefined }): Promise<AutomationRule> {
  return withTx(db, async (tx) => saveRule(tx, await warehouseFor(tx, caller, warehouseRef), kind, input, caller.id));
}

/** Pauses or resumes every automation rule of a warehouse. */
export async function pauseAutomation(db: Db, caller: { id: string; warehouseIds: string[] | null }, warehouseRef: string, paused: boolean, reason?: string): Promise<{ warehouse_id: string; paused: boolean }> {
  return withTx(db, async (tx) => setWarehousePaused(tx, await warehouseFor(tx, caller, warehouseRef), paused, caller.id, reason));
}
