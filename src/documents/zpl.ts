import { addressLines, kg, paymentLine, type LabelData } from './label.js';

/**
 * ZPL II field data escaped for `^FH_`: the three characters ZPL gives a meaning inside a field (`^`, `~`, and
 * the escape character `_` itself) become `_` + hex. Everything else (UTF-8 with `^CI28`) passes through.
 */
export function zplField(text: string): string {
  return text.replace(/[_^~]/g, (c) => `_${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/[\r\n]+/g, ' ');
}

const text = (x: number, y: number, size: number, value: string): string => `^FO${x},${y}^A0N,${size},${size}^FH_^FD${zplField(value)}^FS`;

/**
 * The same 4×6 label as ZPL II for a 203 dpi thermal printer (812 × 1218 dots): the tracking number as Code 128
 * (`^BC`, automatic subsets) and the SSCC as GS1-128 (`^BC` mode D: the printer adds FNC1 and reads the `(00)` AI).
 */
export function renderLabelZpl(d: LabelData): string {
  const out: string[] = ['^XA', '^CI28', '^PW812', '^LL1218', '^LH0,0'];
  out.push(text(30, 30, 44, d.carrier_name), text(30, 82, 28, d.service));
  out.push('^FO530,24^GB260,92,4^FS', text(548, 56, d.cod ? 30 : 40, paymentLine(d.cod)));
  out.push('^FO20,130^GB772,2,2^FS', text(30, 142, 22, 'FROM'));
  addressLines(d.from).slice(0, 6).forEach((line, i) => out.push(text(30, 168 + i * 24, 22, line)));
  out.push('^FO20,320^GB772,2,2^FS', text(30, 332, 26, 'SHIP TO'));
  const [name = '', ...rest] = addressLines(d.to);
  out.push(text(30, 364, 40, name));
  rest.slice(0, 6).forEach((line, i) => out.push(text(30, 410 + i * 32, 30, line)));
  out.push('^FO20,610^GB772,2,2^FS');
  out.push(text(30, 624, 26, `Order ${d.order_number}  Package ${d.package_seq}  Shipped ${d.shipped_on}`));
  out.push(text(30, 656, 26, `Weight ${kg(d.weight_g)}  Chargeable ${kg(d.chargeable_weight_g)}`));
  out.push(`^FO60,700^BY3^BCN,150,Y,N,N,A^FH_^FD${zplField(d.tracking_number)}^FS`);
  if (d.sscc) {
    out.push(`^FO40,930^BY3^BCN,150,Y,N,N,D^FD(00)${d.sscc}^FS`);
  }
  out.push(text(30, 1180, 18, d.shipment_id), '^XZ');
  return `${out.join('\n')}\n`;
}
