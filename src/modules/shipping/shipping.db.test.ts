import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTx } from '../../db/database.js';
import { createTestDb, type TestDb } from '../../../test/helpers/db.js';
import { readPdf } from '../../../test/helpers/pdf.js';
import { renderLabelPdf, type LabelData } from '../../documents/label.js';
import { renderLabelZpl } from '../../documents/zpl.js';
import { carrierAdapter, createCarrier, getCarrier, importRateCardCsv, isValidS10, isValidSscc, loadCarrierAccount, nextSscc, setShippingSettings, updateCarrier } from './index.js';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
  await withTx(db.db, async (tx) => {
    await createCarrier(tx, {
      code: 'fleet', name: 'Own fleet', kind: 'rate_card', cod_capable: true, credentials: { webhook_secret: 'fleet-secret' },
      settings: { currency: 'INR', fuel_surcharge_pct: 5, tracking: { prefix: 'FL', suffix: 'IN', first: 1, last: 40 } },
    });
  });
});
afterAll(async () => db.close());

const parcel = { length_mm: 200, width_mm: 150, height_mm: 100, weight_g: 900 };
const from = { line1: '1 Dock Road', city: 'Bengaluru', postal_code: '560001', country: 'IN' };
const to = { name: 'Asha', line1: '12 MG Road', city: 'Bengaluru', postal_code: '560 034', country: 'IN' };

