import type { Generated } from 'kysely';

export interface AuditLogTable {
  seq: Generated<string>;
  id: string;
  occurred_at: Generated<Date>;
  actor_id: string;
  actor_type: 'api_key' | 'user' | 'system';
  actor_role: string | null;
  action: string;
  object_type: string;
  object_id: string | null;
  status: number;
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
