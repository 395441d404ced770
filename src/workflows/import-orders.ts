import { parse } from 'csv-parse/sync';
import { withTx, type Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { MoneyFormatError, parseDecimalMoney } from '../shared/money.js';
import { ensureApiChannel, getChannel } from '../modules/channels/index.js';
import type { OrderInput, OrderLineInput, PaymentMethod, OrderPriority } from '../modules/orders/index.js';
import { captureOrder } from './capture-order.js';
import type { RowError } from './import-master-data.js';

export interface OrderImportReport {
  rows: number;
  orders: number;
  created: number;
  duplicates: number;
  skipped_rows: number;
  errors: RowError[];
  aborted: boolean;
  order_ids: string[];
}

/** Order-level columns: every row of one order must agree on them. */
const ORDER_FIELDS = ['order_number', 'placed_at', 'currency', 'customer_name', 'customer_email', 'customer_phone', 'ship_name', 'ship_line1', 'ship_line2', 'ship_city', 'ship_state', 'ship_postal_code', 'ship_country', 'ship_phone', 'payment_method', 'shipping', 'priority', 'tags'] as const;
export const ORDER_CSV_COLUMNS = ['order_id', ...ORDER_FIELDS, 'sku', 'title', 'qty', 'unit_price', 'line_discount', 'line_tax'];

interface Parsed {
  input: OrderInput;
  rows: number[];
}

function money(raw: string | undefined, currency: string, field: string, row: number, errors: RowError[]): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const n = parseDecimalMoney(raw, currency);
    if (n < 0) errors.push({ row, field, message: 'must not be negative' });
    return n;
  } catch (err) {
    errors.push({ row, field, message: err instanceof MoneyFormatError ? err.message : 'not an amount' });
    return undefined;
  }
}

/**
 * Reads an order CSV (one row per line, rows of one order share `order_id`) into canonical orders, checking
 * every row: required fields, quantities, exact decimal money, and that rows of one order agree.
 */
