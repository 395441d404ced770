import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { withTx, type Db } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { assertWarehouseScope, type Principal, type Role } from '../../modules/auth/index.js';
import { getSku } from '../../modules/catalog/index.js';
import { getWarehouse } from '../../modules/warehouse/index.js';
import { cartonize, createCarton, getCarton, listCartons, setCartonActive, type CartonizeItem } from '../../modules/fulfillment/index.js';
import { STAFF, defineRoute, principalOf } from '../route.js';
import { Code, Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

/** Packers see the catalog and try it; only admin and ops change it. */
const READERS: readonly Role[] = ['admin', 'ops', 'packer', 'picker'];
/** The preview packs unit by unit: a bound keeps one request from holding a CPU for long. */
const MAX_PREVIEW_UNITS = 500;

const Mm = Type.Integer({ minimum: 1, maximum: 10_000, description: 'millimetres' });
const CartonBody = Strict({
  code: Code,
  length_mm: Mm,
  width_mm: Mm,
  height_mm: Mm,
  max_weight_g: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'the most the carton may hold (contents), grams' }),
  tare_weight_g: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, description: 'the empty carton\'s own weight, grams' })),
});
const WhParams = Strict({ id: Type.String({ maxLength: 80 }) });
const CartonParams = Strict({ id: Type.String({ maxLength: 80 }), carton: Type.String({ maxLength: 80 }) });
const PreviewBody = Strict({ items: Type.Array(Strict({ sku: Code, qty: Type.Integer({ minimum: 1, maximum: MAX_PREVIEW_UNITS }) }), { minItems: 1, maxItems: 100 }) });

async function warehouseIn(db: Db, p: Principal, ref: string): Promise<string> {
  const wh = await getWarehouse(db, ref);
  assertWarehouseScope(p, wh.id, 'Warehouse', ref);
  return wh.id;
}

/** Cartonization input from the SKUs' master data (dimensions and weight). */
async function previewItems(db: Db, lines: { sku: string; qty: number }[]): Promise<{ items: CartonizeItem[]; codes: Map<string, string> }> {
  const total = lines.reduce((s, l) => s + l.qty, 0);
  if (total > MAX_PREVIEW_UNITS) throw new AppError('unprocessable', 'too_many_units', `A preview packs at most ${MAX_PREVIEW_UNITS} units`, { units: total });
  const items: CartonizeItem[] = [];
  const codes = new Map<string, string>();
  for (const l of lines) {
    const sku = await getSku(db, l.sku);
    codes.set(sku.id, sku.sku);
    items.push({ sku_id: sku.id, qty: l.qty, length_mm: sku.dims_mm?.l ?? 0, width_mm: sku.dims_mm?.w ?? 0, height_mm: sku.dims_mm?.h ?? 0, weight_g: sku.weight_g ?? 0 });
  }
  return { items, codes };
}

export function cartonRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;
  const tags = ['cartons'];

  defineRoute(app, {
    method: 'POST', url: '/api/v1/warehouses/:id/cartons', access: STAFF, tags, status: 201, summary: 'Add a carton to the warehouse\'s packing catalog (inner dimensions, max weight, tare)',
    schema: { params: WhParams, body: CartonBody },
    handler: async (req) => {
      const p = principalOf(req);
      const wh = await warehouseIn(db, p, req.params.id);
      return withTx(db, (tx) => createCarton(tx, wh, req.body, p.id));
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/warehouses/:id/cartons', access: READERS, tags, summary: 'The warehouse\'s cartons, smallest first (active ones unless include_inactive)',
    schema: { params: WhParams, querystring: Strict({ include_inactive: Type.Optional(Type.Boolean()) }) },
    handler: async (req) => {
      const wh = await warehouseIn(db, principalOf(req), req.params.id);
      return { data: await listCartons(db, wh, { includeInactive: req.query.include_inactive ?? false }), next_cursor: null };
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/warehouses/:id/cartons/:carton', access: READERS, tags, summary: 'A carton by id or code',
    schema: { params: CartonParams },
    handler: async (req) => getCarton(db, await warehouseIn(db, principalOf(req), req.params.id), req.params.carton),
  });
  for (const [verb, active] of [['deactivate', false], ['activate', true]] as const) {
    defineRoute(app, {
      method: 'POST', url: `/api/v1/warehouses/:id/cartons/:carton/${verb}`, access: STAFF, tags,
      summary: active ? 'Put a retired carton back into use' : 'Retire a carton: it is no longer offered for packing',
      schema: { params: CartonParams },
      handler: async (req) => {
        const p = principalOf(req);
        const wh = await warehouseIn(db, p, req.params.id);
        return withTx(db, (tx) => setCartonActive(tx, wh, req.params.carton, active, p.id));
      },
    });
  }
  defineRoute(app, {
    method: 'POST', url: '/api/v1/warehouses/:id/cartonize', access: READERS, tags, summary: 'Preview which cartons would hold these SKUs (from their dimensions and weight); changes nothing',
    schema: { params: WhParams, body: PreviewBody },
    handler: async (req) => {
      const wh = await warehouseIn(db, principalOf(req), req.params.id);
      const { items, codes } = await previewItems(db, req.body.items);
      const r = cartonize(items, await listCartons(db, wh));
      const named = <T extends { sku_id: string }>(x: T): T & { sku: string } => ({ ...x, sku: codes.get(x.sku_id)! });
      return {
        packages: r.packages.map((p) => ({ carton: p.carton, items: p.items.map(named), weight_g: p.weight_g, fill_ratio: p.fill_ratio, placements: p.placements.map(named) })),
        unfit: r.unfit.map(named),
      };
    },
  });
}
