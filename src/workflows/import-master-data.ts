import { parse } from 'csv-parse/sync';
import { withTx, type Db } from '../db/database.js';
import { AppError } from '../shared/errors.js';
import { createSku, resolveSkus, skuInputProblems, type SkuInput } from '../modules/catalog/index.js';
import { createBins, getWarehouse, listBins, type BinInput } from '../modules/warehouse/index.js';

export interface RowError {
  row: number; // 1-based data row (the header is row 0)
  field: string;
  message: string;
}

export interface ImportReport {
  kind: 'skus' | 'bins';
  rows: number;
  imported: number;
  skipped: number;
  errors: RowError[];
  /** True when nothing was written because of errors (without skip_invalid). */
  aborted: boolean;
}

export interface ImportOptions {
  skipInvalid?: boolean;
  actor?: string;
  onProgress?: (done: number, total: number) => void;
}

const MAX_ROWS = 100_000;

function readCsv(text: string): Record<string, string>[] {
  try {
    return parse(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true, relax_column_count: false });
  } catch (err) {
    throw new AppError('invalid', 'malformed_csv', `The CSV cannot be read: ${(err as Error).message}`);
  }
}

function intField(raw: string | undefined, field: string, row: number, errors: RowError[], min: number): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?[0-9]+$/.test(raw)) {
    errors.push({ row, field, message: `"${raw}" is not a whole number` });
    return undefined;
  }
  const n = Number(raw);
  if (n < min || n > 100_000_000) errors.push({ row, field, message: `must be from ${min} to 100000000` });
  return n;
}

function requireColumns(rows: Record<string, string>[], text: string, needed: string[]): void {
  const header = Object.keys(rows[0] ?? {});
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const columns = header.length > 0 ? header : firstLine.split(',').map((c) => c.trim().toLowerCase());
  const missing = needed.filter((c) => !columns.includes(c));
  if (missing.length > 0) throw new AppError('invalid', 'malformed_csv', `The CSV lacks the column(s): ${missing.join(', ')}`, { missing });
}

/** Parses and checks a SKU CSV (sku,name,gtin,weight_g,length_mm,width_mm,height_mm,kit_components as "A:2|B:1"). */
function parseSkuRows(rows: Record<string, string>[]): { inputs: (SkuInput | undefined)[]; errors: RowError[] } {
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  const inputs = rows.map((r, i) => {
    const row = i + 1;
    const before = errors.length;
    const sku = r.sku ?? '';
    if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/.test(sku)) errors.push({ row, field: 'sku', message: 'required: letters, digits, . _ / - (at most 64)' });
    else if (seen.has(sku)) errors.push({ row, field: 'sku', message: `duplicate of row ${seen.get(sku)}` });
    else seen.set(sku, row);
    const name = r.name ?? '';
    if (name.length < 1 || name.length > 200) errors.push({ row, field: 'name', message: 'required, at most 200 characters' });
    const weight = intField(r.weight_g, 'weight_g', row, errors, 0);
    const l = intField(r.length_mm, 'length_mm', row, errors, 1);
    const w = intField(r.width_mm, 'width_mm', row, errors, 1);
    const h = intField(r.height_mm, 'height_mm', row, errors, 1);
    if ([l, w, h].some((d) => d !== undefined) && [l, w, h].some((d) => d === undefined)) {
      errors.push({ row, field: 'length_mm', message: 'give length, width and height together' });
    }
    const kit = (r.kit_components ?? '')
      .split('|')
      .filter((p) => p.trim() !== '')
      .map((p) => {
        const [code, qty] = p.split(':').map((s) => s.trim());
        const n = Number(qty ?? '1');
        if (!code || !Number.isInteger(n) || n < 1) errors.push({ row, field: 'kit_components', message: `"${p}" is not SKU:QTY` });
        return { sku: code ?? '', qty: n };
      });
    const input: SkuInput = {
      sku,
      name,
      gtin: r.gtin ? r.gtin : undefined,
      weight_g: weight,
      dims_mm: l && w && h ? { l, w, h } : undefined,
      kit_components: kit.length > 0 ? kit : undefined,
    };
    for (const p of skuInputProblems(input)) errors.push({ row, field: p.path, message: p.message });
    return errors.length === before ? input : undefined;
  });
  return { inputs, errors };
}

/**
 * Imports SKUs from CSV. All or nothing: any row error imports nothing, unless `skipInvalid`,
 * which imports the valid rows and reports the rest. Rows referring to existing SKUs are errors.
 */
