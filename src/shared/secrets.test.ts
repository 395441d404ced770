import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { isCurrent, isSealed, keyId, keyRingFromEnv, makeKeyRing, openFields, openSecret, parseSecretKey, sealedKeyId, sealFields, sealSecret, withOpenedFields } from './secrets.js';
import { keyRingForProcess } from './secret-key-file.js';
import { ConfigError, loadConfig } from '../config.js';

const A = randomBytes(32);
const B = randomBytes(32);
const ringA = makeKeyRing(A);
const ringB = makeKeyRing(B);
const ringBA = makeKeyRing(B, [A]);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).code;
  }
  throw new Error('did not throw');
}

describe('secret envelope', () => {
  it('round-trips a value, in the tsec:v1 format with the key id, never containing the plaintext', () => {
    const plain = 'shpss_0123456789abcdef-ünïcødé';
    const sealed = sealSecret(plain, 'channels.secret:ch_1', ringA);
    expect(sealed).toMatch(/^tsec:v1:[0-9a-f]{8}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(sealedKeyId(sealed)).toBe(keyId(A));
    expect(sealed).not.toContain(plain);
    expect(isSealed(sealed)).toBe(true);
    expect(openSecret(sealed, 'channels.secret:ch_1', ringA)).toBe(plain);
    // A fresh IV each time: equal secrets do not give equal ciphertexts.
    expect(sealSecret(plain, 'channels.secret:ch_1', ringA)).not.toBe(sealed);
  });

  it('opens nothing without the key that sealed it: no key, another key, or only the new key', () => {
    const sealed = sealSecret('s3cret-value', 'p:1', ringA);
    expect(code(() => openSecret(sealed, 'p:1', makeKeyRing(undefined)))).toBe('secret_key_unknown');
    expect(code(() => openSecret(sealed, 'p:1', ringB))).toBe('secret_key_unknown');
    expect(code(() => sealSecret('x', 'p:1', makeKeyRing(undefined)))).toBe('secret_key_missing');
  });

  it('a forged key id (another key claiming the id) does not authenticate', () => {
    const sealed = sealSecret('s3cret-value', 'p:1', ringA);
    const impostor = { current: { id: keyId(A), key: B }, previous: [] };
    expect(code(() => openSecret(sealed, 'p:1', impostor))).toBe('secret_undecryptable');
  });

  it('detects tampering with the ciphertext, the tag, the IV or the format', () => {
    const sealed = sealSecret('s3cret-value', 'p:1', ringA);
    const [pre, v, kid, iv, body] = sealed.split(':') as [string, string, string, string, string];
    const flip = (s: string, i: number): string => {
      const buf = Buffer.from(s, 'base64url');
      buf[i]! ^= 1;
      return buf.toString('base64url');
    };
    const bodyLen = Buffer.from(body, 'base64url').length;
    expect(code(() => openSecret([pre, v, kid, iv, flip(body, 0)].join(':'), 'p:1', ringA))).toBe('secret_undecryptable');
    expect(code(() => openSecret([pre, v, kid, iv, flip(body, bodyLen - 1)].join(':'), 'p:1', ringA))).toBe('secret_undecryptable');
    expect(code(() => openSecret([pre, v, kid, flip(iv, 3), body].join(':'), 'p:1', ringA))).toBe('secret_undecryptable');
    expect(code(() => openSecret([pre, v, kid, iv, body.slice(0, 10)].join(':'), 'p:1', ringA))).toBe('secret_undecryptable');
    expect(code(() => openSecret('tsec:v2:whatever', 'p:1', ringA))).toBe('secret_undecryptable');
  });

  it('binds a value to its purpose: copied to another row or column it does not open', () => {
    const sealed = sealSecret('s3cret-value', 'channels.secret:ch_1', ringA);
    expect(code(() => openSecret(sealed, 'channels.secret:ch_2', ringA))).toBe('secret_undecryptable');
    expect(code(() => openSecret(sealed, 'webhook_subscriptions.secret:ch_1', ringA))).toBe('secret_undecryptable');
  });

  it('passes legacy plaintext through unchanged (sealed later by tandem secrets rotate)', () => {
    expect(isSealed('old-plain-secret')).toBe(false);
    expect(openSecret('old-plain-secret', 'p:1', ringA)).toBe('old-plain-secret');
    expect(openSecret('old-plain-secret', 'p:1', makeKeyRing(undefined))).toBe('old-plain-secret');
  });

  it('during a rotation opens values of the previous key and seals only with the new one', () => {
    const old = sealSecret('s3cret-value', 'p:1', ringA);
    expect(openSecret(old, 'p:1', ringBA)).toBe('s3cret-value');
    expect(isCurrent(old, ringBA)).toBe(false);
    const fresh = sealSecret('s3cret-value', 'p:1', ringBA);
    expect(sealedKeyId(fresh)).toBe(keyId(B));
    expect(isCurrent(fresh, ringBA)).toBe(true);
    expect(openSecret(fresh, 'p:1', ringB)).toBe('s3cret-value');
    expect(code(() => openSecret(old, 'p:1', ringB))).toBe('secret_key_unknown');
  });

  it('seals each field of a credentials object under its own purpose and opens them lazily', () => {
    const sealed = sealFields({ api_key: 'k-123456', webhook_secret: 'w-123456' }, 'carriers.credentials:ep', ringA);
    expect(Object.keys(sealed).sort()).toEqual(['api_key', 'webhook_secret']);
    expect(JSON.stringify(sealed)).not.toContain('k-123456');
    expect(openFields(sealed, 'carriers.credentials:ep', ringA)).toEqual({ api_key: 'k-123456', webhook_secret: 'w-123456' });
    // Swapping two fields' ciphertexts is caught.
    expect(code(() => openFields({ api_key: sealed.webhook_secret! }, 'carriers.credentials:ep', ringA))).toBe('secret_undecryptable');
    const obj = withOpenedFields({ code: 'ep' }, 'credentials', { api_key: sealSecret('zzz-999', 'x:ep:api_key', ringB) }, 'x:ep');
    expect(JSON.stringify(obj)).toBe('{"code":"ep"}');
    expect({ ...obj }).toEqual({ code: 'ep' });
    // The process ring (from the environment) lacks key B: the failure comes where the value is used.
    expect(() => (obj as unknown as { credentials: unknown }).credentials).toThrow(AppError);
  });
});

describe('secret keys', () => {
  it('accepts 32 bytes as base64, base64url or 64 hex digits, and refuses anything else with a hint', () => {
    const k = randomBytes(32);
    expect(parseSecretKey(k.toString('base64'), 'K').equals(k)).toBe(true);
    expect(parseSecretKey(k.toString('base64url'), 'K').equals(k)).toBe(true);
    expect(parseSecretKey(k.toString('hex'), 'K').equals(k)).toBe(true);
    for (const bad of ['', 'short', randomBytes(16).toString('base64'), randomBytes(48).toString('base64'), `${k.toString('hex')}00`]) {
      expect(() => parseSecretKey(bad, 'TANDEM_SECRET_KEY')).toThrow(/openssl rand -base64 32/);
    }
    expect(() => loadConfig({ TANDEM_SECRET_KEY: 'not-a-key' })).toThrow(ConfigError);
    expect(() => loadConfig({ TANDEM_SECRET_KEY: k.toString('base64'), TANDEM_SECRET_KEYS_PREVIOUS: `${randomBytes(32).toString('hex')},oops` })).toThrow(/entry 2/);
  });

  it('reads the ring from TANDEM_SECRET_KEY and TANDEM_SECRET_KEYS_PREVIOUS, ignoring a repeat of the current key', () => {
    const ring = keyRingFromEnv({ TANDEM_SECRET_KEY: B.toString('base64'), TANDEM_SECRET_KEYS_PREVIOUS: ` ${A.toString('hex')} , ${B.toString('base64')}` });
    expect(ring.current?.id).toBe(keyId(B));
    expect(ring.previous.map((p) => p.id)).toEqual([keyId(A)]);
    expect(keyId(A)).not.toBe(keyId(B));
  });

  it('refuses to start against DATABASE_URL without a key, and generates a 0600 key file for the embedded database', () => {
    const external = loadConfig({ DATABASE_URL: 'postgres://localhost/x' });
    expect(() => keyRingForProcess(external, () => undefined)).toThrow(/TANDEM_SECRET_KEY is required with DATABASE_URL.*openssl rand -base64 32/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-key-'));
    try {
      const logs: string[] = [];
      const embedded = loadConfig({ TANDEM_DATA_DIR: dir });
      const first = keyRingForProcess(embedded, (m) => logs.push(m));
      const file = path.join(dir, 'secret.key');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(logs.join('\n')).toMatch(/generated a secret key/);
      const again = keyRingForProcess(embedded, (m) => logs.push(m));
      expect(again.current?.id).toBe(first.current?.id);
      expect(logs.filter((l) => l.includes('generated'))).toHaveLength(1);
      // An explicit key wins over the file.
      expect(keyRingForProcess(loadConfig({ TANDEM_DATA_DIR: dir, TANDEM_SECRET_KEY: A.toString('base64') }), () => undefined).current?.id).toBe(keyId(A));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
