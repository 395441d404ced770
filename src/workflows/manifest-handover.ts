import { withTx, type Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { carrierNames, closeManifest, findHandoverPdf, getManifest, listShipments, storeHandoverPdf, type ManifestView } from '../modules/shipping/index.js';
import { getWarehouse } from '../modules/warehouse/index.js';
import { renderHandoverPdf } from '../documents/manifest.js';

/** Renders the handover document of a closed manifest from its (now fixed) shipments. */
async function render(db: Db, m: ManifestView): Promise<Buffer> {
  const [wh, names, shipments] = await Promise.all([getWarehouse(db, m.warehouse_id), carrierNames(db, [m.carrier]), listShipments(db, { manifest_id: m.id })]);
  const a = wh.address;
  return renderHandoverPdf({
    manifest_id: m.id, number: m.number, carrier: m.carrier, carrier_name: names.get(m.carrier) ?? m.carrier,
    warehouse: { code: wh.code, name: wh.name, address: [a.line1, a.city, a.postal_code, a.country].filter(Boolean).join(', ') },
    opened_at: m.opened_at, closed_at: m.closed_at!, closed_by: m.closed_by,
    shipments: shipments.map((s) => ({ tracking_number: s.tracking_number, order_number: s.order_number, package_seq: s.package_seq, service: s.service, weight_g: s.weight_g, cod: s.cod_amount > 0 ? { amount: s.cod_amount, currency: s.currency } : null })),
  });
}

/**
 * Closes a manifest (one short transaction that waits for shipments still joining it), then renders and stores
 * its handover PDF outside the transaction, so barcode rendering never holds the manifest's lock.
 */
export async function closeManifestWithHandover(db: Db, id: string, actor?: string): Promise<ManifestView> {
  const closed = await withTx(db, (tx) => closeManifest(tx, id, actor));
  await storeHandoverPdf(db, id, await render(db, closed));
  return closed;
}

/** The stored handover PDF of a closed manifest, rendered (and stored) if it is missing; 409 while it is open. */
export async function handoverPdf(db: Db, id: string): Promise<Buffer> {
  const stored = await findHandoverPdf(db, id);
  if (stored) return stored;
  const m = await getManifest(db, id);
  if (m.status !== 'closed') throw new AppError('conflict', 'manifest_open', `Manifest ${m.number} is still open; close it to hand it over`, { manifest_id: id });
  const pdf = await render(db, m);
  await storeHandoverPdf(db, id, pdf);
  return pdf;
}
