import { sql } from 'kysely';
import type { Executor } from '../db/database.js';
import { createBins, listBins } from '../modules/warehouse/index.js';

/** The code of each warehouse's outbound staging bin: picked units wait there (never pickable) until they ship. */
export const STAGING_BIN_CODE = 'STAGE-OUT';

/**
 * The id of the warehouse's outbound staging bin, created on first use. Pick confirmation moves units from the
 * pick bin to it; shipping commits the reservation from it; a cancelled pick moves units back out of it.
 * Concurrent first uses are serialised by a transaction-scoped advisory lock on the warehouse.
 */
export async function stagingBinId(tx: Executor, warehouseId: string): Promise<string> {
  const [found] = await listBins(tx, warehouseId, { codes: [STAGING_BIN_CODE] });
  if (found) return found.id;
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`staging:${warehouseId}`}))`.execute(tx);
  const [again] = await listBins(tx, warehouseId, { codes: [STAGING_BIN_CODE] });
  if (again) return again.id;
  const [created] = await createBins(tx, warehouseId, [{ code: STAGING_BIN_CODE, pickable: false, walk_sequence: 0 }]);
  return created!.id;
}
