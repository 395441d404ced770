import type { Registry } from 'prom-client';
import type { Db } from '../../db/database.js';

/** What route modules need: the database and server facts. */
export interface RouteContext {
  db: Db;
  metrics: Registry;
  info: { version: string; databaseKind: 'embedded' | 'external'; postgresVersion: string };
}
