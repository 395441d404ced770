export const ROLES = ['admin', 'ops', 'picker', 'packer', 'integration'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: resolved from the API key (or, later, a session) on every request. */
export interface Principal {
  id: string;
  name: string;
  role: Role;
  /** null = every warehouse; otherwise the only warehouses this caller may see or change. */
  warehouseIds: string[] | null;
}

export interface ApiKeyView {
  id: string;
  name: string;
  role: Role;
  warehouse_ids: string[] | null;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export type AuthErrorCode = 'unauthorized' | 'forbidden' | 'not_found' | 'validation_failed';

/** A dashboard user as the API shows it (never the password hash). */
export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  warehouse_ids: string[] | null;
  created_at: Date;
  updated_at: Date;
  disabled_at: Date | null;
  last_login_at: Date | null;
}
