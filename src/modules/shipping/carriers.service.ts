import type { Executor } from '../../db/database.js';
import { AppError, PG, pgCode } from '../../shared/errors.js';
import { emit } from '../../events/outbox.js';
import { buildAdapter, registerCarrierKind, type CarrierAccount, type CarrierAdapter } from './carrier.adapter.js';
import { mergeCredentials, mergeSettings } from './carrier-settings.js';
import { rateCardAdapter } from './rate-card.carrier.js';
import { easyPostAdapter } from './easypost.carrier.js';
import type { CarrierKind, CarrierView } from './shipping.types.js';
import { sealFields, withOpenedFields, type SecretColumn } from '../../shared/secrets.js';

registerCarrierKind('rate_card', rateCardAdapter);
registerCarrierKind('easypost', easyPostAdapter);

export interface CarrierInput {
  code: string;
  name: string;
  kind: CarrierKind;
  active?: boolean | undefined;
  cod_capable?: boolean | undefined;
  settings?: Record<string, unknown> | undefined;
  credentials?: Record<string, string | null> | undefined;
}

export interface CarrierPatch {
  name?: string | undefined;
  active?: boolean | undefined;
  cod_capable?: boolean | undefined;
  settings?: Record<string, unknown> | undefined;
  credentials?: Record<string, string | null> | undefined;
}

type Row = { code: string; name: string; kind: CarrierKind; active: boolean; cod_capable: boolean; settings: Record<string, unknown>; credentials: Record<string, string>; created_at: Date; updated_at: Date };

/** A carrier account's credentials: a jsonb object whose every value is sealed (which are set stays readable). */
export const CARRIER_CREDENTIALS: SecretColumn = { table: 'carriers', key: 'code', column: 'credentials', shape: 'fields', purpose: 'carriers.credentials' };

/**
 * New credentials validated in plaintext, sealed, and merged over the stored (sealed, unopened) ones; a null
 * value removes one. The stored values are never opened here, so an account can be changed without its key.
 */
function sealedCredentials(code: string, stored: Record<string, string>, change: Record<string, string | null> | undefined): Record<string, string> {
  const given = Object.fromEntries(Object.entries(change ?? {}).filter((e): e is [string, string] => e[1] !== null));
  const fresh = sealFields(mergeCredentials({}, given), `${CARRIER_CREDENTIALS.purpose}:${code}`);
  const merged = { ...stored, ...fresh };
  for (const [k, v] of Object.entries(change ?? {})) if (v === null) delete merged[k];
  return merged;
}

/** The account for an adapter: its credentials are opened when the adapter first reads them. */
function toAccount(r: Row): CarrierAccount & { active: boolean } {
  const account = { code: r.code, name: r.name, kind: r.kind, cod_capable: r.cod_capable, settings: r.settings, active: r.active };
  return withOpenedFields(account, 'credentials', r.credentials, `${CARRIER_CREDENTIALS.purpose}:${r.code}`) as CarrierAccount & { active: boolean };
}

const COLUMNS = ['code', 'name', 'kind', 'active', 'cod_capable', 'settings', 'credentials', 'created_at', 'updated_at'] as const;

function toView(r: Row): CarrierView {
  return { code: r.code, name: r.name, kind: r.kind, active: r.active, cod_capable: r.cod_capable, settings: r.settings, credentials_set: Object.keys(r.credentials).sort(), created_at: r.created_at, updated_at: r.updated_at };
}

async function selectCarrier(db: Executor, code: string, lock = false): Promise<Row> {
  let q = db.selectFrom('carriers').select(COLUMNS).where('code', '=', code);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw new AppError('not_found', 'carrier_not_found', `Carrier ${code} was not found`, { carrier: code });
  return row as Row;
}

