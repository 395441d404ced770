import type { ColumnType, Generated } from 'kysely';

export interface RoutingRulesTable {
  id: Generated<string>;
  /** null = the default rules, used by every channel without its own. */
  channel_id: string | null;
  mode: ColumnType<'strict' | 'weighted', 'strict' | 'weighted' | undefined, 'strict' | 'weighted'>;
  /** The ordered list of rules with their parameters (RoutingRule[]). */
  rules: ColumnType<unknown[], string, string>;
  allow_backorder: ColumnType<boolean, boolean | undefined, boolean>;
  updated_by: string | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface PostalCodesTable {
  country: string;
  postal_code: string;
  lat: number;
  lng: number;
}

export interface RoutingTables {
  routing_rules: RoutingRulesTable;
  postal_codes: PostalCodesTable;
}
