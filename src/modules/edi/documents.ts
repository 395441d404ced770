import { AppError } from '../../shared/errors.js';
import { currencyExponent } from '../../shared/money.js';
import { ccyymmdd, parseInterchange, writeInterchange, type ParsedTransaction, type X12Party } from './x12.js';

/** A fulfillment order as a 3PL receives it: a warehouse shipping order (X12 940). */
export interface ShippingOrder {
  /** W05-02 depositor order number: our fulfillment order id, echoed back in the 945's W06-02. */
  fulfillment_order_id: string;
  /** W05-03 purchase order number: the order's number, for people. */
  order_number: string;
  ship_to: { name: string; line1: string; line2?: string | null | undefined; city: string; state?: string | null | undefined; postal_code: string; country: string; phone?: string | null | undefined };
  /** G62*10: requested ship date. */
  ship_by: Date | null;
  /** W66-10 / W27: carrier SCAC when the order asks for one. */
  carrier_scac?: string | null | undefined;
  /** W66-08/09: cash the carrier collects on delivery (integer minor units of the order's currency); null = prepaid. */
  cod?: { amount: number; currency: string } | null | undefined;
  lines: { sku: string; gtin: string | null; name: string; qty: number; order_line_id: string }[];
}

export interface EnvelopeParties {
  sender: X12Party;
  receiver: X12Party;
  control_number: number;
  test: boolean;
  at: Date;
}

/**
 * Writes an X12 940 (version 4010): W05 header, N1/N3/N4 ship-to, G62 requested ship date, W66 carrier information
 * (the COD amount to collect, the carrier's SCAC) when there is any, one LX loop per line with
 * W01 (quantity, EA, UPC when known, SK = our SKU), G69 description and N9*LI our order line id, then W76 totals.
 */
export function write940(order: ShippingOrder, env: EnvelopeParties): string {
  if (order.lines.length === 0) throw new AppError('invalid', 'validation_failed', 'A 940 needs at least one line', {});
  const s: string[][] = [['W05', 'N', order.fulfillment_order_id, order.order_number]];
  const to = order.ship_to;
  s.push(['N1', 'ST', to.name]);
  s.push(to.line2 ? ['N3', to.line1, to.line2] : ['N3', to.line1]);
  s.push(['N4', to.city, to.state ?? '', to.postal_code, to.country]);
  if (to.phone) s.push(['PER', 'IC', to.name, 'TE', to.phone]);
  if (order.ship_by) s.push(['G62', '10', ccyymmdd(order.ship_by)]);
  if (order.carrier_scac || order.cod) {
    // W66 (warehouse carrier information): 01 PP = freight prepaid by us, 02 M = motor common carrier; a COD order adds
    // 08 = COD method of payment (element 625: 4 = cash or certified check) and 09 = the amount to collect (N2).
    const cod = order.cod ? ['4', codAmountN2(order.cod.amount, order.cod.currency)] : ['', ''];
    s.push(['W66', 'PP', 'M', '', '', '', '', '', ...cod, order.carrier_scac ?? '']); // trailing empties are trimmed when written
  }
  order.lines.forEach((l, i) => {
    s.push(['LX', String(i + 1)]);
    s.push(['W01', String(l.qty), 'EA', l.gtin && l.gtin.length === 12 ? l.gtin : '', 'SK', l.sku, ...(l.gtin ? ['UK', l.gtin] : [])]);
    s.push(['G69', l.name]);
    s.push(['N9', 'LI', l.order_line_id]);
  });
  s.push(['W76', String(order.lines.reduce((n, l) => n + l.qty, 0))]);
  return writeInterchange({ ...env, functional_id: 'OW', transaction_set: '940', segments: s });
}

/**
 * A money amount as an X12 N2 value (two implied decimals, no separator), from integer minor units: exact for
 * currencies with 0, 2 or 3 minor digits when the amount is a whole number of hundredths; at most 9 digits (4010).
 */
