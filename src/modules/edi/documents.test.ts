import { describe, expect, it } from 'vitest';
import { X12Parser, type X12Interchange } from 'node-x12';
import { codAmountN2, parse846, parse945, write940, type ShippingOrder } from './documents.js';
import { parseInterchange } from './x12.js';

const env = { sender: { qualifier: 'ZZ', id: 'TANDEMBRAND' }, receiver: { qualifier: 'ZZ', id: 'ACME3PL' }, control_number: 42, test: false, at: new Date('2026-11-30T09:05:00Z') };
const order: ShippingOrder = {
  fulfillment_order_id: 'fo_01JABC', order_number: 'TD-1001',
  ship_to: { name: 'Asha Rao', line1: '12 MG Road', line2: 'Flat 4*B', city: 'Bengaluru', state: 'KA', postal_code: '560001', country: 'IN', phone: '+91 98450 00000' },
  ship_by: new Date('2026-12-01T10:30:00Z'), carrier_scac: null,
  lines: [
    { sku: 'TEE-RED-M', gtin: '012345678905', name: 'Red tee, M', qty: 2, order_line_id: 'ol_1' },
    { sku: 'MUG-01', gtin: null, name: 'Mug ~ white', qty: 1, order_line_id: 'ol_2' },
  ],
};

describe('X12 940 warehouse shipping order', () => {
  it('writes the expected segments for a known order', () => {
    expect(write940(order, env).split('\n')).toEqual([
      'ISA*00*          *00*          *ZZ*TANDEMBRAND    *ZZ*ACME3PL        *261130*0905*U*00401*000000042*0*P*>~',
      'GS*OW*TANDEMBRAND*ACME3PL*20261130*0905*42*X*004010~',
      'ST*940*0001~',
      'W05*N*fo_01JABC*TD-1001~',
      'N1*ST*Asha Rao~',
      'N3*12 MG Road*Flat 4 B~',
      'N4*Bengaluru*KA*560001*IN~',
      'PER*IC*Asha Rao*TE*+91 98450 00000~',
      'G62*10*20261201~',
      'LX*1~',
      'W01*2*EA*012345678905*SK*TEE-RED-M*UK*012345678905~',
      'G69*Red tee, M~',
      'N9*LI*ol_1~',
      'LX*2~',
      'W01*1*EA**SK*MUG-01~',
      'G69*Mug white~',
      'N9*LI*ol_2~',
      'W76*3~',
      'SE*17*0001~',
      'GE*1*42~',
      'IEA*1*000000042~',
      '',
    ]);
  });

  it('is valid X12 that a parser reads back', () => {
    const back = parseInterchange(write940(order, env));
    expect(back.sender).toEqual({ qualifier: 'ZZ', id: 'TANDEMBRAND' });
    expect(back.transactions[0]!.set).toBe('940');
    expect(back.transactions[0]!.segments.filter((s) => s.id === 'W01').map((s) => s.el[1])).toEqual(['2', '1']);
  });

  it('carries the COD amount to collect in W66-08/09 (cash or certified check, N2), which node-x12 reads back', () => {
    const raw = write940({ ...order, cod: { amount: 99_850, currency: 'INR' } }, env);
    expect(raw.split('\n')).toContain('W66*PP*M******4*99850~');
    // W66 sits in the heading, after G62 and before the first LX loop (940 position 140).
    const ids = raw.split('\n').map((l) => l.split('*')[0]);
    expect(ids.indexOf('W66')).toBe(ids.indexOf('G62') + 1);
    expect(ids.indexOf('LX')).toBe(ids.indexOf('W66') + 1);
    const seg = (new X12Parser(true).parse(raw) as X12Interchange).functionalGroups[0]!.transactions[0]!.segments.find((x) => x.tag === 'W66')!;
    expect(seg.valueOf(1)).toBe('PP');
    expect(seg.valueOf(8)).toBe('4');
    expect(Number(seg.valueOf(9)) / 100).toBe(998.5);
    // With a SCAC too, one W66 carries both; a currency without minor units is scaled to two implied decimals.
    const both = new X12Parser(true).parse(write940({ ...order, carrier_scac: 'BLDT', cod: { amount: 1500, currency: 'JPY' } }, env)) as X12Interchange;
    const w66 = both.functionalGroups[0]!.transactions[0]!.segments.filter((x) => x.tag === 'W66');
    expect(w66.map((x) => [x.valueOf(8), x.valueOf(9), x.valueOf(10)])).toEqual([['4', '150000', 'BLDT']]);
    // A prepaid order has no W66 unless a carrier is named, and never a COD element.
    expect(write940(order, env)).not.toContain('W66');
    expect(write940({ ...order, carrier_scac: 'BLDT' }, env).split('\n')).toContain('W66*PP*M********BLDT~');
  });

  it('refuses a COD amount an N2 element cannot hold exactly', () => {
    expect(() => codAmountN2(12_345, 'KWD')).toThrow(/two decimals/);
    expect(codAmountN2(1_230, 'KWD')).toBe('123');
    expect(() => codAmountN2(1_000_000_000, 'INR')).toThrow(/too large/);
    expect(() => codAmountN2(0, 'INR')).toThrow(/cannot be written/);
  });

  it('refuses an empty order and a control number out of range', () => {
    expect(() => write940({ ...order, lines: [] }, env)).toThrow(/at least one line/);
    expect(() => write940(order, { ...env, control_number: 1_000_000_000 })).toThrow(/outside/);
  });
});