/** Creates a carrier account; settings are the kind's defaults overlaid with the given ones, validated. */
export async function createCarrier(tx: Executor, input: CarrierInput, actor?: string): Promise<CarrierView> {
  const settings = mergeSettings(input.kind, {}, input.settings);
  const credentials = sealedCredentials(input.code, {}, input.credentials);
  try {
    const row = await tx.insertInto('carriers').values({
      code: input.code, name: input.name, kind: input.kind, active: input.active ?? true, cod_capable: input.cod_capable ?? false,
      settings: JSON.stringify(settings), credentials: JSON.stringify(credentials), tracking_next: null,
    }).returning(COLUMNS).executeTakeFirstOrThrow();
    await emit(tx, { type: 'carrier.created', aggregateType: 'carrier', aggregateId: input.code, payload: { code: input.code, kind: input.kind, credentials_set: Object.keys(credentials) }, actor });
    return toView(row as Row);
  } catch (err) {
    if (pgCode(err) === PG.uniqueViolation) throw new AppError('conflict', 'carrier_exists', `Carrier ${input.code} already exists`, { carrier: input.code });
    throw err;
  }
}

/** Changes a carrier account; settings and credentials are merged over the stored ones and validated whole. */
export async function updateCarrier(tx: Executor, code: string, patch: CarrierPatch, actor?: string): Promise<CarrierView> {
  const cur = await selectCarrier(tx, code, true);
  const settings = mergeSettings(cur.kind, cur.settings, patch.settings);
  const credentials = sealedCredentials(code, cur.credentials, patch.credentials);
  const row = await tx.updateTable('carriers').set({
    name: patch.name ?? cur.name, active: patch.active ?? cur.active, cod_capable: patch.cod_capable ?? cur.cod_capable,
    settings: JSON.stringify(settings), credentials: JSON.stringify(credentials), updated_at: new Date(),
  }).where('code', '=', code).returning(COLUMNS).executeTakeFirstOrThrow();
  const changed = Object.keys(patch).filter((k) => patch[k as keyof CarrierPatch] !== undefined);
  await emit(tx, { type: 'carrier.updated', aggregateType: 'carrier', aggregateId: code, payload: { code, changed, credentials_changed: Object.keys(patch.credentials ?? {}) }, actor });
  return toView(row as Row);
}

/** One carrier account, without its secrets (throws carrier_not_found). */
export async function getCarrier(db: Executor, code: string): Promise<CarrierView> {
  return toView(await selectCarrier(db, code));
}

/** Every carrier account, without secrets. */
export async function listCarriers(db: Executor, filter: { active?: boolean | undefined } = {}): Promise<CarrierView[]> {
  let q = db.selectFrom('carriers').select(COLUMNS).orderBy('code');
  if (filter.active !== undefined) q = q.where('active', '=', filter.active);
  return (await q.execute()).map((r) => toView(r as Row));
}

/** The stored account with its credentials, for adapters and webhook verification only. */
export async function loadCarrierAccount(db: Executor, code: string): Promise<CarrierAccount & { active: boolean }> {
  return toAccount(await selectCarrier(db, code));
}

/** The adapter of one carrier account. */
export async function carrierAdapter(db: Executor, code: string, fetchImpl: typeof fetch = fetch): Promise<CarrierAdapter> {
  return buildAdapter(await loadCarrierAccount(db, code), { db, fetch: fetchImpl });
}

/** The adapters of every active carrier account. */
export async function activeCarrierAdapters(db: Executor, fetchImpl: typeof fetch = fetch): Promise<CarrierAdapter[]> {
  const rows = await db.selectFrom('carriers').select(COLUMNS).where('active', '=', true).where('kind', '<>', 'external').orderBy('code').execute();
  return rows.map((r) => buildAdapter(toAccount(r as Row), { db, fetch: fetchImpl }));
}

/** Carrier names by code, for documents. */
export async function carrierNames(db: Executor, codes: string[]): Promise<Map<string, string>> {
  if (codes.length === 0) return new Map();
  const rows = await db.selectFrom('carriers').select(['code', 'name']).where('code', 'in', codes).execute();
  return new Map(rows.map((r) => [r.code, r.name]));
}

/** Locks nothing; tells whether the carrier code exists (for rule validation). */
export async function assertCarriersExist(db: Executor, codes: string[]): Promise<void> {
  if (codes.length === 0) return;
  const found = await db.selectFrom('carriers').select('code').where('code', 'in', codes).execute();
  const missing = codes.filter((c) => !found.some((f) => f.code === c));
  if (missing.length > 0) throw new AppError('not_found', 'carrier_not_found', `Unknown carrier(s): ${missing.join(', ')}`, { carriers: missing });
}

