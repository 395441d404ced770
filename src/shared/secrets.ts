import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from './errors.js';

/**
 * Secrets at rest: AES-256-GCM envelopes for channel secrets, webhook signing secrets, channel API and carrier
 * credentials. A stored value is `tsec:v1:<kid>:<iv>:<ciphertext+tag>` (base64url parts); the key id names
 * the key that sealed it, and the additional authenticated data binds it to its purpose (table, column, row,
 * field), so a value copied to another row or column does not open. The key ring has one current key (seals and
 * opens) and any number of previous keys (open only), which is what makes rotation possible without downtime.
 * A value without the `tsec:` prefix is a legacy plaintext value (stored before encryption was introduced);
 * it is returned as is and sealed by `tandem secrets rotate`.
 */

export const SEALED_PREFIX = 'tsec:';
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEALED = /^tsec:v1:([0-9a-f]{8}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22,})$/;

export interface SecretKey {
  /** Short, non-secret id: the first 8 hex digits of a SHA-256 over the key. */
  id: string;
  key: Buffer;
}

export interface KeyRing {
  /** Seals new values and opens its own; undefined when no key is configured (nothing can be sealed). */
  current: SecretKey | undefined;
  /** Open only: values sealed before the last key change, until `tandem secrets rotate` re-seals them. */
  previous: SecretKey[];
}

/** A key that cannot be used (wrong length or encoding); config turns it into a start-up error. */
export class SecretKeyError extends Error {}

/** Parses a 32-byte key given as 64 hex digits or base64 (standard or URL alphabet, padding optional). */
export function parseSecretKey(raw: string, name: string): Buffer {
  const s = raw.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(s)) key = Buffer.from(s, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(s)) key = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (!key || key.length !== 32) {
    throw new SecretKeyError(`${name} must be 32 random bytes as base64 (44 characters) or 64 hex digits; generate one with: openssl rand -base64 32`);
  }
  return key;
}

/** The key id: not secret, stable for a key, different for different keys. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('tandem-secret-key-id\0').update(key).digest('hex').slice(0, 8);
}

/** A key ring from raw keys; the previous keys may repeat the current one (ignored). */
export function makeKeyRing(current: Buffer | undefined, previous: Buffer[] = []): KeyRing {
  const cur = current ? { id: keyId(current), key: current } : undefined;
  const seen = new Set(cur ? [cur.id] : []);
  const prev: SecretKey[] = [];
  for (const k of previous) {
    const id = keyId(k);
    if (seen.has(id)) continue;
    seen.add(id);
    prev.push({ id, key: k });
  }
  return { current: cur, previous: prev };
}

/** The key ring described by TANDEM_SECRET_KEY and TANDEM_SECRET_KEYS_PREVIOUS (comma-separated). */
export function keyRingFromEnv(env: NodeJS.ProcessEnv = process.env): KeyRing {
  const raw = env.TANDEM_SECRET_KEY?.trim();
  const previous = (env.TANDEM_SECRET_KEYS_PREVIOUS ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
  return makeKeyRing(raw ? parseSecretKey(raw, 'TANDEM_SECRET_KEY') : undefined, previous.map((k, i) => parseSecretKey(k, `TANDEM_SECRET_KEYS_PREVIOUS (entry ${i + 1})`)));
}

type FailureLog = (info: { code: string; key_id: string | null; purpose: string }, message: string) => void;

let installed: KeyRing | undefined;
let fromEnv: KeyRing | undefined;
let failureLog: FailureLog | undefined;
const lastLogged = new Map<string, number>();

/**
 * Makes `ring` the process's key ring (done once at start by `tandem start|serve|work` and the CLI). Without
 * it the ring is read from the environment on first use (tests, scripts). `log` hears of every value that
 * cannot be opened (at most once a minute per purpose), so a wrong key shows in the logs, not only in replies.
 */
export function installKeyRing(ring: KeyRing, log?: FailureLog): void {
  installed = ring;
  failureLog = log;
  lastLogged.clear();
}

/** The key ring in use. */
export function activeKeyRing(): KeyRing {
  if (installed) return installed;
  fromEnv ??= keyRingFromEnv();
  return fromEnv;
}

/** True for a value in the sealed format (whatever its key); false for legacy plaintext. */
export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}

/** The key id a sealed value names; undefined for plaintext. */
export function sealedKeyId(value: string): string | undefined {
  return SEALED.exec(value)?.[1];
}

/** True when the value is sealed with the ring's current key (nothing for `rotate` to do). */
export function isCurrent(value: string, ring: KeyRing = activeKeyRing()): boolean {
  return ring.current !== undefined && sealedKeyId(value) === ring.current.id;
}

