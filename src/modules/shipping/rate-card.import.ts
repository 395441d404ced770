import { parse } from 'csv-parse/sync';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { MoneyFormatError, parseDecimalMoney } from '../../shared/money.js';
import { emit } from '../../events/outbox.js';
import { normalizePostalCode, type SlabRow, type ZoneRow } from './rate-card.pricing.js';

export type RateCardTable = 'zones' | 'rates' | 'serviceability';

export interface RowError {
  row: number;
  field: string;
  message: string;
}

export interface RateCardImportReport {
  kind: RateCardTable;
  carrier: string;
  rows: number;
  imported: number;
  errors: RowError[];
  /** True when nothing was written because some row is wrong. */
  aborted: boolean;
}

/** The columns of each CSV (a header row is required; columns may come in any order). */
export const RATE_CARD_COLUMNS: Record<RateCardTable, { required: string[]; optional: string[] }> = {
  zones: { required: ['zone'], optional: ['max_km', 'dest_prefix', 'origin_prefix'] },
  rates: { required: ['service', 'zone', 'transit_days', 'up_to_g', 'amount'], optional: ['extra_every_g', 'extra_amount'] },
  serviceability: { required: ['postal_code'], optional: ['match', 'prepaid', 'cod'] },
};

const MAX_ROWS = 200_000;

function readCsv(text: string, kind: RateCardTable): Record<string, string>[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true });
  } catch (err) {
    throw new AppError('invalid', 'malformed_csv', `The CSV cannot be read: ${(err as Error).message}`);
  }
  const header = rows[0] ? Object.keys(rows[0]) : (text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '').split(',').map((c) => c.trim().toLowerCase());
  const missing = RATE_CARD_COLUMNS[kind].required.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new AppError('invalid', 'malformed_csv', `The ${kind} CSV lacks the column(s): ${missing.join(', ')}`, { missing });
  if (rows.length > MAX_ROWS) throw new AppError('invalid', 'malformed_csv', `At most ${MAX_ROWS} rows per import`, { rows: rows.length });
  return rows;
}

function int(v: string | undefined, field: string, row: number, errors: RowError[], min: number, max: number, required: boolean): number | null {
  if (v === undefined || v === '') {
    if (required) errors.push({ row, field, message: 'is required' });
    return null;
  }
  if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) {
    errors.push({ row, field, message: `"${v}" is not a whole number from ${min} to ${max}` });
    return null;
  }
  return Number(v);
}

function money(v: string | undefined, field: string, row: number, errors: RowError[], currency: string, required: boolean): number | null {
  if (v === undefined || v === '') {
    if (required) errors.push({ row, field, message: 'is required' });
    return null;
  }
  try {
    const n = parseDecimalMoney(v, currency);
    if (n < 0) throw new MoneyFormatError('negative');
    return n;
  } catch (err) {
    errors.push({ row, field, message: `"${v}" is not an amount in ${currency} (${(err as Error).message})` });
    return null;
  }
}

function bool(v: string | undefined, field: string, row: number, errors: RowError[], dflt: boolean): boolean {
  if (v === undefined || v === '') return dflt;
  const t = v.toLowerCase();
  if (['true', 'yes', 'y', '1'].includes(t)) return true;
  if (['false', 'no', 'n', '0'].includes(t)) return false;
  errors.push({ row, field, message: `"${v}" is not yes/no` });
  return dflt;
}

const PREFIX = /^[A-Z0-9]{1,10}$/;
const SERVICE = /^[a-z0-9][a-z0-9_-]{0,39}$/;

function parseZones(rows: Record<string, string>[], errors: RowError[]): ZoneRow[] {
  return rows.map((r, i) => {
    const row = i + 1;
    const zone = r.zone ?? '';
    if (zone.length < 1 || zone.length > 40) errors.push({ row, field: 'zone', message: 'must be 1–40 characters' });
    const maxKm = int(r.max_km, 'max_km', row, errors, 1, 40_000, false);
    const dest = r.dest_prefix ? normalizePostalCode(r.dest_prefix) : null;
    const origin = r.origin_prefix ? normalizePostalCode(r.origin_prefix) : null;
    if (dest !== null && !PREFIX.test(dest)) errors.push({ row, field: 'dest_prefix', message: 'must be 1–10 letters or digits' });
    if (origin !== null && !PREFIX.test(origin)) errors.push({ row, field: 'origin_prefix', message: 'must be 1–10 letters or digits' });
    if (maxKm === null && dest === null) errors.push({ row, field: 'max_km', message: 'a zone needs max_km (distance band) or dest_prefix' });
    if (maxKm !== null && dest !== null) errors.push({ row, field: 'max_km', message: 'a row is a distance band or a postal prefix, not both' });
    if (origin !== null && dest === null) errors.push({ row, field: 'origin_prefix', message: 'only with dest_prefix' });
    return { zone, max_km: maxKm, dest_prefix: dest, origin_prefix: origin };
  });
}

