/** One unit of demand: an order line (a kit line carries its components per unit). */
export interface DemandLine {
  line_id: string;
  qty: number;
  /** What one unit of the line takes from stock: the SKU itself, or a kit's components. */
  components: { sku_id: string; qty: number }[];
}

export interface Candidate {
  warehouse_id: string;
  code: string;
  /** Sellable units per SKU at this warehouse. */
  available: Map<string, number>;
  /** Lower is preferred when nothing else decides (configured warehouse priority). */
  priority: number;
}

export interface PlanLine {
  line_id: string;
  qty: number;
}

export interface Allocation {
  warehouse_id: string;
  lines: PlanLine[];
}

export interface CandidateReason {
  warehouse_id: string;
  code: string;
  rank: number;
  lines_complete: number;
  lines_total: number;
  units_available: number;
  units_needed: number;
  chosen: boolean;
  summary: string;
}

export interface Plan {
  strategy: string;
  allocations: Allocation[];
  backordered: PlanLine[];
  reasons: CandidateReason[];
}

/** The planner interface: pure, (demand, candidates) → plan with reasons. Strategies plug in behind it. */
export type Planner = (demand: DemandLine[], candidates: Candidate[]) => Plan;
