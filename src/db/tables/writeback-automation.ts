import type { Generated } from 'kysely';
import type { Timestamp } from './platform.js';

export interface ChannelWritebackSettingsTable {
  channel_id: string;
  enabled: Generated<boolean>;
  enabled_since: Timestamp | null;
  notify_customer: Generated<boolean>;
  carriers: Generated<Record<string, unknown>>;
  updated_at: Generated<Date>;
}

export interface ChannelWritebacksTable {
  id: string;
  channel_id: string;
  order_id: string;
  shipment_id: string;
  kind: Generated<'fulfillment'>;
  status: Generated<'pending' | 'done' | 'failed' | 'resolved'>;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
  claim_token: string | null;
  external_ref: string | null;
  error_code: string | null;
  error_message: string | null;
  last_status_code: number | null;
  last_attempt_at: Timestamp | null;
  done_at: Timestamp | null;
  resolved_by: string | null;
  resolved_at: Timestamp | null;
  resolution_note: string | null;
  event_id: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ChannelWritebackAttemptsTable {
  writeback_id: string;
  attempt: number;
  attempted_at: Generated<Date>;
  outcome: 'done' | 'retry' | 'failed';
  status_code: number | null;
  error_code: string | null;
  error: string | null;
  duration_ms: number;
}

export interface AutomationRulesTable {
  id: string;
  warehouse_id: string;
  kind: string;
  enabled: Generated<boolean>;
  settings: Generated<Record<string, unknown>>;
  next_run_at: Timestamp | null;
  last_run_at: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface AutomationPausesTable {
  warehouse_id: string;
  paused_by: string | null;
  reason: string | null;
  paused_at: Generated<Date>;
}

export interface AutomationRunsTable {
  id: string;
  rule_id: string;
  warehouse_id: string;
  kind: string;
  started_at: Timestamp;
  finished_at: Generated<Date>;
  status: 'ok' | 'failed';
  acted: Generated<number>;
  summary: Generated<Record<string, unknown>>;
  error: string | null;
}

export interface WritebackAutomationTables {
  channel_writeback_settings: ChannelWritebackSettingsTable;
  channel_writebacks: ChannelWritebacksTable;
  channel_writeback_attempts: ChannelWritebackAttemptsTable;
  automation_rules: AutomationRulesTable;
  automation_pauses: AutomationPausesTable;
  automation_runs: AutomationRunsTable;
}
