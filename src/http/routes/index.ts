import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './context.js';
import { platformRoutes } from './platform.routes.js';
import { masterDataRoutes } from './master-data.routes.js';
import { inventoryRoutes } from './inventory.routes.js';
import { orderRoutes } from './orders.routes.js';
import { hookRoutes } from './hooks.routes.js';
import { pollerRoutes } from './pollers.routes.js';
import { routingRoutes } from './routing.routes.js';

/** Every module's routes. Add a module's `register` here. */
export function registerRoutes(app: FastifyInstance, ctx: RouteContext): void {
  platformRoutes(app, ctx);
  masterDataRoutes(app, ctx);
  inventoryRoutes(app, ctx);
  orderRoutes(app, ctx);
  hookRoutes(app, ctx);
  pollerRoutes(app, ctx);
  routingRoutes(app, ctx);
}
