import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBenchDatabase } from './database.js';
import { onCleanup } from './run.js';
import { integrationKey, seedWorld } from './seed.js';

/**
 * The setting of a flash sale (shared by bench/flash-sale and bench/crash): a fresh bench database, a log
 * directory for the Tandem processes, `skus` hot SKUs with `units` each spread over the warehouses, and an
 * integration key for the buyers.
 */
export async function setUpHotSale(opts: { ephemeral: boolean; warehouses: number; skus: number; units: number }) {
  const bench = await openBenchDatabase({ ephemeral: opts.ephemeral });
  const db = bench.database.db;
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-logs-'));
  onCleanup('remove the log directory', () => fs.rmSync(logDir, { recursive: true, force: true }));
  const W = opts.warehouses;
  const share = (w: number): number => Math.floor(opts.units / W) + (w < opts.units % W ? 1 : 0);
  const world = await seedWorld(db, { warehouses: W, skus: opts.skus, prefix: 'HOT', stock: (_s, w) => share(w) });
  const key = await integrationKey(db);
  return { bench, db, logDir, world, supply: opts.skus * opts.units, key, W };
}
