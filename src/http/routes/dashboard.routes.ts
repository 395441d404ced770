import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { lowStock } from '../../modules/inventory/index.js';
import { orderKpis } from '../../modules/orders/index.js';
import { defineRoute, principalOf } from '../route.js';
import { Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

const LOW_STOCK_CAP = 500;

/** The home screen's KPI strip: one request, every figure within the caller's warehouse scope. */
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
}
