import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../db/database.js';
import { completeAudit, recordAudit, recordPendingAudit, snapshotObject } from '../modules/audit/index.js';
import { runEnlisted, type TxEnlistment } from '../db/tx-enlistment.js';
import type { Access } from './route.js';

/**
 * Administrative changes whose routes other roles may also call (so "admin only" does not catch them): keys,
 * users, master data, rules, channels, carriers, webhooks, stock adjustments, count postings, cancellations.
 * Every successful write of an admin-only route is audited as well, so new admin routes are covered without a change here.
 */
const AUDITED = [
  /^\/api\/v1\/(users|api-keys|webhooks|webhook-deliveries|carriers|channels|skus)(\/|$)/,
  /^\/api\/v1\/warehouses(\/:id(\/(bins|cartons.*|edi-partner|reroute))?)?$/,
  /^\/api\/v1\/(routing\/rules|order-rules|shipping\/|safety-stock|replenishment-rules|putaway-zones|purchase-limits)/,
  /^\/api\/v1\/inventory\/(adjustments$|counts\/:id\/post$)/,
  /^\/api\/v1\/orders\/:id(\/holds\/:hold_id\/release)?$/,
  /\/cancel$/,
];

const OBJECT_TYPES: [RegExp, string][] = [
  [/^\/api\/v1\/api-keys/, 'api_key'], [/^\/api\/v1\/users/, 'user'], [/^\/api\/v1\/webhook-deliveries/, 'webhook_delivery'],
  [/^\/api\/v1\/webhooks/, 'webhook'], [/^\/api\/v1\/carriers/, 'carrier'], [/^\/api\/v1\/channels/, 'channel'], [/^\/api\/v1\/skus/, 'sku'],
  [/^\/api\/v1\/warehouses/, 'warehouse'], [/^\/api\/v1\/routing\/rules/, 'routing_rules'], [/^\/api\/v1\/order-rules/, 'order_rules'],
  [/^\/api\/v1\/shipping\/rules/, 'shipping_rules'], [/^\/api\/v1\/shipping\/settings/, 'shipping_settings'], [/^\/api\/v1\/safety-stock/, 'safety_stock'],
  [/^\/api\/v1\/replenishment/, 'replenishment'], [/^\/api\/v1\/putaway-zones/, 'putaway_zone'], [/^\/api\/v1\/purchase-limits/, 'purchase_limit'],
  [/^\/api\/v1\/inventory\/adjustments/, 'stock_adjustment'], [/^\/api\/v1\/inventory\/counts/, 'count'], [/^\/api\/v1\/inventory\/transfers/, 'transfer'],
  [/^\/api\/v1\/orders/, 'order'], [/^\/api\/v1\/returns/, 'return'], [/^\/api\/v1\/packages/, 'package'], [/^\/api\/v1\/asns/, 'asn'],
  [/^\/api\/v1\/edi/, 'edi'],
];

const PREVIEWS = /\/(cartonize|simulate|rates)$/;

/** True when a successful call of this route is an administrative change to record. */
export function isAudited(method: string, url: string, access: Access | undefined): boolean {
  if (method === 'GET' || method === 'HEAD' || access === undefined || access === 'public' || PREVIEWS.test(url)) return false;
  if (access.length === 1 && access[0] === 'admin') return true;
  return AUDITED.some((re) => re.test(url));
}

export const objectTypeOf = (url: string): string => OBJECT_TYPES.find(([re]) => re.test(url))?.[1] ?? url.split('/')[3] ?? 'unknown';

interface AuditState {
  before?: unknown;
  objectRef?: string | undefined;
  /** The pending entry written in a committed transaction of this request (completed in onSend). */
  entryId?: string | undefined;
  /** Being written in a transaction that has not committed yet. */
  pendingId?: string | undefined;
  /** The response went out: later transactions (work the handler left running) are no longer this request's. */
  closed?: boolean;
  enlistment?: TxEnlistment;
}
declare module 'fastify' {
  interface FastifyRequest {
    audit: AuditState | undefined;
  }
}

const paramRef = (req: FastifyRequest): string | undefined => {
  const p = (req.params ?? {}) as Record<string, unknown>;
  const v = p.id ?? p.code ?? p.sku;
  return typeof v === 'string' ? v : undefined;
};