const advice945 = [
  'ISA*00*          *00*          *ZZ*ACME3PL        *ZZ*TANDEMBRAND    *261201*1400*U*00401*000000901*0*P*>',
  'GS*SW*ACME3PL*TANDEMBRAND*20261201*1400*901*X*004010',
  'ST*945*0001',
  'W06*F*fo_01JABC*20261201*SHP-77**TD-1001',
  'N1*ST*Asha Rao',
  'G62*11*20261201',
  'W27*M*BLDT',
  'N9*CN*BD123456789IN',
  'LX*1',
  'W12*CC*2*2*0*EA*012345678905*SK*TEE-RED-M',
  'N9*LI*ol_1',
  'LX*2',
  'W12*CC*1*1*0*EA**SK*MUG-01',
  'MAN*CP*BD123456790IN',
  'W03*3*1.4*KG',
  'SE*14*0001',
  'GE*1*901',
  'IEA*1*000000901',
];

describe('X12 945 warehouse shipping advice', () => {
  const expected = {
    reporting_code: 'F', fulfillment_order_id: 'fo_01JABC', order_number: 'TD-1001', shipment_id: 'SHP-77', shipped_on: '2026-12-01', carrier_scac: 'BLDT',
    tracking_numbers: ['BD123456789IN', 'BD123456790IN'],
    lines: [
      { sku: 'TEE-RED-M', gtin: '012345678905', ordered: 2, shipped: 2, status: 'CC', order_line_id: 'ol_1' },
      { sku: 'MUG-01', gtin: null, ordered: 1, shipped: 1, status: 'CC', order_line_id: null },
    ],
    total_units: 3, weight: { value: 1.4, unit: 'KG' },
  };
  it.each([['one segment per line', '~\n'], ['no line breaks', '~'], ['CRLF', '~\r\n']])('reads shipped quantities, carrier and tracking (%s)', (_n, sep) => {
    const r = parse945(advice945.join(sep) + sep);
    expect(r.interchange).toEqual({ sender: { qualifier: 'ZZ', id: 'ACME3PL' }, control_number: '901' });
    expect(r.advices).toHaveLength(1);
    expect(r.advices[0]).toMatchObject(expected);
  });

  it('rejects totals that disagree with the lines, a W12 without product and other documents', () => {
    expect(() => parse945(advice945.map((s) => (s.startsWith('W03') ? 'W03*4*1.4*KG' : s)).join('~') + '~')).toThrow(/add up to 3/);
    expect(() => parse945(advice945.map((s) => (s.startsWith('W12*CC*1') ? 'W12*CC*1*1*0*EA' : s)).join('~') + '~')).toThrow(/names no product/);
    expect(() => parse945('hello')).toThrow(/Not a valid X12/);
    expect(() => parse945(advice945.map((s) => s.replace('ST*945', 'ST*940')).join('~') + '~')).toThrow(/Expected 945/);
  });
});

describe('X12 846 inventory advice', () => {
  it('reads on-hand quantities per product, preferring QTY*17 to QTY*33', () => {
    const raw = [
      'ISA*00*          *00*          *ZZ*ACME3PL        *ZZ*TANDEMBRAND    *261201*0600*U*00401*000000902*0*P*>',
      'GS*IB*ACME3PL*TANDEMBRAND*20261201*0600*902*X*004010', 'ST*846*0001', 'BIA*00*MM*SNAP-1201*20261201',
      'LIN**SK*TEE-RED-M', 'QTY*33*40*EA', 'QTY*17*41*EA', 'LIN**UP*012345678912', 'QTY*33*7*EA', 'SE*8*0001', 'GE*1*902', 'IEA*1*000000902',
    ].join('~\n') + '~';
    const r = parse846(raw);
    expect(r.advices[0]).toEqual({ control_number: '0001', reference: 'SNAP-1201', as_of: '2026-12-01', items: [{ sku: 'TEE-RED-M', gtin: null, qty: 41 }, { sku: null, gtin: '012345678912', qty: 7 }] });
    expect(() => parse846(raw.replace('QTY*33*7*EA', 'QTY*33*-2*EA'))).toThrow(/whole number/);
  });
});
