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
    // Written whole to a temporary file, then linked into place: the key file either does not exist or holds a
    // complete key (a crash or a second process never sees it half written), and of two processes starting at once
    // only one link succeeds (EEXIST); the loser reads the winner's key.
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(tmp, file);
      log(`generated a secret key for stored secrets in ${file} (mode 0600); back it up with the data directory, or set TANDEM_SECRET_KEY`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      fs.rmSync(tmp, { force: true });
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
