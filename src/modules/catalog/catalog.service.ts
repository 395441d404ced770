import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { emit } from '../../events/outbox.js';
import { gtinProblem } from './gtin.js';
import { SKU_COLUMNS, componentsOf, findSkuRows } from './catalog.repo.js';
import type { SkuInput, SkuRef, SkuView } from './catalog.types.js';

type SkuRow = Awaited<ReturnType<typeof findSkuRows>>[number];

function toView(row: SkuRow, components: Awaited<ReturnType<typeof componentsOf>>): SkuView {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    gtin: row.gtin,
    weight_g: row.weight_g,
    dims_mm: row.length_mm && row.width_mm && row.height_mm ? { l: row.length_mm, w: row.width_mm, h: row.height_mm } : null,
    is_kit: row.is_kit,
    kit_components: components.filter((c) => c.kit_sku_id === row.id).map((c) => ({ sku: c.sku, sku_id: c.component_sku_id, qty: c.qty })),
    active: row.active,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Checks a SKU's own fields (not its references); the messages are the ones an importer shows per row. */
export function skuInputProblems(input: SkuInput): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (input.gtin !== undefined) {
    const p = gtinProblem(input.gtin);
    if (p) problems.push({ path: 'gtin', message: p === 'bad_check_digit' ? 'GTIN check digit is wrong' : p === 'bad_length' ? 'GTIN must have 8, 12, 13 or 14 digits' : 'GTIN must be digits only' });
  }
  const seen = new Set<string>();
  for (const [i, c] of (input.kit_components ?? []).entries()) {
    if (c.sku === input.sku) problems.push({ path: `kit_components.${i}.sku`, message: 'a kit cannot contain itself' });
    if (seen.has(c.sku)) problems.push({ path: `kit_components.${i}.sku`, message: 'component listed twice' });
    seen.add(c.sku);
  }
  return problems;
}

/** Creates a SKU (and its kit components) and emits `sku.created`. */
export async function createSku(tx: Executor, input: SkuInput, actor?: string): Promise<SkuView> {
  const problems = skuInputProblems(input);
  if (problems.length > 0) {
    const code = problems[0]!.path === 'gtin' ? 'invalid_gtin' : 'validation_failed';
    throw new AppError('invalid', code, problems[0]!.message, { sku: input.sku }, problems.map((p) => ({ path: `body.${p.path}`, message: p.message })));
  }
  const components = input.kit_components ?? [];
  const found = await findSkuRows(tx, components.map((c) => c.sku));
  for (const c of components) {
    const row = found.find((f) => f.sku === c.sku);
    if (!row) throw new AppError('invalid', 'kit_component_not_found', `Kit component ${c.sku} does not exist`, { sku: c.sku });
    if (row.is_kit) throw new AppError('invalid', 'kit_component_is_kit', `Kit component ${c.sku} is itself a kit; nest components instead`, { sku: c.sku });
  }
  const id = newId('sku');
  const inserted = await tx
    .insertInto('skus')
    .values({
      id,
      sku: input.sku,
      name: input.name,
      gtin: input.gtin ?? null,
      weight_g: input.weight_g ?? null,
      length_mm: input.dims_mm?.l ?? null,
      width_mm: input.dims_mm?.w ?? null,
      height_mm: input.dims_mm?.h ?? null,
      is_kit: components.length > 0,
    })
    .onConflict((oc) => oc.doNothing())
    .returning(SKU_COLUMNS)
    .executeTakeFirst();
  if (!inserted) {
    const clash = await tx.selectFrom('skus').select(['sku', 'gtin']).where((eb) => eb.or([eb('sku', '=', input.sku), eb('gtin', '=', input.gtin ?? null)])).executeTakeFirst();
    if (clash?.sku === input.sku) throw new AppError('conflict', 'sku_exists', `SKU ${input.sku} already exists`, { sku: input.sku });
    throw new AppError('conflict', 'gtin_exists', `GTIN ${input.gtin} is already used by SKU ${clash?.sku}`, { gtin: input.gtin, sku: clash?.sku });
  }
  if (components.length > 0) {
    await tx
      .insertInto('kit_components')
      .values(components.map((c) => ({ kit_sku_id: id, component_sku_id: found.find((f) => f.sku === c.sku)!.id, qty: c.qty })))
      .execute();
  }
  const view = toView(inserted, await componentsOf(tx, [id]));
  await emit(tx, { type: 'sku.created', aggregateType: 'sku', aggregateId: id, payload: { sku: view.sku, name: view.name, gtin: view.gtin, is_kit: view.is_kit }, actor });
  return view;
}

/** A SKU by code or id, or undefined. */
export async function findSku(db: Executor, codeOrId: string): Promise<SkuView | undefined> {
  const [row] = await findSkuRows(db, [codeOrId]);
  return row ? toView(row, await componentsOf(db, row.is_kit ? [row.id] : [])) : undefined;
}

/** A SKU by code or id; throws `sku_not_found`. */
export async function getSku(db: Executor, codeOrId: string): Promise<SkuView> {
  const sku = await findSku(db, codeOrId);
  if (!sku) throw new AppError('not_found', 'sku_not_found', `SKU ${codeOrId} was not found`, { sku: codeOrId });
  return sku;
}

export interface ListSkusInput {
  limit: number;
  cursor?: string | undefined;
  q?: string | undefined;
  active?: boolean | undefined;
}

