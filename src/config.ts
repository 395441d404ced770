import net from 'node:net';
import path from 'node:path';
import { PREPARED_MODES, type PreparedMode } from './db/database.js';
import { parseSecretKey, SecretKeyError } from './shared/secrets.js';

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
  /** Which proxies' `X-Forwarded-For` decides the client address (`TANDEM_TRUST_PROXY`, Fastify's `trustProxy`): false (default), true, or the proxies' IPs/CIDR ranges. */
  trustProxy: TrustProxy;
  /** Secrets at rest (docs/security.md): `TANDEM_SECRET_KEY` seals and opens; `TANDEM_SECRET_KEYS_PREVIOUS` (comma-separated) only open, during a rotation. */
  secrets: { key: Buffer | undefined; previous: Buffer[] };
  /** Named prepared statements (`TANDEM_PREPARED_STATEMENTS`: auto | marked | off, default auto) and the per-connection cache size (`TANDEM_PREPARED_STATEMENTS_MAX`, default 256). */
  preparedStatements: { mode: PreparedMode; max: number };
  /** How long a query waits for a free pool connection before the request gets 503 (`DB_CONNECTION_TIMEOUT_MS`, default 5000; 0 = forever). */
  dbConnectionTimeoutMs: number;
  /** Requests one process works on at once; beyond it 503 `overloaded` with Retry-After (`TANDEM_MAX_IN_FLIGHT`, default 128; 0 = no bound). */
  maxInFlight: number;
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

function secretKeys(env: NodeJS.ProcessEnv): Config['secrets'] {
  try {
    const key = env.TANDEM_SECRET_KEY?.trim();
    const previous = (env.TANDEM_SECRET_KEYS_PREVIOUS ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
    return { key: key ? parseSecretKey(key, 'TANDEM_SECRET_KEY') : undefined, previous: previous.map((k, i) => parseSecretKey(k, `TANDEM_SECRET_KEYS_PREVIOUS (entry ${i + 1})`)) };
  } catch (err) {
    if (err instanceof SecretKeyError) throw new ConfigError(err.message);
    throw err;
  }
}

function preparedMode(env: NodeJS.ProcessEnv): PreparedMode {
  const v = env.TANDEM_PREPARED_STATEMENTS || 'auto';
  if (!(PREPARED_MODES as readonly string[]).includes(v)) throw new ConfigError(`TANDEM_PREPARED_STATEMENTS must be one of ${PREPARED_MODES.join(', ')}`);
  return v as PreparedMode;
}

/** Fastify's `trustProxy`: trust no proxy, every proxy, or exactly these proxy addresses/ranges. */
export type TrustProxy = boolean | string[];

/**
 * `TANDEM_TRUST_PROXY`: unset or `false` = the socket's address is the client; a comma list of IPs and CIDR ranges
 * (e.g. `10.0.0.0/8,127.0.0.1`) = `X-Forwarded-For` is believed when it comes from those proxies; `true` = from
 * anyone (only when no client can reach Tandem except through the proxy). A hop count is refused: Fastify 5 ignores
 * hop-count-only trust, since it cannot tell a proxy from a client that connects directly and sends the header.
 */
export function trustProxySetting(raw: string | undefined): TrustProxy {
  const v = (raw ?? '').trim().toLowerCase();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) throw new ConfigError(`TANDEM_TRUST_PROXY: a hop count ("${raw}") cannot tell a proxy from a client; list the proxies' addresses or CIDR ranges instead`);
  return v.split(',').map((e) => e.trim()).filter((e) => e !== '').map((entry) => {
    const [addr, prefix, extra] = entry.split('/');
    const family = net.isIP(addr ?? '');
    const bits = Number(prefix);
    if (family === 0 || extra !== undefined || (prefix !== undefined && (!/^\d{1,3}$/.test(prefix) || bits > (family === 4 ? 32 : 128)))) {
      throw new ConfigError(`TANDEM_TRUST_PROXY: "${entry}" is not true, false, an IP address or a CIDR range`);
    }
    return entry;
  });
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
    trustProxy: trustProxySetting(env.TANDEM_TRUST_PROXY),
    secrets: secretKeys(env),
    preparedStatements: { mode: preparedMode(env), max: int(env, 'TANDEM_PREPARED_STATEMENTS_MAX', 256, 1, 10_000) },
    dbConnectionTimeoutMs: int(env, 'DB_CONNECTION_TIMEOUT_MS', 5_000, 0, 600_000),
    maxInFlight: int(env, 'TANDEM_MAX_IN_FLIGHT', 128, 0, 1_000_000),
  };
}
