import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { emit } from '../../events/outbox.js';
import { AppError } from '../../shared/errors.js';
import { ulid } from '../../shared/ids.js';
import { DEFAULT_OVER_TOLERANCE_PCT, type AsnInput, type AsnLineView, type AsnReceiptView, type AsnStatus, type AsnView } from './inbound.types.js';

/** ASNs (advance shipping notices / purchase orders expected at a warehouse) and the receipts recorded against them. */

const ASN_COLUMNS = ['id', 'warehouse_id', 'reference', 'supplier', 'expected_at', 'status', 'over_tolerance_pct', 'created_by', 'created_at', 'closed_at'] as const;

/** The most a line may receive in all: expected plus the tolerance, rounded down. */
export const receivableLimit = (expected: number, tolerancePct: number): number => expected + Math.floor((expected * tolerancePct) / 100);

/** Creates an ASN with its lines; a reference is unique per warehouse. Emits `asn.created`. */
export async function createAsn(tx: Executor, input: AsnInput, actor?: string): Promise<AsnView> {
  const seen = new Set<string>();
  input.lines.forEach((l, i) => {
    const k = `${l.sku_id}\u0000${l.lot ?? ''}`;
    if (seen.has(k)) {
      throw new AppError('invalid', 'asn_duplicate_line', 'The same SKU and lot appear twice on the ASN: give one line with the total quantity', { line: i }, [{ path: `body.lines.${i}`, message: 'duplicate SKU and lot' }]);
    }
    seen.add(k);
  });
  const id = `asn_${ulid()}`;
  const row = await tx
    .insertInto('asns')
    .values({
      id,
      warehouse_id: input.warehouse_id,
      reference: input.reference,
      supplier: input.supplier ?? null,
      expected_at: input.expected_at ? new Date(input.expected_at) : null,
      over_tolerance_pct: input.over_tolerance_pct ?? DEFAULT_OVER_TOLERANCE_PCT,
      created_by: actor ?? null,
    })
    .onConflict((oc) => oc.columns(['warehouse_id', 'reference']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) throw new AppError('conflict', 'asn_exists', `An ASN with reference ${input.reference} already exists in this warehouse`, { reference: input.reference });
  await tx
    .insertInto('asn_lines')
    .values(input.lines.map((l, i) => ({ asn_id: id, line_no: i + 1, sku_id: l.sku_id, lot: l.lot ?? '', expires_on: l.expires_on ?? null, expected: l.qty })))
    .execute();
  await emit(tx, {
    type: 'asn.created', aggregateType: 'asn', aggregateId: id,
    payload: { warehouse_id: input.warehouse_id, reference: input.reference, supplier: input.supplier ?? null, lines: input.lines.map((l, i) => ({ line_no: i + 1, sku_id: l.sku_id, qty: l.qty, lot: l.lot ?? '' })) },
    actor,
  });
  return getAsn(tx, id);
}

async function linesOf(db: Executor, asnIds: string[]): Promise<(Omit<AsnLineView, 'over' | 'outstanding' | 'receivable'> & { asn_id: string })[]> {
  if (asnIds.length === 0) return [];
  return db
    .selectFrom('asn_lines as l')
    .innerJoin('skus as s', 's.id', 'l.sku_id')
    .select(['l.asn_id', 'l.line_no', 'l.sku_id', 's.sku', 'l.lot', sql<string | null>`to_char(l.expires_on, 'YYYY-MM-DD')`.as('expires_on'), 'l.expected', 'l.received', 'l.damaged', 'l.short'])
    .where('l.asn_id', 'in', asnIds)
    .orderBy('l.asn_id')
    .orderBy('l.line_no')
    .execute();
}

function toView(a: Omit<AsnView, 'lines' | 'totals'>, rows: Awaited<ReturnType<typeof linesOf>>): AsnView {
  const open = a.status === 'open' || a.status === 'receiving';
  const lines: AsnLineView[] = rows.map(({ asn_id: _a, ...l }) => ({
    ...l,
    over: Math.max(0, l.received - l.expected),
    outstanding: open ? Math.max(0, l.expected - l.received) : 0,
    receivable: open ? Math.max(0, receivableLimit(l.expected, a.over_tolerance_pct) - l.received) : 0,
  }));
  const sum = (f: (l: AsnLineView) => number): number => lines.reduce((s, l) => s + f(l), 0);
  return { ...a, lines, totals: { expected: sum((l) => l.expected), received: sum((l) => l.received), damaged: sum((l) => l.damaged), over: sum((l) => l.over), short: sum((l) => l.short) } };
}

/** An ASN with its lines and totals; throws `asn_not_found`. */
export async function getAsn(db: Executor, id: string): Promise<AsnView> {
  const a = await db.selectFrom('asns').select(ASN_COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!a) throw new AppError('not_found', 'asn_not_found', `ASN ${id} was not found`, { asn: id });
  return toView(a, await linesOf(db, [id]));
}

/** Locks the ASN row (receipts and closing of one ASN run one at a time) and returns it; throws `asn_not_found`. */
export async function lockAsn(tx: Executor, id: string): Promise<AsnView> {
  const a = await tx.selectFrom('asns').select(ASN_COLUMNS).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!a) throw new AppError('not_found', 'asn_not_found', `ASN ${id} was not found`, { asn: id });
  return toView(a, await linesOf(tx, [id]));
}

