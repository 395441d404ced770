import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './context.js';
import { platformRoutes } from './platform.routes.js';
import { masterDataRoutes } from './master-data.routes.js';
import { inventoryRoutes } from './inventory.routes.js';
import { orderRoutes } from './orders.routes.js';
import { hookRoutes } from './hooks.routes.js';
import { pollerRoutes } from './pollers.routes.js';
import { routingRoutes } from './routing.routes.js';
import { ediRoutes } from './edi.routes.js';
import { channelSyncRoutes } from './channel-sync.routes.js';
import { returnRoutes } from './returns.routes.js';
import { cartonRoutes } from './cartons.routes.js';
import { sessionRoutes } from './session.routes.js';
import { dashboardRoutes } from './dashboard.routes.js';
import { inboundRoutes } from './inbound.routes.js';
import { packingRoutes } from './packing.routes.js';
import { webhookRoutes } from './webhooks.routes.js';
import { fulfillmentRoutes } from './fulfillment.routes.js';
import { shippingRoutes } from './shipping.routes.js';
import { auditRoutes } from './audit.routes.js';
import { writebackRoutes } from './writeback.routes.js';
import { automationRoutes } from './automation.routes.js';

/** Every module's routes. Add a module's `register` here. */
export function registerRoutes(app: FastifyInstance, ctx: RouteContext): void {
  platformRoutes(app, ctx);
  masterDataRoutes(app, ctx);
  inventoryRoutes(app, ctx);
  orderRoutes(app, ctx);
  hookRoutes(app, ctx);
  pollerRoutes(app, ctx);
  routingRoutes(app, ctx);
  ediRoutes(app, ctx);
  channelSyncRoutes(app, ctx);
  returnRoutes(app, ctx);
  cartonRoutes(app, ctx);
  sessionRoutes(app, ctx);
  dashboardRoutes(app, ctx);
  inboundRoutes(app, ctx);
  packingRoutes(app, ctx);
  webhookRoutes(app, ctx);
  fulfillmentRoutes(app, ctx);
  shippingRoutes(app, ctx);
  auditRoutes(app, ctx);
  writebackRoutes(app, ctx);
  automationRoutes(app, ctx);
}
