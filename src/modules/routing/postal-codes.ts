import { parse } from 'csv-parse/sync';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { importPostalCodes } from './rules.service.js';

/** Imports a CSV with the header country,postal_code,lat,lng into postal_codes (all or nothing); returns the count. */
export async function importPostalCodesCsv(db: Executor, text: string): Promise<number> {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: (h: string[]) => h.map((x) => x.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
  } catch (err) {
    throw new AppError('invalid', 'malformed_csv', `Cannot read the CSV: ${(err as Error).message}`);
  }
  const missing = ['country', 'postal_code', 'lat', 'lng'].filter((c) => records.length > 0 && !(c in records[0]!));
  if (missing.length > 0) throw new AppError('invalid', 'validation_failed', `Missing column(s): ${missing.join(', ')}`, { missing });
  return importPostalCodes(db, records.map((r) => ({ country: r.country ?? '', postal_code: r.postal_code ?? '', lat: r.lat === '' ? NaN : Number(r.lat), lng: r.lng === '' ? NaN : Number(r.lng) })));
}
