export type { Candidate, DemandLine, Plan, Planner, Allocation, PlanLine, CandidateReason, CandidateFactors, Destination, GeoPoint, DistanceBand, RoutingRule, RoutingRules, PlanContext, LanePrice, CostSource } from './routing.types.js';
export type { StoredRules } from './rules.service.js';
/** The rules planner (pure): channel rules, fewest shipments, promise, distance, cost, priority, reserve, split cap — with reasons. */
export { rulesPlanner } from './rules-planner.js';
/** The built-in default routing rules. */
export { DEFAULT_RULES, usesRateCards } from './rules-planner.js';
/** Stores a routing decision (plan and reasons) for an order. */
export { recordDecision, latestDecision } from './routing.service.js';
/** Loads a channel's routing rules (its own, else the default). */
export { loadRoutingRules } from './rules.service.js';
/** Replaces a channel's (or the default) routing rules. */
export { saveRoutingRules } from './rules.service.js';
/** Locates a destination address: imported postal codes, built-in data, region centroid, else unknown. */
export { locateDestination } from './rules.service.js';
/** Imports postal-code centroids for any country. */
export { importPostalCodes } from './rules.service.js';
/** Imports postal-code centroids from CSV (country, postal_code, lat, lng). */
export { importPostalCodesCsv } from './postal-codes.js';
export type { SimOrder, SimTotals, SimResult } from './simulate.js';
/** Replays orders under the live rules and a proposed rule set over one stock pool, and compares the outcomes (pure). */
export { simulateRouting } from './simulate.js';
/** Geography and calendar helpers (pure): great-circle km, a warehouse's ship day, an instant's local date. */
export { haversineKm, shipDay, localClock } from './factors.js';
