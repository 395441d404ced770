import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { emit } from '../../events/outbox.js';
import type { ManifestView } from './shipping.types.js';

const COLUMNS = ['id', 'warehouse_id', 'carrier', 'seq', 'status', 'opened_at', 'closed_at', 'closed_by', 'shipment_count', 'total_weight_g'] as const;

type Row = { id: string; warehouse_id: string; carrier: string; seq: number; status: 'open' | 'closed'; opened_at: Date; closed_at: Date | null; closed_by: string | null; shipment_count: number | null; total_weight_g: number | null };

function toView(r: Row, live?: { n: number; w: number }): ManifestView {
  const day = r.opened_at.toISOString().slice(0, 10).replace(/-/g, '');
  return {
    id: r.id, warehouse_id: r.warehouse_id, carrier: r.carrier, seq: r.seq, number: `${r.carrier.toUpperCase()}-${day}-${r.seq}`, status: r.status,
    opened_at: r.opened_at, closed_at: r.closed_at, closed_by: r.closed_by,
    shipment_count: r.shipment_count ?? live?.n ?? 0, total_weight_g: r.total_weight_g ?? live?.w ?? 0,
  };
}

async function liveTotals(db: Executor, ids: string[]): Promise<Map<string, { n: number; w: number }>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('shipments').select(['manifest_id', sql<number>`count(*)::int`.as('n'), sql<number>`coalesce(sum(weight_g), 0)::bigint`.as('w')])
    .where('manifest_id', 'in', ids).groupBy('manifest_id').execute();
  return new Map(rows.map((r) => [r.manifest_id!, { n: r.n, w: r.w }]));
}

/**
 * Opens the next manifest of a carrier × warehouse unless one is open (a concurrent open makes no second one) and
 * emits `manifest.opened` for the one it opened.
 */
async function openManifestRow(tx: Executor, warehouseId: string, carrier: string, actor?: string): Promise<void> {
  const r = await sql<{ id: string; seq: number }>`INSERT INTO manifests (id, warehouse_id, carrier, seq)
    SELECT ${newId('man')}, ${warehouseId}, ${carrier}, coalesce(max(seq), 0) + 1 FROM manifests WHERE warehouse_id = ${warehouseId} AND carrier = ${carrier}
    ON CONFLICT DO NOTHING RETURNING id, seq`.execute(tx);
  const row = r.rows[0];
  if (row) await emit(tx, { type: 'manifest.opened', aggregateType: 'manifest', aggregateId: row.id, payload: { warehouse_id: warehouseId, carrier, seq: row.seq }, actor });
}

/**
 * The id of the open manifest of a carrier × warehouse, opened when there is none (`manifest.opened`), held with a
 * share lock to the end of the transaction: a close (which takes the row exclusively) waits for shipments joining
 * it, and a shipment that arrives after a close finds it closed and goes to the next one.
 */
export async function joinOpenManifest(tx: Executor, warehouseId: string, carrier: string, actor?: string): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const open = await tx.selectFrom('manifests').select('id').where('warehouse_id', '=', warehouseId).where('carrier', '=', carrier).where('status', '=', 'open').forShare().executeTakeFirst();
    if (open) return open.id;
    await openManifestRow(tx, warehouseId, carrier, actor);
  }
  throw new AppError('unavailable', 'manifest_closed', `No open manifest could be taken for ${carrier} at ${warehouseId}; retry`, { warehouse_id: warehouseId, carrier });
}

/** The open manifest of a carrier × warehouse, opened if there is none. */
export async function openManifest(tx: Executor, warehouseId: string, carrier: string, actor?: string): Promise<{ manifest: ManifestView; created: boolean }> {
  const existing = await tx.selectFrom('manifests').select(COLUMNS).where('warehouse_id', '=', warehouseId).where('carrier', '=', carrier).where('status', '=', 'open').executeTakeFirst();
  if (existing) return { manifest: await withTotals(tx, existing as Row), created: false };
  const id = await joinOpenManifest(tx, warehouseId, carrier, actor);
  const row = (await tx.selectFrom('manifests').select(COLUMNS).where('id', '=', id).executeTakeFirstOrThrow()) as Row;
  return { manifest: toView(row), created: true };
}

async function withTotals(db: Executor, r: Row): Promise<ManifestView> {
  return toView(r, r.status === 'open' ? (await liveTotals(db, [r.id])).get(r.id) : undefined);
}

/** One manifest with its counts (throws manifest_not_found). */
export async function getManifest(db: Executor, id: string): Promise<ManifestView> {
  const row = await db.selectFrom('manifests').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', 'manifest_not_found', `Manifest ${id} was not found`, { manifest_id: id });
  return withTotals(db, row as Row);
}

/** Manifests, newest first, by warehouse (within a scope), carrier and status. */
export async function listManifests(db: Executor, f: { warehouse_id?: string | undefined; carrier?: string | undefined; status?: 'open' | 'closed' | undefined; scope?: string[] | null | undefined; limit: number }): Promise<ManifestView[]> {
  let q = db.selectFrom('manifests').select(COLUMNS).orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(f.limit);
  if (f.warehouse_id !== undefined) q = q.where('warehouse_id', '=', f.warehouse_id);
  if (f.carrier !== undefined) q = q.where('carrier', '=', f.carrier);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.scope) q = q.where('warehouse_id', 'in', f.scope.length > 0 ? f.scope : ['']);
  const rows = (await q.execute()) as Row[];
  const totals = await liveTotals(db, rows.filter((r) => r.status === 'open').map((r) => r.id));
  return rows.map((r) => toView(r, totals.get(r.id)));
}

/**
 * Closes an open manifest: from now on its shipments are fixed (shipments that ship later open the next one).
 * An empty manifest is not closed (409 `manifest_empty`); a closed one is a 409 `manifest_closed`.
 */
export async function closeManifest(tx: Executor, id: string, actor?: string): Promise<ManifestView> {
  const row = await tx.selectFrom('manifests').select(COLUMNS).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw new AppError('not_found', 'manifest_not_found', `Manifest ${id} was not found`, { manifest_id: id });
  if (row.status === 'closed') throw new AppError('conflict', 'manifest_closed', `Manifest ${id} is already closed`, { manifest_id: id, closed_at: row.closed_at });
  const t = (await liveTotals(tx, [id])).get(id) ?? { n: 0, w: 0 };
  if (t.n === 0) throw new AppError('conflict', 'manifest_empty', `Manifest ${id} has no shipments to hand over`, { manifest_id: id });
  const closed = await tx.updateTable('manifests').set({ status: 'closed', closed_at: new Date(), closed_by: actor ?? null, shipment_count: t.n, total_weight_g: t.w })
    .where('id', '=', id).returning(COLUMNS).executeTakeFirstOrThrow();
  await emit(tx, { type: 'manifest.closed', aggregateType: 'manifest', aggregateId: id, payload: { warehouse_id: row.warehouse_id, carrier: row.carrier, shipment_count: t.n, total_weight_g: t.w }, actor });
  return toView(closed as Row);
}

/** Stores the rendered handover document of a closed manifest. */
export async function storeHandoverPdf(db: Executor, id: string, pdf: Buffer): Promise<void> {
  await db.updateTable('manifests').set({ handover_pdf: pdf }).where('id', '=', id).where('status', '=', 'closed').execute();
}

/** The stored handover document, if rendered. */
export async function findHandoverPdf(db: Executor, id: string): Promise<Buffer | null> {
  const row = await db.selectFrom('manifests').select('handover_pdf').where('id', '=', id).executeTakeFirst();
  return row?.handover_pdf ?? null;
}
