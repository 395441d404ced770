/**
 * Outbound HTTP for stock pushes: a timeout, the answer's status and JSON body, and how to treat a failure —
 * 429, 408 and 5xx (and no answer at all) are transient and retried with backoff; any other 4xx is the
 * channel refusing this request, shown as the listing's sync error. Messages never echo credentials.
 */
import { USER_AGENT } from '../../pollers/http.js';
import type { AdapterContext, ItemResult, PushItem } from './types.js';

export { USER_AGENT };

export interface Answer {
  status: number;
  body: unknown;
  retryAfterMs: number | undefined;
}

export class PushFailure extends Error {
  constructor(
    readonly transient: boolean,
    readonly code: string,
    message: string,
    readonly status: number | null,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

function retryAfter(res: Response): number | undefined {
  const v = res.headers.get('retry-after');
  if (v === null) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs) && secs >= 0) return Math.round(secs * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The first readable reason in a channel's error body (Shopify `errors`, WooCommerce `message`, SP-API `errors[]`). */
export function reason(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const b = body as Record<string, unknown>;
  const e = b.errors;
  if (typeof e === 'string') return e.slice(0, 200);
  if (Array.isArray(e) && e.length > 0) {
    if (typeof e[0] === 'string') return e.filter((x) => typeof x === 'string').join('; ').slice(0, 200);
    const f = e[0] as Record<string, unknown>;
    return [f.code, f.message ?? f.description].filter((x) => typeof x === 'string' || typeof x === 'number').join(': ').slice(0, 200);
  }
  if (e && typeof e === 'object') return JSON.stringify(e).slice(0, 200);
  return typeof b.message === 'string' ? b.message.slice(0, 200) : '';
}

/** Sends a request; returns the answer (any status) or throws a transient PushFailure when none came. */
export async function send(ctx: AdapterContext, op: string, url: string, init: RequestInit): Promise<Answer> {
  let res: Response;
  try {
    res = await ctx.fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(ctx.timeoutMs) });
  } catch (err) {
    const timeout = (err as Error).name === 'TimeoutError';
    throw new PushFailure(true, timeout ? 'channel_timeout' : 'channel_unreachable', `${ctx.channel.type}: ${op} ${timeout ? 'timed out' : `failed: ${(err as Error).message}`}`, null);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, retryAfterMs: retryAfter(res) };
}

/** A non-2xx answer as a failure: transient for 408, 429 and 5xx, else permanent. */
export function failureOf(ctx: AdapterContext, op: string, a: Answer): PushFailure {
  const transient = a.status === 408 || a.status === 429 || a.status >= 500;
  const code = a.status === 429 ? 'channel_rate_limited' : a.status === 401 || a.status === 403 ? 'channel_auth_failed' : transient ? 'channel_unavailable' : 'channel_rejected';
  const why = reason(a.body);
  return new PushFailure(transient, code, `${ctx.channel.type}: ${op} answered HTTP ${a.status}${why ? ` (${why})` : ''}`, a.status, a.retryAfterMs);
}

/** Sends and insists on a 2xx; returns the body. */
export async function sendOk(ctx: AdapterContext, op: string, url: string, init: RequestInit): Promise<unknown> {
  const a = await send(ctx, op, url, init);
  if (a.status < 200 || a.status > 299) throw failureOf(ctx, op, a);
  return a.body;
}

/** Every item failed the same way. */
export function allFailed(items: PushItem[], err: unknown): ItemResult[] {
  const f = err instanceof PushFailure ? err : new PushFailure(true, 'channel_error', (err as Error).message ?? String(err), null);
  return items.map((i) => ({ listing_id: i.listing_id, ok: false, transient: f.transient, code: f.code, message: f.message, status: f.status, retry_after_ms: f.retryAfterMs }));
}

/** The base URL of an endpoint setting, without a trailing slash. */
export function base(ctx: AdapterContext): string {
  if (!ctx.policy.endpoint) throw new PushFailure(false, 'stock_sync_misconfigured', `${ctx.channel.type}: the stock policy has no endpoint`, null);
  return ctx.policy.endpoint.replace(/\/+$/, '');
}

/** A channel id: numeric strings are sent as JSON numbers (Shopify and WooCommerce ids are integers). */
export function idValue(v: unknown): number | string {
  const s = String(v);
  return /^\d{1,15}$/.test(s) ? Number(s) : s;
}

export function misconfigured(ctx: AdapterContext, message: string): PushFailure {
  return new PushFailure(false, 'stock_sync_misconfigured', `${ctx.channel.type}: ${message}`, null);
}
