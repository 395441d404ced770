import type { PickLineView, WaveView } from '../modules/fulfillment/index.js';
import { barcodePng, pdfBuffer } from './pdf.js';

export interface PickListInput {
  wave: WaveView;
  warehouse: { code: string; name: string };
  /** Each task's lines in path order. */
  lines: Map<string, PickLineView[]>;
}

const COLS = { seq: 36, bin: 60, sku: 200, name: 340, lot: 440, slot: 480, qty: 520 };
const ROW_H = 46;

/**
 * The wave's pick list: one section per task (a new page each) with its lines in walking order, the bin and the
 * SKU as Code 128 barcodes a scanner can read off the paper, lot, slot (tote) and quantity.
 */
export async function pickListPdf(input: PickListInput): Promise<Buffer> {
  const codes = new Map<string, Buffer>();
  const barcode = async (text: string): Promise<Buffer> => {
    let png = codes.get(text);
    if (!png) {
      png = await barcodePng('code128', text, { height_mm: 7, scale: 2, includeText: false });
      codes.set(text, png);
    }
    return png;
  };
  const { wave } = input;
  return pdfBuffer(async (doc) => {
    if (wave.tasks.length === 0) doc.fontSize(14).text(`Wave ${wave.id}: no pick tasks`);
    for (const [i, task] of wave.tasks.entries()) {
      if (i > 0) doc.addPage();
      doc.font('Helvetica-Bold').fontSize(14).text(`Pick list · ${input.warehouse.code} · wave ${wave.id}`, 36, 36);
      doc.font('Helvetica').fontSize(10).text(
        `Task ${task.seq} of ${wave.tasks.length} (${task.id}) · ${wave.strategy}${task.zone ? ` · zone ${task.zone}` : ''} · ${task.lines} line(s), ${task.units} unit(s) · ` +
          (task.path_m !== null ? `walk ${task.path_m} m (S-shape)` : 'walk in bin order'),
      );
      doc.image(await barcode(task.id), 36, doc.y + 4, { height: 24 });
      doc.moveDown(3);
      header(doc);
      for (const l of input.lines.get(task.id) ?? []) {
        if (doc.y + ROW_H > doc.page.height - 36) {
          doc.addPage();
          header(doc);
        }
        const y = doc.y;
        doc.fontSize(10).text(String(l.seq), COLS.seq, y + 4, { width: 22 });
        doc.image(await barcode(l.bin), COLS.bin, y, { height: 22, width: 130 });
        doc.text(l.bin, COLS.bin, y + 24, { width: 135 });
        doc.image(await barcode(l.sku), COLS.sku, y, { height: 22, width: 130 });
        doc.text(l.sku, COLS.sku, y + 24, { width: 135 });
        doc.fontSize(8).text(l.name, COLS.name, y + 4, { width: 95, height: 36, ellipsis: true });
        doc.fontSize(10).text(l.lot || '—', COLS.lot, y + 4, { width: 38 });
        doc.text(l.slot === null ? '—' : String(l.slot), COLS.slot, y + 4, { width: 36 });
        doc.font('Helvetica-Bold').text(String(l.qty_remaining > 0 ? l.qty_remaining : l.qty), COLS.qty, y + 4, { width: 40 }).font('Helvetica');
        doc.y = y + ROW_H;
      }
    }
  }, { title: `Pick list ${wave.id}` });
}

function header(doc: PDFKit.PDFDocument): void {
  const y = doc.y;
  doc.font('Helvetica-Bold').fontSize(9);
  for (const [label, x] of [['#', COLS.seq], ['Bin', COLS.bin], ['SKU', COLS.sku], ['Item', COLS.name], ['Lot', COLS.lot], ['Slot', COLS.slot], ['Qty', COLS.qty]] as const) doc.text(label, x, y);
  doc.font('Helvetica');
  doc.moveTo(36, y + 12).lineTo(doc.page.width - 36, y + 12).stroke();
  doc.y = y + 16;
}
