import { barcodePng, pdfBuffer } from './pdf.js';

/** What a packing slip shows: the order, where it goes, what is in the box(es) from this warehouse. */
export interface PackingSlipData {
  order_number: string;
  placed_at: Date;
  fulfillment_order_id: string;
  from: { name: string; lines: string[] };
  ship_to: { name: string; lines: string[]; phone: string | null };
  lines: { sku: string; name: string; qty: number; parts?: { sku: string; name: string; qty: number }[] | undefined }[];
  packages: { seq: number; carton_code: string | null; weight_g: number }[];
}

const COLS = { sku: 36, name: 160, qty: 500 };

/** An A4 packing slip with a Code 128 barcode of the order number (scanned at the pack and ship stations). */
export async function packingSlipPdf(data: PackingSlipData): Promise<Buffer> {
  const barcode = await barcodePng('code128', data.order_number, { height_mm: 10, scale: 2, includeText: true });
  return pdfBuffer(async (doc) => {
    doc.fontSize(20).font('Helvetica-Bold').text('Packing slip', 36, 36);
    doc.image(barcode, 360, 30, { fit: [200, 60] });
    doc.fontSize(10).font('Helvetica');
    doc.text(`Order ${data.order_number}`, 36, 66);
    doc.text(`Placed ${data.placed_at.toISOString().slice(0, 10)}`, 36, 80);
    doc.text(`Fulfillment ${data.fulfillment_order_id}`, 36, 94);

    const top = 124;
    doc.font('Helvetica-Bold').text('Ship to', 36, top);
    doc.font('Helvetica').text([data.ship_to.name, ...data.ship_to.lines, ...(data.ship_to.phone ? [`Phone ${data.ship_to.phone}`] : [])].join('\n'), 36, top + 14, { width: 250 });
    doc.font('Helvetica-Bold').text('From', 320, top);
    doc.font('Helvetica').text([data.from.name, ...data.from.lines].join('\n'), 320, top + 14, { width: 240 });

    let y = top + 110;
    doc.font('Helvetica-Bold');
    doc.text('SKU', COLS.sku, y).text('Item', COLS.name, y).text('Qty', COLS.qty, y, { width: 50, align: 'right' });
    y += 16;
    doc.moveTo(36, y - 3).lineTo(560, y - 3).stroke();
    doc.font('Helvetica');
    for (const line of data.lines) {
      y = row(doc, y, line.sku, line.name, line.qty, false);
      for (const part of line.parts ?? []) y = row(doc, y, part.sku, `  includes ${part.name}`, part.qty, true);
    }
    const units = data.lines.reduce((n, l) => n + l.qty, 0);
    doc.moveTo(36, y + 2).lineTo(560, y + 2).stroke();
    doc.font('Helvetica-Bold').text(`Total units: ${units}`, COLS.name, y + 8);
    if (data.packages.length > 0) {
      doc.font('Helvetica').text(
        `Packages: ${data.packages.map((p) => `#${p.seq}${p.carton_code ? ` ${p.carton_code}` : ''} (${(p.weight_g / 1000).toFixed(2)} kg)`).join(', ')}`,
        36, y + 28, { width: 524 },
      );
    }
  }, { title: `Packing slip ${data.order_number}` });
}

function row(doc: PDFKit.PDFDocument, y: number, sku: string, name: string, qty: number, part: boolean): number {
  if (y > 780) {
    doc.addPage();
    y = 36;
  }
  doc.fontSize(part ? 9 : 10);
  doc.text(sku, COLS.sku + (part ? 10 : 0), y, { width: 120, lineBreak: false, ellipsis: true });
  doc.text(name, COLS.name, y, { width: 320, lineBreak: false, ellipsis: true });
  doc.text(String(qty), COLS.qty, y, { width: 50, align: 'right' });
  doc.fontSize(10);
  return y + (part ? 13 : 16);
}