/** ASNs of the warehouses in scope (optionally by status or the supplier's exact reference), newest first, with their lines; page with the last id as cursor. */
export async function listAsns(db: Executor, f: { scope: string[] | null; warehouse_id?: string | undefined; status?: AsnStatus | undefined; reference?: string | undefined; limit: number; cursor?: string | undefined }): Promise<{ data: AsnView[]; next_cursor: string | null }> {
  let q = db.selectFrom('asns').select(ASN_COLUMNS).orderBy('id', 'desc').limit(f.limit + 1);
  if (f.scope !== null) q = q.where('warehouse_id', 'in', f.scope.length > 0 ? f.scope : ['']);
  if (f.warehouse_id) q = q.where('warehouse_id', '=', f.warehouse_id);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.reference) q = q.where('reference', '=', f.reference);
  if (f.cursor) q = q.where('id', '<', f.cursor);
  const rows = await q.execute();
  const page = rows.slice(0, f.limit);
  const lines = await linesOf(db, page.map((a) => a.id));
  return { data: page.map((a) => toView(a, lines.filter((l) => l.asn_id === a.id))), next_cursor: rows.length > f.limit ? page.at(-1)!.id : null };
}

/**
 * The line a scanned SKU (and lot, when given) is received against: the line with that lot; otherwise the
 * first line of the SKU still expecting units, else its last line (an over-receipt). Undefined when the SKU is
 * not on the ASN.
 */
export function matchAsnLine(asn: AsnView, skuId: string, lot: string | undefined): AsnLineView | undefined {
  const lines = asn.lines.filter((l) => l.sku_id === skuId);
  if (lines.length === 0) return undefined;
  if (lot !== undefined) {
    const exact = lines.find((l) => l.lot === lot);
    if (exact) return exact;
  }
  return lines.find((l) => l.received < l.expected) ?? lines.at(-1);
}

/**
 * Records units received against one line with a guarded update: the line's total may not pass expected plus the
 * ASN's tolerance (422 `over_receipt_exceeds_tolerance`). Writes the receipt row; an open ASN becomes receiving.
 */