const aad = (kid: string, purpose: string): Buffer => Buffer.from(`tsec:${VERSION}:${kid}:${purpose}`, 'utf8');

/** Encrypts `plain` for `purpose` (e.g. `channels.secret:ch_…`) with the current key. */
export function sealSecret(plain: string, purpose: string, ring: KeyRing = activeKeyRing()): string {
  const k = ring.current;
  if (!k) {
    throw new AppError('unavailable', 'secret_key_missing', 'No secret key is configured, so secrets cannot be stored: set TANDEM_SECRET_KEY (openssl rand -base64 32)');
  }
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', k.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(k.id, purpose));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${SEALED_PREFIX}${VERSION}:${k.id}:${iv.toString('base64url')}:${body.toString('base64url')}`;
}

function fail(code: 'secret_key_unknown' | 'secret_undecryptable', kid: string | null, purpose: string, message: string): AppError {
  if (failureLog) {
    const now = Date.now();
    const seen = `${code}:${purpose}`;
    if ((lastLogged.get(seen) ?? 0) < now - 60_000) {
      if (lastLogged.size > 10_000) lastLogged.clear();
      lastLogged.set(seen, now);
      failureLog({ code, key_id: kid, purpose }, message);
    }
  }
  return new AppError('unavailable', code, message, { key_id: kid, purpose: purpose.split(':')[0] });
}

/**
 * Decrypts a stored value sealed for `purpose`; legacy plaintext comes back unchanged. Throws `secret_key_unknown`
 * when the value's key is not in the ring and `secret_undecryptable` when it does not authenticate (wrong key,
 * tampered, or sealed for another purpose) — never returns garbage.
 */
export function openSecret(stored: string, purpose: string, ring: KeyRing = activeKeyRing()): string {
  if (!isSealed(stored)) return stored;
  const m = SEALED.exec(stored);
  if (!m) throw fail('secret_undecryptable', null, purpose, 'A stored secret is not in the tsec:v1 format');
  const [, kid, ivPart, bodyPart] = m as unknown as [string, string, string, string];
  const k = ring.current?.id === kid ? ring.current : ring.previous.find((p) => p.id === kid);
  if (!k) {
    throw fail('secret_key_unknown', kid, purpose,
      `A stored secret (${purpose.split(':')[0]}) was sealed with key ${kid}, which is neither TANDEM_SECRET_KEY nor in TANDEM_SECRET_KEYS_PREVIOUS`);
  }
  const body = Buffer.from(bodyPart, 'base64url');
  if (body.length < TAG_BYTES) throw fail('secret_undecryptable', kid, purpose, 'A stored secret is truncated');
  try {
    const decipher = createDecipheriv('aes-256-gcm', k.key, Buffer.from(ivPart, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(kid, purpose));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw fail('secret_undecryptable', kid, purpose, `A stored secret (${purpose.split(':')[0]}) does not authenticate under key ${kid}: it was changed, or sealed for another record`);
  }
}

/** Seals every value of a credentials object (field names stay readable: they tell which credentials are set). */
export function sealFields(fields: Record<string, string>, purpose: string, ring: KeyRing = activeKeyRing()): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, sealSecret(v, `${purpose}:${k}`, ring)]));
}

/** Opens every value of a credentials object sealed with `sealFields` (plaintext values pass through). */
export function openFields(fields: Record<string, unknown>, purpose: string, ring: KeyRing = activeKeyRing()): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, openSecret(String(v), `${purpose}:${k}`, ring)]));
}

/**
 * A column that holds secrets, declared by the module that owns the table, so `tandem secrets rotate|status`
 * can walk it: `text` holds one sealed value; `fields` is a jsonb object whose every value is sealed
 * (`sealFields`). The purpose of a value is `<purpose>:<row key>` (plus `:<field>` for fields).
 */
export interface SecretColumn {
  table: string;
  key: string;
  column: string;
  shape: 'text' | 'fields';
  purpose: string;
}

/** The purpose (additional authenticated data) of one row's value in a secret column. */
export function columnPurpose(col: SecretColumn, rowKey: string): string {
  return `${col.purpose}:${rowKey}`;
}

/**
 * Gives `target` a property `prop` that opens `stored` (a `sealFields` object, or null) on first read, not
 * before: code that never touches the credentials (views, availability) keeps working when a key is missing,
 * and the failure surfaces where they are used. Not enumerable, so spreading or serialising never copies them.
 */
export function withOpenedFields<T extends object>(target: T, prop: string, stored: Record<string, unknown> | null, purpose: string): T {
  let opened: Record<string, string> | null | undefined;
  Object.defineProperty(target, prop, {
    enumerable: false,
    configurable: true,
    get: () => (opened ??= stored === null ? null : openFields(stored, purpose)),
  });
  return target;
}
