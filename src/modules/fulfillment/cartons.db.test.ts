import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../../test/helpers/db.js';
import { seedWorld, type World } from '../../../test/helpers/inventory.js';
import { withTx } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { cartonize, createCarton, getCarton, listCartons, setCartonActive } from './index.js';

let t: TestDb;
let w: World;
beforeAll(async () => {
  t = await createTestDb(5);
  w = await seedWorld(t.db, { warehouses: ['BLR', 'DEL'], bins: 1, skus: ['TEE'] });
});
afterAll(async () => t.close());

const tx = <T>(fn: Parameters<typeof withTx<T>>[1]) => withTx(t.db, fn);

describe('carton catalog', () => {
  it('keeps cartons per warehouse, lists the active ones smallest first, and feeds cartonize', async () => {
    const blr = w.wh.BLR!;
    await tx((x) => createCarton(x, blr, { code: 'BOX-L', length_mm: 600, width_mm: 400, height_mm: 400, max_weight_g: 25_000, tare_weight_g: 800 }, 'test'));
    await tx((x) => createCarton(x, blr, { code: 'BOX-S', length_mm: 300, width_mm: 200, height_mm: 100, max_weight_g: 5_000 }, 'test'));
    await tx((x) => createCarton(x, w.wh.DEL!, { code: 'BOX-S', length_mm: 250, width_mm: 200, height_mm: 100, max_weight_g: 5_000 }, 'test'));
    const list = await listCartons(t.db, blr);
    expect(list.map((c) => [c.code, c.tare_weight_g, c.active])).toEqual([['BOX-S', 0, true], ['BOX-L', 800, true]]);
    expect(list.every((c) => c.warehouse_id === blr && c.id.startsWith('ctn_'))).toBe(true);
    const r = cartonize([{ sku_id: w.sku.TEE!, qty: 3, length_mm: 250, width_mm: 180, height_mm: 20, weight_g: 180 }], list);
    expect(r.packages.map((p) => p.carton.code)).toEqual(['BOX-S']);
    const ev = await sql<{ type: string; n: number }>`select type, count(*)::int as n from outbox where type like 'carton.%' group by type`.execute(t.db);
    expect(ev.rows).toEqual([{ type: 'carton.created', n: 3 }]);
  });

  it('refuses a duplicate code in the same warehouse and changes nothing', async () => {
    const err = await tx((x) => createCarton(x, w.wh.BLR!, { code: 'BOX-S', length_mm: 1, width_mm: 1, height_mm: 1, max_weight_g: 1 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('carton_exists');
    expect((await getCarton(t.db, w.wh.BLR!, 'BOX-S')).length_mm).toBe(300);
  });

  it('a deactivated carton is no longer listed for packing, can be brought back, and emits each change once', async () => {
    const blr = w.wh.BLR!;
    await tx((x) => setCartonActive(x, blr, 'BOX-S', false, 'test'));
    await tx((x) => setCartonActive(x, blr, 'BOX-S', false, 'test'));
    expect((await listCartons(t.db, blr)).map((c) => c.code)).toEqual(['BOX-L']);
    expect((await listCartons(t.db, blr, { includeInactive: true })).map((c) => [c.code, c.active])).toEqual([['BOX-S', false], ['BOX-L', true]]);
    await tx((x) => setCartonActive(x, blr, 'BOX-S', true, 'test'));
    expect((await listCartons(t.db, blr)).map((c) => c.code)).toEqual(['BOX-S', 'BOX-L']);
    const ev = await sql<{ type: string }>`select type from outbox where type in ('carton.deactivated', 'carton.activated') order by seq`.execute(t.db);
    expect(ev.rows.map((r) => r.type)).toEqual(['carton.deactivated', 'carton.activated']);
  });

  it('does not find a carton of another warehouse', async () => {
    const dels = await getCarton(t.db, w.wh.DEL!, 'BOX-S');
    await expect(getCarton(t.db, w.wh.BLR!, dels.id)).rejects.toMatchObject({ code: 'carton_not_found' });
  });
});
