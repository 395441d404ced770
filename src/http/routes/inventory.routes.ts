import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { withTx, type Db } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { canAccessWarehouse, type Principal, type Role } from '../../modules/auth/index.js';
import { resolveSkus } from '../../modules/catalog/index.js';
import { getBin, getWarehouse } from '../../modules/warehouse/index.js';
import { ADJUST_REASONS, listBinStock, listCounts, listLedger, listReservations, listStock, listTransfers, lowStock, networkTotals, verifyInventory } from '../../modules/inventory/index.js';
import { adjustStock, commitStock, getReservationFor, moveStock, receiveStock, releaseStock, reserveStock } from '../../workflows/stock-commands.js';
import { cancelCount, cancelTransfer, countVariance, createTransfer, getCountFor, getTransferFor, openCount, postCount, receiveTransfer, recordCount, shipTransfer } from '../../workflows/stock-transfers.js';
import { ANY_ROLE, STAFF, defineRoute, principalOf } from '../route.js';
import { Cursor, Limit, Qty, Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

/** Floor work (receiving, putaway, counting) is also the picker's; reservations are also the integration's. */
const FLOOR: readonly Role[] = ['admin', 'ops', 'picker'];
const HOLDS: readonly Role[] = ['admin', 'ops', 'integration'];

const Ref = Type.String({ minLength: 1, maxLength: 80, description: 'id or code' });
const Lot = Type.String({ minLength: 1, maxLength: 64 });
const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const State = Type.Union([Type.Literal('available'), Type.Literal('damaged'), Type.Literal('quarantine')]);
const Reference = Type.String({ minLength: 1, maxLength: 100 });
const Delta = Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000_000 }), Type.Integer({ minimum: -1_000_000_000, maximum: -1 })], { description: 'non-zero' });
const IdParams = Strict({ id: Type.String({ maxLength: 80 }) });
const Reason = Type.Union(ADJUST_REASONS.map((r) => Type.Literal(r)));

const ReceiptBody = Strict({
  warehouse_id: Ref,
  lines: Type.Array(Strict({ sku: Ref, qty: Qty, bin: Type.Optional(Ref), lot: Type.Optional(Lot), expires_on: Type.Optional(Day), state: Type.Optional(State) }), { minItems: 1, maxItems: 1000 }),
  reference: Type.Optional(Reference),
});
const AdjustmentBody = Strict({
  warehouse_id: Ref, sku: Ref, bin: Type.Optional(Ref), lot: Type.Optional(Lot), state: Type.Optional(State), delta: Delta, reason: Reason,
  note: Type.Optional(Type.String({ maxLength: 500 })), reference: Type.Optional(Reference),
});
const MoveBody = Strict({
  warehouse_id: Ref, sku: Ref, qty: Qty, from_bin: Type.Optional(Ref), to_bin: Type.Optional(Ref), lot: Type.Optional(Lot),
  from_state: Type.Optional(State), to_state: Type.Optional(State), reference: Type.Optional(Reference),
}, { description: 'from_bin absent = unplaced stock (putaway); to_bin absent = back to unplaced' });
const ReserveBody = Strict({
  ref: Reference,
  mode: Type.Optional(Type.Union([Type.Literal('all_or_nothing'), Type.Literal('partial')])),
  lines: Type.Array(Strict({ ref_line: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), sku: Ref, warehouse_id: Ref, qty: Qty }), { minItems: 1, maxItems: 500 }),
});
const ReleaseBody = Type.Union([
  Strict({ reservation_ids: Type.Array(Type.String({ maxLength: 80 }), { minItems: 1, maxItems: 500, uniqueItems: true }) }),
  Strict({ ref: Reference, ref_line: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) }),
]);
const Picks = Type.Array(Strict({ bin: Type.Optional(Ref), lot: Type.Optional(Lot), qty: Qty }), { minItems: 1, maxItems: 100 });
const TransferBody = Strict({ from_warehouse_id: Ref, to_warehouse_id: Ref, lines: Type.Array(Strict({ sku: Ref, qty: Qty }), { minItems: 1, maxItems: 1000 }), reference: Type.Optional(Reference) });
const TransferReceiveBody = Strict({
  lines: Type.Optional(Type.Array(Strict({ sku: Ref, qty: Qty, bin: Type.Optional(Ref), lot: Type.Optional(Lot), expires_on: Type.Optional(Day) }), { maxItems: 1000 })),
  close: Type.Optional(Type.Boolean({ description: 'record what has not arrived as discrepancies and close the transfer' })),
});
const TransferStatus = Type.Union(['created', 'shipped', 'partially_received', 'received', 'cancelled'].map((s) => Type.Literal(s)));