export function codAmountN2(amount: number, currency: string): string {
  const exp = currencyExponent(currency);
  const scaled = exp <= 2 ? amount * 10 ** (2 - exp) : amount / 10 ** (exp - 2);
  if (!Number.isSafeInteger(scaled) || scaled <= 0) {
    throw new AppError('unprocessable', 'edi_invalid', `A COD amount of ${amount} minor units of ${currency} cannot be written as an X12 amount with two decimals`, { amount, currency });
  }
  const text = String(scaled);
  if (text.length > 9) throw new AppError('unprocessable', 'edi_invalid', `A COD amount of ${amount} minor units of ${currency} is too large for a 940 (at most 9,999,999.99)`, { amount, currency });
  return text;
}

/** What a 3PL says it shipped for one of our fulfillment orders (X12 945). */
export interface ShippingAdvice {
  control_number: string;
  /** W06-01: F = full shipment, P = partial. */
  reporting_code: string;
  fulfillment_order_id: string;
  order_number: string | null;
  shipment_id: string | null;
  shipped_on: string | null;
  carrier_scac: string | null;
  tracking_numbers: string[];
  lines: { sku: string | null; gtin: string | null; ordered: number; shipped: number; status: string; order_line_id: string | null }[];
  total_units: number | null;
  weight: { value: number; unit: string } | null;
}

const num = (v: string | undefined, what: string): number => {
  const n = Number(v);
  if (v === undefined || v === '' || !Number.isFinite(n)) throw new AppError('unprocessable', 'edi_invalid', `${what} is not a number: ${v ?? '(missing)'}`, { value: v ?? null });
  return n;
};

/** The product id of a W12/W01/LIN segment from its qualifier/value pairs (SK = SKU; UP/UK/EN = GTIN family). */
function productIds(el: string[], from: number): { sku: string | null; gtin: string | null } {
  let sku: string | null = null;
  let gtin: string | null = null;
  for (let i = from; i + 1 < el.length; i += 2) {
    const q = el[i];
    const v = el[i + 1];
    if (!v) continue;
    if (q === 'SK' || q === 'VN' || q === 'BP') sku ??= v;
    else if (q === 'UP' || q === 'UK' || q === 'EN' || q === 'UA') gtin ??= v;
  }
  return { sku, gtin };
}

function advice(t: ParsedTransaction): ShippingAdvice {
  const w06 = t.segments.find((s) => s.id === 'W06');
  if (!w06 || !w06.el[2]) throw new AppError('unprocessable', 'edi_invalid', `945 ${t.control_number} has no W06 with a depositor order number`, { st02: t.control_number });
  const out: ShippingAdvice = {
    control_number: t.control_number, reporting_code: w06.el[1] ?? 'F', fulfillment_order_id: w06.el[2], order_number: w06.el[6] || null, shipment_id: w06.el[4] || null,
    shipped_on: null, carrier_scac: null, tracking_numbers: [], lines: [], total_units: null, weight: null,
  };
  if (w06.el[3]) out.shipped_on = `${w06.el[3].slice(0, 4)}-${w06.el[3].slice(4, 6)}-${w06.el[3].slice(6, 8)}`;
  let line: ShippingAdvice['lines'][number] | null = null;
  for (const s of t.segments) {
    const e = s.el;
    if (s.id === 'G62' && e[1] === '11' && e[2]) out.shipped_on = `${e[2].slice(0, 4)}-${e[2].slice(4, 6)}-${e[2].slice(6, 8)}`;
    else if (s.id === 'W27' && e[2]) out.carrier_scac = e[2];
    // Tracking: N9 with a carrier reference qualifier at header level, or MAN*CP (carrier-assigned package id) per carton.
    else if (s.id === 'N9' && ['CN', 'BM', '2I', 'PRO'].includes(e[1] ?? '') && e[2]) out.tracking_numbers.push(e[2]);
    else if (s.id === 'MAN' && e[1] === 'CP' && e[2]) out.tracking_numbers.push(e[2]);
    else if (s.id === 'W12') {
      // W12-06 is the U.P.C. case code; W12-07/08 (and further pairs) qualifier and product id.
      const found = productIds(e, 7);
      const ids = { sku: found.sku, gtin: found.gtin ?? (e[6] || null) };
      line = { ...ids, status: e[1] ?? '', ordered: e[2] ? num(e[2], 'W12-02 quantity ordered') : 0, shipped: num(e[3], 'W12-03 units shipped'), order_line_id: null };
      if (!ids.sku && !ids.gtin) throw new AppError('unprocessable', 'edi_invalid', `945 ${t.control_number}: a W12 names no product (SK or UP/UK/EN)`, { st02: t.control_number });
      out.lines.push(line);
    } else if (s.id === 'N9' && e[1] === 'LI' && line) line.order_line_id = e[2] ?? null;
    else if (s.id === 'W03') {
      out.total_units = e[1] ? num(e[1], 'W03-01 units shipped') : null;
      if (e[2]) out.weight = { value: num(e[2], 'W03-02 weight'), unit: e[3] || 'LB' };
    }
  }
  out.tracking_numbers = [...new Set(out.tracking_numbers)];
  if (out.total_units !== null) {
    const sum = out.lines.reduce((n, l) => n + l.shipped, 0);
    if (sum !== out.total_units) throw new AppError('unprocessable', 'edi_invalid', `945 ${t.control_number}: W03 says ${out.total_units} unit(s) but the W12 lines add up to ${sum}`, { st02: t.control_number });
  }
  return out;
}

