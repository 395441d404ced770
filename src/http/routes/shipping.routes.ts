import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { withTx } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { canAccessWarehouse, type Principal, type Role } from '../../modules/auth/index.js';
import { getChannel } from '../../modules/channels/index.js';
import { getWarehouse } from '../../modules/warehouse/index.js';
import {
  RATE_CARD_COLUMNS, SHIPMENT_STATUSES, createCarrier, readRateCard, getCarrier, getManifest, getShipment, getShipmentLabel, getShippingSettings, importRateCardCsv, listCarriers,
  listManifests, listShipmentEvents, listShipments, listShippingRules, openManifest, setShippingRule, setShippingSettings, updateCarrier, type ShipmentView,
} from '../../modules/shipping/index.js';
import { quotePackage, shipPackage } from '../../workflows/ship-package.js';
import { closeManifestWithHandover, handoverPdf } from '../../workflows/manifest-handover.js';
import { applyTrackingUpdate, receiveTrackingWebhook } from '../../workflows/tracking.js';
import { ADMIN, ANY_ROLE, STAFF, defineRoute, principalOf } from '../route.js';
import { Cursor, Limit, Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

/** Who ships parcels at the packing station and hands them over. */
const DISPATCH: readonly Role[] = ['admin', 'ops', 'packer'];

const CarrierCode = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$', description: 'carrier account code' });
const Ref = Type.String({ minLength: 1, maxLength: 80 });
const IdParams = Strict({ id: Type.String({ maxLength: 80 }) });
const CodeParams = Strict({ code: CarrierCode });
const Settings = Type.Record(Type.String({ maxLength: 40 }), Type.Unknown(), { description: 'kind-specific settings, see docs/shipping.md' });
const Credentials = Strict({
  api_key: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 500 }), Type.Null()])),
  webhook_secret: Type.Optional(Type.Union([Type.String({ minLength: 8, maxLength: 500 }), Type.Null()])),
}, { description: 'write-only: never returned; null removes one' });
const CarrierBody = Strict({
  code: CarrierCode,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  kind: Type.Union([Type.Literal('rate_card'), Type.Literal('easypost')]),
  active: Type.Optional(Type.Boolean()),
  cod_capable: Type.Optional(Type.Boolean()),
  settings: Type.Optional(Settings),
  credentials: Type.Optional(Credentials),
});
const CarrierPatchBody = Strict({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  active: Type.Optional(Type.Boolean()),
  cod_capable: Type.Optional(Type.Boolean()),
  settings: Type.Optional(Settings),
  credentials: Type.Optional(Credentials),
});
const Strategy = Type.Union([Type.Literal('cheapest'), Type.Literal('fastest')]);
const RuleBody = Strict({
  warehouse_id: Type.Optional(Type.Union([Ref, Type.Null()])),
  channel_id: Type.Optional(Type.Union([Ref, Type.Null()])),
  strategy: Strategy,
  preferred_carriers: Type.Optional(Type.Array(CarrierCode, { maxItems: 20, uniqueItems: true })),
  allowed_carriers: Type.Optional(Type.Union([Type.Array(CarrierCode, { maxItems: 50, uniqueItems: true }), Type.Null()])),
});
const SettingsBody = Strict({
  gs1_company_prefix: Type.Union([Type.String({ pattern: '^[0-9]{7,10}$' }), Type.Null()]),
  sscc_extension_digit: Type.Optional(Type.Integer({ minimum: 0, maximum: 9 })),
});
const ShipBody = Strict({
  carrier: Type.Optional(CarrierCode),
  service: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
});
const Status = Type.Union(SHIPMENT_STATUSES.map((s) => Type.Literal(s)));
const EventBody = Strict({
  status: Type.Union(SHIPMENT_STATUSES.filter((s) => s !== 'label_created' && s !== 'cancelled').map((s) => Type.Literal(s))),
  event_id: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
  message: Type.Optional(Type.String({ maxLength: 500 })),
  location: Type.Optional(Type.String({ maxLength: 300 })),
  occurred_at: Type.Optional(Type.String({ format: 'date-time' })),
});
const ManifestBody = Strict({ warehouse_id: Ref, carrier: CarrierCode });

const notFound = (what: string, code: string, id: string): AppError => new AppError('not_found', code, `${what} ${id} was not found`, { id });

/** The shipment if the caller's warehouses include it (404 otherwise). */
async function shipmentFor(ctx: RouteContext, p: Principal, id: string): Promise<ShipmentView> {
  const s = await getShipment(ctx.db, id);
  if (!canAccessWarehouse(p, s.warehouse_id)) throw notFound('Shipment', 'shipment_not_found', id);
  return s;
}

