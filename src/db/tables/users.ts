import type { Generated } from 'kysely';

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  role: string;
  warehouse_ids: string[] | null;
  password_hash: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  disabled_at: Date | null;
  last_login_at: Date | null;
}

export interface UserSessionsTable {
  token_hash: Buffer;
  user_id: string;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  idle_expires_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  user_agent: string | null;
  ip: string | null;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  window_started_at: Date;
  blocked_until: Date | null;
}

export interface UsersTables {
  users: UsersTable;
  user_sessions: UserSessionsTable;
  login_throttle: LoginThrottleTable;
}
