import { createHash, randomBytes } from 'node:crypto';
import type { Executor } from '../../db/database.js';
import { AppError, notFound } from '../../shared/errors.js';
import { newId, ulid } from '../../shared/ids.js';
import { emit } from '../../events/outbox.js';
import type { ApiKeyView, Principal, Role } from './auth.types.js';

/** The id of the bootstrap admin key (created at first start or from TANDEM_ADMIN_KEY). */
export const BOOTSTRAP_KEY_ID = 'key_bootstrap_admin';

function hashSecret(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** A new random key token: `tdm_` + 32 random bytes (base64url). Shown once, stored only as a hash. */
function newToken(): string {
  return `tdm_${ulid().slice(-6)}${randomBytes(32).toString('base64url')}`;
}

const VIEW = ['id', 'name', 'role', 'warehouse_ids', 'created_at', 'revoked_at', 'last_used_at'] as const;

export async function authenticate(db: Executor, token: string): Promise<Principal | undefined> {
  if (token.length < 16 || token.length > 512) return undefined;
  // The token has at least 128 bits of entropy, so a plain SHA-256 index lookup is safe: no timing oracle on a secret prefix.
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'name', 'role', 'warehouse_ids', 'last_used_at'])
    .where('secret_hash', '=', hashSecret(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    void db.updateTable('api_keys').set({ last_used_at: new Date() }).where('id', '=', row.id).execute().catch(() => undefined);
  }
  return { id: row.id, name: row.name, role: row.role as Role, warehouseIds: row.warehouse_ids };
}

export interface CreateApiKeyInput {
  name: string;
  role: Role;
  warehouseIds?: string[] | null | undefined;
  actor?: string | undefined;
}

/** Creates an API key and returns its token once; only its hash is stored. */
export async function createApiKey(tx: Executor, input: CreateApiKeyInput): Promise<ApiKeyView & { token: string }> {
  if (input.warehouseIds && input.warehouseIds.length > 0) {
    const found = await tx.selectFrom('warehouses').select('id').where('id', 'in', input.warehouseIds).execute();
    const missing = input.warehouseIds.filter((id) => !found.some((f) => f.id === id));
    if (missing.length > 0) {
      throw new AppError('invalid', 'warehouse_not_found', `Unknown warehouse(s): ${missing.join(', ')}`, { warehouse_ids: missing });
    }
  }
  const token = newToken();
  const row = await tx
    .insertInto('api_keys')
    .values({
      id: newId('key'),
      name: input.name,
      role: input.role,
      warehouse_ids: input.warehouseIds && input.warehouseIds.length > 0 ? input.warehouseIds : null,
      secret_hash: hashSecret(token),
      revoked_at: null,
      last_used_at: null,
    })
    .returning(VIEW)
    .executeTakeFirstOrThrow();
  await emit(tx, { type: 'api_key.created', aggregateType: 'api_key', aggregateId: row.id, payload: { role: row.role, name: row.name }, actor: input.actor });
  return { ...(row as ApiKeyView), token };
}

export async function listApiKeys(db: Executor): Promise<ApiKeyView[]> {
  return (await db.selectFrom('api_keys').select(VIEW).orderBy('created_at').execute()) as ApiKeyView[];
}

/** Revokes a key; it stops working on the next request of any process. */
export async function revokeApiKey(tx: Executor, id: string, actor?: string): Promise<ApiKeyView> {
  const row = await tx
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning(VIEW)
    .executeTakeFirst();
  if (!row) throw notFound('API key', id);
  await emit(tx, { type: 'api_key.revoked', aggregateType: 'api_key', aggregateId: id, payload: {}, actor });
  return row as ApiKeyView;
}

/**
 * Makes sure an admin can get in: with TANDEM_ADMIN_KEY the bootstrap key is (re)set to it;
 * without it, when no active admin key exists, a new one is generated and returned to be printed once.
 */
export async function ensureBootstrapAdmin(tx: Executor, configured: string | undefined): Promise<{ token?: string | undefined; change?: 'created' | 'reset' | undefined }> {
  if (configured) {
    // Upserted on every start; a row comes back only when something changed (new, other secret, or un-revoked).
    const prior = await tx.selectFrom('api_keys').select('id').where('id', '=', BOOTSTRAP_KEY_ID).executeTakeFirst();
    const changed = await tx
      .insertInto('api_keys')
      .values({ id: BOOTSTRAP_KEY_ID, name: 'bootstrap admin (TANDEM_ADMIN_KEY)', role: 'admin', warehouse_ids: null, secret_hash: hashSecret(configured), revoked_at: null, last_used_at: null })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({ secret_hash: hashSecret(configured), revoked_at: null }).where((eb) => eb.or([eb('api_keys.secret_hash', '!=', hashSecret(configured)), eb('api_keys.revoked_at', 'is not', null)])),
      )
      .returning('id')
      .executeTakeFirst();
    return { change: changed ? (prior ? 'reset' : 'created') : undefined };
  }
  const existing = await tx.selectFrom('api_keys').select('id').where('role', '=', 'admin').where('revoked_at', 'is', null).limit(1).executeTakeFirst();
  if (existing) return {};
  const prior = await tx.selectFrom('api_keys').select('id').where('id', '=', BOOTSTRAP_KEY_ID).executeTakeFirst();
  const token = newToken();
  await tx
    .insertInto('api_keys')
    .values({ id: BOOTSTRAP_KEY_ID, name: 'bootstrap admin (generated)', role: 'admin', warehouse_ids: null, secret_hash: hashSecret(token), revoked_at: null, last_used_at: null })
    .onConflict((oc) => oc.column('id').doUpdateSet({ secret_hash: hashSecret(token), revoked_at: null }))
    .execute();
  return { token, change: prior ? 'reset' : 'created' };
}

/** True when the principal may act on objects of this warehouse. */
export function canAccessWarehouse(p: Principal, warehouseId: string): boolean {
  return p.warehouseIds === null || p.warehouseIds.includes(warehouseId);
}

/** Throws a 404 (not 403: no existence leak) when the object's warehouse is outside the caller's scope. */
export function assertWarehouseScope(p: Principal, warehouseId: string, what: string, id: string): void {
  if (!canAccessWarehouse(p, warehouseId)) throw notFound(what, id);
}
