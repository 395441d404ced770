import type { Generated, ColumnType } from 'kysely';

export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface ApiKeysTable {
  id: string;
  name: string;
  role: string;
  warehouse_ids: string[] | null;
  secret_hash: Buffer;
  created_at: Generated<Date>;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface IdempotencyKeysTable {
  principal_id: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  state: 'in_progress' | 'completed';
  response_status: number | null;
  response_body: string | null;
  response_type: string | null;
  locked_until: Timestamp;
  created_at: Generated<Date>;
  expires_at: Timestamp;
}

export interface OutboxTable {
  seq: Generated<number>;
  id: string;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: unknown;
  actor: string | null;
  occurred_at: Generated<Date>;
  tx_id: Generated<string>;
}

export interface PlatformTables {
  api_keys: ApiKeysTable;
  idempotency_keys: IdempotencyKeysTable;
  outbox: OutboxTable;
}
