import type { Generated } from 'kysely';
import type { Timestamp } from './platform.js';

export interface EventCursorsTable {
  name: string;
  /** xid8, as text. */
  last_tx_id: Generated<string>;
  last_seq: Generated<number>;
  updated_at: Generated<Date>;
}

export interface WebhookSubscriptionsTable {
  id: string;
  url: string;
  events: string[];
  secret: string;
  /** The secret before the last rotation (sealed); also signs deliveries until `previous_secret_expires_at`. */
  previous_secret: Generated<string | null>;
  previous_secret_expires_at: Generated<Date | null>;
  description: string | null;
  status: Generated<'active' | 'disabled'>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface WebhookDeliveriesTable {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  status: Generated<'pending' | 'delivered' | 'dead'>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  claim_token: string | null;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: Timestamp | null;
  delivered_at: Timestamp | null;
  replay_of: string | null;
  replayed: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface WebhookDeliveryAttemptsTable {
  delivery_id: string;
  attempt: number;
  attempted_at: Generated<Date>;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface EventTables {
  event_cursors: EventCursorsTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
}
