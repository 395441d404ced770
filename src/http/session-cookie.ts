import type { FastifyReply, FastifyRequest } from 'fastify';

/** The dashboard's session cookie. The `__Host-` prefix (secure contexts only) pins it to this host and path `/`. */
export const SESSION_COOKIE = 'tandem_session';
const SECURE_COOKIE = `__Host-${SESSION_COOKIE}`;
/** The header a cookie-authenticated write must carry: the session's CSRF token, from sign-in or `GET /api/v1/session`. */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])(:\d+)?$/i;

/**
 * Whether the cookie gets `Secure`: always, except for plain http to a loopback address (a developer's
 * `http://127.0.0.1:3000`). Any other plain-http deployment must put TLS in front; a proxy that terminates TLS
 * makes the request look like http here, which is why non-loopback hosts are always treated as https.
 */
export function secureCookies(req: FastifyRequest): boolean {
  return req.protocol === 'https' || !LOOPBACK.test(req.headers.host ?? '');
}

function cookieHeader(req: FastifyRequest): Map<string, string> {
  const out = new Map<string, string>();
  const raw = req.headers.cookie;
  if (typeof raw !== 'string') return out;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/** The session token from the request's cookie, if any. */
export function readSessionCookie(req: FastifyRequest): string | undefined {
  const cookies = cookieHeader(req);
  return cookies.get(SECURE_COOKIE) ?? cookies.get(SESSION_COOKIE);
}

/** Sets the session cookie: HttpOnly, SameSite=Lax, Secure (see `secureCookies`), ending with the session. */
export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string, expiresAt: Date): void {
  const secure = secureCookies(req);
  const name = secure ? SECURE_COOKIE : SESSION_COOKIE;
  reply.header('set-cookie', `${name}=${token}; Path=/; HttpOnly; SameSite=Lax; Expires=${expiresAt.toUTCString()}${secure ? '; Secure' : ''}`);
}

/** Clears the session cookie (both spellings). */
export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  const past = 'Thu, 01 Jan 1970 00:00:00 GMT';
  const cookies = [`${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Expires=${past}`];
  if (secureCookies(req)) cookies.push(`${SECURE_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Secure; Expires=${past}`);
  reply.header('set-cookie', cookies);
}

/**
 * Cross-site request checks for a cookie-authenticated request: a browser's `Origin` (sent on every cross-origin
 * and every non-GET request) must name this host, and `Sec-Fetch-Site` must not say cross-site. The CSRF token
 * is checked separately; this is the second, independent line.
 */
export function sameOrigin(req: FastifyRequest): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (typeof origin !== 'string' || origin === 'null') return false;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  const forwarded = req.headers['x-forwarded-host'];
  return host === req.headers.host || (typeof forwarded === 'string' && host === forwarded.split(',')[0]!.trim());
}

/** True for methods that change nothing and need no CSRF token. */
export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method);
}
