import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../shared/errors.js';
import { canAccessWarehouse } from '../../modules/auth/index.js';
import { getShipment } from '../../modules/shipping/index.js';
import { getWriteback, getWritebackSettings, listAttempts, listWritebacks, type WritebackRow } from '../../channels/writeback/index.js';
import { retrySyncException, resolveSyncException, saveChannelWritebackSettings } from '../../workflows/channel-writeback.js';
import { getChannel } from '../../modules/channels/index.js';
import { ADMIN, STAFF, defineRoute, principalOf } from '../route.js';
import { Code, Cursor, Id, Limit, Strict } from '../schemas.js';
import type { RouteContext } from './context.js';
import type { Principal } from '../../modules/auth/index.js';

const ChannelParams = Strict({ id: Type.String({ maxLength: 80 }) });
const ExceptionParams = Strict({ id: Id('wb') });
const Status = Type.Union([Type.Literal('failed'), Type.Literal('pending'), Type.Literal('done'), Type.Literal('resolved')]);

const CarrierMap = Strict({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'the carrier as the channel shows it (Shopify tracking company, Flipkart deliveryPartner)' })),
  code: Type.Optional(Type.String({ minLength: 1, maxLength: 60, pattern: '^[A-Za-z0-9 ._-]+$', description: 'the channel\'s carrier code (Amazon carrierCode, Flipkart deliveryPartnerCode)' })),
  tracking_url: Type.Optional(Type.String({ minLength: 8, maxLength: 500, pattern: '^https?://', description: '{tracking} is replaced by the tracking number' })),
});

const SettingsBody = Strict({
  enabled: Type.Optional(Type.Boolean({ description: 'tell the channel about every shipment from now on' })),
  notify_customer: Type.Optional(Type.Boolean()),
  carriers: Type.Optional(Type.Record(Code, CarrierMap, { maxProperties: 50, description: 'Tandem carrier code → how the channel names it' })),
}, { description: 'Fields left out keep their value. Endpoint and credentials are the channel\'s stock policy\'s.' });

function view(r: WritebackRow): Record<string, unknown> {
  return {
    id: r.id, channel_id: r.channel_id, order_id: r.order_id, shipment_id: r.shipment_id, kind: r.kind, status: r.status, attempts: r.attempts,
    next_attempt_at: r.status === 'pending' ? r.next_attempt_at : null, external_ref: r.external_ref,
    error: r.error_code ? { code: r.error_code, message: r.error_message, status: r.last_status_code } : null,
    last_attempt_at: r.last_attempt_at, done_at: r.done_at, resolved_at: r.resolved_at, resolved_by: r.resolved_by, resolution_note: r.resolution_note,
    created_at: r.created_at, updated_at: r.updated_at,
  };
}

/** A write-back the caller may see: its shipment's warehouse must be in the caller's scope (404 otherwise). */
async function visible(ctx: RouteContext, p: Principal, id: string): Promise<WritebackRow> {
  const row = await getWriteback(ctx.db, id);
  if (p.warehouseIds && !canAccessWarehouse(p, (await getShipment(ctx.db, row.shipment_id)).warehouse_id)) {
    throw new AppError('not_found', 'sync_exception_not_found', `Write-back ${id} was not found`, { id });
  }
  return row;
}

export function writebackRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;
  const tags = ['channel write-back'];

  defineRoute(app, {
    method: 'GET', url: '/api/v1/channels/:id/writeback-settings', access: STAFF, tags, summary: 'Whether shipments are written back to the channel, and how its carriers are named there',
    schema: { params: ChannelParams },
    handler: async (req) => getWritebackSettings(db, (await getChannel(db, req.params.id)).id),
  });

  defineRoute(app, {
    method: 'PUT', url: '/api/v1/channels/:id/writeback-settings', access: ADMIN, tags, summary: 'Turns write-back on or off (from now), customer notification, carrier names and codes',
    schema: { params: ChannelParams, body: SettingsBody },
    handler: async (req) => saveChannelWritebackSettings(db, req.params.id, req.body, principalOf(req).id),
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/sync-exceptions', access: STAFF, tags,
    summary: 'Write-backs a channel refused (status=failed, the default), or any by status, order or channel; newest first',
    schema: { querystring: Strict({ status: Type.Optional(Status), order_id: Type.Optional(Id('ord')), channel_id: Type.Optional(Type.String({ maxLength: 80 })), limit: Limit, cursor: Type.Optional(Cursor) }) },
    handler: async (req) => {
      const q = req.query;
      const rows = await listWritebacks(db, { status: q.status ?? 'failed', order_id: q.order_id, channel_id: q.channel_id, limit: q.limit, cursor: q.cursor, warehouse_ids: principalOf(req).warehouseIds });
      return { data: rows.map(view), next_cursor: rows.length === q.limit ? rows.at(-1)!.id : null };
    },
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/sync-exceptions/:id', access: STAFF, tags, summary: 'One write-back with every attempt',
    schema: { params: ExceptionParams },
    handler: async (req) => {
      const row = await visible(ctx, principalOf(req), req.params.id);
      return { ...view(row), attempts_log: await listAttempts(db, row.id) };
    },
  });

  defineRoute(app, {
    method: 'POST', url: '/api/v1/sync-exceptions/:id/retry', access: STAFF, tags, summary: 'Queues a refused write-back again (after fixing the mapping or the channel)',
    schema: { params: ExceptionParams, body: Type.Optional(Strict({})) },
    handler: async (req) => {
      await visible(ctx, principalOf(req), req.params.id);
      return view(await retrySyncException(db, req.params.id, principalOf(req).id));
    },
  });

  defineRoute(app, {
    method: 'POST', url: '/api/v1/sync-exceptions/:id/resolve', access: STAFF, tags, summary: 'Closes a refused write-back without sending it (done by hand on the channel)',
    schema: { params: ExceptionParams, body: Type.Optional(Strict({ note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) })) },
    handler: async (req) => {
      await visible(ctx, principalOf(req), req.params.id);
      return view(await resolveSyncException(db, req.params.id, principalOf(req).id, req.body?.note));
    },
  });
}