export async function importSkus(db: Db, csv: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const rows = readCsv(csv);
  requireColumns(rows, csv, ['sku', 'name']);
  if (rows.length > MAX_ROWS) throw new AppError('invalid', 'csv_too_large', `At most ${MAX_ROWS} rows per file`);
  const { inputs, errors } = parseSkuRows(rows);
  // References: existing SKUs clash; kit components must exist in the database or earlier in the file.
  const existing = await resolveSkus(db, inputs.flatMap((i) => (i ? [i.sku, ...(i.kit_components ?? []).map((c) => c.sku)] : [])));
  const inFile = new Set(inputs.filter((i): i is SkuInput => !!i && !i.kit_components).map((i) => i.sku));
  inputs.forEach((input, i) => {
    if (!input) return;
    const row = i + 1;
    if (existing.has(input.sku)) errors.push({ row, field: 'sku', message: 'already exists' });
    for (const c of input.kit_components ?? []) {
      const known = existing.get(c.sku);
      if (known?.is_kit) errors.push({ row, field: 'kit_components', message: `${c.sku} is itself a kit` });
      else if (!known && !inFile.has(c.sku)) errors.push({ row, field: 'kit_components', message: `${c.sku} does not exist` });
    }
    if (errors.some((e) => e.row === row)) inputs[i] = undefined;
  });
  return write(db, 'skus', rows.length, inputs, errors, opts, async (tx, valid) => {
    // Plain SKUs first, so kits can refer to components from the same file.
    const list = [...valid.filter((i) => !i.kit_components), ...valid.filter((i) => !!i.kit_components)];
    for (const [n, input] of list.entries()) {
      await createSku(tx, input, opts.actor);
      if ((n + 1) % 50 === 0 || n + 1 === list.length) opts.onProgress?.(n + 1, list.length);
    }
  });
}

/** Imports bins of one warehouse from CSV (code,zone,walk_sequence,capacity_units,pickable,aisle,position); all or nothing unless `skipInvalid`. */
export async function importBins(db: Db, warehouse: string, csv: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const wh = await getWarehouse(db, warehouse);
  const rows = readCsv(csv);
  requireColumns(rows, csv, ['code']);
  if (rows.length > MAX_ROWS) throw new AppError('invalid', 'csv_too_large', `At most ${MAX_ROWS} rows per file`);
  const errors: RowError[] = [];
  const existing = new Set((await listBins(db, wh.id)).map((b) => b.code));
  const seen = new Map<string, number>();
  const inputs = rows.map((r, i): BinInput | undefined => {
    const row = i + 1;
    const before = errors.length;
    const code = r.code ?? '';
    if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/.test(code)) errors.push({ row, field: 'code', message: 'required: letters, digits, . _ / - (at most 64)' });
    else if (seen.has(code)) errors.push({ row, field: 'code', message: `duplicate of row ${seen.get(code)}` });
    else if (existing.has(code)) errors.push({ row, field: 'code', message: 'already exists in this warehouse' });
    seen.set(code, row);
    const zone = r.zone || undefined;
    if (zone !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/.test(zone)) errors.push({ row, field: 'zone', message: 'letters, digits, . _ / -' });
    const walk = intField(r.walk_sequence, 'walk_sequence', row, errors, 0);
    const cap = intField(r.capacity_units, 'capacity_units', row, errors, 1);
    const aisle = intField(r.aisle, 'aisle', row, errors, 0);
    const position = intField(r.position, 'position', row, errors, 0);
    for (const [field, v] of [['aisle', aisle], ['position', position]] as const) if (v !== undefined && v > 100_000) errors.push({ row, field, message: 'must be from 0 to 100000' });
    const pickRaw = (r.pickable ?? '').toLowerCase();
    if (!['', 'true', 'false', 'yes', 'no', '1', '0'].includes(pickRaw)) errors.push({ row, field: 'pickable', message: 'true or false' });
    return errors.length === before
      ? { code, zone, walk_sequence: walk, capacity_units: cap, pickable: pickRaw === '' ? undefined : ['true', 'yes', '1'].includes(pickRaw), aisle, position }
      : undefined;
  });
  return write(db, 'bins', rows.length, inputs, errors, opts, async (tx, list) => {
    for (let i = 0; i < list.length; i += 1000) {
      await createBins(tx, wh.id, list.slice(i, i + 1000), opts.actor);
      opts.onProgress?.(Math.min(i + 1000, list.length), list.length);
    }
  });
}

type Tx = Parameters<Parameters<typeof withTx>[1]>[0];

/** Writes the valid rows in one transaction, or nothing when there are errors and invalid rows may not be skipped. */
async function write<T>(
  db: Db,
  kind: 'skus' | 'bins',
  total: number,
  inputs: (T | undefined)[],
  errors: RowError[],
  opts: ImportOptions,
  apply: (tx: Tx, list: T[]) => Promise<void>,
): Promise<ImportReport> {
  errors.sort((a, b) => a.row - b.row);
  if (errors.length > 0 && !opts.skipInvalid) {
    return { kind, rows: total, imported: 0, skipped: total, errors, aborted: true };
  }
  const list = inputs.filter((i): i is T => i !== undefined);
  await withTx(db, (tx) => apply(tx, list));
  return { kind, rows: total, imported: list.length, skipped: total - list.length, errors, aborted: false };
}
