import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../shared/errors.js';
import { channelSecret, getChannel, type ChannelView } from '../../modules/channels/index.js';
import { normalizeShopifyCancellation, normalizeShopifyOrder, normalizeShopifyRefund, shopifyRefundCancellation, verifyShopifyWebhook } from '../../channels/connectors/shopify/index.js';
import { normalizeWooCancellation, normalizeWooOrder, verifyWooWebhook } from '../../channels/connectors/woocommerce/index.js';
import { intakeCancellation, intakeOrder, intakeRefund, rememberDelivery, seenDelivery, type IntakeResult } from '../../workflows/channel-intake.js';
import { createHash } from 'node:crypto';
import { defineRoute } from '../route.js';
import { Strict } from '../schemas.js';
import type { RouteContext } from './context.js';

const Params = Strict({ channel_id: Type.String({ maxLength: 80 }) });

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AppError('invalid', 'malformed_json', 'The webhook body is not valid JSON');
  }
}

/**
 * The channel, only if it exists, is of this type and has a secret; otherwise the same 401 (no hint which).
 * A secret this process cannot open (key missing or wrong) fails closed: 503 with its code, nothing processed,
 * so the channel retries the delivery once the key is fixed.
 */
async function channelFor(ctx: RouteContext, req: FastifyRequest, id: string, type: ChannelView['type']): Promise<{ channel: ChannelView; secret: string }> {
  const channel = await getChannel(ctx.db, id).catch(() => undefined);
  let secret: string | null = null;
  try {
    secret = channel ? await channelSecret(ctx.db, id) : null;
  } catch (err) {
    if (!(err instanceof AppError) || !err.code.startsWith('secret_')) throw err;
    req.log.error({ channel_id: id, code: err.code, detail: err.message }, 'channel webhook not verified: its secret cannot be opened with this process\'s keys');
    throw new AppError('unavailable', err.code, 'The channel\'s webhook secret cannot be read on this server, so the delivery was not verified or processed; retry later');
  }
  if (!channel || channel.type !== type || !secret || !channel.active) throw new AppError('unauthorized', 'invalid_signature', 'The webhook signature is not valid');
  return { channel, secret };
}

/**
 * Inbound channel webhooks. The body is kept raw so the signature is checked over the exact bytes the
 * channel signed (constant-time), before anything is parsed or stored. A 2xx means the effect is committed.
 */
export function hookRoutes(app: FastifyInstance, ctx: RouteContext): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 5 * 1_048_576 }, (_req, body, done) => done(null, body));

    const handle = async (
      req: FastifyRequest,
      reply: FastifyReply,
      type: 'shopify' | 'woocommerce',
      verify: (raw: Buffer, sig: string | undefined, secret: string) => boolean,
      sigHeader: string,
      topicHeader: string,
      idHeader: string,
      process: (channelId: string, topic: string, payload: unknown) => Promise<IntakeResult & { external_id?: string }>,
    ): Promise<unknown> => {
      const { channel_id } = req.params as { channel_id: string };
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const { channel, secret } = await channelFor(ctx, req, channel_id, type);
      const sig = req.headers[sigHeader];
      if (!verify(raw, typeof sig === 'string' ? sig : undefined, secret)) throw new AppError('unauthorized', 'invalid_signature', 'The webhook signature is not valid');
      const topic = String(req.headers[topicHeader] ?? '');
      // WooCommerce's first delivery is a ping ("webhook_id=…" form data); answer it without storing anything.
      if (type === 'woocommerce' && !topic && raw.toString('utf8').startsWith('webhook_id=')) return { outcome: 'ignored' };
      const payload = parseJson(raw);
      const delivery = String(req.headers[idHeader] ?? '') || createHash('sha256').update(raw).digest('hex');
      if (await seenDelivery(ctx.db, channel.id, delivery)) {
        reply.code(200);
        return { outcome: 'duplicate_delivery' };
      }
      const result = await process(channel.id, topic, payload);
      await rememberDelivery(ctx.db, channel.id, delivery, topic, result, result.external_id);
      reply.code(200);
      return { outcome: result.outcome, order_id: result.order_id };
    };

    defineRoute(scope, {
      method: 'POST', url: '/hooks/shopify/:channel_id', access: 'public', summary: 'Shopify webhooks: orders/create, orders/updated, orders/cancelled, refunds/create', tags: ['hooks'],
      description: 'Verified with X-Shopify-Hmac-Sha256 over the raw body; deduplicated on X-Shopify-Webhook-Id. 401 on a bad signature, nothing stored.',
      schema: { params: Params },
      handler: async (req, reply) =>
        handle(req, reply, 'shopify', verifyShopifyWebhook, 'x-shopify-hmac-sha256', 'x-shopify-topic', 'x-shopify-webhook-id', async (channelId, topic, payload) => {
          const actor = `channel:${channelId}`;
          switch (topic) {
            case 'orders/create':
            case 'orders/updated': {
              const input = normalizeShopifyOrder(payload);
              if ((payload as { cancelled_at?: unknown }).cancelled_at) {
                return { ...(await intakeCancellation(ctx.db, channelId, normalizeShopifyCancellation(payload), actor)), external_id: input.external_id };
              }
              return { ...(await intakeOrder(ctx.db, channelId, input, actor)), external_id: input.external_id };
            }
            case 'orders/cancelled': {
              const c = normalizeShopifyCancellation(payload);
              return { ...(await intakeCancellation(ctx.db, channelId, c, actor)), external_id: c.external_id };
            }
            case 'refunds/create': {
              const r = normalizeShopifyRefund(payload);
              const cancel = shopifyRefundCancellation(payload);
              // Lines refunded with restock_type "cancel" are Shopify's partial cancellation; other refunds are recorded.
              if (cancel) return { ...(await intakeCancellation(ctx.db, channelId, cancel, actor)), external_id: r.external_id };
              return { ...(await intakeRefund(ctx.db, channelId, r.external_id, r as unknown as Record<string, unknown>, actor)), external_id: r.external_id };
            }
            default:
              return { outcome: 'ignored' };
          }
        }),
    });

    defineRoute(scope, {
      method: 'POST', url: '/hooks/woocommerce/:channel_id', access: 'public', summary: 'WooCommerce order webhooks (order.created, order.updated)', tags: ['hooks'],
      description: 'Verified with X-WC-Webhook-Signature (base64 HMAC-SHA256 of the raw body); deduplicated on X-WC-Webhook-Delivery-ID.',
      schema: { params: Params },
      handler: async (req, reply) =>
        handle(req, reply, 'woocommerce', verifyWooWebhook, 'x-wc-webhook-signature', 'x-wc-webhook-topic', 'x-wc-webhook-delivery-id', async (channelId, topic, payload) => {
          const actor = `channel:${channelId}`;
          if (!topic.startsWith('order.')) return { outcome: 'ignored' };
          const status = (payload as { status?: unknown }).status;
          if (status === 'cancelled' || status === 'refunded' || status === 'failed') {
            const c = normalizeWooCancellation(payload);
            return { ...(await intakeCancellation(ctx.db, channelId, c, actor)), external_id: c.external_id };
          }
          const input = normalizeWooOrder(payload);
          return { ...(await intakeOrder(ctx.db, channelId, input, actor)), external_id: input.external_id };
        }),
    });
  });
}
