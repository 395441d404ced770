import type { CartonView } from './cartons.js';

/**
 * Cartonization: which cartons, and how many, hold a set of items. A pure function, so packing, rate
 * shopping and tests can all call it without a database.
 *
 * The method is 3-D first-fit-decreasing over extreme points: units are placed largest first, each at the
 * lowest, back-most, left-most free corner where one of its six axis rotations fits without overlapping what is
 * already placed (flattest rotation first, so items lie down). Cartons are tried smallest first; when no single
 * carton takes everything, the carton that holds the most volume is filled and the rest packed again, and
 * every package is finally moved into the smallest carton that still takes its contents.
 */

export interface CartonizeItem {
  sku_id: string;
  qty: number;
  length_mm: number;
  width_mm: number;
  height_mm: number;
  weight_g: number;
}

/** Where one unit sits in its carton: the corner nearest the origin and its dimensions as rotated. */
export interface Placement {
  sku_id: string;
  x: number;
  y: number;
  z: number;
  length_mm: number;
  width_mm: number;
  height_mm: number;
}

export interface CartonizedPackage {
  carton: CartonView;
  items: { sku_id: string; qty: number }[];
  /** Contents plus the carton's tare: the weight the package will ship at. */
  weight_g: number;
  /** Items' volume over the carton's inner volume, 0–1 (four decimals). */
  fill_ratio: number;
  placements: Placement[];
}

export interface CartonizeResult {
  packages: CartonizedPackage[];
  unfit: { sku_id: string; qty: number; reason: string }[];
}

type Dims = readonly [number, number, number];

interface Unit {
  sku_id: string;
  dims: Dims;
  weight: number;
  volume: number;
  /** Units with the same signature are interchangeable: one that failed to fit means all the others fail too. */
  signature: string;
}

interface Box {
  x: number;
  y: number;
  z: number;
  l: number;
  w: number;
  h: number;
}

interface Fill {
  carton: CartonView;
  placed: { unit: Unit; box: Box }[];
  rest: Unit[];
  volume: number;
}

const volumeOf = (c: CartonView): number => c.length_mm * c.width_mm * c.height_mm;

/** Distinct rotations of a box, flattest first (then narrowest), so items lie on their largest face. */
function rotations(d: Dims): Dims[] {
  const [a, b, c] = d;
  const all: Dims[] = [[a, b, c], [a, c, b], [b, a, c], [b, c, a], [c, a, b], [c, b, a]];
  const seen = new Set<string>();
  const out: Dims[] = [];
  for (const r of all) {
    const k = r.join('x');
    if (!seen.has(k)) {
      seen.add(k);
      out.push(r);
    }
  }
  return out.sort((p, q) => p[2] - q[2] || p[1] - q[1]);
}

function fitsEmpty(d: Dims, c: CartonView): boolean {
  return rotations(d).some(([l, w, h]) => l <= c.length_mm && w <= c.width_mm && h <= c.height_mm);
}

const overlaps = (a: Box, b: Box): boolean =>
  a.x < b.x + b.l && b.x < a.x + a.l && a.y < b.y + b.w && b.y < a.y + a.w && a.z < b.z + b.h && b.z < a.z + a.h;

/** First-fit-decreasing of `units` (already sorted) into one carton. */
function fill(carton: CartonView, units: Unit[]): Fill {
  const placed: { unit: Unit; box: Box }[] = [];
  const rest: Unit[] = [];
  let points: { x: number; y: number; z: number }[] = [{ x: 0, y: 0, z: 0 }];
  const failed = new Set<string>();
  let weight = 0;
  let volume = 0;
  for (const u of units) {
    if (failed.has(u.signature) || weight + u.weight > carton.max_weight_g) {
      rest.push(u);
      continue;
    }
    const box = firstFit(carton, u, points, placed);
    if (!box) {
      failed.add(u.signature);
      rest.push(u);
      continue;
    }
    placed.push({ unit: u, box });
    weight += u.weight;
    volume += u.volume;
    points = nextPoints(points, box, placed);
  }
  return { carton, placed, rest, volume };
}

function firstFit(c: CartonView, u: Unit, points: { x: number; y: number; z: number }[], placed: { box: Box }[]): Box | undefined {
  const turns = rotations(u.dims);
  for (const p of points) {
    for (const [l, w, h] of turns) {
      if (p.x + l > c.length_mm || p.y + w > c.width_mm || p.z + h > c.height_mm) continue;
      const box = { x: p.x, y: p.y, z: p.z, l, w, h };
      if (!placed.some((q) => overlaps(box, q.box))) return box;
    }
  }
  return undefined;
}

/** The corners a new box opens (right of it, behind it, on top of it); corners now inside a box are dropped. */
function nextPoints(points: { x: number; y: number; z: number }[], b: Box, placed: { box: Box }[]): { x: number; y: number; z: number }[] {
  const fresh = [
    { x: b.x + b.l, y: b.y, z: b.z },
    { x: b.x, y: b.y + b.w, z: b.z },
    { x: b.x, y: b.y, z: b.z + b.h },
  ];
  const inside = (p: { x: number; y: number; z: number }): boolean =>
    placed.some(({ box: q }) => p.x >= q.x && p.x < q.x + q.l && p.y >= q.y && p.y < q.y + q.w && p.z >= q.z && p.z < q.z + q.h);
  const keyed = new Map<string, { x: number; y: number; z: number }>();
  for (const p of [...points, ...fresh]) if (!inside(p)) keyed.set(`${p.x},${p.y},${p.z}`, p);
  return [...keyed.values()].sort((p, q) => p.z - q.z || p.y - q.y || p.x - q.x);
}

