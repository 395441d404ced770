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
  lat?: number | null | undefined;
  lng?: number | null | undefined;
  /** IANA time zone of the warehouse: its cut-off is read on its own clock. */
  timezone?: string | undefined;
  /** Daily dispatch cut-off, HH:MM local time; null = no cut-off. */
  cutoff_time?: string | null | undefined;
  type?: 'own' | 'external' | undefined;
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
  /** The factors the rules looked at (absent when unknown). */
  factors?: CandidateFactors | undefined;
}

export interface CandidateFactors {
  distance_km: number | null;
  ships_today: boolean | null;
  ships_on: string | null;
  transit_days: number | null;
  est_cost: number | null;
  /** What the estimate rests on: a distance band, or a carrier's rate card (`carrier service, zone Z`). */
  cost_basis?: string | undefined;
  meets_promise: boolean | null;
  priority: number;
  score: number | null;
  excluded?: string | undefined;
}

/** Where the order goes, with the point the geography resolved (postal code, else region, else none). */
export interface Destination {
  postal_code: string | null;
  country: string | null;
  state?: string | null | undefined;
  point?: GeoPoint | null | undefined;
}

export interface GeoPoint {
  lat: number;
  lng: number;
  /** How precise the point is: the postal code itself, or a region/state centroid. */
  precision: 'postal_code' | 'region';
}

/** A distance band: up to max_km, so many transit days and this estimated cost (major currency units). */
export interface DistanceBand {
  max_km: number;
  transit_days: number;
  cost: number;
}

/** One routing rule with its parameters; `weight` is used in weighted mode. */
export type RoutingRule =
  | { rule: 'allowed_warehouses'; warehouse_ids: string[] }
  | { rule: 'fewest_shipments'; allow_split?: boolean | undefined; weight?: number | undefined }
  | { rule: 'meets_promise'; weight?: number | undefined }
  | { rule: 'nearest'; weight?: number | undefined }
  | { rule: 'lowest_cost'; weight?: number | undefined; bands?: DistanceBand[] | undefined; source?: CostSource | undefined }
  | { rule: 'warehouse_priority'; weight?: number | undefined }
  | { rule: 'keep_reserve'; units: number; priorities?: string[] | undefined }
  | { rule: 'max_splits'; max: number };

export type RuleName = RoutingRule['rule'];

/**
 * Where `lowest_cost` takes a warehouse's shipping cost from: `bands` (the distance bands, the default) or
 * `rate_cards` (the cheapest price of the lane on the active rate-card carriers, for the order's parcel; a lane no
 * carrier prices counts as unknown cost and ranks last).
 */
export type CostSource = 'bands' | 'rate_cards';

/** The priced lane from one warehouse to the order's destination (from the shipping module's rate cards). */
export type LanePrice =
  | { carrier: string; service: string; /** integer minor units */ amount: number; currency: string; transit_days: number | null; zone: string }
  | { none: string };

/** An ordered, editable list of rules. strict = lexicographic in list order; weighted = sum of weight × factor score. */
export interface RoutingRules {
  mode: 'strict' | 'weighted';
  rules: RoutingRule[];
  /** false: plan only if everything can be served, else reserve nothing. Default true. */
  allow_backorder?: boolean | undefined;
}

/** What the planner may know besides demand and candidates; all inputs, no clock, no database. */
export interface PlanContext {
  destination?: Destination | undefined;
  now?: Date | undefined;
  promised_ship_by?: Date | null | undefined;
  promised_deliver_by?: Date | null | undefined;
  priority?: string | undefined;
  channel_id?: string | undefined;
  currency?: string | undefined;
  rules?: RoutingRules | undefined;
  /** Per warehouse id, the priced lane to the destination (only needed when `lowest_cost` uses `rate_cards`). */
  lanes?: Map<string, LanePrice> | undefined;
}

export interface Plan {
  strategy: string;
  allocations: Allocation[];
  backordered: PlanLine[];
  reasons: CandidateReason[];
  /** Order-level notes: which rules ran, and what geography was (or was not) known. */
  notes?: string[] | undefined;
}

/** The planner interface: pure, (demand, candidates, context?) → plan with reasons. Strategies plug in behind it. */
export type Planner = (demand: DemandLine[], candidates: Candidate[], context?: PlanContext) => Plan;