/** Reads every 945 of an interchange. Other transaction sets in it are a 422: one file, one kind of document. */
export function parse945(raw: string): { interchange: { sender: X12Party; control_number: string }; advices: ShippingAdvice[] } {
  const ic = parseInterchange(raw);
  const other = ic.transactions.find((t) => t.set !== '945');
  if (other) throw new AppError('unprocessable', 'edi_invalid', `Expected 945 transaction sets, found ${other.set}`, { set: other.set });
  return { interchange: { sender: ic.sender, control_number: ic.control_number }, advices: ic.transactions.map(advice) };
}

/** A 3PL's stock report (X12 846): units per product, on hand (QTY*17) or else available (QTY*33). */
export interface InventoryAdvice {
  control_number: string;
  reference: string | null;
  as_of: string | null;
  items: { sku: string | null; gtin: string | null; qty: number }[];
}

export function parse846(raw: string): { interchange: { sender: X12Party; control_number: string }; advices: InventoryAdvice[] } {
  const ic = parseInterchange(raw);
  const other = ic.transactions.find((t) => t.set !== '846');
  if (other) throw new AppError('unprocessable', 'edi_invalid', `Expected 846 transaction sets, found ${other.set}`, { set: other.set });
  const advices = ic.transactions.map((t): InventoryAdvice => {
    const bia = t.segments.find((s) => s.id === 'BIA');
    const a: InventoryAdvice = { control_number: t.control_number, reference: bia?.el[3] || null, as_of: bia?.el[4] ? `${bia.el[4].slice(0, 4)}-${bia.el[4].slice(4, 6)}-${bia.el[4].slice(6, 8)}` : null, items: [] };
    let cur: { sku: string | null; gtin: string | null; onHand: number | null; available: number | null } | null = null;
    const flush = () => {
      if (!cur) return;
      const qty = cur.onHand ?? cur.available;
      if (qty === null) throw new AppError('unprocessable', 'edi_invalid', `846 ${t.control_number}: product ${cur.sku ?? cur.gtin} has no QTY*17 or QTY*33`, {});
      if (!Number.isInteger(qty) || qty < 0) throw new AppError('unprocessable', 'edi_invalid', `846 ${t.control_number}: product ${cur.sku ?? cur.gtin} quantity ${qty} is not a whole number ≥ 0`, {});
      a.items.push({ sku: cur.sku, gtin: cur.gtin, qty });
    };
    for (const s of t.segments) {
      if (s.id === 'LIN') {
        flush();
        const ids = productIds(s.el, 2);
        if (!ids.sku && !ids.gtin) throw new AppError('unprocessable', 'edi_invalid', `846 ${t.control_number}: a LIN names no product`, {});
        cur = { ...ids, onHand: null, available: null };
      } else if (s.id === 'QTY' && cur) {
        if (s.el[1] === '17') cur.onHand = num(s.el[2], 'QTY-02');
        else if (s.el[1] === '33') cur.available = num(s.el[2], 'QTY-02');
      }
    }
    flush();
    return a;
  });
  return { interchange: { sender: ic.sender, control_number: ic.control_number }, advices };
}
