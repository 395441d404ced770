/**
 * Pick paths. Bins with an aisle and a position are walked S-shape (serpentine); otherwise in walk-sequence order.
 *
 * Geometry assumed (docs/fulfillment.md draws it): parallel aisles numbered from the depot side, their centre
 * lines `aisle_pitch_m` apart (aisle a at x = a × pitch); a front cross-aisle at y = 0 where the depot is (x = 0)
 * and a back cross-aisle at y = (depth + 1) × `position_pitch_m`, depth being the warehouse's highest position.
 * Position p sits at y = p × position_pitch_m. A picker moves between two picks in one aisle straight along it,
 * and between aisles through whichever cross-aisle is shorter; a route starts and ends at the depot.
 */

export interface PathPoint {
  bin_id: string;
  code: string;
  walk_sequence: number;
  aisle: number | null;
  position: number | null;
}

export interface Layout {
  aisle_pitch_m: number;
  position_pitch_m: number;
  /** The highest position number of the warehouse: it places the back cross-aisle. */
  depth: number;
}

export const DEFAULT_AISLE_PITCH_M = 3;
export const DEFAULT_POSITION_PITCH_M = 1;

export function layoutFor(depth: number): Layout {
  return { aisle_pitch_m: DEFAULT_AISLE_PITCH_M, position_pitch_m: DEFAULT_POSITION_PITCH_M, depth };
}

export type PathModel = 's_shape' | 'walk_sequence';

export interface PlannedPath<T> {
  ordered: T[];
  model: PathModel;
  /** Metres walked from the depot through every pick and back; null when the bins carry no coordinates. */
  length_m: number | null;
}

const hasCoordinates = (p: PathPoint): boolean => p.aisle !== null && p.position !== null;

const byWalk = (a: PathPoint, b: PathPoint): number => a.walk_sequence - b.walk_sequence || a.code.localeCompare(b.code);

/**
 * Orders picks S-shape: the aisles that have picks in ascending order, the first walked up (rising position),
 * the next down, and so on — odd-numbered aisles up and even ones down when every aisle has a pick. A pick list
 * with any bin lacking coordinates falls back to walk-sequence order for all of it (mixing the two would guess).
 */
export function planPath<T extends PathPoint>(points: T[], layout: Layout): PlannedPath<T> {
  if (points.length === 0) return { ordered: [], model: 's_shape', length_m: 0 };
  if (!points.every(hasCoordinates)) return { ordered: [...points].sort(byWalk), model: 'walk_sequence', length_m: null };
  const aisles = [...new Set(points.map((p) => p.aisle!))].sort((a, b) => a - b);
  const ordered: T[] = [];
  aisles.forEach((aisle, i) => {
    const up = i % 2 === 0;
    const inAisle = points.filter((p) => p.aisle === aisle);
    inAisle.sort((a, b) => (up ? a.position! - b.position! : b.position! - a.position!) || byWalk(a, b));
    ordered.push(...inAisle);
  });
  return { ordered, model: 's_shape', length_m: routeLength(ordered, layout) };
}

/** Metres between two bins (or the depot, null), taking the shorter cross-aisle between aisles. */
export function distance(a: PathPoint | null, b: PathPoint | null, layout: Layout): number {
  const x = (p: PathPoint | null) => (p ? p.aisle! * layout.aisle_pitch_m : 0);
  const y = (p: PathPoint | null) => (p ? p.position! * layout.position_pitch_m : 0);
  if (a && b && a.aisle === b.aisle) return Math.abs(y(a) - y(b));
  const back = (layout.depth + 1) * layout.position_pitch_m;
  const viaFront = y(a) + y(b);
  // The depot is on the front cross-aisle: a route through the back still has to come round to it.
  const viaBack = a && b ? 2 * back - y(a) - y(b) : Number.POSITIVE_INFINITY;
  return Math.abs(x(a) - x(b)) + Math.min(viaFront, viaBack);
}

/** Length of a route visiting the bins in the given order, from the depot and back (metres, 1 decimal). */
export function routeLength(points: PathPoint[], layout: Layout): number {
  let total = 0;
  let at: PathPoint | null = null;
  for (const p of points) {
    total += distance(at, p, layout);
    at = p;
  }
  total += distance(at, null, layout);
  return Math.round(total * 10) / 10;
}