/** Helpers for query filters: codes to ids, within the caller's scope. */
async function skuFilter(db: Db, ref: string | undefined): Promise<string | undefined> {
  if (ref === undefined) return undefined;
  const found = (await resolveSkus(db, [ref])).get(ref);
  if (!found) throw new AppError('not_found', 'sku_not_found', `SKU ${ref} was not found`, { sku: ref });
  return found.id;
}

async function warehouseFilter(db: Db, p: Principal, ref: string | undefined): Promise<string | undefined> {
  if (ref === undefined) return undefined;
  const wh = await getWarehouse(db, ref);
  if (!canAccessWarehouse(p, wh.id)) throw new AppError('not_found', 'warehouse_not_found', `Warehouse ${ref} was not found`, { warehouse: ref });
  return wh.id;
}

export function inventoryRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;
  const tags = ['inventory'];

  // Queries
  defineRoute(app, {
    method: 'GET', url: '/api/v1/inventory', access: ANY_ROLE, tags, summary: 'Stock per SKU × warehouse: on_hand, reserved, available, damaged, quarantine, in_transit',
    schema: { querystring: Strict({ sku: Type.Optional(Ref), warehouse_id: Type.Optional(Ref), limit: Limit, cursor: Type.Optional(Cursor) }) },
    handler: async (req) => {
      const p = principalOf(req);
      const sku = await skuFilter(db, req.query.sku);
      const wh = await warehouseFilter(db, p, req.query.warehouse_id);
      return listStock(db, { sku_ids: sku ? [sku] : undefined, warehouse_ids: wh ? [wh] : undefined, scope: p.warehouseIds, limit: req.query.limit, cursor: req.query.cursor });
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/inventory/totals', access: ANY_ROLE, tags, summary: 'Stock per SKU summed over the warehouses in the caller\'s scope',
    schema: { querystring: Strict({ sku: Type.Optional(Ref), limit: Limit, cursor: Type.Optional(Cursor) }) },
    handler: async (req) => {
      const sku = await skuFilter(db, req.query.sku);
      return networkTotals(db, { sku_ids: sku ? [sku] : undefined, scope: principalOf(req).warehouseIds, limit: req.query.limit, cursor: req.query.cursor });
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/inventory/bins', access: ANY_ROLE, tags, summary: 'Stock by bin and lot in a warehouse, in FEFO order (bins under count flagged)',
    schema: { querystring: Strict({ warehouse_id: Ref, sku: Type.Optional(Ref), bin: Type.Optional(Ref), state: Type.Optional(State), include_empty: Type.Optional(Type.Boolean()) }) },
    handler: async (req) => {
      const wh = (await warehouseFilter(db, principalOf(req), req.query.warehouse_id))!;
      const bin = req.query.bin ? (await getBin(db, wh, req.query.bin)).id : undefined;
      return { data: await listBinStock(db, { warehouse_id: wh, sku_id: await skuFilter(db, req.query.sku), bin_id: bin, state: req.query.state, include_empty: req.query.include_empty }), next_cursor: null };
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/inventory/ledger', access: ANY_ROLE, tags, summary: 'The inventory ledger: every change, oldest first; page with after=<seq>',
    schema: {
      querystring: Strict({
        sku: Type.Optional(Ref), warehouse_id: Type.Optional(Ref), bin: Type.Optional(Ref), reference: Type.Optional(Reference),
        type: Type.Optional(Type.String({ pattern: '^[a-z_]{1,32}$' })), since: Type.Optional(Type.String({ format: 'date-time' })),
        after: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
      }),
    },
    handler: async (req) => {
      const p = principalOf(req);
      const q = req.query;
      const wh = await warehouseFilter(db, p, q.warehouse_id);
      if (q.bin && !wh) throw new AppError('invalid', 'validation_failed', 'Filter by bin needs warehouse_id', {}, [{ path: 'querystring.bin', message: 'needs warehouse_id' }]);
      const bin = q.bin && wh ? (await getBin(db, wh, q.bin)).id : undefined;
      return listLedger(db, { sku_id: await skuFilter(db, q.sku), warehouse_id: wh, bin_id: bin, reference: q.reference, type: q.type as never, since: q.since ? new Date(q.since) : undefined, after: q.after, limit: q.limit, scope: p.warehouseIds });
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/inventory/low-stock', access: ANY_ROLE, tags, summary: 'SKU × warehouse rows with available at or below a threshold, lowest first',
    schema: { querystring: Strict({ warehouse_id: Type.Optional(Ref), threshold: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 5 }), limit: Limit }) },
    handler: async (req) => {
      const p = principalOf(req);
      return { data: await lowStock(db, { threshold: req.query.threshold, warehouse_id: await warehouseFilter(db, p, req.query.warehouse_id), scope: p.warehouseIds, limit: req.query.limit }), next_cursor: null };
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/inventory/verify', access: STAFF, tags, summary: 'Recompute every stock counter from the ledger, reservations, bins and transfers and report each drift',
    description: 'An empty `drifts` list means on_hand, reserved, the states, the bins and in-transit stock all agree with their sources of truth.',
    schema: { querystring: Strict({ warehouse_id: Type.Optional(Ref) }) },
    handler: async (req) => {
      const p = principalOf(req);
      const wh = await warehouseFilter(db, p, req.query.warehouse_id);
      const drifts = await withTx(db, (tx) => verifyInventory(tx, { warehouse_ids: wh ? [wh] : p.warehouseIds }), { isolation: 'repeatable read' });
      return { ok: drifts.length === 0, drifts };
    },
  });

  // Stock commands
  defineRoute(app, {
    method: 'POST', url: '/api/v1/inventory/receipts', access: FLOOR, tags, status: 201, summary: 'Receive units into bins (or unplaced, awaiting putaway), with optional lot and expiry',
    schema: { body: ReceiptBody },
    handler: async (req) => receiveStock(db, principalOf(req), req.body),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/inventory/adjustments', access: STAFF, tags, status: 201, summary: 'Adjust stock at a bin by a signed delta with a reason code',
    schema: { body: AdjustmentBody },
    handler: async (req) => adjustStock(db, principalOf(req), req.body),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/inventory/moves', access: FLOOR, tags, status: 201, summary: 'Move units bin → bin (putaway, replenishment) and/or between states (damaged, quarantine)',
    schema: { body: MoveBody },
    handler: async (req) => moveStock(db, principalOf(req), req.body),
  });

  // Reservations
  defineRoute(app, {
    method: 'POST', url: '/api/v1/inventory/reservations', access: HOLDS, tags, status: 201, summary: 'Reserve stock for a reference, all-or-nothing (default) or partial; kits reserve their components',
    schema: { body: ReserveBody },
    handler: async (req) => reserveStock(db, principalOf(req), req.body),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/inventory/reservations', access: HOLDS, tags, summary: 'Reservations by ref, SKU, warehouse or status',
    schema: { querystring: Strict({ ref: Type.Optional(Reference), sku: Type.Optional(Ref), warehouse_id: Type.Optional(Ref), status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('committed'), Type.Literal('released')])), limit: Limit, cursor: Type.Optional(Cursor) }) },
    handler: async (req) => {
      const p = principalOf(req);
      const wh = await warehouseFilter(db, p, req.query.warehouse_id);
      const rows = await listReservations(db, { ref: req.query.ref, sku_id: await skuFilter(db, req.query.sku), status: req.query.status, warehouse_ids: wh ? [wh] : p.warehouseIds, limit: req.query.limit + 1, cursor: req.query.cursor });
      const page = rows.slice(0, req.query.limit);
      return { data: page, next_cursor: rows.length > req.query.limit ? page.at(-1)!.id : null };
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/inventory/reservations/:id', access: HOLDS, tags, summary: 'A reservation',
    schema: { params: IdParams },
    handler: async (req) => getReservationFor(db, principalOf(req), req.params.id),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/inventory/reservations/release', access: HOLDS, tags, summary: 'Release reservations by id, or every open one of a ref (and ref_line)',
    schema: { body: ReleaseBody },
    handler: async (req) => releaseStock(db, principalOf(req), req.body as { reservation_ids?: string[]; ref?: string; ref_line?: string }),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/inventory/reservations/:id/release', access: HOLDS, tags, summary: 'Release a reservation, or qty units of it',
    schema: { params: IdParams, body: Strict({ qty: Type.Optional(Qty) }, { description: 'send {} to release all of it' }) },
    handler: async (req) => releaseStock(db, principalOf(req), { reservation_ids: [req.params.id], qty: req.body.qty }),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/inventory/reservations/:id/commit', access: STAFF, tags, summary: 'Commit on ship: the reserved units leave the warehouse from the picked bins (FEFO when not given)',
    schema: { params: IdParams, body: Strict({ qty: Type.Optional(Qty), picks: Type.Optional(Picks), reference: Type.Optional(Reference) }, { description: 'send {} to commit all of it from FEFO bins' }) },
    handler: async (req) => commitStock(db, principalOf(req), req.params.id, req.body),
  });

  // Transfers
  defineRoute(app, {
    method: 'POST', url: '/api/v1/inventory/transfers', access: STAFF, tags, status: 201, summary: 'Create a transfer between warehouses (its units are reserved at the source)',
    schema: { body: TransferBody },
    handler: async (req) => createTransfer(db, principalOf(req), req.body),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/inventory/transfers', access: ANY_ROLE, tags, summary: 'Transfers from or to the warehouses in the caller\'s scope, newest first',
    schema: { querystring: Strict({ status: Type.Optional(TransferStatus), warehouse_id: Type.Optional(Ref), limit: Limit }) },
    handler: async (req) => {
      const p = principalOf(req);
      return { data: await listTransfers(db, { scope: p.warehouseIds, status: req.query.status as never, warehouse_id: await warehouseFilter(db, p, req.query.warehouse_id), limit: req.query.limit }), next_cursor: null };
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/inventory/transfers/:id', access: ANY_ROLE, tags, summary: 'A transfer with its lines: shipped, received, discrepancy',
    schema: { params: IdParams },
    handler: async (req) => getTransferFor(db, principalOf(req), req.params.id),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/inventory/transfers/:id/ship', access: STAFF, tags, summary: 'Ship a transfer: its units leave the source (FEFO bins) and are in transit',
    schema: { params: IdParams },
    handler: async (req) => shipTransfer(db, principalOf(req), req.params.id),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/inventory/transfers/:id/receive', access: FLOOR, tags, summary: 'Receive (part of) a shipped transfer at the destination; close records what is missing',
    schema: { params: IdParams, body: TransferReceiveBody },
    handler: async (req) => receiveTransfer(db, principalOf(req), req.params.id, req.body),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/inventory/transfers/:id/cancel', access: STAFF, tags, summary: 'Cancel a transfer that has not shipped (its reservations are released)',
    schema: { params: IdParams },
    handler: async (req) => cancelTransfer(db, principalOf(req), req.params.id),
  });

  // Cycle counts
  defineRoute(app, {
    method: 'POST', url: '/api/v1/inventory/counts', access: STAFF, tags, status: 201, summary: 'Open a cycle count for bins; they are blocked for picking until it ends',
    schema: { body: Strict({ warehouse_id: Ref, bins: Type.Array(Ref, { minItems: 1, maxItems: 1000 }) }) },
    handler: async (req) => openCount(db, principalOf(req), req.body),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/inventory/counts', access: ANY_ROLE, tags, summary: 'Cycle counts of the warehouses in the caller\'s scope, newest first, with how many of their bins are counted',
    schema: { querystring: Strict({ status: Type.Optional(Type.Union(['open', 'posted', 'cancelled'].map((s) => Type.Literal(s)))), warehouse_id: Type.Optional(Ref), limit: Limit, cursor: Type.Optional(Cursor) }) },
    handler: async (req) => {
      const p = principalOf(req);
      return listCounts(db, { scope: p.warehouseIds, status: req.query.status as never, warehouse_id: await warehouseFilter(db, p, req.query.warehouse_id), limit: req.query.limit, cursor: req.query.cursor });
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/inventory/counts/:id', access: ANY_ROLE, tags, summary: 'A cycle count and which of its bins are counted',
    schema: { params: IdParams },
    handler: async (req) => getCountFor(db, principalOf(req), req.params.id),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/inventory/counts/:id/entries', access: FLOOR, tags, summary: 'Record what one bin holds (SKUs not listed count as zero); recording a bin again replaces it',
    schema: { params: IdParams, body: Strict({ bin: Ref, lines: Type.Array(Strict({ sku: Ref, lot: Type.Optional(Lot), qty: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }) }), { maxItems: 1000 }) }) },
    handler: async (req) => recordCount(db, principalOf(req), req.params.id, req.body),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/inventory/counts/:id/variance', access: ANY_ROLE, tags, summary: 'The variance report: system quantity, counted quantity and difference per bin × SKU × lot',
    schema: { params: IdParams },
    handler: async (req) => countVariance(db, principalOf(req), req.params.id),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/inventory/counts/:id/post', access: STAFF, tags, summary: 'Post a count: variances become adjustments with reason count, bins are released',
    schema: { params: IdParams },
    handler: async (req) => postCount(db, principalOf(req), req.params.id),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/inventory/counts/:id/cancel', access: STAFF, tags, summary: 'Cancel an open count without adjusting anything',
    schema: { params: IdParams },
    handler: async (req) => cancelCount(db, principalOf(req), req.params.id),
  });
}
