import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { emit } from '../../events/outbox.js';
import type { Principal, Role, UserView } from './auth.types.js';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { normalizeEmail } from './users.js';

/** A session ends after this long without a request (a shift plus margin)… */
export const SESSION_IDLE_MS = 12 * 3_600_000;
/** …and in any case this long after sign-in. */
export const SESSION_MAX_MS = 7 * 24 * 3_600_000;
/** `last_seen_at` is written at most this often per session, so reads stay reads. */
const TOUCH_EVERY_MS = 60_000;

/** Sign-in throttling: per e-mail (guessing one account) and per client address (spraying many). */
export const THROTTLE = {
  windowMinutes: 15,
  email: { freeFailures: 5, baseBlockSeconds: 30, maxBlockSeconds: 900 },
  ip: { freeFailures: 50, baseBlockSeconds: 900, maxBlockSeconds: 900 },
} as const;

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * The CSRF token of a session, derived from its secret token: only someone who holds the (HttpOnly) cookie's
 * value, i.e. our own page after sign-in, can know it, and it reveals nothing about the session token.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update('tandem-csrf\n').update(sessionToken).digest('base64url');
}

/** Compares a presented CSRF token with the session's in constant time. */
export function csrfMatches(sessionToken: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export type CredentialCheck =
  | { ok: true; userId: string; rehash: string | undefined }
  | { ok: false; reason: 'invalid_credentials' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

async function blockedFor(db: Executor, keys: string[]): Promise<number> {
  const row = await db
    .selectFrom('login_throttle')
    .select(sql<number>`ceil(extract(epoch from max(blocked_until) - now()))::int`.as('seconds'))
    .where('key', 'in', keys)
    .where('blocked_until', '>', new Date())
    .executeTakeFirst();
  return row?.seconds ?? 0;
}

async function recordFailure(db: Executor, key: string, rule: { freeFailures: number; baseBlockSeconds: number; maxBlockSeconds: number }): Promise<void> {
  const window = `${THROTTLE.windowMinutes} minutes`;
  // One guarded upsert: the counter restarts once its window has passed; past the free failures each one
  // doubles the block, up to the cap. No read-modify-write, so parallel attempts on many processes all count.
  await sql`
    INSERT INTO login_throttle AS t (key, failures, window_started_at, blocked_until)
    VALUES (${key}, 1, now(), NULL)
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN t.window_started_at < now() - ${window}::interval THEN 1 ELSE t.failures + 1 END,
      window_started_at = CASE WHEN t.window_started_at < now() - ${window}::interval THEN now() ELSE t.window_started_at END,
      blocked_until = CASE
        WHEN t.window_started_at >= now() - ${window}::interval AND t.failures + 1 >= ${rule.freeFailures}
        THEN now() + make_interval(secs => least(${rule.maxBlockSeconds}::float8, ${rule.baseBlockSeconds}::float8 * power(2, t.failures + 1 - ${rule.freeFailures})))
        ELSE t.blocked_until END`.execute(db);
}

export interface Credentials {
  email: string;
  password: string;
  ip?: string | undefined;
}

/**
 * Checks a sign-in attempt: the throttle first, then the password in constant time (an unknown e-mail costs the
 * same scrypt as a wrong password). Runs outside any transaction — a hash takes ~0.4 s and must not hold a
 * connection; each failure is counted by one atomic statement. The result never says which part was wrong.
 */
export async function checkCredentials(db: Executor, input: Credentials): Promise<CredentialCheck> {
  const email = normalizeEmail(input.email);
  const emailKey = `email:${email}`;
  const ipKey = input.ip ? `ip:${input.ip}` : undefined;
  const wait = await blockedFor(db, ipKey ? [emailKey, ipKey] : [emailKey]);
  if (wait > 0) return { ok: false, reason: 'throttled', retryAfterSeconds: wait };

  const user = await db.selectFrom('users').select(['id', 'password_hash', 'disabled_at']).where('email', '=', email).executeTakeFirst();
  const matches = await verifyPassword(input.password, user?.password_hash ?? (await dummyHash()));
  if (!user || !matches || user.disabled_at !== null) {
    await recordFailure(db, emailKey, THROTTLE.email);
    if (ipKey) await recordFailure(db, ipKey, THROTTLE.ip);
    return { ok: false, reason: 'invalid_credentials' };
  }
  await db.deleteFrom('login_throttle').where('key', '=', emailKey).execute();
  return { ok: true, userId: user.id, rehash: needsRehash(user.password_hash) ? await hashPassword(input.password) : undefined };
}

export interface OpenedSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
  user: UserView;
}

/** Opens a session for a user whose credentials were just checked; the token is returned once, stored hashed. */
export async function openSession(tx: Executor, check: { userId: string; rehash: string | undefined }, meta: { ip?: string | undefined; userAgent?: string | undefined }): Promise<OpenedSession> {
  const token = `tds_${randomBytes(32).toString('base64url')}`;
  const now = Date.now();
  const expiresAt = new Date(now + SESSION_MAX_MS);
  const user = await tx
    .updateTable('users')
    .set({ last_login_at: new Date(now), ...(check.rehash ? { password_hash: check.rehash } : {}) })
    .where('id', '=', check.userId)
    .where('disabled_at', 'is', null)
    .returning(['id', 'email', 'name', 'role', 'warehouse_ids', 'created_at', 'updated_at', 'disabled_at', 'last_login_at'])
    .executeTakeFirst();
  if (!user) throw new AppError('unauthorized', 'invalid_credentials', 'The e-mail or password is not right');
  await tx
    .insertInto('user_sessions')
    .values({
      token_hash: sha256(token), user_id: user.id, idle_expires_at: new Date(Math.min(now + SESSION_IDLE_MS, expiresAt.getTime())), expires_at: expiresAt,
      revoked_at: null, user_agent: meta.userAgent?.slice(0, 300) ?? null, ip: meta.ip ?? null,
    })
    .execute();
  await emit(tx, { type: 'user.signed_in', aggregateType: 'user', aggregateId: user.id, payload: { ip: meta.ip ?? null }, actor: user.id });
  return { token, csrfToken: csrfTokenFor(token), expiresAt, user: user as UserView };
}

export interface SessionPrincipal {
  principal: Principal;
  user: { id: string; email: string; name: string };
  expiresAt: Date;
  idleExpiresAt: Date;
}

/** Resolves a session cookie to its user as a Principal, or undefined when unknown, ended, expired or the user is disabled. */
export async function resolveSession(db: Executor, token: string): Promise<SessionPrincipal | undefined> {
  if (!/^tds_[\w-]{43}$/.test(token)) return undefined;
  const hash = sha256(token);
  const row = await db
    .selectFrom('user_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['u.id', 'u.email', 'u.name', 'u.role', 'u.warehouse_ids', 's.expires_at', 's.idle_expires_at', 's.last_seen_at'])
    .where('s.token_hash', '=', hash)
    .where('s.revoked_at', 'is', null)
    .where('s.expires_at', '>', new Date())
    .where('s.idle_expires_at', '>', new Date())
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  let idleExpiresAt = row.idle_expires_at;
  if (Date.now() - row.last_seen_at.getTime() > TOUCH_EVERY_MS) {
    idleExpiresAt = new Date(Math.min(Date.now() + SESSION_IDLE_MS, row.expires_at.getTime()));
    void db.updateTable('user_sessions').set({ last_seen_at: new Date(), idle_expires_at: idleExpiresAt }).where('token_hash', '=', hash).execute().catch(() => undefined);
  }
  return {
    principal: { id: row.id, name: row.email, role: row.role as Role, warehouseIds: row.warehouse_ids },
    user: { id: row.id, email: row.email, name: row.name },
    expiresAt: row.expires_at,
    idleExpiresAt,
  };
}

/** Ends a session (sign-out); true when it was open. */
export async function endSession(tx: Executor, token: string): Promise<boolean> {
  const row = await tx.updateTable('user_sessions').set({ revoked_at: new Date() }).where('token_hash', '=', sha256(token)).where('revoked_at', 'is', null).returning('user_id').executeTakeFirst();
  if (row) await emit(tx, { type: 'user.signed_out', aggregateType: 'user', aggregateId: row.user_id, payload: {}, actor: row.user_id });
  return row !== undefined;
}

/** Deletes sessions that can no longer be used and throttle rows whose window has long passed; run by the worker. */
export async function purgeSessions(db: Executor): Promise<number> {
  const dayAgo = new Date(Date.now() - 86_400_000);
  const s = await db.deleteFrom('user_sessions').where((eb) => eb.or([eb('expires_at', '<', new Date()), eb('idle_expires_at', '<', new Date()), eb('revoked_at', '<', dayAgo)])).executeTakeFirst();
  await db.deleteFrom('login_throttle').where('window_started_at', '<', dayAgo).where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', new Date())])).execute();
  return Number(s.numDeletedRows);
}
