import net from 'node:net';
import path from 'node:path';

/** Every setting Tandem reads, validated once at start. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  adminKey: string | undefined;
  natsUrl: string | undefined;
  logLevel: string;
  dbPoolSize: number;
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
  webhooks: WebhookSettings;
  /** Requests per minute per API key or user (`TANDEM_RATE_LIMIT_PER_MINUTE`, default 600) and per client IP (`TANDEM_RATE_LIMIT_IP_PER_MINUTE`, default 1200); 0 = off. */
  rateLimit: { perKeyPerMinute: number; perIpPerMinute: number };
}

/** Outbound webhook delivery: who may be called and how hard to retry. */
export interface WebhookSettings {
  /** Hosts (exact names), IP addresses or CIDR ranges let through the SSRF guard (`TANDEM_WEBHOOK_ALLOW_HOSTS`). */
  allowHosts: string[];
  /** Per-request time limit, connect to last byte (`TANDEM_WEBHOOK_TIMEOUT_MS`, default 5000). */
  timeoutMs: number;
  /** Attempts before a delivery is dead-lettered (`TANDEM_WEBHOOK_MAX_ATTEMPTS`, default 20). */
  maxAttempts: number;
  /** First retry delay; doubles per attempt (`TANDEM_WEBHOOK_RETRY_BASE_MS`, default 30 s). */
  retryBaseMs: number;
  /** Longest delay between two attempts (`TANDEM_WEBHOOK_RETRY_CAP_MS`, default 3 h). */
  retryCapMs: number;
}

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/i;

function allowEntry(raw: string): string {
  const entry = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const [addr, prefix, extra] = entry.split('/');
  if (prefix !== undefined) {
    const family = net.isIP(addr ?? '');
    const bits = Number(prefix);
    if (family === 0 || extra !== undefined || !/^\d{1,3}$/.test(prefix) || bits > (family === 4 ? 32 : 128)) {
      throw new ConfigError(`TANDEM_WEBHOOK_ALLOW_HOSTS: "${raw}" is not a valid CIDR range`);
    }
    return entry;
  }
  if (net.isIP(entry) !== 0 || HOSTNAME.test(entry)) return entry;
  throw new ConfigError(`TANDEM_WEBHOOK_ALLOW_HOSTS: "${raw}" is not a host name, IP address or CIDR range`);
}

/** Reads and validates the webhook delivery settings (part of `loadConfig`; the delivery code reads them through here). */
export function webhookSettings(env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  const allow = (env.TANDEM_WEBHOOK_ALLOW_HOSTS ?? '').split(',').filter((e) => e.trim() !== '');
  const retryBaseMs = int(env, 'TANDEM_WEBHOOK_RETRY_BASE_MS', 30_000, 1, 86_400_000);
  const retryCapMs = int(env, 'TANDEM_WEBHOOK_RETRY_CAP_MS', 3 * 3_600_000, 1, 7 * 86_400_000);
  if (retryCapMs < retryBaseMs) throw new ConfigError('TANDEM_WEBHOOK_RETRY_CAP_MS must not be below TANDEM_WEBHOOK_RETRY_BASE_MS');
  return {
    allowHosts: allow.map(allowEntry),
    timeoutMs: int(env, 'TANDEM_WEBHOOK_TIMEOUT_MS', 5_000, 100, 60_000),
    maxAttempts: int(env, 'TANDEM_WEBHOOK_MAX_ATTEMPTS', 20, 1, 1_000),
    retryBaseMs,
    retryCapMs,
  };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads and validates the configuration from the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const adminKey = env.TANDEM_ADMIN_KEY || undefined;
  if (adminKey !== undefined && adminKey.length < 16) {
    throw new ConfigError('TANDEM_ADMIN_KEY must be at least 16 characters');
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    databaseUrl,
    dataDir: path.resolve(env.TANDEM_DATA_DIR || './data'),
    adminKey,
    natsUrl: env.NATS_URL || undefined,
    logLevel,
    dbPoolSize: int(env, 'DB_POOL_SIZE', 20, 1, 500),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 100 * 1_048_576),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    webhooks: webhookSettings(env),
    rateLimit: {
      perKeyPerMinute: int(env, 'TANDEM_RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
      perIpPerMinute: int(env, 'TANDEM_RATE_LIMIT_IP_PER_MINUTE', 1200, 0, 1_000_000),
    },
  };
}
