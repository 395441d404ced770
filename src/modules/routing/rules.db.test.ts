import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../../test/helpers/db.js';
import { withTx } from '../../db/database.js';
import { importPostalCodesCsv, loadRoutingRules, locateDestination, saveRoutingRules } from './index.js';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb(4);
});
afterAll(async () => t.close());

describe('routing rules and postal codes in PostgreSQL', () => {
  it('stores the default rules once and replaces them on the next save', async () => {
    await withTx(t.db, (tx) => saveRoutingRules(tx, null, { mode: 'strict', rules: [{ rule: 'nearest' }] }, 'test'));
    const again = await withTx(t.db, (tx) => saveRoutingRules(tx, null, { mode: 'weighted', rules: [{ rule: 'warehouse_priority', weight: 2 }], allow_backorder: false }, 'test'));
    expect(again).toMatchObject({ source: 'default', mode: 'weighted', allow_backorder: false, rules: [{ rule: 'warehouse_priority', weight: 2 }] });
    const rows = await t.db.selectFrom('routing_rules').select('id').execute();
    expect(rows).toHaveLength(1);
  });

  it('falls back to the default rules for a channel without its own', async () => {
    expect((await loadRoutingRules(t.db, 'ch_none')).source).toBe('default');
  });

  it('looks an imported postal code up before the built-in data, and normalises it', async () => {
    const n = await importPostalCodesCsv(t.db, 'country,postal_code,lat,lng\nin,560 034,12.93,77.62\nUS,10001,1,2\n');
    expect(n).toBe(2);
    expect((await locateDestination(t.db, { country: 'IN', postal_code: '560034' })).point).toEqual({ lat: 12.93, lng: 77.62, precision: 'postal_code' });
    expect((await locateDestination(t.db, { country: 'US', postal_code: '10001-1234' })).point).toEqual({ lat: 1, lng: 2, precision: 'postal_code' });
  });

  it('uses the built-in ZIP data, then the ZIP3 or PIN-region centroid, then the state, else nothing', async () => {
    const zip = (await locateDestination(t.db, { country: 'US', postal_code: '94105' })).point!;
    expect(zip.precision).toBe('postal_code');
    expect(zip.lat).toBeCloseTo(37.79, 1);
    expect((await locateDestination(t.db, { country: 'US', postal_code: '94199' })).point).toMatchObject({ precision: 'region' });
    const pin = (await locateDestination(t.db, { country: 'IN', postal_code: '560999' })).point!;
    expect(pin).toMatchObject({ precision: 'region', lat: 12.9716 });
    expect((await locateDestination(t.db, { country: 'IN', postal_code: 'X', state: 'MH' })).point).toMatchObject({ precision: 'region', lat: 19.7 });
    expect((await locateDestination(t.db, { country: 'FR', postal_code: '75001' })).point).toBeNull();
  });

  it('rejects a postal-code file with a bad row and imports nothing from it', async () => {
    await expect(importPostalCodesCsv(t.db, 'country,postal_code,lat,lng\nDE,10115,52.53,13.38\nDE,10117,95,13\n')).rejects.toThrow(/Row 2/);
    expect((await locateDestination(t.db, { country: 'DE', postal_code: '10115' })).point).toBeNull();
  });
});
