import type { Executor } from '../../db/database.js';

/**
 * The forms a scanned GTIN may arrive in: scanners send a UPC-A (12 digits) as EAN-13 with a leading zero, and
 * GTIN-14 pads shorter codes with zeros, so digits are compared without their leading zeros.
 */
function gtinCore(code: string): string | undefined {
  return /^[0-9]{8,14}$/.test(code) ? code.replace(/^0+/, '') : undefined;
}

/** The SKU a scan denotes: its id, its code (exact, then case-insensitive) or its GTIN; undefined when none. */
export async function skuForScan(db: Executor, code: string): Promise<{ id: string; sku: string } | undefined> {
  const exact = await db.selectFrom('skus').select(['id', 'sku']).where((eb) => eb.or([eb('id', '=', code), eb('sku', '=', code)])).executeTakeFirst();
  if (exact) return exact;
  const core = gtinCore(code);
  if (core) {
    const byGtin = await db
      .selectFrom('skus')
      .select(['id', 'sku'])
      .where('gtin', 'in', [8, 12, 13, 14].filter((n) => n >= core.length).map((n) => core.padStart(n, '0')))
      .executeTakeFirst();
    if (byGtin) return byGtin;
  }
  return db.selectFrom('skus').select(['id', 'sku']).where((eb) => eb(eb.fn('upper', ['sku']), '=', code.toUpperCase())).executeTakeFirst();
}