/** Pages SKUs in id order; `q` matches code, name or GTIN. */
export async function listSkus(db: Executor, input: ListSkusInput): Promise<{ data: SkuView[]; next_cursor: string | null }> {
  let q = db.selectFrom('skus').select(SKU_COLUMNS).orderBy('id').limit(input.limit + 1);
  if (input.cursor) q = q.where('id', '>', input.cursor);
  if (input.active !== undefined) q = q.where('active', '=', input.active);
  if (input.q) {
    const like = `%${input.q.replace(/[%_\\]/g, '\\$&')}%`;
    q = q.where((eb) => eb.or([eb('sku', 'ilike', like), eb('name', 'ilike', like), eb('gtin', '=', input.q!)]));
  }
  const rows = await q.execute();
  const page = rows.slice(0, input.limit);
  const comps = await componentsOf(db, page.filter((r) => r.is_kit).map((r) => r.id));
  return { data: page.map((r) => toView(r, comps)), next_cursor: rows.length > input.limit ? page.at(-1)!.id : null };
}

export interface UpdateSkuInput {
  name?: string | undefined;
  gtin?: string | null | undefined;
  weight_g?: number | null | undefined;
  dims_mm?: { l: number; w: number; h: number } | null | undefined;
  active?: boolean | undefined;
}

/** Changes a SKU's descriptive fields and emits `sku.updated`. */
export async function updateSku(tx: Executor, codeOrId: string, input: UpdateSkuInput, actor?: string): Promise<SkuView> {
  const current = await getSku(tx, codeOrId);
  if (input.gtin) {
    const p = gtinProblem(input.gtin);
    if (p) throw new AppError('invalid', 'invalid_gtin', `GTIN ${input.gtin} is not valid (${p})`, { gtin: input.gtin });
  }
  const set: Record<string, unknown> = { updated_at: new Date() };
  if (input.name !== undefined) set.name = input.name;
  if (input.gtin !== undefined) set.gtin = input.gtin;
  if (input.weight_g !== undefined) set.weight_g = input.weight_g;
  if (input.active !== undefined) set.active = input.active;
  if (input.dims_mm !== undefined) {
    set.length_mm = input.dims_mm?.l ?? null;
    set.width_mm = input.dims_mm?.w ?? null;
    set.height_mm = input.dims_mm?.h ?? null;
  }
  await tx.updateTable('skus').set(set).where('id', '=', current.id).execute();
  await emit(tx, { type: 'sku.updated', aggregateType: 'sku', aggregateId: current.id, payload: { sku: current.sku, changes: Object.keys(set).filter((k) => k !== 'updated_at') }, actor });
  return getSku(tx, current.id);
}

/** Resolves SKU codes (or ids) to references; unknown ones are simply absent from the map. */
export async function resolveSkus(db: Executor, codesOrIds: string[]): Promise<Map<string, SkuRef>> {
  const rows = await findSkuRows(db, [...new Set(codesOrIds)]);
  const map = new Map<string, SkuRef>();
  for (const r of rows) {
    const ref = { id: r.id, sku: r.sku, is_kit: r.is_kit, active: r.active, weight_g: r.weight_g };
    map.set(r.sku, ref);
    map.set(r.id, ref);
  }
  return map;
}

/** Components of kits: kit id → [{ sku_id, qty }]. */
export async function kitComponents(db: Executor, kitIds: string[]): Promise<Map<string, { sku_id: string; sku: string; qty: number }[]>> {
  const rows = await componentsOf(db, kitIds);
  const map = new Map<string, { sku_id: string; sku: string; qty: number }[]>();
  for (const r of rows) {
    const list = map.get(r.kit_sku_id) ?? [];
    list.push({ sku_id: r.component_sku_id, sku: r.sku, qty: r.qty });
    map.set(r.kit_sku_id, list);
  }
  return map;
}

/**
 * Resolves what scanners and partners send — a SKU code, an id, or a GTIN in any of its lengths (UPC-A 12, EAN-13,
 * GTIN-14 with leading zeros) — to SKUs. The map is keyed by the code as given.
 */
export async function resolveBarcodes(db: Executor, codes: string[]): Promise<Map<string, SkuRef & { gtin: string | null; name: string }>> {
  const wanted = [...new Set(codes.map((c) => c.trim()).filter((c) => c.length > 0))];
  const out = new Map<string, SkuRef & { gtin: string | null; name: string }>();
  if (wanted.length === 0) return out;
  // A GTIN is the same number at every length once left-padded to 14 digits: try each stored length it fits.
  const variants = (c: string): string[] => {
    if (!/^\d{8,14}$/.test(c)) return [];
    const g14 = c.padStart(14, '0');
    return [8, 12, 13, 14].filter((len) => /^0*$/.test(g14.slice(0, 14 - len))).map((len) => g14.slice(14 - len));
  };
  const gtins = [...new Set(wanted.flatMap(variants))];
  const rows = await db
    .selectFrom('skus')
    .select(['id', 'sku', 'is_kit', 'active', 'weight_g', 'gtin', 'name'])
    .where((eb) => eb.or([eb('sku', 'in', wanted), eb('id', 'in', wanted), ...(gtins.length > 0 ? [eb('gtin', 'in', gtins)] : [])]))
    .execute();
  for (const c of wanted) {
    const v = variants(c);
    const hit = rows.find((r) => r.sku === c) ?? rows.find((r) => r.id === c) ?? rows.find((r) => r.gtin !== null && v.includes(r.gtin));
    if (hit) out.set(c, { id: hit.id, sku: hit.sku, is_kit: hit.is_kit, active: hit.active, weight_g: hit.weight_g, gtin: hit.gtin, name: hit.name });
  }
  return out;
}
