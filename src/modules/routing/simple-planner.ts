import type { Candidate, CandidateReason, DemandLine, Plan, PlanLine, Planner } from './routing.types.js';

/** Whole units of a line a warehouse can supply from what is still unclaimed there. */
function unitsAvailable(line: DemandLine, stock: Map<string, number>): number {
  let units = Number.POSITIVE_INFINITY;
  for (const c of line.components) units = Math.min(units, Math.floor((stock.get(c.sku_id) ?? 0) / c.qty));
  return Number.isFinite(units) ? units : 0;
}

function take(line: DemandLine, stock: Map<string, number>, units: number): void {
  for (const c of line.components) stock.set(c.sku_id, (stock.get(c.sku_id) ?? 0) - c.qty * units);
}

/**
 * The first planner: one warehouse that has every line, else line by line from the warehouses that have
 * the most of the order; what none has is backordered. Ties go to warehouse priority, then code.
 * It explains itself: every candidate is ranked with what it could supply.
 */
export const simplePlanner: Planner = (demand, candidates) => {
  const assess = candidates.map((c) => {
    let complete = 0;
    let units = 0;
    for (const l of demand) {
      const u = Math.min(l.qty, unitsAvailable(l, c.available));
      units += u;
      if (u >= l.qty) complete++;
    }
    return { c, complete, units };
  });
  assess.sort((a, b) => b.complete - a.complete || b.units - a.units || a.c.priority - b.c.priority || a.c.code.localeCompare(b.c.code));
  const needed = demand.reduce((s, l) => s + l.qty, 0);
  const stock = new Map(candidates.map((c) => [c.warehouse_id, new Map(c.available)]));
  const byWarehouse = new Map<string, PlanLine[]>();
  const backordered: PlanLine[] = [];

  const whole = assess.find((a) => a.complete === demand.length);
  for (const line of demand) {
    let left = line.qty;
    for (const a of whole ? [whole] : assess) {
      if (left === 0) break;
      const s = stock.get(a.c.warehouse_id)!;
      const units = Math.min(left, unitsAvailable(line, s));
      if (units <= 0) continue;
      take(line, s, units);
      left -= units;
      const list = byWarehouse.get(a.c.warehouse_id) ?? [];
      list.push({ line_id: line.line_id, qty: units });
      byWarehouse.set(a.c.warehouse_id, list);
    }
    if (left > 0) backordered.push({ line_id: line.line_id, qty: left });
  }

  const reasons: CandidateReason[] = assess.map((a, i) => {
    const chosen = byWarehouse.has(a.c.warehouse_id);
    const what = a.complete === demand.length ? `all ${demand.length} line(s)` : `${a.complete} of ${demand.length} line(s) complete, ${a.units} of ${needed} unit(s)`;
    return {
      warehouse_id: a.c.warehouse_id,
      code: a.c.code,
      rank: i + 1,
      lines_complete: a.complete,
      lines_total: demand.length,
      units_available: a.units,
      units_needed: needed,
      chosen,
      summary: `${a.c.code}: ${what}${chosen ? (whole ? ' — ships the whole order' : ' — ships part (split)') : whole ? ' — not needed' : a.units === 0 ? ' — has none' : ' — not needed'}`,
    };
  });
  const plan: Plan = {
    strategy: whole ? 'single_warehouse' : byWarehouse.size > 1 ? 'split' : 'best_effort',
    allocations: [...byWarehouse.entries()].map(([warehouse_id, lines]) => ({ warehouse_id, lines })),
    backordered,
    reasons,
  };
  return plan;
};

export type { Candidate };
