/**
 * Channel write-back, the order side: what a channel must be told about a shipment (its lines in the channel's
 * ids, carrier, tracking), and each attempt's result recorded on the write-back row and the order's timeline in
 * one transaction. A refused write-back is a sync exception that staff retry or resolve here. Channels are
 * called by the engine (`src/channels/writeback`), never inside these transactions.
 */
import { withTx, type Db, type Executor } from '../db/database.js';
import { emit } from '../events/outbox.js';
import { AppError } from '../shared/errors.js';
import { kitComponents } from '../modules/catalog/index.js';
import { getPackage } from '../modules/fulfillment/index.js';
import { getChannel } from '../modules/channels/index.js';
import { getOrderDetail, lockOrder, recordOrderEvent } from '../modules/orders/index.js';
import { carrierNames, getShipment } from '../modules/shipping/index.js';
import {
  getWriteback, getWritebackSettings, recordAttempt, requeueWriteback, resolveWriteback, saveWritebackSettings,
  type Outcome, type WritebackRow, type WritebackSettings, type WritebackSettingsInput,
} from '../channels/writeback/writeback.queue.js';
import type { WritebackItem, WritebackRequest } from '../channels/writeback/types.js';

const SHIPPED = new Set(['shipped', 'delivered', 'completed']);

/** The shipment's units per order line, counting a kit line's component units as whole kits. */
async function shipmentItems(db: Executor, packageId: string, lines: { id: string; sku_id: string | null; sku: string | null; external_line_id: string | null }[]): Promise<WritebackItem[]> {
  const pkg = await getPackage(db, packageId);
  const kits = await kitComponents(db, lines.filter((l) => l.sku_id).map((l) => l.sku_id!));
  const units = new Map<string, number>();
  for (const i of pkg.items) units.set(i.order_line_id, (units.get(i.order_line_id) ?? 0) + i.qty);
  const out: WritebackItem[] = [];
  for (const l of lines) {
    const u = units.get(l.id);
    if (!u) continue;
    const perKit = (kits.get(l.sku_id ?? '') ?? [{ qty: 1 }]).reduce((s, c) => s + c.qty, 0);
    const qty = Math.floor(u / perKit);
    if (qty > 0) out.push({ order_line_id: l.id, external_line_id: l.external_line_id, sku: l.sku, qty });
  }
  return out;
}

/** What the channel of a write-back must be told, read fresh at each attempt (settings may have been fixed since). */
export async function writebackRequest(db: Db, row: WritebackRow): Promise<WritebackRequest> {
  const [order, shipment, settings] = await Promise.all([getOrderDetail(db, row.order_id), getShipment(db, row.shipment_id), getWritebackSettings(db, row.channel_id)]);
  const mapping = settings.carriers[shipment.carrier] ?? {};
  const name = mapping.name ?? (await carrierNames(db, [shipment.carrier])).get(shipment.carrier) ?? shipment.carrier;
  const complete = SHIPPED.has(order.status);
  return {
    writeback_id: row.id,
    order: { id: order.id, number: order.number, external_id: order.external_id, status: order.status, channel_data: order.channel_data, complete },
    shipment: {
      id: shipment.id, package_seq: shipment.package_seq, carrier: shipment.carrier, carrier_name: name, carrier_code: mapping.code ?? null, service: shipment.service,
      tracking_number: shipment.tracking_number, tracking_url: mapping.tracking_url ? mapping.tracking_url.replaceAll('{tracking}', encodeURIComponent(shipment.tracking_number)) : null,
      shipped_at: new Date(shipment.created_at), estimated_delivery: shipment.estimated_delivery,
    },
    items: await shipmentItems(db, shipment.package_id, order.lines),
    notify_customer: settings.notify_customer,
  };
}

/**
 * Records one attempt: the row (only while this worker's claim holds), the attempt log, the order timeline and
 * an event. Returns false when the claim was lost (another worker owns the row now; nothing is written).
 */