/**
 * Who may fetch a shipment's label: it prints the full ship-to (name, address, phone), so exactly the roles that see
 * the ship-to in order views (`redactContact`): packers print it, staff re-print it, integrations (print agents, ERPs)
 * already read the whole order. Pickers see neither the label nor a link to it (nor the carrier's label URL).
 */
export const LABEL_READERS: readonly Role[] = ['admin', 'ops', 'packer', 'integration'];

type Linked = ShipmentView & { label_pdf_url: string | null; label_zpl_url: string | null };
const withLinks = (s: ShipmentView, role: Role): Linked => (LABEL_READERS.includes(role)
  ? { ...s, label_pdf_url: `/api/v1/shipments/${s.id}/label?format=pdf`, label_zpl_url: `/api/v1/shipments/${s.id}/label?format=zpl` }
  : { ...s, carrier_label_url: null, label_pdf_url: null, label_zpl_url: null });

export function shippingRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;
  const tags = ['shipping'];

  // Carriers
  defineRoute(app, {
    method: 'GET', url: '/api/v1/carriers', access: STAFF, tags, summary: 'Carrier accounts (credentials are never returned, only which are set)',
    schema: { querystring: Strict({ active: Type.Optional(Type.Boolean()) }) },
    handler: async (req) => ({ data: await listCarriers(db, { active: req.query.active }), next_cursor: null }),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/carriers/:code', access: STAFF, tags, summary: 'One carrier account', schema: { params: CodeParams },
    handler: async (req) => getCarrier(db, req.params.code),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/carriers', access: ADMIN, tags, status: 201, summary: 'Add a carrier account: the built-in rate card, or an EasyPost-format aggregator',
    schema: { body: CarrierBody },
    handler: async (req) => withTx(db, (tx) => createCarrier(tx, req.body, principalOf(req).id)),
  });
  defineRoute(app, {
    method: 'PATCH', url: '/api/v1/carriers/:code', access: ADMIN, tags, summary: 'Change a carrier account (settings and credentials are merged and validated)',
    schema: { params: CodeParams, body: CarrierPatchBody },
    handler: async (req) => withTx(db, (tx) => updateCarrier(tx, req.params.code, req.body, principalOf(req).id)),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/carriers/:code/rate-card/:table', access: ADMIN, tags, summary: 'Replace a rate-card carrier\'s zones, rates or serviceable postal codes from CSV (text/csv), all or nothing',
    description: Object.entries(RATE_CARD_COLUMNS).map(([k, c]) => `${k}: ${[...c.required, ...c.optional.map((o) => `[${o}]`)].join(',')}`).join('; '),
    consumes: ['text/csv'],
    schema: { params: Strict({ code: CarrierCode, table: Type.Union([Type.Literal('zones'), Type.Literal('rates'), Type.Literal('serviceability')]) }) },
    handler: async (req) => {
      if (typeof req.body !== 'string') throw new AppError('invalid', 'malformed_csv', 'Send the CSV as the body with Content-Type: text/csv');
      const text = req.body;
      const report = await withTx(db, async (tx) => importRateCardCsv(tx, req.params.code, req.params.table, text, principalOf(req).id));
      if (report.aborted) {
        throw new AppError('unprocessable', 'import_has_errors', `${report.errors.length} error(s) in ${report.rows} rows: nothing was imported`, { report },
          report.errors.slice(0, 200).map((e) => ({ path: `row ${e.row}.${e.field}`, message: e.message })));
      }
      return report;
    },
  });

  defineRoute(app, {
    method: 'GET', url: '/api/v1/carriers/:code/rate-card/:table', access: STAFF, tags, summary: 'A rate-card carrier\'s stored zones, rates (amounts in minor units of `currency`) or serviceable postal codes, paged',
    schema: { params: Strict({ code: CarrierCode, table: Type.Union([Type.Literal('zones'), Type.Literal('rates'), Type.Literal('serviceability')]) }), querystring: Strict({ limit: Limit, cursor: Type.Optional(Cursor) }) },
    handler: async (req) => readRateCard(db, req.params.code, req.params.table, req.query),
  });

  // Rules and settings
  defineRoute(app, {
    method: 'GET', url: '/api/v1/shipping/rules', access: STAFF, tags, summary: 'Rate-shopping rules per warehouse × channel', schema: {},
    handler: async () => ({ data: await listShippingRules(db), next_cursor: null }),
  });
  defineRoute(app, {
    method: 'PUT', url: '/api/v1/shipping/rules', access: ADMIN, tags, summary: 'Set the rate-shopping rule of a warehouse × channel scope (either absent = any)',
    schema: { body: RuleBody },
    handler: async (req) => {
      const b = req.body;
      const wh = b.warehouse_id ? (await getWarehouse(db, b.warehouse_id)).id : null;
      const ch = b.channel_id ? (await getChannel(db, b.channel_id)).id : null;
      return withTx(db, (tx) => setShippingRule(tx, { warehouse_id: wh, channel_id: ch, strategy: b.strategy, preferred_carriers: b.preferred_carriers ?? [], allowed_carriers: b.allowed_carriers ?? null }, principalOf(req).id));
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/shipping/settings', access: STAFF, tags, summary: 'The brand\'s GS1 company prefix and SSCC extension digit', schema: {},
    handler: async () => getShippingSettings(db),
  });
  defineRoute(app, {
    method: 'PUT', url: '/api/v1/shipping/settings', access: ADMIN, tags, summary: 'Set the GS1 company prefix (SSCCs on labels) and the SSCC extension digit',
    schema: { body: SettingsBody },
    handler: async (req) => withTx(db, (tx) => setShippingSettings(tx, { gs1_company_prefix: req.body.gs1_company_prefix, sscc_extension_digit: req.body.sscc_extension_digit ?? 0 }, principalOf(req).id)),
  });

  // Rates and shipping
  defineRoute(app, {
    method: 'POST', url: '/api/v1/packages/:id/rates', access: DISPATCH, tags, summary: 'Rate a packed package with every active carrier and show the choice the rules make, without buying',
    schema: { params: IdParams, body: ShipBody },
    handler: async (req) => {
      const q = await quotePackage(db, principalOf(req), req.params.id, req.body);
      return {
        package_id: req.params.id, cod_amount: q.context.options.cod_amount, distance_km: q.context.options.distance_km, ships_on: q.context.ships_on, deliver_by: q.context.deliver_by,
        rule_source: q.rule_source, offers: q.offers, choice: q.choice,
      };
    },
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/packages/:id/ship', access: DISPATCH, tags, status: 201, summary: 'Ship a packed package: rate shop (or the given carrier/service), buy the label, commit its stock',
    description: 'The chosen rate, the alternatives and the reason are stored on the shipment (`selection.reason`). A package that has shipped is a 409 already_shipped.',
    schema: { params: IdParams, body: ShipBody },
    handler: async (req) => withLinks(await shipPackage(db, principalOf(req), req.params.id, req.body, { log: req.log }), principalOf(req).role),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/shipments', access: ANY_ROLE, tags, summary: 'Shipments by order, warehouse, status or manifest (oldest first; page with cursor)',
    schema: { querystring: Strict({ order_id: Type.Optional(Ref), warehouse_id: Type.Optional(Ref), status: Type.Optional(Status), manifest_id: Type.Optional(Ref), limit: Limit, cursor: Type.Optional(Cursor) }) },
    handler: async (req) => {
      const p = principalOf(req);
      const q = req.query;
      const wh = q.warehouse_id ? (await getWarehouse(db, q.warehouse_id)).id : undefined;
      if (wh && !canAccessWarehouse(p, wh)) throw notFound('Warehouse', 'warehouse_not_found', q.warehouse_id!);
      const rows = await listShipments(db, { order_id: q.order_id, warehouse_id: wh, status: q.status, manifest_id: q.manifest_id, scope: p.warehouseIds, after: q.cursor, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      return { data: page.map((s) => withLinks(s, p.role)), next_cursor: rows.length > q.limit ? page.at(-1)!.id : null };
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/shipments/:id', access: ANY_ROLE, tags, summary: 'A shipment with its tracking history and why its carrier was chosen', schema: { params: IdParams },
    handler: async (req) => {
      const p = principalOf(req);
      const s = await shipmentFor(ctx, p, req.params.id);
      return { ...withLinks(s, p.role), events: await listShipmentEvents(db, s.id) };
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/shipments/:id/label', access: LABEL_READERS, tags, summary: 'The stored 4×6 label: PDF or ZPL II (re-printable)',
    description: 'The label carries the full ship-to, so pickers may not fetch it (403).',
    produces: ['application/pdf', 'text/plain'],
    schema: { params: IdParams, querystring: Strict({ format: Type.Union([Type.Literal('pdf'), Type.Literal('zpl')], { default: 'pdf' }) }) },
    handler: async (req, reply) => {
      const s = await shipmentFor(ctx, principalOf(req), req.params.id);
      const label = await getShipmentLabel(db, s.id, req.query.format);
      reply.header('content-disposition', `inline; filename="${s.tracking_number.replace(/[^A-Za-z0-9_-]/g, '')}.${req.query.format}"`);
      reply.type(req.query.format === 'pdf' ? 'application/pdf' : 'text/plain; charset=utf-8');
      return reply.send(label);
    },
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/shipments/:id/events', access: STAFF, tags, status: 201, summary: 'Record a tracking event by hand (own delivery fleet, a call with the courier)',
    schema: { params: IdParams, body: EventBody },
    handler: async (req) => {
      const p = principalOf(req);
      const s = await shipmentFor(ctx, p, req.params.id);
      const b = req.body;
      const at = b.occurred_at ? new Date(b.occurred_at) : new Date();
      const r = await applyTrackingUpdate(db, s.id, s.order_id, {
        event_id: b.event_id ?? `manual:${s.id}:${b.status}:${at.toISOString()}`, tracking_number: s.tracking_number, status: b.status, carrier_status: b.status,
        message: b.message ?? null, location: b.location ?? null, occurred_at: at,
      }, p.id);
      return { outcome: r.outcome, shipment: withLinks(r.shipment, p.role) };
    },
  });

  // Manifests
  defineRoute(app, {
    method: 'POST', url: '/api/v1/manifests', access: DISPATCH, tags, summary: 'The open manifest of a carrier at a warehouse (opened if there is none); shipped packages join it',
    schema: { body: ManifestBody },
    handler: async (req, reply) => {
      const p = principalOf(req);
      const wh = await getWarehouse(db, req.body.warehouse_id);
      if (!canAccessWarehouse(p, wh.id)) throw notFound('Warehouse', 'warehouse_not_found', req.body.warehouse_id);
      await getCarrier(db, req.body.carrier);
      const r = await withTx(db, (tx) => openManifest(tx, wh.id, req.body.carrier, p.id));
      reply.code(r.created ? 201 : 200);
      return r.manifest;
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/manifests', access: ANY_ROLE, tags, summary: 'Manifests, newest first',
    schema: { querystring: Strict({ warehouse_id: Type.Optional(Ref), carrier: Type.Optional(CarrierCode), status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed')])), limit: Limit }) },
    handler: async (req) => {
      const p = principalOf(req);
      const wh = req.query.warehouse_id ? (await getWarehouse(db, req.query.warehouse_id)).id : undefined;
      return { data: await listManifests(db, { warehouse_id: wh, carrier: req.query.carrier, status: req.query.status, scope: p.warehouseIds, limit: req.query.limit }), next_cursor: null };
    },
  });
  const manifestFor = async (p: Principal, id: string) => {
    const m = await getManifest(db, id);
    if (!canAccessWarehouse(p, m.warehouse_id)) throw notFound('Manifest', 'manifest_not_found', id);
    return m;
  };
  defineRoute(app, {
    method: 'GET', url: '/api/v1/manifests/:id', access: ANY_ROLE, tags, summary: 'A manifest with its shipments', schema: { params: IdParams },
    handler: async (req) => {
      const p = principalOf(req);
      const m = await manifestFor(p, req.params.id);
      return { ...m, shipments: (await listShipments(db, { manifest_id: m.id })).map((s) => withLinks(s, p.role)) };
    },
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/manifests/:id/close', access: DISPATCH, tags, summary: 'Close a manifest for handover: its shipments are fixed, later ones open the next manifest',
    schema: { params: IdParams },
    handler: async (req) => {
      const p = principalOf(req);
      await manifestFor(p, req.params.id);
      const m = await closeManifestWithHandover(db, req.params.id, p.id);
      return { ...m, handover_pdf_url: `/api/v1/manifests/${m.id}/handover.pdf` };
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/manifests/:id/handover.pdf', access: ANY_ROLE, tags, summary: 'The handover PDF of a closed manifest (barcodes and counts)',
    produces: ['application/pdf'], schema: { params: IdParams },
    handler: async (req, reply) => {
      const m = await manifestFor(principalOf(req), req.params.id);
      const pdf = await handoverPdf(db, m.id);
      reply.type('application/pdf').header('content-disposition', `inline; filename="${m.number}.pdf"`);
      return reply.send(pdf);
    },
  });

  // Tracking webhooks: the raw body is kept for the signature check.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 2 * 1_048_576 }, (_req, body, done) => done(null, body));
    defineRoute(scope, {
      method: 'POST', url: '/hooks/tracking/:carrier', access: 'public', tags: ['hooks'], summary: 'Carrier tracking webhooks (EasyPost Event/Tracker format)',
      description: 'Authenticated with the carrier account\'s webhook_secret: X-Hmac-Signature: hmac-sha256-hex=<HMAC-SHA256 of the raw body> (EasyPost\'s scheme), or ?token=<secret> for carriers that cannot sign. Deduplicated by event id; 401 on a bad signature, nothing stored.',
      schema: { params: Strict({ carrier: Type.String({ maxLength: 40 }) }), querystring: Strict({ token: Type.Optional(Type.String({ maxLength: 500 })) }) },
      handler: async (req, reply) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const sig = req.headers['x-hmac-signature'];
        const r = await receiveTrackingWebhook(db, req.params.carrier, raw, { signature: typeof sig === 'string' ? sig : undefined, token: req.query.token });
        reply.code(200);
        return r;
      },
    });
  });
}
