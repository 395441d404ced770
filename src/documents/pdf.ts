import PDFDocument from 'pdfkit';
import bwipjs from 'bwip-js';

/** A 4×6 inch page in PDF points (72 per inch): shipping labels. */
export const LABEL_4X6: [number, number] = [288, 432];

/**
 * Builds a PDF in memory: `draw` receives a pdfkit document (A4 unless `size` says otherwise) and may be async
 * (barcode rendering is). Returns the finished file.
 */
export async function pdfBuffer(draw: (doc: PDFKit.PDFDocument) => void | Promise<void>, opts: { size?: string | [number, number]; margin?: number; title?: string } = {}): Promise<Buffer> {
  const doc = new PDFDocument({ size: opts.size ?? 'A4', margin: opts.margin ?? 36, info: { Title: opts.title ?? 'Tandem', Producer: 'Tandem' }, bufferPages: false });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  await draw(doc);
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

export type Symbology = 'code128' | 'gs1-128' | 'qrcode' | 'ean13';

/**
 * A barcode as PNG, for embedding in a PDF. GS1-128 text uses bracketed application identifiers,
 * e.g. `(00)106141411234567897`; the encoder checks the data against each AI's rules.
 */
export async function barcodePng(symbology: Symbology, text: string, opts: { height_mm?: number; scale?: number; includeText?: boolean } = {}): Promise<Buffer> {
  return bwipjs.toBuffer({
    bcid: symbology,
    text,
    scale: opts.scale ?? 3,
    height: opts.height_mm ?? 12,
    includetext: opts.includeText ?? true,
    textxalign: 'center',
  });
}
