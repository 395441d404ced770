/**
 * Outbound HTTP for the marketplace pollers: JSON requests with a timeout, a bounded wait-and-retry on
 * 429 (rate limited), errors that never echo credentials, and a per-process cache of OAuth access tokens.
 * A cached token decides nothing about data (a process without it just asks for a new one).
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../shared/errors.js';
import { VERSION } from '../../version.js';

export interface PollOptions {
  /** The fetch to use (default: the global fetch). */
  fetch?: typeof fetch;
  /** The poll's clock (default: now). */
  now?: Date;
  /** How to wait between retries (default: setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** Retries of a throttled (429) call before the poll gives up on it (default 3). */
  maxRetries?: number;
  /** The longest single wait for a throttled call; a longer one ends the attempt until the next poll (default 5 s). */
  maxWaitMs?: number;
  /** How far the next poll reaches back before the cursor, for late-arriving updates (default 5 min). */
  overlapMs?: number;
  /** How long a poll may spend taking orders in before it leaves the rest to the next poll (default 45 s). */
  budgetMs?: number;
}

export const USER_AGENT = `Tandem/${VERSION} (Language=JavaScript; Platform=Node.js/${process.versions.node})`;
const TIMEOUT_MS = 20_000;

export interface Caller {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  maxRetries: number;
  maxWaitMs: number;
  channel: string;
}

export function caller(channel: string, opts: PollOptions): Caller {
  return {
    fetch: opts.fetch ?? fetch,
    sleep: opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    maxRetries: opts.maxRetries ?? 3,
    maxWaitMs: opts.maxWaitMs ?? 5_000,
    channel,
  };
}

/** A base URL from settings: https, or http only to this machine (a local proxy, sandbox or test double). */
export function baseUrl(value: unknown, channel: string, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw misconfigured(channel, `settings.${field} is required`, field);
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw misconfigured(channel, `settings.${field} is not a URL`, field);
  }
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    throw misconfigured(channel, `settings.${field} must be an https URL (credentials are sent to it)`, field);
  }
  if (url.search || url.hash || url.username || url.password) throw misconfigured(channel, `settings.${field} must have no query, fragment or user`, field);
  return url.toString().replace(/\/+$/, '');
}

export function misconfigured(channel: string, message: string, field: string): AppError {
  return new AppError('invalid', 'poller_misconfigured', `${channel} poller: ${message}`, { channel, field });
}

/** What went wrong, from the usual error bodies: SP-API `errors[]`, OAuth `error`/`error_description`, or `message`. */
function describe(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const b = body as Record<string, unknown>;
  const first = Array.isArray(b.errors) ? (b.errors[0] as Record<string, unknown> | undefined) : undefined;
  const parts = first
    ? [first.code, first.message ?? first.description]
    : [b.error, b.error_description ?? b.message];
  return parts.filter((p): p is string => typeof p === 'string' && p !== '').join(': ').slice(0, 200);
}

/** Seconds from Retry-After, or the time to regain one request from x-amzn-RateLimit-Limit (requests per second). */
function throttleWaitMs(res: Response, fallbackRate: number, attempt: number): number {
  const after = Number(res.headers.get('retry-after'));
  if (res.headers.has('retry-after') && Number.isFinite(after) && after >= 0) return after * 1000;
  const limit = Number(res.headers.get('x-amzn-ratelimit-limit'));
  const rate = Number.isFinite(limit) && limit > 0 ? limit : fallbackRate;
  return Math.ceil((1000 / rate) * 2 ** attempt);
}

export interface RequestSpec {
  /** The operation's name, for errors ("getOrders"). */
  op: string;
  url: string;
  init: RequestInit;
  /** The documented rate (requests per second), used when a 429 carries no hint. */
  rate?: number;
}

/**
 * Sends a request and returns its JSON body. A 429 waits (Retry-After, the rate-limit header, or the
 * documented rate, doubled each attempt) and retries, at most `maxRetries` times and never longer than
 * `maxWaitMs` at once; then it fails with unavailable / rate_limited and the next poll carries on.
 */
export async function requestJson(c: Caller, spec: RequestSpec): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await c.fetch(spec.url, { ...spec.init, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      throw new AppError('unavailable', 'channel_unreachable', `${c.channel}: ${spec.op} failed: ${(err as Error).message}`, { channel: c.channel, op: spec.op });
    }
    if (res.status === 429) {
      await res.body?.cancel();
      const wait = throttleWaitMs(res, spec.rate ?? 1, attempt);
      if (attempt >= c.maxRetries || wait > c.maxWaitMs) {
        throw new AppError('unavailable', 'rate_limited', `${c.channel}: ${spec.op} is rate limited; the next poll continues`, { channel: c.channel, op: spec.op, attempts: attempt + 1 });
      }
      await c.sleep(wait);
      continue;
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const code = res.status === 401 || res.status === 403 ? 'channel_auth_failed' : 'channel_error';
      const why = describe(body);
      throw new AppError('unavailable', code, `${c.channel}: ${spec.op} answered HTTP ${res.status}${why ? ` (${why})` : ''}`, { channel: c.channel, op: spec.op, status: res.status });
    }
    if (body === undefined) {
      throw new AppError('unavailable', 'channel_error', `${c.channel}: ${spec.op} answered HTTP ${res.status} without a JSON body`, { channel: c.channel, op: spec.op, status: res.status });
    }
    return body;
  }
}

const tokens = new Map<string, { token: string; expiresAt: number }>();

/**
 * An OAuth access token from the cache, or from `fetchToken` (whose response must be the documented
 * `{ access_token, token_type, expires_in }`), cached until a minute before it expires.
 */
export async function accessToken(c: Caller, key: string[], fetchToken: () => Promise<unknown>): Promise<string> {
  const k = createHash('sha256').update(key.join('\n')).digest('hex');
  const hit = tokens.get(k);
  if (hit && hit.expiresAt > Date.now()) return hit.token;
  const body = (await fetchToken()) as Record<string, unknown>;
  const token = body.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new AppError('unavailable', 'channel_auth_failed', `${c.channel}: the token response has no access_token`, { channel: c.channel });
  }
  const ttl = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300;
  tokens.set(k, { token, expiresAt: Date.now() + Math.max(0, ttl - 60) * 1000 });
  return token;
}

/** Forgets a token the API refused (revoked or expired early), so the next poll asks for a new one. */
export function forgetToken(key: string[]): void {
  tokens.delete(createHash('sha256').update(key.join('\n')).digest('hex'));
}
