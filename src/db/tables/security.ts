import type { Generated } from 'kysely';

export interface AuditLogTable {
  seq: Generated<string>;
  id: string;
  occurred_at: Generated<Date>;
  actor_id: string;
  actor_type: 'api_key' | 'user' | 'system' | 'cli';
  actor_role: string | null;
  action: string;
  object_type: string;
  object_id: string | null;
  /** The response status; null while pending (written in the change's transaction, completed when the response is known). */
  status: number | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  before: unknown;
  after: unknown;
}

export interface RateLimitWindowsTable {
  bucket: string;
  window_start: Date;
  hits: number;
}

export interface SecurityTables {
  audit_log: AuditLogTable;
  rate_limit_windows: RateLimitWindowsTable;
}
