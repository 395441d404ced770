export type { Candidate, DemandLine, Plan, Planner, Allocation, PlanLine, CandidateReason } from './routing.types.js';
/** The default planner: one warehouse with every line, else split, else backorder — with reasons. */
export { simplePlanner } from './simple-planner.js';
/** Stores a routing decision (plan and reasons) for an order. */
export { recordDecision, latestDecision } from './routing.service.js';
