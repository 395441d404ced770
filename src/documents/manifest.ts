import { formatMinorUnits } from '../shared/money.js';
import { barcodePng, pdfBuffer } from './pdf.js';
import { kg } from './label.js';

export interface HandoverData {
  manifest_id: string;
  number: string;
  carrier_name: string;
  carrier: string;
  warehouse: { code: string; name: string; address: string };
  opened_at: Date;
  closed_at: Date;
  closed_by: string | null;
  shipments: { tracking_number: string; order_number: string; package_seq: number; service: string; weight_g: number; cod: { amount: number; currency: string } | null }[];
}

/** COD to collect per currency, e.g. "INR 2598.00". */
function codTotals(rows: HandoverData['shipments']): string {
  const by = new Map<string, number>();
  for (const r of rows) if (r.cod) by.set(r.cod.currency, (by.get(r.cod.currency) ?? 0) + r.cod.amount);
  return [...by.entries()].map(([c, a]) => `${c} ${formatMinorUnits(a, c)}`).join(', ') || 'none';
}

const ROW_H = 46;

/**
 * The handover document of a closed manifest (A4): the manifest number as Code 128, carrier and warehouse,
 * the counts (parcels, total weight, COD to collect), one row per parcel with its tracking barcode, and
 * signature lines for the warehouse and the carrier's driver.
 */
export async function renderHandoverPdf(d: HandoverData): Promise<Buffer> {
  const head = await barcodePng('code128', d.number, { height_mm: 10, scale: 2, includeText: false });
  const codes = await Promise.all(d.shipments.map((s) => barcodePng('code128', s.tracking_number, { height_mm: 8, scale: 2, includeText: false })));
  const totalG = d.shipments.reduce((s, r) => s + r.weight_g, 0);
  const codCount = d.shipments.filter((s) => s.cod).length;
  return pdfBuffer((doc) => {
    doc.font('Helvetica-Bold').fontSize(16).text(`Handover manifest ${d.number}`, 36, 36);
    doc.font('Helvetica').fontSize(10)
      .text(`Carrier: ${d.carrier_name} (${d.carrier})`, 36, 60)
      .text(`Warehouse: ${d.warehouse.name} (${d.warehouse.code}), ${d.warehouse.address}`, 36, 74, { width: 330 })
      .text(`Opened ${d.opened_at.toISOString()}  Closed ${d.closed_at.toISOString()}${d.closed_by ? ` by ${d.closed_by}` : ''}`, 36, 100);
    doc.image(head, 380, 36, { width: 180, height: 40 });
    doc.font('Helvetica').fontSize(8).text(d.number, 380, 78, { width: 180, align: 'center' });
    doc.font('Helvetica-Bold').fontSize(11)
      .text(`Parcels: ${d.shipments.length}   Total weight: ${kg(totalG)}   COD parcels: ${codCount}   COD to collect: ${codTotals(d.shipments)}`, 36, 120, { width: 523 });
    let y = 146;
    const header = (): void => {
      doc.font('Helvetica-Bold').fontSize(8);
      doc.text('#', 36, y).text('Tracking number', 60, y).text('Order', 280, y).text('Pkg', 360, y).text('Service', 390, y).text('Weight', 460, y).text('COD', 505, y);
      doc.moveTo(36, y + 11).lineTo(559, y + 11).lineWidth(0.5).stroke();
      y += 16;
    };
    header();
    d.shipments.forEach((s, i) => {
      if (y + ROW_H > 740) {
        doc.addPage();
        y = 36;
        header();
      }
      doc.font('Helvetica').fontSize(8).text(String(i + 1), 36, y + 4);
      doc.image(codes[i]!, 60, y, { width: 200, height: 26 });
      doc.text(s.tracking_number, 60, y + 29, { width: 200 });
      doc.text(s.order_number, 280, y + 4, { width: 78 }).text(String(s.package_seq), 360, y + 4).text(s.service, 390, y + 4, { width: 68 }).text(kg(s.weight_g), 460, y + 4);
      doc.text(s.cod ? `${s.cod.currency} ${formatMinorUnits(s.cod.amount, s.cod.currency)}` : '-', 505, y + 4, { width: 54 });
      y += ROW_H;
    });
    if (y > 680) {
      doc.addPage();
      y = 36;
    }
    y += 20;
    doc.font('Helvetica').fontSize(10)
      .text(`Handed over: ${d.shipments.length} parcel(s)`, 36, y)
      .text('Warehouse signature: ______________________', 36, y + 30)
      .text('Carrier (driver) name and signature: ______________________', 36, y + 54)
      .text('Date and time of pick-up: ______________________', 36, y + 78);
  }, { title: `Manifest ${d.number}` });
}