function parsed(payload: unknown): unknown {
  if (typeof payload !== 'string') return undefined;
  try {
    return JSON.parse(payload);
  } catch {
    return undefined;
  }
}

const actorOf = (req: FastifyRequest) => ({
  actorId: req.principal!.id, actorType: req.principal!.id.startsWith('usr_') ? 'user' as const : 'api_key' as const, actorRole: req.principal!.role,
  action: `${req.method} ${req.routeOptions.url!}`, objectType: objectTypeOf(req.routeOptions.url!),
  ip: req.ip, userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null, requestId: req.id,
});

/**
 * The request's part in its transactions: the first transaction of an audited request that writes something also
 * writes the (pending) audit entry, so the change and its entry commit together — if the entry cannot be written,
 * the change rolls back and the request fails.
 */
function enlistmentFor(req: FastifyRequest, state: AuditState): TxEnlistment {
  return {
    beforeCommit: async (tx) => {
      if (state.closed || state.entryId || state.pendingId) return;
      state.pendingId = 'writing';
      const id = await recordPendingAudit(tx, { ...actorOf(req), objectId: state.objectRef, before: state.before });
      state.pendingId = id;
    },
    committed: () => {
      if (state.pendingId) state.entryId = state.pendingId;
      state.pendingId = undefined;
    },
    rolledBack: () => {
      state.pendingId = undefined;
    },
  };
}

/** Runs a route handler so that the transactions it opens carry the request's audit entry (see `installAudit`). */
export function inAuditScope<T>(req: FastifyRequest, fn: () => Promise<T>): Promise<T> {
  const e = req.audit?.enlistment;
  return e ? runEnlisted(e, fn) : fn();
}

/**
 * Records every successful administrative write: who (key or user, role), what (route), which object, from where
 * (IP, user agent, request id), when, and the object before (read before the handler) and after (the response).
 *
 * The entry is written in the change's own transaction (`inAuditScope` + `withTx`): pending, with the before-image,
 * then completed in onSend with the status and the response body. A committed change therefore always has its
 * entry; if the completion fails, the entry stays pending (status null) and the failure is logged. A request whose
 * change did not go through `withTx` gets its entry in onSend instead (after the commit, before the response).
 */
export function installAudit(app: FastifyInstance, db: Db): void {
  app.decorateRequest('audit', undefined);
  app.addHook('preHandler', async (req) => {
    const url = req.routeOptions.url;
    if (!url || !req.principal || !isAudited(req.method, url, req.routeOptions.config?.access)) return;
    const objectRef = paramRef(req);
    const state: AuditState = { objectRef, before: objectRef ? await snapshotObject(db, objectTypeOf(url), objectRef) : undefined };
    state.enlistment = enlistmentFor(req, state);
    req.audit = state;
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const state = req.audit;
    if (!state || state.closed || !req.principal) return payload;
    state.closed = true;
    if (!state.entryId && reply.statusCode >= 300) return payload;
    const url = req.routeOptions.url!;
    const after = parsed(payload);
    const bodyId = after && typeof after === 'object' && !Array.isArray(after) ? ((after as { id?: unknown; code?: unknown }).id ?? (after as { code?: unknown }).code) : undefined;
    const query = (req.query ?? {}) as Record<string, unknown>;
    const objectId = state.objectRef ?? (typeof bodyId === 'string' ? bodyId : undefined) ?? (typeof query.channel_id === 'string' ? query.channel_id : undefined);
    try {
      // A request that failed after one of its transactions committed keeps its entry, with the error status.
      if (state.entryId) await completeAudit(db, state.entryId, { status: reply.statusCode, after, objectId });
      else await recordAudit(db, { ...actorOf(req), objectId, status: reply.statusCode, before: state.before, after });
    } catch (err) {
      // The change itself has committed (with its pending entry, when it went through withTx): a lost completion
      // or entry is logged loudly rather than turning success into an error.
      req.log.error({ err, action: `${req.method} ${url}`, audit_id: state.entryId }, 'audit entry could not be written');
    }
    return payload;
  });
}
