import type { Migration } from 'kysely';
import * as foundation from './2026_11_30_0900_foundation.js';
import * as masterData from './2026_11_30_0910_master_data.js';

/**
 * Every migration, in order. Forward-only: a migration, once released, is never edited; a change is a new one.
 * Names sort by time, so a file added here must be newer than every file above it.
 */
export const migrations: Record<string, Migration> = {
  '2026_11_30_0900_foundation': foundation,
  '2026_11_30_0910_master_data': masterData,
};
