import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { withTx } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { assertWarehouseScope } from '../../modules/auth/index.js';
import { findPartner, getDocument, listDocuments, savePartner } from '../../modules/edi/index.js';
import { getWarehouse } from '../../modules/warehouse/index.js';
import { receiveEdiDocument, receiveEdiFiles, sendShippingOrders } from '../../workflows/edi.js';
import { ADMIN, STAFF, defineRoute, principalOf } from '../route.js';
import { Cursor, Limit, Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

const Qualifier = Type.String({ pattern: '^[0-9A-Z]{2}$', description: 'ISA id qualifier: ZZ mutually defined, 01 DUNS, 12 phone, …' });
const X12Id = Type.String({ pattern: '^[ -~]{1,15}$', description: 'ISA sender/receiver id, up to 15 printable characters' });
const Dir = Type.String({ minLength: 1, maxLength: 500, description: 'absolute folder path on the Tandem worker hosts' });
const PartnerBody = Strict({
  our_qualifier: Qualifier, our_id: X12Id, partner_qualifier: Qualifier, partner_id: X12Id,
  outbound_dir: Dir, inbound_dir: Dir,
  test_mode: Type.Optional(Type.Boolean({ description: 'ISA15 = T on what Tandem sends' })),
  active: Type.Optional(Type.Boolean()),
});
const WhParams = Strict({ id: Type.String({ maxLength: 80 }) });

/** EDI with external (3PL) warehouses: trading partners, the document log, inbound upload, a manual run. */
export function ediRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;
  const tags = ['edi'];
  const warehouseFor = async (req: { params: { id: string } } & Parameters<typeof principalOf>[0]) => {
    const wh = await getWarehouse(db, req.params.id);
    assertWarehouseScope(principalOf(req), wh.id, 'Warehouse', req.params.id);
    return wh;
  };

  defineRoute(app, {
    method: 'PUT', url: '/api/v1/warehouses/:id/edi-partner', access: ADMIN, tags, summary: 'Set the X12 trading partner of an external warehouse',
    description: 'Fulfillment orders of an `external` warehouse with an active partner are sent as X12 940 files to outbound_dir; 945 and 846 files dropped in inbound_dir are applied and archived (processed/ or rejected/). The control-number sequence is kept when the partner is replaced.',
    schema: { params: WhParams, body: PartnerBody },
    handler: async (req) => {
      const wh = await warehouseFor(req);
      if (wh.type !== 'external') throw new AppError('unprocessable', 'warehouse_not_external', `Warehouse ${wh.code} is one of ours (type own); EDI partners are for external warehouses`, { warehouse_id: wh.id });
      return withTx(db, (tx) => savePartner(tx, wh.id, req.body, principalOf(req).id));
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/warehouses/:id/edi-partner', access: STAFF, tags, summary: 'The X12 trading partner of a warehouse',
    schema: { params: WhParams },
    handler: async (req) => {
      const wh = await warehouseFor(req);
      const p = await findPartner(db, wh.id);
      if (!p) throw new AppError('not_found', 'edi_partner_not_found', `Warehouse ${wh.code} has no EDI partner`, { warehouse_id: wh.id });
      return p;
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/edi/documents', access: STAFF, tags, summary: 'EDI documents sent and received, newest first',
    schema: { querystring: Strict({ warehouse_id: Type.Optional(Type.String({ maxLength: 80 })), fulfillment_order_id: Type.Optional(Type.String({ maxLength: 80 })), transaction_set: Type.Optional(Type.Union([Type.Literal('940'), Type.Literal('945'), Type.Literal('846'), Type.Literal('unknown')])), limit: Limit, cursor: Type.Optional(Cursor) }) },
    handler: async (req) => {
      const p = principalOf(req);
      let scope = p.warehouseIds;
      if (req.query.warehouse_id) {
        const wh = await getWarehouse(db, req.query.warehouse_id);
        assertWarehouseScope(p, wh.id, 'Warehouse', req.query.warehouse_id);
        scope = [wh.id];
      }
      const rows = await listDocuments(db, { warehouse_ids: scope, fulfillment_order_id: req.query.fulfillment_order_id, transaction_set: req.query.transaction_set, limit: req.query.limit + 1, before: req.query.cursor });
      const page = rows.slice(0, req.query.limit);
      return { data: page.map(({ content: _c, ...d }) => d), next_cursor: rows.length > req.query.limit ? page[page.length - 1]!.id : null };
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/edi/documents/:id', access: STAFF, tags, summary: 'One EDI document with its content and what applying it did',
    schema: { params: Strict({ id: Type.String({ maxLength: 80 }) }) },
    handler: async (req) => {
      const d = await getDocument(db, req.params.id);
      assertWarehouseScope(principalOf(req), d.warehouse_id, 'EDI document', req.params.id);
      return d;
    },
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/warehouses/:id/edi/inbound', access: ADMIN, tags, summary: 'Apply an X12 945 or 846 from the warehouse\'s partner (text/plain body)',
    description: 'The same as a file dropped in the inbound folder: all transaction sets apply in one transaction or none; a file already applied (same sender and control numbers) changes nothing (outcome `duplicate`); a bad file is recorded as rejected and answered 422.',
    consumes: ['text/plain'],
    schema: { params: WhParams },
    handler: async (req) => {
      const wh = await warehouseFor(req);
      if (typeof req.body !== 'string' || req.body.trim() === '') throw new AppError('invalid', 'edi_invalid', 'Send the X12 interchange as the body with Content-Type: text/plain');
      const r = await receiveEdiDocument(db, wh.id, req.body, null, principalOf(req).id);
      if (r.outcome === 'rejected') throw new AppError('unprocessable', 'edi_rejected', r.error ?? 'The document was rejected', { document_id: r.documents[0]?.id ?? null });
      return { outcome: r.outcome, documents: r.documents.map(({ content: _c, ...d }) => d) };
    },
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/edi/run', access: ADMIN, tags, summary: 'Send pending 940s and read inbound folders now (the worker does it every 10 s)',
    schema: { body: Type.Optional(Strict({})) },
    handler: async () => ({ outbound: await sendShippingOrders(db), inbound: await receiveEdiFiles(db) }),
  });
}
