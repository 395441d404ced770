import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../db/database.js';
import { AppError, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { emit } from './outbox.js';
import { readCursor } from './cursor.js';
import { openSecret, sealSecret, type SecretColumn } from '../shared/secrets.js';

export interface SubscriptionView {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  status: 'active' | 'disabled';
  created_at: Date;
  updated_at: Date;
}

export interface DeliveryView {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  replay_of: string | null;
  created_at: Date;
}

const SUB_COLUMNS = ['id', 'url', 'events', 'description', 'status', 'created_at', 'updated_at'] as const;
const DELIVERY_COLUMNS = [
  'id', 'subscription_id', 'event_id', 'event_type', 'status', 'attempts', 'next_attempt_at', 'last_status_code',
  'last_error', 'last_attempt_at', 'delivered_at', 'replay_of', 'created_at',
] as const;

/** Most deliveries one range replay may queue; a larger range is refused and must be split. */
export const MAX_RANGE_REPLAY = 10_000;

/** A new signing secret: 32 random bytes, shown to the caller once. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

export interface CreateSubscriptionInput {
  url: string;
  events: string[];
  secret?: string | undefined;
  description?: string | undefined;
  actor: string;
}

/** A subscription's signing secret, sealed per subscription (opened by the delivery worker to sign). */
export const WEBHOOK_SECRET: SecretColumn = { table: 'webhook_subscriptions', key: 'id', column: 'secret', shape: 'text', purpose: 'webhook_subscriptions.secret' };

/** The secret before the last rotation, sealed under its own purpose (re-sealed by `tandem secrets rotate` too). */
export const WEBHOOK_PREVIOUS_SECRET: SecretColumn = { table: 'webhook_subscriptions', key: 'id', column: 'previous_secret', shape: 'text', purpose: 'webhook_subscriptions.previous_secret' };

/** Longest overlap of an old and a new signing secret. */
export const MAX_ROTATION_GRACE_HOURS = 168;

/**
 * Gives a subscription a new signing secret (the caller's, or a generated one, returned only here). The current
 * secret becomes the previous one until `graceHours` from now: deliveries meanwhile carry a signature with each
 * (`v1=<new>,v1=<old>`), so the receiver can switch without a failed delivery. 0 hours drops the old one at once.
 * A second rotation within the grace period keeps only the secret it replaces.
 */
export async function rotateSubscriptionSecret(
  tx: Executor,
  id: string,
  input: { secret?: string | undefined; graceHours: number; actor: string },
): Promise<SubscriptionView & { secret: string; previous_secret_expires_at: Date | null }> {
  const cur = await tx.selectFrom('webhook_subscriptions').select(['id', 'secret']).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!cur) throw notFound('Webhook', id, 'webhook_not_found');
  const secret = input.secret ?? newWebhookSecret();
  // Opened and sealed again under the previous-secret purpose: a sealed value only opens in the column it was sealed for.
  const previous = input.graceHours > 0 ? sealSecret(openSecret(cur.secret, `${WEBHOOK_SECRET.purpose}:${id}`), `${WEBHOOK_PREVIOUS_SECRET.purpose}:${id}`) : null;
  const row = await tx
    .updateTable('webhook_subscriptions')
    .set({
      secret: sealSecret(secret, `${WEBHOOK_SECRET.purpose}:${id}`),
      previous_secret: previous,
      previous_secret_expires_at: previous === null ? null : sql<Date>`now() + make_interval(hours => ${input.graceHours})`,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .returning([...SUB_COLUMNS, 'previous_secret_expires_at'])
    .executeTakeFirstOrThrow();
  await emit(tx, { type: 'webhook.secret_rotated', aggregateType: 'webhook', aggregateId: id, payload: { grace_hours: input.graceHours, previous_secret_expires_at: row.previous_secret_expires_at }, actor: input.actor });
  const { previous_secret_expires_at, ...view } = row;
  return { ...(view as SubscriptionView), secret, previous_secret_expires_at: previous_secret_expires_at ?? null };
}

/** Creates a subscription (the URL must already have passed the SSRF guard); the secret is returned only here, and stored sealed. */
export async function createSubscription(tx: Executor, input: CreateSubscriptionInput): Promise<SubscriptionView & { secret: string }> {
  const secret = input.secret ?? newWebhookSecret();
  const id = newId('whk');
  const row = await tx
    .insertInto('webhook_subscriptions')
    .values({ id, url: input.url, events: [...new Set(input.events)], secret: sealSecret(secret, `${WEBHOOK_SECRET.purpose}:${id}`), description: input.description ?? null, created_by: input.actor })
    .returning(SUB_COLUMNS)
    .executeTakeFirstOrThrow();
  await emit(tx, { type: 'webhook.created', aggregateType: 'webhook', aggregateId: row.id, payload: { url: row.url, events: row.events }, actor: input.actor });
  return { ...(row as SubscriptionView), secret };
}

/** Lists subscriptions by id (never their secrets). */
export async function listSubscriptions(db: Executor, input: { limit: number; cursor?: string | undefined }): Promise<{ data: SubscriptionView[]; next_cursor: string | null }> {
  let q = db.selectFrom('webhook_subscriptions').select(SUB_COLUMNS).orderBy('id').limit(input.limit + 1);
  if (input.cursor) q = q.where('id', '>', input.cursor);
  const rows = (await q.execute()) as SubscriptionView[];
  const page = rows.slice(0, input.limit);
  return { data: page, next_cursor: rows.length > input.limit ? page.at(-1)!.id : null };
}

/** One subscription, or not_found. */
export async function getSubscription(db: Executor, id: string): Promise<SubscriptionView> {
  const row = await db.selectFrom('webhook_subscriptions').select(SUB_COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Webhook', id, 'webhook_not_found');
  return row as SubscriptionView;
}

/** Pauses or resumes a subscription. A paused one gets no new deliveries and its queued ones wait. */
export async function setSubscriptionStatus(tx: Executor, id: string, status: 'active' | 'disabled', actor: string): Promise<SubscriptionView> {
  const row = await tx
    .updateTable('webhook_subscriptions')
    .set({ status, updated_at: sql`now()` })
    .where('id', '=', id)
    .returning(SUB_COLUMNS)
    .executeTakeFirst();
  if (!row) throw notFound('Webhook', id, 'webhook_not_found');
  await emit(tx, { type: status === 'active' ? 'webhook.enabled' : 'webhook.disabled', aggregateType: 'webhook', aggregateId: id, payload: {}, actor });
  return row as SubscriptionView;
}

/** Deletes a subscription with its delivery log. */
export async function deleteSubscription(tx: Executor, id: string, actor: string): Promise<void> {
  const row = await tx.deleteFrom('webhook_subscriptions').where('id', '=', id).returning(['id', 'url']).executeTakeFirst();
  if (!row) throw notFound('Webhook', id, 'webhook_not_found');
  await emit(tx, { type: 'webhook.deleted', aggregateType: 'webhook', aggregateId: id, payload: { url: row.url }, actor });
}

/** A subscription's delivery log, newest first. */
export async function listDeliveries(
  db: Executor,
  subscriptionId: string,
  input: { limit: number; cursor?: string | undefined; status?: 'pending' | 'delivered' | 'dead' | undefined },
): Promise<{ data: DeliveryView[]; next_cursor: string | null }> {
  await getSubscription(db, subscriptionId);
  let q = db.selectFrom('webhook_deliveries').select(DELIVERY_COLUMNS).where('subscription_id', '=', subscriptionId).orderBy('id', 'desc').limit(input.limit + 1);
  if (input.cursor) q = q.where('id', '<', input.cursor);
  if (input.status) q = q.where('status', '=', input.status);
  const rows = (await q.execute()).map(deliveryView);
  const page = rows.slice(0, input.limit);
  return { data: page, next_cursor: rows.length > input.limit ? page.at(-1)!.id : null };
}

function deliveryView(r: Record<string, unknown>): DeliveryView {
  const v = r as unknown as DeliveryView;
  // next_attempt_at is only meaningful while the delivery is still pending.
  return { ...v, next_attempt_at: v.status === 'pending' ? v.next_attempt_at : null };
}

/** One delivery with every attempt made (status code, error, duration). */
export async function getDelivery(db: Executor, id: string): Promise<DeliveryView & { attempt_log: { attempt: number; attempted_at: Date; status_code: number | null; error: string | null; duration_ms: number }[] }> {
  const row = await db.selectFrom('webhook_deliveries').select(DELIVERY_COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Webhook delivery', id, 'delivery_not_found');
  const attempts = await db
    .selectFrom('webhook_delivery_attempts')
    .select(['attempt', 'attempted_at', 'status_code', 'error', 'duration_ms'])
    .where('delivery_id', '=', id)
    .orderBy('attempt')
    .execute();
  return { ...deliveryView(row), attempt_log: attempts };
}

/** Queues one delivery again as a new delivery (the original keeps its history). */
export async function replayDelivery(tx: Executor, id: string): Promise<DeliveryView> {
  const original = await tx.selectFrom('webhook_deliveries').select(['id', 'subscription_id', 'event_id', 'event_type']).where('id', '=', id).executeTakeFirst();
  if (!original) throw notFound('Webhook delivery', id, 'delivery_not_found');
  const row = await tx
    .insertInto('webhook_deliveries')
    .values({ id: newId('dlv'), subscription_id: original.subscription_id, event_id: original.event_id, event_type: original.event_type, replay_of: original.id, replayed: true })
    .returning(DELIVERY_COLUMNS)
    .executeTakeFirstOrThrow();
  return deliveryView(row);
}

/**
 * Queues again every event of a time range that matches the subscription's filters, whether it was delivered
 * or not (up to the fan-out's position: later events are on their way anyway).
 */
export async function replayRange(tx: Executor, subscriptionId: string, from: Date, to: Date): Promise<{ queued: number }> {
  if (!(from < to)) throw new AppError('invalid', 'invalid_range', '`from` must be before `to`', { from, to });
  const sub = await tx.selectFrom('webhook_subscriptions').select(['id', 'events']).where('id', '=', subscriptionId).forUpdate().executeTakeFirst();
  if (!sub) throw notFound('Webhook', subscriptionId, 'webhook_not_found');
  const cursor = (await readCursor(tx, 'webhooks'))!;
  const exact = sub.events.filter((p) => !p.endsWith('*'));
  const prefixes = sub.events.filter((p) => p.endsWith('.*')).map((p) => `${p.slice(0, -1).replace(/[%_\\]/g, '\\$&')}%`);
  const all = sub.events.includes('*');
  const matching = sql`
    from outbox o
    where o.occurred_at >= ${from} and o.occurred_at < ${to}
      and (o.tx_id, o.seq) <= (${cursor.txId}::xid8, ${cursor.seq}::bigint)
      and (${all} or o.type = any(${exact}::text[]) or o.type like any(${prefixes}::text[]))`;
  const events = await sql<{ id: string; type: string }>`select o.id, o.type ${matching} order by o.tx_id, o.seq limit ${MAX_RANGE_REPLAY + 1}`.execute(tx);
  if (events.rows.length > MAX_RANGE_REPLAY) {
    throw new AppError('unprocessable', 'replay_range_too_large', `The range holds more than ${MAX_RANGE_REPLAY} events; replay a shorter range`, { max: MAX_RANGE_REPLAY });
  }
  const rows = events.rows.map((e) => ({ id: newId('dlv'), subscription_id: sub.id, event_id: e.id, event_type: e.type, replayed: true }));
  for (let i = 0; i < rows.length; i += 1_000) await tx.insertInto('webhook_deliveries').values(rows.slice(i, i + 1_000)).execute();
  return { queued: rows.length };
}