function dimsProblem(i: CartonizeItem): string | undefined {
  const ok = (n: number): boolean => Number.isFinite(n) && n > 0;
  if (!ok(i.length_mm) || !ok(i.width_mm) || !ok(i.height_mm)) return 'the item has no dimensions: set length, width and height on the SKU';
  if (!Number.isFinite(i.weight_g) || i.weight_g < 0) return 'the item has no valid weight';
  return undefined;
}

function unfitReason(i: CartonizeItem, cartons: CartonView[]): string | undefined {
  const bad = dimsProblem(i);
  if (bad) return bad;
  if (cartons.length === 0) return 'the warehouse has no active carton';
  const d: Dims = [i.length_mm, i.width_mm, i.height_mm];
  const bySize = cartons.filter((c) => fitsEmpty(d, c));
  if (bySize.length === 0) return `the item (${d.join(' × ')} mm) is bigger than every carton`;
  if (!bySize.some((c) => i.weight_g <= c.max_weight_g)) return `the item (${i.weight_g} g) is heavier than every carton it fits in may hold`;
  return undefined;
}

function toPackage(f: Fill): CartonizedPackage {
  const counts = new Map<string, number>();
  for (const p of f.placed) counts.set(p.unit.sku_id, (counts.get(p.unit.sku_id) ?? 0) + 1);
  const contents = f.placed.reduce((s, p) => s + p.unit.weight, 0);
  return {
    carton: f.carton,
    items: [...counts].map(([sku_id, qty]) => ({ sku_id, qty })),
    weight_g: contents + f.carton.tare_weight_g,
    fill_ratio: Math.round((f.volume / volumeOf(f.carton)) * 10_000) / 10_000,
    placements: f.placed.map(({ unit, box }) => ({ sku_id: unit.sku_id, x: box.x, y: box.y, z: box.z, length_mm: box.l, width_mm: box.w, height_mm: box.h })),
  };
}

/** The smallest carton (in `cartons`, smallest first) that takes every unit, or undefined. */
function smallestTakingAll(cartons: CartonView[], units: Unit[]): Fill | undefined {
  const vol = units.reduce((s, u) => s + u.volume, 0);
  const weight = units.reduce((s, u) => s + u.weight, 0);
  for (const c of cartons) {
    if (vol > volumeOf(c) || weight > c.max_weight_g) continue;
    const f = fill(c, units);
    if (f.rest.length === 0) return f;
  }
  return undefined;
}

/**
 * Packs items into the smallest carton(s) of a catalog that hold them. Items that fit no carton alone
 * (too big in every rotation, too heavy, or without dimensions) come back in `unfit` with the reason.
 */
export function cartonize(items: CartonizeItem[], cartons: CartonView[]): CartonizeResult {
  const catalog = cartons.filter((c) => c.active).sort((a, b) => volumeOf(a) - volumeOf(b) || a.max_weight_g - b.max_weight_g || a.code.localeCompare(b.code));
  const unfit = new Map<string, { sku_id: string; qty: number; reason: string }>();
  const units: Unit[] = [];
  for (const i of items) {
    if (!(i.qty > 0)) continue;
    const reason = unfitReason(i, catalog);
    if (reason) {
      const k = `${i.sku_id}\u0000${reason}`;
      const u = unfit.get(k) ?? { sku_id: i.sku_id, qty: 0, reason };
      u.qty += i.qty;
      unfit.set(k, u);
      continue;
    }
    const dims: Dims = [i.length_mm, i.width_mm, i.height_mm];
    const volume = dims[0] * dims[1] * dims[2];
    const signature = `${[...dims].sort((a, b) => a - b).join('x')}@${i.weight_g}`;
    for (let n = 0; n < i.qty; n++) units.push({ sku_id: i.sku_id, dims, weight: i.weight_g, volume, signature });
  }
  units.sort((a, b) => b.volume - a.volume || Math.max(...b.dims) - Math.max(...a.dims) || b.weight - a.weight || a.sku_id.localeCompare(b.sku_id));

  const fills: Fill[] = [];
  let remaining = units;
  while (remaining.length > 0) {
    const all = smallestTakingAll(catalog, remaining);
    if (all) {
      fills.push(all);
      break;
    }
    // No single carton takes the rest: fill the one that holds the most volume (the smaller on a tie) and go on.
    let best: Fill | undefined;
    for (const c of catalog) {
      const f = fill(c, remaining);
      if (!best || f.volume > best.volume) best = f;
    }
    // Every unit fits some carton on its own, so the best fill always places at least one unit.
    if (!best || best.placed.length === 0) throw new Error('cartonize: no progress (a unit fits no carton)');
    fills.push(best);
    remaining = best.rest;
  }
  // A carton filled greedily may be bigger than its contents need: move each into the smallest that takes them.
  const packages = fills.map((f) => smallestTakingAll(catalog, f.placed.map((p) => p.unit)) ?? f).map(toPackage);
  return { packages, unfit: [...unfit.values()] };
}