export async function recordAsnReceipt(
  tx: Executor,
  asn: AsnView,
  r: { line_no: number; qty: number; damaged: number; bin_id: string | null; lot: string; expires_on: string | null },
  actor?: string,
): Promise<AsnReceiptView> {
  const total = r.qty + r.damaged;
  const updated = await sql<{ expected: number; received: number }>`
    UPDATE asn_lines SET received = received + ${total}, damaged = damaged + ${r.damaged}
    WHERE asn_id = ${asn.id} AND line_no = ${r.line_no}
      AND received + ${total} <= expected + (expected * ${asn.over_tolerance_pct}) / 100
    RETURNING expected, received`.execute(tx);
  if (updated.rows.length === 0) {
    const line = await tx.selectFrom('asn_lines').select(['expected', 'received']).where('asn_id', '=', asn.id).where('line_no', '=', r.line_no).executeTakeFirstOrThrow();
    const allowed = receivableLimit(line.expected, asn.over_tolerance_pct);
    throw new AppError(
      'unprocessable', 'over_receipt_exceeds_tolerance',
      `Line ${r.line_no} expects ${line.expected} (at most ${allowed} with the ${asn.over_tolerance_pct}% tolerance); ${line.received} already received, ${total} more is too many. Set the extra units aside for the supplier.`,
      { asn_id: asn.id, line_no: r.line_no, expected: line.expected, received: line.received, requested: total, allowed, tolerance_pct: asn.over_tolerance_pct },
    );
  }
  if (asn.status === 'open') {
    await tx.updateTable('asns').set({ status: 'receiving', updated_at: new Date() }).where('id', '=', asn.id).where('status', '=', 'open').execute();
    asn.status = 'receiving';
  }
  const row = await tx
    .insertInto('asn_receipts')
    .values({ id: `rcv_${ulid()}`, asn_id: asn.id, line_no: r.line_no, qty: r.qty, damaged: r.damaged, bin_id: r.bin_id, lot: r.lot, expires_on: r.expires_on, actor: actor ?? null })
    .returning(['id', 'asn_id', 'line_no', 'qty', 'damaged', 'bin_id', 'lot', sql<string | null>`to_char(expires_on, 'YYYY-MM-DD')`.as('expires_on'), 'actor', 'received_at'])
    .executeTakeFirstOrThrow();
  const line = asn.lines.find((l) => l.line_no === r.line_no)!;
  return { ...row, sku_id: line.sku_id };
}

/** The receipts recorded against an ASN, oldest first. */
export async function listAsnReceipts(db: Executor, asnId: string): Promise<AsnReceiptView[]> {
  return db
    .selectFrom('asn_receipts as r')
    .innerJoin('asn_lines as l', (j) => j.onRef('l.asn_id', '=', 'r.asn_id').onRef('l.line_no', '=', 'r.line_no'))
    .select(['r.id', 'r.asn_id', 'r.line_no', 'l.sku_id', 'r.qty', 'r.damaged', 'r.bin_id', 'r.lot', sql<string | null>`to_char(r.expires_on, 'YYYY-MM-DD')`.as('expires_on'), 'r.actor', 'r.received_at'])
    .where('r.asn_id', '=', asnId)
    .orderBy('r.received_at')
    .orderBy('r.id')
    .execute();
}

/**
 * Closes an ASN (the caller holds its lock): every line's shortfall (expected − received) is recorded as short.
 * Emits `asn.closed` with the over, short and damaged quantities per line.
 */
export async function closeAsn(tx: Executor, asn: AsnView, actor?: string): Promise<AsnView> {
  if (asn.status !== 'open' && asn.status !== 'receiving') {
    throw new AppError('conflict', 'invalid_transition', `ASN ${asn.reference} is ${asn.status}; only an open ASN can be closed`, { asn_id: asn.id, status: asn.status });
  }
  await sql`UPDATE asn_lines SET short = greatest(expected - received, 0) WHERE asn_id = ${asn.id}`.execute(tx);
  await tx.updateTable('asns').set({ status: 'closed', closed_at: new Date(), updated_at: new Date() }).where('id', '=', asn.id).execute();
  const closed = await getAsn(tx, asn.id);
  await emit(tx, {
    type: 'asn.closed', aggregateType: 'asn', aggregateId: asn.id,
    payload: { warehouse_id: asn.warehouse_id, reference: asn.reference, totals: closed.totals, lines: closed.lines.map((l) => ({ line_no: l.line_no, sku_id: l.sku_id, expected: l.expected, received: l.received, damaged: l.damaged, over: l.over, short: l.short })) },
    actor,
  });
  return closed;
}

/** Cancels an ASN nothing was received against (the caller holds its lock). Emits `asn.cancelled`. */
export async function cancelAsn(tx: Executor, asn: AsnView, actor?: string): Promise<AsnView> {
  if (asn.status !== 'open') {
    throw new AppError('conflict', 'invalid_transition', `ASN ${asn.reference} is ${asn.status}; only an ASN with nothing received can be cancelled (close it instead)`, { asn_id: asn.id, status: asn.status });
  }
  await tx.updateTable('asns').set({ status: 'cancelled', closed_at: new Date(), updated_at: new Date() }).where('id', '=', asn.id).execute();
  await emit(tx, { type: 'asn.cancelled', aggregateType: 'asn', aggregateId: asn.id, payload: { warehouse_id: asn.warehouse_id, reference: asn.reference }, actor });
  return getAsn(tx, asn.id);
}