function parseRates(rows: Record<string, string>[], errors: RowError[], currency: string, zones: Set<string>): SlabRow[] {
  const slabs = rows.map((r, i) => {
    const row = i + 1;
    const service = (r.service ?? '').toLowerCase();
    if (!SERVICE.test(service)) errors.push({ row, field: 'service', message: 'must be a lower-case code (a-z, 0-9, _ -)' });
    const zone = r.zone ?? '';
    if (!zones.has(zone)) errors.push({ row, field: 'zone', message: `zone "${zone}" is not defined (import the zones first)` });
    const slab: SlabRow & { row: number } = {
      row, service, zone,
      transit_days: int(r.transit_days, 'transit_days', row, errors, 0, 60, true) ?? 0,
      up_to_g: int(r.up_to_g, 'up_to_g', row, errors, 1, 10_000_000, true) ?? 0,
      amount: money(r.amount, 'amount', row, errors, currency, true) ?? 0,
      extra_every_g: int(r.extra_every_g, 'extra_every_g', row, errors, 1, 10_000_000, false),
      extra_amount: money(r.extra_amount, 'extra_amount', row, errors, currency, false),
    };
    if ((slab.extra_every_g === null) !== (slab.extra_amount === null)) errors.push({ row, field: 'extra_amount', message: 'extra_every_g and extra_amount go together' });
    return slab;
  });
  const groups = new Map<string, (SlabRow & { row: number })[]>();
  for (const s of slabs) groups.set(`${s.service}\u0000${s.zone}`, [...(groups.get(`${s.service}\u0000${s.zone}`) ?? []), s]);
  for (const group of groups.values()) {
    const top = Math.max(...group.map((s) => s.up_to_g));
    const seen = new Set<number>();
    for (const s of group) {
      if (seen.has(s.up_to_g)) errors.push({ row: s.row, field: 'up_to_g', message: `${s.service}/${s.zone} already has a slab up to ${s.up_to_g} g` });
      seen.add(s.up_to_g);
      if (s.transit_days !== group[0]!.transit_days) errors.push({ row: s.row, field: 'transit_days', message: `${s.service}/${s.zone} has transit ${group[0]!.transit_days} day(s) on another row` });
      if (s.extra_every_g !== null && s.up_to_g !== top) errors.push({ row: s.row, field: 'extra_every_g', message: 'only the heaviest slab of a service × zone may price extra weight' });
    }
  }
  return slabs.map(({ row: _row, ...s }) => s);
}

function parseServiceability(rows: Record<string, string>[], errors: RowError[]): { match: 'exact' | 'prefix'; postal_code: string; prepaid: boolean; cod: boolean }[] {
  const seen = new Set<string>();
  return rows.map((r, i) => {
    const row = i + 1;
    const code = normalizePostalCode(r.postal_code ?? '');
    if (!/^[A-Z0-9]{1,12}$/.test(code)) errors.push({ row, field: 'postal_code', message: `"${r.postal_code}" is not a postal code (letters and digits)` });
    const match = (r.match || 'exact').toLowerCase();
    if (match !== 'exact' && match !== 'prefix') errors.push({ row, field: 'match', message: 'must be exact or prefix' });
    if (seen.has(`${match}:${code}`)) errors.push({ row, field: 'postal_code', message: `${code} (${match}) is listed twice` });
    seen.add(`${match}:${code}`);
    return { match: match as 'exact' | 'prefix', postal_code: code, prepaid: bool(r.prepaid, 'prepaid', row, errors, true), cod: bool(r.cod, 'cod', row, errors, false) };
  });
}

async function insertChunks<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) await insert(rows.slice(i, i + 1000));
}

/**
 * Replaces one table of a rate-card carrier (zones, rates or serviceable postal codes) from CSV, all or nothing:
 * every row is checked first and any error leaves the stored card as it was. Runs inside the caller's transaction.
 */
export async function importRateCardCsv(tx: Executor, carrierCode: string, kind: RateCardTable, text: string, actor?: string): Promise<RateCardImportReport> {
  const carrier = await tx.selectFrom('carriers').select(['code', 'kind', 'settings']).where('code', '=', carrierCode).forUpdate().executeTakeFirst();
  if (!carrier) throw new AppError('not_found', 'carrier_not_found', `Carrier ${carrierCode} was not found`, { carrier: carrierCode });
  if (carrier.kind !== 'rate_card') throw new AppError('invalid', 'invalid_carrier_settings', `Carrier ${carrierCode} is not a rate-card carrier`, { carrier: carrierCode, kind: carrier.kind });
  const rows = readCsv(text, kind);
  const errors: RowError[] = [];
  const report = (imported: number): RateCardImportReport => ({ kind, carrier: carrierCode, rows: rows.length, imported, errors, aborted: errors.length > 0 });
  if (kind === 'zones') {
    const zones = parseZones(rows, errors);
    if (errors.length > 0) return report(0);
    await tx.deleteFrom('rate_card_zones').where('carrier', '=', carrierCode).execute();
    await insertChunks(zones, (c) => tx.insertInto('rate_card_zones').values(c.map((z) => ({ ...z, carrier: carrierCode }))).execute());
  } else if (kind === 'rates') {
    const known = new Set((await tx.selectFrom('rate_card_zones').select('zone').where('carrier', '=', carrierCode).execute()).map((z) => z.zone));
    const slabs = parseRates(rows, errors, String(carrier.settings.currency ?? 'INR'), known);
    if (errors.length > 0) return report(0);
    await tx.deleteFrom('rate_card_slabs').where('carrier', '=', carrierCode).execute();
    await insertChunks(slabs, (c) => tx.insertInto('rate_card_slabs').values(c.map((s) => ({ ...s, carrier: carrierCode }))).execute());
  } else {
    const list = parseServiceability(rows, errors);
    if (errors.length > 0) return report(0);
    await tx.deleteFrom('carrier_serviceability').where('carrier', '=', carrierCode).execute();
    await insertChunks(list, (c) => tx.insertInto('carrier_serviceability').values(c.map((s) => ({ ...s, carrier: carrierCode }))).execute());
  }
  await emit(tx, { type: 'carrier.rate_card_imported', aggregateType: 'carrier', aggregateId: carrierCode, payload: { carrier: carrierCode, table: kind, rows: rows.length }, actor });
  return report(rows.length);
}
