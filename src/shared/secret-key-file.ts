import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, type Config } from '../config.js';
import { makeKeyRing, parseSecretKey, SecretKeyError, type KeyRing } from './secrets.js';

/** Where the embedded database's generated key lives: beside its data, readable by the owner only. */
export function keyFilePath(dataDir: string): string {
  return path.join(dataDir, 'secret.key');
}

/**
 * The key ring a process runs with. `TANDEM_SECRET_KEY` when set. Without it, only the embedded database
 * (no DATABASE_URL: trying, demos, one machine) falls back to `<data dir>/secret.key`, generated on first
 * start with mode 0600. Against DATABASE_URL (production) a process refuses to start without a key: a
 * generated per-machine key would differ between the processes sharing the database.
 */
export function keyRingForProcess(config: Pick<Config, 'secrets' | 'databaseUrl' | 'dataDir'>, log: (m: string) => void): KeyRing {
  if (config.secrets.key) return makeKeyRing(config.secrets.key, config.secrets.previous);
  if (config.databaseUrl !== undefined) {
    throw new ConfigError(
      'TANDEM_SECRET_KEY is required with DATABASE_URL: channel, webhook and carrier secrets are encrypted with it. '
      + 'Generate one with `openssl rand -base64 32`, keep it in your secret store, and give the same key to every tandem process (docs/security.md).',
    );
  }
  const file = keyFilePath(config.dataDir);
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    fs.mkdirSync(config.dataDir, { recursive: true });
    try {
      // 'wx': two processes starting at once cannot both write a key; the loser reads the winner's.
      fs.writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      log(`generated a secret key for stored secrets in ${file} (mode 0600); back it up with the data directory, or set TANDEM_SECRET_KEY`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    raw = fs.readFileSync(file, 'utf8');
  }
  if ((fs.statSync(file).mode & 0o077) !== 0) log(`warning: ${file} is readable by other users; run chmod 600 on it`);
  try {
    return makeKeyRing(parseSecretKey(raw, file), config.secrets.previous);
  } catch (err) {
    if (err instanceof SecretKeyError) throw new ConfigError(err.message);
    throw err;
  }
}