export async function recordWritebackOutcome(db: Db, row: WritebackRow, channelType: string, outcome: Outcome, durationMs: number): Promise<boolean> {
  return withTx(db, async (tx) => {
    if (!(await recordAttempt(tx, row, outcome, durationMs))) return false;
    const data = { writeback_id: row.id, channel_id: row.channel_id, channel_type: channelType, shipment_id: row.shipment_id, attempt: row.attempts };
    if (outcome.kind === 'done') {
      await recordOrderEvent(tx, row.order_id, 'channel_writeback_done', outcome.message, { ...data, external_ref: outcome.external_ref });
    } else if (outcome.kind === 'retry') {
      await recordOrderEvent(tx, row.order_id, 'channel_writeback_retrying', `${channelType} write-back attempt ${row.attempts} failed (${outcome.message}); retrying in ${Math.round(outcome.delay_ms / 1000)} s`, { ...data, code: outcome.code, status: outcome.status });
    } else {
      await recordOrderEvent(tx, row.order_id, 'sync_exception', `${channelType} refused the shipment write-back: ${outcome.message}`, { ...data, code: outcome.code, status: outcome.status });
      await emit(tx, { type: 'channel.writeback_failed', aggregateType: 'channel', aggregateId: row.channel_id, payload: { ...data, order_id: row.order_id, code: outcome.code, message: outcome.message, status: outcome.status } });
    }
    return true;
  });
}

async function lockFailed(tx: Executor, id: string): Promise<WritebackRow> {
  const row = await getWriteback(tx, id, true);
  if (row.status !== 'failed') throw new AppError('conflict', 'sync_exception_not_open', `Write-back ${id} is ${row.status}; only a failed one can be retried or resolved`, { id, status: row.status });
  return row;
}

/** Puts a sync exception back in the queue, due now (after the mapping or the channel was fixed). */
export async function retrySyncException(db: Db, id: string, actor: string | undefined): Promise<WritebackRow> {
  return withTx(db, async (tx) => {
    const row = await lockFailed(tx, id);
    await lockOrder(tx, row.order_id);
    await requeueWriteback(tx, id);
    await recordOrderEvent(tx, row.order_id, 'sync_exception_retried', `Write-back ${id} queued again`, { writeback_id: id, shipment_id: row.shipment_id }, actor);
    return getWriteback(tx, id);
  });
}

/** Closes a sync exception without writing back (done on the channel by hand, or not wanted), with a note. */
export async function resolveSyncException(db: Db, id: string, actor: string | undefined, note: string | undefined): Promise<WritebackRow> {
  return withTx(db, async (tx) => {
    const row = await lockFailed(tx, id);
    await lockOrder(tx, row.order_id);
    await resolveWriteback(tx, id, actor, note);
    await recordOrderEvent(tx, row.order_id, 'sync_exception_resolved', `Write-back ${id} resolved by hand${note ? `: ${note}` : ''}`, { writeback_id: id, shipment_id: row.shipment_id, note: note ?? null }, actor);
    return getWriteback(tx, id);
  });
}

/** Saves a channel's write-back settings (turning it on starts from now) and records the change. */
export async function saveChannelWritebackSettings(db: Db, channelId: string, input: WritebackSettingsInput, actor: string | undefined): Promise<WritebackSettings> {
  return withTx(db, async (tx) => {
    const channel = await getChannel(tx, channelId);
    if (!['shopify', 'woocommerce', 'amazon', 'flipkart'].includes(channel.type)) {
      throw new AppError('unprocessable', 'writeback_unsupported', `${channel.type} channels have no write-back`, { channel_id: channel.id, type: channel.type });
    }
    const saved = await saveWritebackSettings(tx, channel.id, input);
    await emit(tx, { type: 'channel.writeback_settings_updated', aggregateType: 'channel', aggregateId: channel.id, actor, payload: { enabled: saved.enabled, notify_customer: saved.notify_customer, carriers: Object.keys(saved.carriers) } });
    return saved;
  });
}