export function parseOrderCsv(text: string): { orders: Parsed[]; errors: RowError[]; rows: number } {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true });
  } catch (err) {
    throw new AppError('invalid', 'malformed_csv', `The CSV cannot be read: ${(err as Error).message}`);
  }
  if (records.length === 0) throw new AppError('invalid', 'malformed_csv', 'The CSV has no order rows', { expected: ORDER_CSV_COLUMNS });
  const header = Object.keys(records[0] ?? {});
  const missing = ['order_id', 'currency', 'customer_name', 'sku', 'qty', 'unit_price'].filter((c) => records.length > 0 && !header.includes(c));
  if (missing.length > 0) throw new AppError('invalid', 'malformed_csv', `The CSV lacks the column(s): ${missing.join(', ')}`, { missing, expected: ORDER_CSV_COLUMNS });
  const errors: RowError[] = [];
  const groups = new Map<string, { first: Record<string, string>; rows: number[]; lines: OrderLineInput[] }>();
  records.forEach((r, i) => {
    const row = i + 1;
    const id = r.order_id ?? '';
    if (!id) return void errors.push({ row, field: 'order_id', message: 'required' });
    const currency = (r.currency ?? '').toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) errors.push({ row, field: 'currency', message: 'an ISO 4217 code such as INR' });
    if (!r.customer_name) errors.push({ row, field: 'customer_name', message: 'required' });
    if (!r.sku) errors.push({ row, field: 'sku', message: 'required' });
    if (!/^[1-9][0-9]{0,5}$/.test(r.qty ?? '')) errors.push({ row, field: 'qty', message: 'a whole number from 1' });
    const pm = (r.payment_method || 'prepaid').toLowerCase();
    if (!['prepaid', 'cod'].includes(pm)) errors.push({ row, field: 'payment_method', message: 'prepaid or cod' });
    if (r.priority && !['low', 'normal', 'high', 'urgent'].includes(r.priority)) errors.push({ row, field: 'priority', message: 'low, normal, high or urgent' });
    if (r.placed_at && Number.isNaN(Date.parse(r.placed_at))) errors.push({ row, field: 'placed_at', message: 'an ISO 8601 time' });
    if (r.ship_country && !/^[A-Z]{2}$/.test(r.ship_country)) errors.push({ row, field: 'ship_country', message: 'an ISO 3166 alpha-2 code such as IN' });
    const unit = money(r.unit_price, currency || 'INR', 'unit_price', row, errors);
    if (unit === undefined && !errors.some((e) => e.row === row && e.field === 'unit_price')) errors.push({ row, field: 'unit_price', message: 'required' });
    const line: OrderLineInput = {
      sku: r.sku,
      title: r.title || undefined,
      qty: Number(r.qty),
      unit_price_amount: unit ?? 0,
      discount_amount: money(r.line_discount, currency || 'INR', 'line_discount', row, errors),
      tax_amount: money(r.line_tax, currency || 'INR', 'line_tax', row, errors),
    };
    const g = groups.get(id);
    if (!g) {
      groups.set(id, { first: r, rows: [row], lines: [line] });
      return;
    }
    for (const f of ORDER_FIELDS) {
      if ((r[f] ?? '') !== '' && (r[f] ?? '') !== (g.first[f] ?? '')) errors.push({ row, field: f, message: `differs from row ${g.rows[0]} of order ${id}` });
    }
    g.rows.push(row);
    g.lines.push(line);
  });
  const orders: Parsed[] = [];
  for (const [id, g] of groups) {
    const r = g.first;
    const currency = (r.currency ?? '').toUpperCase();
    const hasAddress = !!(r.ship_line1 || r.ship_city || r.ship_postal_code);
    orders.push({
      rows: g.rows,
      input: {
        external_id: id,
        number: r.order_number || undefined,
        currency,
        placed_at: r.placed_at || undefined,
        customer: { name: r.customer_name ?? '', email: r.customer_email || undefined, phone: r.customer_phone || undefined },
        shipping_address: hasAddress
          ? { name: r.ship_name || undefined, line1: r.ship_line1 ?? '', line2: r.ship_line2 || undefined, city: r.ship_city ?? '', state: r.ship_state || undefined, postal_code: r.ship_postal_code ?? '', country: r.ship_country || 'IN', phone: r.ship_phone || undefined }
          : undefined,
        payment: { method: ((r.payment_method || 'prepaid').toLowerCase() as PaymentMethod) },
        lines: g.lines,
        shipping_amount: r.shipping ? (() => { try { return parseDecimalMoney(r.shipping, currency); } catch { errors.push({ row: g.rows[0]!, field: 'shipping', message: 'not an amount' }); return undefined; } })() : undefined,
        priority: (r.priority || undefined) as OrderPriority | undefined,
        tags: r.tags ? r.tags.split(/[;|]/).map((x) => x.trim()).filter(Boolean) : undefined,
        // Provenance; also tells purchase limits these sales already happened elsewhere (held, never refused).
        channel_data: { source: 'csv_import' },
      },
    });
  }
  errors.sort((a, b) => a.row - b.row);
  return { orders, errors, rows: records.length };
}

/**
 * Imports orders from CSV into a channel (default: the API channel). Every row is checked first; with any
 * error nothing is imported unless `skipInvalid`, which drops whole orders that have a bad row.
 * Each order is then placed like any other (verified, routed, reserved), idempotent on its order_id.
 */
export async function importOrders(db: Db, csv: string, opts: { channelId?: string | undefined; skipInvalid?: boolean; actor?: string; onProgress?: (done: number, total: number) => void } = {}): Promise<OrderImportReport> {
  const { orders, errors, rows } = parseOrderCsv(csv);
  const channelId = opts.channelId ? (await getChannel(db, opts.channelId)).id : (await withTx(db, (tx) => ensureApiChannel(tx))).id;
  if (errors.length > 0 && !opts.skipInvalid) {
    return { rows, orders: orders.length, created: 0, duplicates: 0, skipped_rows: rows, errors, aborted: true, order_ids: [] };
  }
  const badRows = new Set(errors.map((e) => e.row));
  const good = orders.filter((o) => !o.rows.some((r) => badRows.has(r)));
  let created = 0;
  let duplicates = 0;
  const ids: string[] = [];
  for (const [i, o] of good.entries()) {
    const r = await captureOrder(db, channelId, o.input, opts.actor);
    ids.push(r.order.id);
    if (r.created) created++;
    else duplicates++;
    opts.onProgress?.(i + 1, good.length);
  }
  const importedRows = good.reduce((s, o) => s + o.rows.length, 0);
  return { rows, orders: orders.length, created, duplicates, skipped_rows: rows - importedRows, errors, aborted: false, order_ids: ids };
}
