import pino from 'pino';
import { loadConfig, type Config } from './config.js';
import { connect, type Connected } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { withTx } from './db/database.js';
import { buildServer } from './http/server.js';
import { BOOTSTRAP_KEY_ID, ensureBootstrapAdmin } from './modules/auth/index.js';
import { recordCliChange } from './cli/audit.js';
import { startWorkers } from './worker.js';
import { VERSION } from './version.js';
import { installKeyRing } from './shared/secrets.js';
import { keyRingForProcess } from './shared/secret-key-file.js';
import { secretsStatus } from './workflows/rotate-secrets.js';

export type Role = 'start' | 'serve' | 'work';

export interface Running {
  url: string | undefined;
  connected: Connected;
  shutdown(reason?: string): Promise<void>;
}

/**
 * The composition root: config → database (embedded or external) → migrations → HTTP and/or workers.
 * `start` runs both, `serve` only HTTP, `work` only background jobs. Every process is stateless.
 */
export async function startTandem(role: Role, config: Config = loadConfig()): Promise<Running> {
  const logger = pino({ level: config.logLevel });
  // Before anything else: against DATABASE_URL a process without TANDEM_SECRET_KEY refuses to start.
  installKeyRing(keyRingForProcess(config, (m) => logger.warn(m)), (info, m) => logger.error(info, m));
  const connected = await connect(config, (m) => logger.info(m), `tandem-${role}`);
  const { db } = connected.database;
  const applied = await migrateToLatest(db);
  for (const r of applied.results ?? []) logger.info({ migration: r.migrationName, status: r.status }, 'migration');
  const secrets = await secretsStatus(db);
  if (secrets.unknown_keys.length > 0) {
    logger.error({ unknown_keys: secrets.unknown_keys }, 'stored secrets were sealed with keys this process does not have: they cannot be opened until the key is in TANDEM_SECRET_KEY or TANDEM_SECRET_KEYS_PREVIOUS');
  }
  if (secrets.plaintext > 0) logger.warn({ plaintext: secrets.plaintext }, 'stored secrets from before encryption are still plaintext: run tandem secrets rotate');

  const bootstrap = await withTx(db, async (tx) => {
    const b = await ensureBootstrapAdmin(tx, config.adminKey);
    // A new or reset bootstrap key is an administrative change: audited in the same transaction (never the secret).
    if (b.change) {
      await recordCliChange(tx, { command: `${role} (bootstrap admin key ${b.change})`, objectType: 'api_key', objectId: BOOTSTRAP_KEY_ID, after: { role: 'admin', source: config.adminKey ? 'TANDEM_ADMIN_KEY' : 'generated' } });
    }
    return b;
  });
  if (bootstrap.token) {
    // Printed once, on the first start: it is stored only as a hash.
    process.stdout.write(`\n  Tandem admin API key (shown once, store it now):\n\n    ${bootstrap.token}\n\n`);
  }

  const app =
    role === 'work'
      ? undefined
      : await buildServer({ db, version: VERSION, databaseKind: connected.kind, postgresVersion: connected.postgresVersion, logLevel: config.logLevel, bodyLimitBytes: config.bodyLimitBytes, rateLimit: config.rateLimit, trustProxy: config.trustProxy, maxInFlight: config.maxInFlight });
  const workers = role === 'serve' ? undefined : startWorkers(db, logger);

  let url: string | undefined;
  if (app) {
    url = await app.listen({ port: config.port, host: config.host });
    logger.info({ url, database: connected.kind, postgres: connected.postgresVersion }, `Tandem ${VERSION} listening; API docs at ${url}/api/docs`);
  }

  let done: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown'): Promise<void> =>
    (done ??= (async () => {
      logger.info({ reason }, 'shutting down: finishing in-flight requests');
      const force = setTimeout(() => {
        logger.error('shutdown timed out; exiting');
        process.exit(1);
      }, config.shutdownTimeoutMs);
      force.unref();
      await app?.close(); // stops accepting, waits for in-flight requests
      await workers?.stop();
      await connected.close(); // pool, then the embedded server if we own it
      clearTimeout(force);
      logger.info('stopped');
    })());

  return { url, connected, shutdown };
}

/** Runs until SIGTERM or SIGINT, then shuts down gracefully. */
export async function runUntilSignalled(role: Role): Promise<void> {
  const running = await startTandem(role);
  const onSignal = (signal: NodeJS.Signals): void => {
    void running.shutdown(signal).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
