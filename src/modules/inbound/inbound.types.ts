import type { AsnStatus } from '../../db/tables/cartons-inbound.js';

export type { AsnStatus };

export type InboundErrorCode =
  | 'asn_not_found'
  | 'asn_exists'
  | 'asn_closed'
  | 'asn_duplicate_line'
  | 'sku_not_on_asn'
  | 'unknown_barcode'
  | 'over_receipt_exceeds_tolerance'
  | 'bin_capacity_exceeded'
  | 'zone_not_found'
  | 'rule_invalid'
  | 'replenishment_task_not_found'
  | 'invalid_transition';

/** Over-receipt allowed by default: 10 % above the expected quantity of a line (rounded down). */
export const DEFAULT_OVER_TOLERANCE_PCT = 10;

export interface AsnLineInput {
  sku_id: string;
  qty: number;
  lot?: string | undefined;
  expires_on?: string | undefined;
}

export interface AsnInput {
  warehouse_id: string;
  reference: string;
  supplier?: string | undefined;
  expected_at?: string | undefined;
  over_tolerance_pct?: number | undefined;
  lines: AsnLineInput[];
}

export interface AsnLineView {
  line_no: number;
  sku_id: string;
  sku: string;
  lot: string;
  expires_on: string | null;
  expected: number;
  /** Every unit that arrived, damaged ones included. */
  received: number;
  damaged: number;
  /** Units above expected (accepted within the tolerance). */
  over: number;
  /** Units that never came; written when the ASN is closed (0 before). */
  short: number;
  /** Units still expected while the ASN is open. */
  outstanding: number;
  /** The most this line may still receive: expected + tolerance − received. */
  receivable: number;
}

export interface AsnView {
  id: string;
  warehouse_id: string;
  reference: string;
  supplier: string | null;
  expected_at: Date | null;
  status: AsnStatus;
  over_tolerance_pct: number;
  created_by: string | null;
  created_at: Date;
  closed_at: Date | null;
  lines: AsnLineView[];
  totals: { expected: number; received: number; damaged: number; over: number; short: number };
}

export interface AsnReceiptView {
  id: string;
  asn_id: string;
  line_no: number;
  sku_id: string;
  qty: number;
  damaged: number;
  bin_id: string | null;
  lot: string;
  expires_on: string | null;
  actor: string | null;
  received_at: Date;
}

export type PutawayReason = 'holds_sku' | 'preferred_zone' | 'empty_pickable';

export interface PutawaySuggestion {
  bin_id: string;
  bin: string;
  zone: string | null;
  reason: PutawayReason;
  /** Units the bin can still take (null: the bin has no capacity set). */
  room: number | null;
  /** Units suggested for this bin, so the suggestions together cover the quantity asked for. */
  qty: number;
}

export interface ReplenishmentRuleView {
  warehouse_id: string;
  bin_id: string;
  bin: string;
  sku_id: string;
  sku: string;
  min_qty: number;
  max_qty: number;
  active: boolean;
  updated_by: string | null;
  updated_at: Date;
}

export interface ReplenishmentTaskView {
  id: string;
  warehouse_id: string;
  bin_id: string;
  bin: string;
  sku_id: string;
  sku: string;
  qty: number;
  moved_qty: number;
  status: 'open' | 'done' | 'cancelled';
  created_at: Date;
  closed_at: Date | null;
  closed_by: string | null;
  lines: { line_no: number; from_bin_id: string; from_bin: string; lot: string; qty: number; moved_qty: number }[];
}
