import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { DEFAULT_SETTINGS } from '../../modules/automation/index.js';
import { syncLagByChannel } from '../../modules/channels/index.js';
import { pickRates } from '../../modules/fulfillment/index.js';
import { lowStock, stockOuts } from '../../modules/inventory/index.js';
import { backorderKpis, orderKpis, slaKpis } from '../../modules/orders/index.js';
import { invalid, pgCode } from '../../shared/errors.js';
import { sql } from 'kysely';
import { STAFF, defineRoute, principalOf } from '../route.js';
import { Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

const LOW_STOCK_CAP = 500;
const KPI_READERS = ['admin', 'ops', 'picker', 'packer'] as const;
const MAX_WINDOW_DAYS = 92;
const DAY_MS = 86_400_000;

const Since = Type.Optional(Type.String({ format: 'date-time', description: 'start of the window (default: 7 days ago); at most 92 days back' }));
const Tz = Type.String({ minLength: 1, maxLength: 64, default: 'UTC', description: 'IANA time zone the days are counted in (the viewer\'s)' });

/** A time zone both Intl and PostgreSQL know (IANA names); anything else is a 400, never a database error. */
function checkTz(tz: string): string {
  const ok = /^(UTC|[A-Za-z]+(\/[A-Za-z0-9_+-]+){1,2})$/.test(tz) && (() => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  })();
  if (!ok) throw invalid('invalid_time_zone', `${tz} is not an IANA time zone`, { tz }, [{ path: '/tz', message: 'must be an IANA time zone such as Asia/Kolkata' }]);
  return tz;
}

/** As `checkTz`, and known to this PostgreSQL too (an older server's time zone data may lack a zone Node knows). */
async function checkTzKnown(db: RouteContext['db'], tz: string): Promise<string> {
  checkTz(tz);
  try {
    await sql`SELECT now() AT TIME ZONE ${tz}`.execute(db);
  } catch (err) {
    if (pgCode(err) !== '22023') throw err;
    throw invalid('invalid_time_zone', `${tz} is not a time zone this database knows`, { tz }, [{ path: '/tz', message: 'must be an IANA time zone known to PostgreSQL' }]);
  }
  return tz;
}

/** The window's start: given (not in the future, at most MAX_WINDOW_DAYS back) or `days` before now. */
function windowStart(since: string | undefined, now: Date, days: number): Date {
  if (!since) return new Date(now.getTime() - days * DAY_MS);
  const d = new Date(since);
  if (d.getTime() > now.getTime() || now.getTime() - d.getTime() > MAX_WINDOW_DAYS * DAY_MS) {
    throw invalid('invalid_window', `since must be in the last ${MAX_WINDOW_DAYS} days`, { since }, [{ path: '/since', message: `must be in the last ${MAX_WINDOW_DAYS} days` }]);
  }
  return d;
}

/**
 * The home screen's KPIs: the strip (one request) and one endpoint per chart, every figure within the caller's
 * warehouse scope. The SQL lives with the module owning each fact (orders, inventory, fulfillment, channels).
 */