describe('rate-card carrier', () => {
  it('keeps credentials out of the view and validates settings as a whole', async () => {
    const view = await getCarrier(db.db, 'fleet');
    expect(view.credentials_set).toEqual(['webhook_secret']);
    expect(JSON.stringify(view)).not.toContain('fleet-secret');
    expect((await loadCarrierAccount(db.db, 'fleet')).credentials.webhook_secret).toBe('fleet-secret');
    await expect(withTx(db.db, (tx) => updateCarrier(tx, 'fleet', { settings: { tracking: { prefix: 'FL', suffix: 'IN', first: 50, last: 10 } } }))).rejects.toMatchObject({ code: 'invalid_carrier_settings' });
    await expect(withTx(db.db, (tx) => updateCarrier(tx, 'fleet', { settings: { volumetric_divisor: 'big' } }))).rejects.toMatchObject({ code: 'invalid_carrier_settings' });
  });

  it('imports rate cards all or nothing, with the errors by row', async () => {
    const zones = await withTx(db.db, (tx) => importRateCardCsv(tx, 'fleet', 'zones', 'zone,max_km,dest_prefix\ncity,,560\nfar,2000,\n'));
    expect(zones).toMatchObject({ imported: 2, aborted: false });
    const bad = await withTx(db.db, (tx) => importRateCardCsv(tx, 'fleet', 'rates', [
      'service,zone,transit_days,up_to_g,amount,extra_every_g,extra_amount',
      'std,city,1,500,30.00,250,10.00', // extra weight only on the heaviest slab
      'std,city,2,1000,45.00,,', // transit differs within the zone
      'std,moon,1,500,1.234,,', // unknown zone, three decimals
    ].join('\n')));
    expect(bad.aborted).toBe(true);
    expect(bad.errors.map((e) => `${e.row}:${e.field}`)).toEqual(expect.arrayContaining(['1:extra_every_g', '2:transit_days', '3:zone', '3:amount']));
    expect(await db.db.selectFrom('rate_card_slabs').select('up_to_g').where('carrier', '=', 'fleet').execute()).toEqual([]);
    const ok = await withTx(db.db, (tx) => importRateCardCsv(tx, 'fleet', 'rates', 'service,zone,transit_days,up_to_g,amount,extra_every_g,extra_amount\nstd,city,1,500,30.00,,\nstd,city,1,1000,45.00,500,12.50\n'));
    expect(ok).toMatchObject({ imported: 2, aborted: false });
    await withTx(db.db, (tx) => importRateCardCsv(tx, 'fleet', 'serviceability', 'postal_code,match,prepaid,cod\n5600,prefix,yes,yes\n560099,exact,yes,no\n'));
  });

  it('prices on volumetric weight with fuel, serves by postal prefix and refuses COD where the list says no', async () => {
    const fleet = await carrierAdapter(db.db, 'fleet');
    // 200 × 150 × 100 = 3,000,000 mm³ / 5000 = 600 g < 900 g actual → 1000 g slab 45.00, fuel 5 % 2.25.
    const r = await fleet.rate(parcel, from, to, { cod_amount: null, currency: 'INR', distance_km: 8 });
    expect(r).toMatchObject({ ok: true, quotes: [{ carrier: 'fleet', service: 'std', amount: 4725, transit_days: 1, chargeable_weight_g: 900 }] });
    const heavy = await fleet.rate({ ...parcel, length_mm: 400 }, from, to, { cod_amount: null, currency: 'INR', distance_km: 8 });
    // 1,200 g volumetric → 45.00 + 1 × 12.50 = 57.50, fuel 2.88 (2.875 rounded half up).
    expect(heavy.ok && heavy.quotes[0]!.amount).toBe(6038);
    expect(await fleet.serviceable(from, { ...to, postal_code: '560099' }, true)).toEqual({ ok: false, reason: 'no cash on delivery to 560099' });
    expect(await fleet.rate(parcel, from, { ...to, postal_code: '400001' }, { cod_amount: null, currency: 'INR', distance_km: 840 })).toEqual({ ok: false, reason: 'postal code 400001 is not in its serviceable list' });
  });

  it('hands out each tracking number of the range once under concurrency, with valid S10 check digits, then stops', async () => {
    const fleet = await carrierAdapter(db.db, 'fleet');
    const quote = { carrier: 'fleet', service: 'std', amount: 4725, currency: 'INR', transit_days: 1, cod_capable: true, chargeable_weight_g: 900, breakdown: {} };
    const req = { quote, parcel, from, to, options: { cod_amount: null, currency: 'INR', distance_km: 8 } };
    const labels = await Promise.all(Array.from({ length: 40 }, () => fleet.createLabel(req)));
    const numbers = labels.map((l) => l.tracking_number);
    expect(new Set(numbers).size).toBe(40);
    expect(numbers.every(isValidS10)).toBe(true);
    expect(numbers.map((n) => Number(n.slice(2, 10))).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    await expect(fleet.createLabel(req)).rejects.toMatchObject({ code: 'tracking_range_exhausted' });
  });
});

describe('SSCCs and labels', () => {
  it('issues no SSCC without a GS1 company prefix, then unique valid ones from the prefix', async () => {
    expect(await nextSscc(db.db)).toBeNull();
    await withTx(db.db, (tx) => setShippingSettings(tx, { gs1_company_prefix: '0614141', sscc_extension_digit: 3 }));
    const codes = await Promise.all(Array.from({ length: 20 }, () => nextSscc(db.db)));
    expect(new Set(codes).size).toBe(20);
    for (const c of codes) {
      expect(c).toMatch(/^30614141\d{10}$/);
      expect(isValidSscc(c!)).toBe(true);
    }
  });

  const data: LabelData = {
    shipment_id: 'shp_test', carrier: 'fleet', carrier_name: 'Own fleet', service: 'std', tracking_number: 'FL000000015IN', sscc: '106141411234567897',
    from: { name: 'Bengaluru DC', ...from }, to: { ...to, phone: '+91 98450 00000' }, order_number: 'A^1001_~x', package_seq: 2, weight_g: 900, chargeable_weight_g: 1200,
    cod: { amount: 129900, currency: 'INR' }, shipped_on: '2026-12-01',
  };

  it('renders a one-page 4×6 PDF that reads back with every field', async () => {
    const pdf = await renderLabelPdf(data);
    const doc = await readPdf(pdf);
    expect(doc.pages).toBe(1);
    for (const s of ['Own fleet', 'COD INR 1299.00', 'Asha', '560 034', 'Bengaluru DC', 'FL000000015IN', 'SSCC (00) 106141411234567897', 'Package 2', 'Chargeable 1.20 kg']) expect(doc.text[0]).toContain(s);
    const prepaid = await readPdf(await renderLabelPdf({ ...data, cod: null, sscc: null }));
    expect(prepaid.text[0]).toContain('PREPAID');
    expect(prepaid.text[0]).not.toContain('SSCC');
  });

  it('renders ZPL II with the SSCC as GS1-128 and escapes field data', () => {
    const zpl = renderLabelZpl(data);
    expect(zpl).toMatch(/^\^XA\n\^CI28\n\^PW812\n\^LL1218/);
    expect(zpl).toContain('^BCN,150,Y,N,N,D^FD(00)106141411234567897^FS');
    expect(zpl).toContain('^BCN,150,Y,N,N,A^FH_^FDFL000000015IN^FS');
    expect(zpl).toContain('Order A_5E1001_5F_7Ex');
    expect(zpl).not.toMatch(/\^FD[^\n]*A\^1001/);
    expect(zpl.trim().endsWith('^XZ')).toBe(true);
  });
});
