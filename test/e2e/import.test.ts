import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { importBins, importSkus } from '../../src/workflows/import-master-data.js';
import { createWarehouse } from '../../src/modules/warehouse/index.js';
import { withTx } from '../../src/db/database.js';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await withTx(t.db, (tx) =>
    createWarehouse(tx, { code: 'CSV', name: 'CSV wh', address: { line1: 'x', city: 'y', postal_code: '1', country: 'IN' }, timezone: 'Asia/Kolkata' }),
  );
});
afterAll(async () => t.close());

const count = async (table: 'skus' | 'bins'): Promise<number> => (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(t.db)).rows[0]!.n;

describe('CSV import', () => {
  it('imports nothing from a file with a bad row and reports every error by row and field', async () => {
    const csv = [
      'sku,name,gtin,weight_g,length_mm,width_mm,height_mm,kit_components',
      'CSV-1,Good one,4006381333931,100,10,10,10,',
      'CSV-2,Bad GTIN,4006381333932,100,,,,',
      'CSV-3,,,-5,,,,',
      'CSV-1,Duplicate,,,,,,',
      'CSV-KIT,Kit,,,,,,CSV-1:2|MISSING:1',
    ].join('\n');
    const report = await importSkus(t.db, csv);
    expect(report.aborted).toBe(true);
    expect(report.imported).toBe(0);
    expect(report.errors).toEqual(
      expect.arrayContaining([
        { row: 2, field: 'gtin', message: 'GTIN check digit is wrong' },
        expect.objectContaining({ row: 3, field: 'name' }),
        expect.objectContaining({ row: 3, field: 'weight_g' }),
        expect.objectContaining({ row: 4, field: 'sku', message: 'duplicate of row 1' }),
        expect.objectContaining({ row: 5, field: 'kit_components', message: 'MISSING does not exist' }),
      ]),
    );
    expect(await count('skus')).toBe(0);
  });

  it('imports the valid rows with --skip-invalid, kits after their components, and reports the rest', async () => {
    const progress: number[] = [];
    const csv = ['sku,name,gtin,kit_components', 'CSV-KIT,Kit,,CSV-A:2|CSV-B:1', 'CSV-A,A,,', 'CSV-B,B,96385074,', 'CSV-C,C,123,'].join('\n');
    const report = await importSkus(t.db, csv, { skipInvalid: true, onProgress: (d) => progress.push(d) });
    expect(report).toMatchObject({ aborted: false, imported: 3, skipped: 1, rows: 4 });
    expect(report.errors).toEqual([{ row: 4, field: 'gtin', message: 'GTIN must have 8, 12, 13 or 14 digits' }]);
    expect(progress.at(-1)).toBe(3);
    const kit = await sql<{ n: number }>`select count(*)::int as n from kit_components`.execute(t.db);
    expect(kit.rows[0]!.n).toBe(2);
  });

  it('refuses rows for SKUs that already exist', async () => {
    const report = await importSkus(t.db, 'sku,name\nCSV-A,again\nCSV-NEW,new');
    expect(report.aborted).toBe(true);
    expect(report.errors).toEqual([{ row: 1, field: 'sku', message: 'already exists' }]);
    expect(await count('skus')).toBe(3);
  });

  it('refuses a file without the required columns, or one that is not CSV', async () => {
    await expect(importSkus(t.db, 'code,title\nA,B')).rejects.toMatchObject({ code: 'malformed_csv' });
    await expect(importSkus(t.db, 'sku,name\n"A,B')).rejects.toMatchObject({ code: 'malformed_csv' });
  });

  it('imports bins all or nothing', async () => {
    const bad = await importBins(t.db, 'CSV', 'code,zone,walk_sequence,capacity_units,pickable\nA-1,A,10,50,true\nA-2,A,ten,,maybe');
    expect(bad.aborted).toBe(true);
    expect(bad.errors.map((e) => e.field)).toEqual(['walk_sequence', 'pickable']);
    expect(await count('bins')).toBe(0);
    const good = await importBins(t.db, 'CSV', 'code,zone,walk_sequence,capacity_units,pickable\nA-1,A,10,50,true\nA-2,A,20,,no\nDOCK,,0,,false');
    expect(good).toMatchObject({ imported: 3, aborted: false });
    expect(await count('bins')).toBe(3);
  });
});