export function dashboardRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;
  defineRoute(app, {
    method: 'GET', url: '/api/v1/dashboard/kpis', access: ['admin', 'ops', 'picker', 'packer'], tags: ['dashboard'],
    summary: 'KPIs: orders since a time (default: UTC midnight), on hold, waiting for stock, low-stock rows, orders per hour by channel (24 h)',
    schema: {
      querystring: Strict({
        since: Type.Optional(Type.String({ format: 'date-time', description: 'start of "today" in the viewer\'s time zone' })),
        low_stock_threshold: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 5 }),
      }),
    },
    handler: async (req) => {
      const scope = principalOf(req).warehouseIds;
      const midnight = new Date();
      midnight.setUTCHours(0, 0, 0, 0);
      const since = req.query.since ? new Date(req.query.since) : midnight;
      const [orders, low] = await Promise.all([
        orderKpis(db, { since, warehouse_ids: scope }),
        lowStock(db, { threshold: req.query.low_stock_threshold, scope, limit: LOW_STOCK_CAP }),
      ]);
      return {
        since: since.toISOString(),
        orders_today: orders.orders_since,
        on_hold: orders.on_hold,
        backordered: orders.backordered,
        low_stock: low.length,
        low_stock_capped: low.length >= LOW_STOCK_CAP,
        by_hour: orders.by_hour,
        generated_at: new Date().toISOString(),
      };
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/dashboard/kpis/sla', access: KPI_READERS, tags: ['dashboard'],
    summary: 'Fulfillment SLA: orders shipped by their dispatch-by time or late (total and per day), open orders overdue / at risk / on track, the most urgent',
    description: 'At risk is the SLA watcher\'s definition: an open order whose dispatch-by falls within at_risk_minutes (default: the sla_watch default, 120).',
    schema: {
      querystring: Strict({
        since: Since,
        tz: Tz,
        at_risk_minutes: Type.Integer({ minimum: 1, maximum: 10_080, default: DEFAULT_SETTINGS.sla_watch.at_risk_minutes ?? 120 }),
      }),
    },
    handler: async (req) => {
      const now = new Date();
      const since = windowStart(req.query.since, now, 7);
      const tz = await checkTzKnown(db, req.query.tz);
      const r = await slaKpis(db, { since, now, tz, at_risk_minutes: req.query.at_risk_minutes, warehouse_ids: principalOf(req).warehouseIds });
      const judged = r.shipped.on_time + r.shipped.late;
      return {
        since: since.toISOString(), tz, at_risk_minutes: req.query.at_risk_minutes, ...r,
        on_time_percent: judged === 0 ? null : Math.round((r.shipped.on_time / judged) * 1000) / 10,
        generated_at: now.toISOString(),
      };
    },
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/dashboard/kpis/backorders', access: KPI_READERS, tags: ['dashboard'],
    summary: 'Backorders: orders and units waiting for stock now; per day, orders that started waiting (and units) and orders that stopped',
    schema: { querystring: Strict({ since: Since, tz: Tz }) },
    handler: async (req) => {
      const now = new Date();
      const since = windowStart(req.query.since, now, 7);
      const tz = await checkTzKnown(db, req.query.tz);
      const r = await backorderKpis(db, { since, now, tz, warehouse_ids: principalOf(req).warehouseIds });
      return { since: since.toISOString(), tz, ...r, generated_at: now.toISOString() };
    },
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/dashboard/kpis/stock-outs', access: KPI_READERS, tags: ['dashboard'],
    summary: 'Stock-outs: SKU × warehouse with available ≤ 0 that had demand (units reserved there in the last `days`, or orders waiting for the SKU)',
    schema: {
      querystring: Strict({
        days: Type.Integer({ minimum: 1, maximum: MAX_WINDOW_DAYS, default: 30 }),
        limit: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
      }),
    },
    handler: async (req) => {
      const now = new Date();
      const since = new Date(now.getTime() - req.query.days * DAY_MS);
      const r = await stockOuts(db, { since, scope: principalOf(req).warehouseIds, limit: req.query.limit });
      return { since: since.toISOString(), ...r, generated_at: now.toISOString() };
    },
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/dashboard/kpis/pick-rate', access: STAFF, tags: ['dashboard'],
    summary: 'Pick rate per picker over the last `hours` (a shift): confirmations, units, units per hour in which they picked, and units per hour',
    schema: { querystring: Strict({ hours: Type.Integer({ minimum: 1, maximum: 24, default: 8 }) }) },
    handler: async (req) => {
      const now = new Date();
      const since = new Date(now.getTime() - req.query.hours * 3_600_000);
      const r = await pickRates(db, { since, now, scope: principalOf(req).warehouseIds });
      return { since: since.toISOString(), hours: req.query.hours, ...r, generated_at: now.toISOString() };
    },
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/dashboard/kpis/sync-lag', access: STAFF, tags: ['dashboard'],
    summary: 'Stock-sync lag per channel: p50/p99/max of each listing\'s last push, pending listings and how long the oldest change has waited, errors',
    description: 'Channels are not warehouse-scoped (like GET /channels/{id}/sync-status, which staff may read); a scoped user sees every channel.',
    schema: { querystring: Strict({}) },
    handler: async () => {
      const now = new Date();
      return { data: await syncLagByChannel(db, now), generated_at: now.toISOString() };
    },
  });
}
