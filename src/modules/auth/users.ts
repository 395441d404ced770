import type { Executor } from '../../db/database.js';
import { emit } from '../../events/outbox.js';
import { AppError, PG, notFound, pgCode } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Role, UserView } from './auth.types.js';
import { hashPassword } from './passwords.js';

const VIEW = ['id', 'email', 'name', 'role', 'warehouse_ids', 'created_at', 'updated_at', 'disabled_at', 'last_login_at'] as const;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/;
export const MIN_PASSWORD_LENGTH = 12;

export interface CreateUserInput {
  email: string;
  name?: string | undefined;
  role: Role;
  password: string;
  warehouseIds?: string[] | null | undefined;
  actor?: string | undefined;
}

/** E-mail addresses are compared case-insensitively: stored trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > 1024) {
    throw new AppError('invalid', 'weak_password', `A password needs ${MIN_PASSWORD_LENGTH} to 1024 characters`, { min_length: MIN_PASSWORD_LENGTH });
  }
}

async function checkWarehouses(tx: Executor, ids: string[] | null | undefined): Promise<string[] | null> {
  if (!ids || ids.length === 0) return null;
  const found = await tx.selectFrom('warehouses').select('id').where('id', 'in', ids).execute();
  const missing = ids.filter((id) => !found.some((f) => f.id === id));
  if (missing.length > 0) throw new AppError('invalid', 'warehouse_not_found', `Unknown warehouse(s): ${missing.join(', ')}`, { warehouse_ids: missing });
  return [...new Set(ids)];
}

/** Creates a dashboard user with a scrypt-hashed password; 409 `user_exists` when the e-mail is taken. */
export async function createUser(tx: Executor, input: CreateUserInput): Promise<UserView> {
  const email = normalizeEmail(input.email);
  if (!EMAIL.test(email)) throw new AppError('invalid', 'invalid_email', `"${input.email}" is not an e-mail address`, { email: input.email });
  checkPassword(input.password);
  const warehouseIds = await checkWarehouses(tx, input.warehouseIds);
  const passwordHash = await hashPassword(input.password);
  try {
    const row = await tx
      .insertInto('users')
      .values({ id: newId('usr'), email, name: input.name?.trim() || email, role: input.role, warehouse_ids: warehouseIds, password_hash: passwordHash, disabled_at: null, last_login_at: null })
      .returning(VIEW)
      .executeTakeFirstOrThrow();
    await emit(tx, { type: 'user.created', aggregateType: 'user', aggregateId: row.id, payload: { email, role: row.role, warehouse_ids: warehouseIds }, actor: input.actor });
    return row as UserView;
  } catch (err) {
    if (pgCode(err) === PG.uniqueViolation) throw new AppError('conflict', 'user_exists', `A user with e-mail ${email} already exists`, { email });
    throw err;
  }
}

export async function listUsers(db: Executor): Promise<UserView[]> {
  return (await db.selectFrom('users').select(VIEW).orderBy('email').execute()) as UserView[];
}

export interface UpdateUserInput {
  role?: Role | undefined;
  warehouseIds?: string[] | null | undefined;
  name?: string | undefined;
  password?: string | undefined;
  disabled?: boolean | undefined;
  actor?: string | undefined;
}

/**
 * Changes a user's role, scope, name, password or disables them. A change of role, scope or password, or
 * disabling, ends every session of the user: the next request signs in again under the new rules.
 */
export async function updateUser(tx: Executor, id: string, input: UpdateUserInput): Promise<UserView> {
  const set: Record<string, unknown> = { updated_at: new Date() };
  if (input.role !== undefined) set.role = input.role;
  if (input.warehouseIds !== undefined) set.warehouse_ids = await checkWarehouses(tx, input.warehouseIds);
  if (input.name !== undefined) set.name = input.name.trim();
  if (input.password !== undefined) {
    checkPassword(input.password);
    set.password_hash = await hashPassword(input.password);
  }
  if (input.disabled !== undefined) set.disabled_at = input.disabled ? new Date() : null;
  const row = await tx.updateTable('users').set(set).where('id', '=', id).returning(VIEW).executeTakeFirst();
  if (!row) throw notFound('User', id, 'user_not_found');
  const sensitive = input.role !== undefined || input.warehouseIds !== undefined || input.password !== undefined || input.disabled === true;
  if (sensitive) await tx.updateTable('user_sessions').set({ revoked_at: new Date() }).where('user_id', '=', id).where('revoked_at', 'is', null).execute();
  await emit(tx, {
    type: 'user.updated', aggregateType: 'user', aggregateId: id, actor: input.actor,
    payload: { role: row.role, warehouse_ids: row.warehouse_ids, disabled: row.disabled_at !== null, password_changed: input.password !== undefined },
  });
  return row as UserView;
}
