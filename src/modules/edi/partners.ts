import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { emit } from '../../events/outbox.js';

export interface PartnerInput {
  our_qualifier: string;
  our_id: string;
  partner_qualifier: string;
  partner_id: string;
  outbound_dir: string;
  inbound_dir: string;
  test_mode?: boolean | undefined;
  active?: boolean | undefined;
}

export interface PartnerView extends Required<PartnerInput> {
  warehouse_id: string;
  next_control: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = ['warehouse_id', 'our_qualifier', 'our_id', 'partner_qualifier', 'partner_id', 'outbound_dir', 'inbound_dir', 'test_mode', 'next_control', 'active', 'created_at', 'updated_at'] as const;

/** Creates or replaces the EDI trading partner of a warehouse (the control number sequence is kept). */
export async function savePartner(tx: Executor, warehouseId: string, input: PartnerInput, actor?: string): Promise<PartnerView> {
  const values = { ...input, test_mode: input.test_mode ?? false, active: input.active ?? true, updated_at: new Date() };
  const row = await tx
    .insertInto('edi_partners')
    .values({ warehouse_id: warehouseId, ...values })
    .onConflict((oc) => oc.column('warehouse_id').doUpdateSet(values))
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  await emit(tx, { type: 'edi.partner_saved', aggregateType: 'warehouse', aggregateId: warehouseId, payload: { partner_id: row.partner_id, active: row.active }, actor });
  return row;
}

export async function findPartner(db: Executor, warehouseId: string): Promise<PartnerView | undefined> {
  return db.selectFrom('edi_partners').select(COLUMNS).where('warehouse_id', '=', warehouseId).executeTakeFirst();
}

export async function getPartner(db: Executor, warehouseId: string): Promise<PartnerView> {
  const p = await findPartner(db, warehouseId);
  if (!p) throw new AppError('not_found', 'edi_partner_not_found', `Warehouse ${warehouseId} has no EDI partner`, { warehouse_id: warehouseId });
  return p;
}

export async function listPartners(db: Executor, activeOnly = true): Promise<PartnerView[]> {
  let q = db.selectFrom('edi_partners').select(COLUMNS).orderBy('warehouse_id');
  if (activeOnly) q = q.where('active', '=', true);
  return q.execute();
}

/**
 * Takes the partner's next interchange control number (row-locked: two workers never send the same number);
 * after 999,999,999 it wraps to 1, as X12 allows.
 */
export async function takeControlNumber(tx: Executor, warehouseId: string): Promise<number> {
  const r = await sql<{ n: number }>`
    UPDATE edi_partners SET next_control = CASE WHEN next_control >= 999999999 THEN 1 ELSE next_control + 1 END, updated_at = now()
    WHERE warehouse_id = ${warehouseId}
    RETURNING CASE WHEN next_control = 1 THEN 999999999 ELSE next_control - 1 END AS n`.execute(tx);
  if (!r.rows[0]) throw new AppError('not_found', 'edi_partner_not_found', `Warehouse ${warehouseId} has no EDI partner`, { warehouse_id: warehouseId });
  return r.rows[0].n;
}

export interface DocumentInput {
  warehouse_id: string;
  direction: 'out' | 'in';
  transaction_set: '940' | '945' | '846' | 'unknown';
  sender_id: string;
  interchange_control: string;
  set_control: string;
  fulfillment_order_id?: string | null | undefined;
  file_name?: string | null | undefined;
  content: string;
  status: 'queued' | 'sent' | 'applied' | 'rejected';
  result?: Record<string, unknown> | undefined;
  error?: string | null | undefined;
}

export interface DocumentView extends Omit<DocumentInput, 'result'> {
  id: string;
  result: unknown;
  created_at: Date;
  updated_at: Date;
}

const DOC_COLUMNS = ['id', 'warehouse_id', 'direction', 'transaction_set', 'sender_id', 'interchange_control', 'set_control', 'fulfillment_order_id', 'file_name', 'content', 'status', 'result', 'error', 'created_at', 'updated_at'] as const;

/**
 * Records a document; returns undefined when the same document (warehouse, direction, sender, control numbers,
 * set) is already recorded — the caller then changes nothing.
 */
export async function recordDocument(tx: Executor, d: DocumentInput): Promise<DocumentView | undefined> {
  return tx
    .insertInto('edi_documents')
    .values({ ...d, id: newId('edi'), fulfillment_order_id: d.fulfillment_order_id ?? null, file_name: d.file_name ?? null, error: d.error ?? null, result: JSON.stringify(d.result ?? {}) })
    .onConflict((oc) => oc.columns(['warehouse_id', 'direction', 'sender_id', 'interchange_control', 'set_control', 'transaction_set']).doNothing())
    .returning(DOC_COLUMNS)
    .executeTakeFirst();
}

export async function markDocument(tx: Executor, id: string, status: DocumentInput['status'], patch: { file_name?: string; error?: string | null; result?: Record<string, unknown> } = {}): Promise<void> {
  await tx.updateTable('edi_documents').set({
    status, updated_at: new Date(),
    ...(patch.file_name !== undefined ? { file_name: patch.file_name } : {}),
    ...(patch.error !== undefined ? { error: patch.error } : {}),
    ...(patch.result !== undefined ? { result: JSON.stringify(patch.result) } : {}),
  }).where('id', '=', id).execute();
}

/** Outbound documents committed but not yet written out (a crash between commit and write leaves them here). */
export async function queuedDocuments(db: Executor, limit = 100): Promise<DocumentView[]> {
  return db.selectFrom('edi_documents').select(DOC_COLUMNS).where('status', '=', 'queued').orderBy('created_at').limit(limit).execute();
}

export async function listDocuments(db: Executor, f: { warehouse_ids: string[] | null; fulfillment_order_id?: string | undefined; transaction_set?: string | undefined; limit: number; before?: string | undefined }): Promise<DocumentView[]> {
  let q = db.selectFrom('edi_documents').select(DOC_COLUMNS).orderBy('id', 'desc').limit(f.limit);
  if (f.warehouse_ids) q = q.where('warehouse_id', 'in', f.warehouse_ids.length > 0 ? f.warehouse_ids : ['']);
  if (f.fulfillment_order_id) q = q.where('fulfillment_order_id', '=', f.fulfillment_order_id);
  if (f.transaction_set) q = q.where('transaction_set', '=', f.transaction_set as '940');
  if (f.before) q = q.where('id', '<', f.before);
  return q.execute();
}

export async function getDocument(db: Executor, id: string): Promise<DocumentView> {
  const d = await db.selectFrom('edi_documents').select(DOC_COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!d) throw new AppError('not_found', 'edi_document_not_found', `EDI document ${id} was not found`, { id });
  return d;
}
