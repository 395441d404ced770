import { formatMinorUnits } from '../shared/money.js';
import { LABEL_4X6, barcodePng, pdfBuffer } from './pdf.js';

/** Everything printed on a shipping label (both the PDF and the ZPL one). */
export interface LabelData {
  shipment_id: string;
  carrier: string;
  carrier_name: string;
  service: string;
  tracking_number: string;
  /** 18-digit SSCC, or null when the brand has no GS1 company prefix configured. */
  sscc: string | null;
  from: LabelAddress;
  to: LabelAddress;
  order_number: string;
  package_seq: number;
  weight_g: number;
  chargeable_weight_g: number;
  /** Cash to collect, or null for a prepaid parcel. */
  cod: { amount: number; currency: string } | null;
  shipped_on: string;
}

export interface LabelAddress {
  name?: string | null | undefined;
  company?: string | null | undefined;
  line1: string;
  line2?: string | null | undefined;
  city: string;
  state?: string | null | undefined;
  postal_code: string;
  country: string;
  phone?: string | null | undefined;
}

/** The address as printed lines. */
export function addressLines(a: LabelAddress): string[] {
  return [a.name, a.company, a.line1, a.line2, [a.city, a.state].filter(Boolean).join(', '), `${a.postal_code} ${a.country}`, a.phone ? `Tel ${a.phone}` : null]
    .filter((l): l is string => typeof l === 'string' && l.trim() !== '');
}

/** "1.80 kg" from grams. */
export function kg(g: number): string {
  return `${(g / 1000).toFixed(2)} kg`;
}

/** "COD INR 1299.00", or "PREPAID". */
export function paymentLine(cod: LabelData['cod']): string {
  return cod ? `COD ${cod.currency} ${formatMinorUnits(cod.amount, cod.currency)}` : 'PREPAID';
}

/**
 * The 4×6 inch label as PDF: carrier and service, COD amount (or prepaid) boxed, ship-from and ship-to, order
 * number, package and weights, the tracking number as Code 128, and the SSCC as GS1-128 with AI (00). Every
 * barcode's human-readable text is also drawn as text, so the label can be read back and searched.
 */
export async function renderLabelPdf(d: LabelData): Promise<Buffer> {
  const [tracking, sscc] = await Promise.all([
    barcodePng('code128', d.tracking_number, { height_mm: 16, scale: 3, includeText: false }),
    d.sscc ? barcodePng('gs1-128', `(00)${d.sscc}`, { height_mm: 14, scale: 3, includeText: false }) : Promise.resolve(null),
  ]);
  return pdfBuffer((doc) => {
    const w = LABEL_4X6[0] - 24;
    doc.font('Helvetica-Bold').fontSize(14).text(d.carrier_name, 12, 12, { width: 160 });
    doc.font('Helvetica').fontSize(9).text(d.service, 12, 30, { width: 160 });
    doc.rect(176, 10, 100, 32).lineWidth(1.5).stroke();
    doc.font('Helvetica-Bold').fontSize(d.cod ? 9 : 12).text(paymentLine(d.cod), 180, d.cod ? 21 : 20, { width: 92, align: 'center' });
    doc.moveTo(12, 48).lineTo(276, 48).lineWidth(0.5).stroke();
    doc.font('Helvetica-Bold').fontSize(7).text('FROM', 12, 54);
    doc.font('Helvetica').fontSize(7).text(addressLines(d.from).join('\n'), 12, 63, { width: w, lineGap: 0 });
    doc.moveTo(12, 126).lineTo(276, 126).stroke();
    doc.font('Helvetica-Bold').fontSize(8).text('SHIP TO', 12, 131);
    const [first = '', ...rest] = addressLines(d.to);
    doc.font('Helvetica-Bold').fontSize(12).text(first, 12, 142, { width: w });
    doc.font('Helvetica').fontSize(10).text(rest.join('\n'), 12, 158, { width: w });
    doc.moveTo(12, 232).lineTo(276, 232).stroke();
    doc.font('Helvetica').fontSize(8)
      .text(`Order ${d.order_number}   Package ${d.package_seq}   Shipped ${d.shipped_on}`, 12, 237, { width: w })
      .text(`Weight ${kg(d.weight_g)}   Chargeable ${kg(d.chargeable_weight_g)}`, 12, 248, { width: w });
    doc.image(tracking, 24, 262, { width: 240, height: 56 });
    doc.font('Helvetica-Bold').fontSize(11).text(d.tracking_number, 12, 321, { width: w, align: 'center' });
    if (sscc && d.sscc) {
      doc.image(sscc, 24, 340, { width: 240, height: 56 });
      doc.font('Helvetica').fontSize(9).text(`SSCC (00) ${d.sscc}`, 12, 399, { width: w, align: 'center' });
    }
    doc.font('Helvetica').fontSize(6).text(d.shipment_id, 12, 418, { width: w, align: 'right' });
  }, { size: LABEL_4X6, margin: 0, title: `Label ${d.tracking_number}` });
}
