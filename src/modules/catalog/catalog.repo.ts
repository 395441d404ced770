import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';

export const SKU_COLUMNS = ['id', 'sku', 'name', 'gtin', 'weight_g', 'length_mm', 'width_mm', 'height_mm', 'is_kit', 'active', 'created_at', 'updated_at'] as const;

export async function findSkuRows(db: Executor, codesOrIds: string[]) {
  if (codesOrIds.length === 0) return [];
  return db
    .selectFrom('skus')
    .select(SKU_COLUMNS)
    // = any($1), not IN ($1, $2, …): one statement text for any number of codes (a prepared statement).
    .where((eb) => eb.or([eb('sku', '=', sql<string>`any(${codesOrIds}::text[])`), eb('id', '=', sql<string>`any(${codesOrIds}::text[])`)]))
    .execute();
}

export async function componentsOf(db: Executor, kitIds: string[]) {
  if (kitIds.length === 0) return [];
  return db
    .selectFrom('kit_components as k')
    .innerJoin('skus as c', 'c.id', 'k.component_sku_id')
    .select(['k.kit_sku_id', 'k.component_sku_id', 'k.qty', 'c.sku'])
    .where('k.kit_sku_id', '=', sql<string>`any(${kitIds}::text[])`)
    .orderBy('c.sku')
    .execute();
}
