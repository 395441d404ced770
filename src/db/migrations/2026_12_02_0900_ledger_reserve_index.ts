import { sql, type Kysely } from 'kysely';

/**
 * The dashboard's stock-outs KPI asks, per SKU × warehouse that is out of stock, how many units were reserved there
 * recently (ledger `reserve` rows since a time). Without this index that read walks the pair's whole ledger history
 * (the general index is on (sku_id, warehouse_id, seq)); a hot SKU that sold out would be scanned from its first
 * row on every refresh.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX inventory_ledger_reserve_recent ON inventory_ledger (sku_id, warehouse_id, occurred_at) WHERE type = 'reserve'`.execute(db);
}
