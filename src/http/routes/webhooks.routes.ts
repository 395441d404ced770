import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { Gauge } from 'prom-client';
import { sql } from 'kysely';
import { withTx } from '../../db/database.js';
import { webhookSettings } from '../../config.js';
import { EVENT_PATTERN } from '../../events/envelope.js';
import { AllowList, resolveWebhookTarget } from '../../events/ssrf.js';
import { outboxLag } from '../../events/cursor.js';
import {
  createSubscription, deleteSubscription, getDelivery, getSubscription, listDeliveries, listSubscriptions, replayDelivery, replayRange, setSubscriptionStatus, rotateSubscriptionSecret, MAX_ROTATION_GRACE_HOURS,
} from '../../events/webhooks.js';
import { ADMIN, defineRoute, principalOf } from '../route.js';
import { Cursor, Limit, Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

const IdParams = Strict({ id: Type.String({ maxLength: 80 }) });
const DeliveryStatus = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead')]);

const CreateBody = Strict({
  url: Type.String({ minLength: 8, maxLength: 2000, description: 'http(s) URL; must resolve to a public address unless allow-listed (TANDEM_WEBHOOK_ALLOW_HOSTS)' }),
  events: Type.Array(Type.String({ maxLength: 100, pattern: EVENT_PATTERN }), {
    minItems: 1, maxItems: 50, uniqueItems: true, description: 'filters: exact types (`stock.changed`), families (`order.*`) or `*`',
  }),
  secret: Type.Optional(Type.String({ minLength: 16, maxLength: 500, description: 'signing secret; generated when absent' })),
  description: Type.Optional(Type.String({ maxLength: 500 })),
});
const RangeBody = Strict({
  from: Type.String({ format: 'date-time', description: 'events that occurred at or after this instant' }),
  to: Type.String({ format: 'date-time', description: 'and before this one' }),
});

/** Outbound webhooks: subscriptions, their delivery log and replay. Managing them is for admins only. */
export function webhookRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { db } = ctx;
  installEventMetrics(ctx);

  defineRoute(app, {
    method: 'POST', url: '/api/v1/webhooks', access: ADMIN, summary: 'Subscribe a URL to events (the signing secret is shown once)', tags: ['events'], status: 201,
    description: 'Deliveries are POSTs signed with `Tandem-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`. The URL is refused when its host resolves to a loopback, private, link-local, metadata or otherwise non-public address.',
    schema: { body: CreateBody },
    handler: async (req) => {
      const settings = webhookSettings();
      // Resolved outside the transaction: a DNS lookup must not hold a database connection.
      const target = await resolveWebhookTarget(req.body.url, new AllowList(settings.allowHosts), { timeoutMs: settings.timeoutMs });
      return withTx(db, (tx) =>
        createSubscription(tx, { url: target.url.href, events: req.body.events, secret: req.body.secret, description: req.body.description, actor: principalOf(req).id }),
      );
    },
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/webhooks', access: ADMIN, summary: 'List webhook subscriptions (never their secrets)', tags: ['events'],
    schema: { querystring: Strict({ limit: Limit, cursor: Type.Optional(Cursor) }) },
    handler: async (req) => listSubscriptions(db, req.query),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/webhooks/:id', access: ADMIN, summary: 'A webhook subscription', tags: ['events'],
    schema: { params: IdParams },
    handler: async (req) => getSubscription(db, req.params.id),
  });
  defineRoute(app, {
    method: 'DELETE', url: '/api/v1/webhooks/:id', access: ADMIN, summary: 'Delete a webhook subscription and its delivery log', tags: ['events'],
    schema: { params: IdParams },
    handler: async (req, reply) => {
      await withTx(db, (tx) => deleteSubscription(tx, req.params.id, principalOf(req).id));
      return reply.code(204).send();
    },
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/webhooks/:id/disable', access: ADMIN, summary: 'Pause a subscription: no new deliveries, queued ones wait', tags: ['events'],
    schema: { params: IdParams },
    handler: async (req) => withTx(db, (tx) => setSubscriptionStatus(tx, req.params.id, 'disabled', principalOf(req).id)),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/webhooks/:id/rotate-secret', access: ADMIN, status: 200, tags: ['events'],
    summary: 'Give a subscription a new signing secret, keeping the old one valid for a grace period',
    description: 'The new secret (yours, or a generated `whsec_…`) is returned only in this response. Until `previous_secret_expires_at` (`grace_hours`, default 24, 0 = at once) every delivery carries two signatures, `v1=<new>,v1=<old>`, so the receiver can switch to the new secret without a failed delivery.',
    schema: {
      params: IdParams,
      body: Strict({
        secret: Type.Optional(Type.String({ minLength: 16, maxLength: 500 })),
        grace_hours: Type.Integer({ minimum: 0, maximum: MAX_ROTATION_GRACE_HOURS, default: 24 }),
      }),
    },
    handler: async (req) => withTx(db, (tx) => rotateSubscriptionSecret(tx, req.params.id, { secret: req.body.secret, graceHours: req.body.grace_hours, actor: principalOf(req).id })),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/webhooks/:id/enable', access: ADMIN, summary: 'Resume a paused subscription', tags: ['events'],
    schema: { params: IdParams },
    handler: async (req) => withTx(db, (tx) => setSubscriptionStatus(tx, req.params.id, 'active', principalOf(req).id)),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/webhooks/:id/deliveries', access: ADMIN, summary: 'The subscription\'s delivery log, newest first', tags: ['events'],
    schema: { params: IdParams, querystring: Strict({ limit: Limit, cursor: Type.Optional(Cursor), status: Type.Optional(DeliveryStatus) }) },
    handler: async (req) => listDeliveries(db, req.params.id, req.query),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/webhooks/:id/replay', access: ADMIN, summary: 'Deliver again every matching event of a time range', tags: ['events'], status: 202,
    schema: { params: IdParams, body: RangeBody },
    handler: async (req) => withTx(db, (tx) => replayRange(tx, req.params.id, new Date(req.body.from), new Date(req.body.to))),
  });
  defineRoute(app, {
    method: 'GET', url: '/api/v1/webhook-deliveries/:id', access: ADMIN, summary: 'One delivery with every attempt', tags: ['events'],
    schema: { params: IdParams },
    handler: async (req) => getDelivery(db, req.params.id),
  });
  defineRoute(app, {
    method: 'POST', url: '/api/v1/webhook-deliveries/:id/replay', access: ADMIN, summary: 'Deliver one delivery\'s event again (as a new delivery)', tags: ['events'], status: 201,
    schema: { params: IdParams },
    handler: async (req) => withTx(db, (tx) => replayDelivery(tx, req.params.id)),
  });
}

/**
 * Dispatch metrics read from PostgreSQL at scrape time, so every server reports the cluster's truth whichever
 * worker did the work: outbox lag per dispatcher and webhook deliveries by status.
 */
function installEventMetrics(ctx: RouteContext): void {
  new Gauge({
    name: 'tandem_outbox_lag_seconds',
    help: 'Age of the oldest event a dispatcher has not handled yet (0 when caught up)',
    labelNames: ['dispatcher'] as const,
    registers: [ctx.metrics],
    async collect() {
      for (const l of await outboxLag(ctx.db)) this.set({ dispatcher: l.name }, l.lag_seconds);
    },
  });
  new Gauge({
    name: 'tandem_webhook_deliveries',
    help: 'Webhook deliveries by status (pending, delivered, dead)',
    labelNames: ['status'] as const,
    registers: [ctx.metrics],
    async collect() {
      const r = await sql<{ status: string; n: number }>`select status, count(*)::int as n from webhook_deliveries group by status`.execute(ctx.db);
      const by = new Map(r.rows.map((x) => [x.status, x.n]));
      for (const s of ['pending', 'delivered', 'dead']) this.set({ status: s }, by.get(s) ?? 0);
    },
  });
}
