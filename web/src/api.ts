/** The dashboard's only way to the server: same-origin fetch with the session cookie and, for writes, the CSRF token. */

export interface Problem {
  status: number;
  code: string;
  detail: string;
  details?: Record<string, unknown>;
  errors?: { path: string; message: string }[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail || problem.code);
    this.status = problem.status;
    this.code = problem.code;
    this.problem = problem;
  }
}

let csrfToken: string | null = null;
let onUnauthorized: () => void = () => undefined;

/** The session's CSRF token, set at sign-in and when the session is read. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the server says the session is over (401), so the app can show the sign-in page. */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

/** A query string from an object, leaving out empty values; arrays repeat the key. */
export function qs(params: Record<string, string | number | boolean | string[] | null | undefined>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => sp.append(k, x));
    else sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}

export async function api<T>(method: string, path: string, body?: unknown, opts: { silent401?: boolean; contentType?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  // With contentType the body is a string sent as it is (a CSV upload); otherwise it is JSON.
  const raw = opts.contentType !== undefined && typeof body === 'string';
  if (body !== undefined) headers['content-type'] = raw ? opts.contentType! : 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : raw ? (body as string) : JSON.stringify(body) });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const problem = (data ?? { status: res.status, code: 'http_error', detail: res.statusText }) as Problem;
    if (res.status === 401 && !opts.silent401) onUnauthorized();
    throw new ApiError(problem);
  }
  return data as T;
}

export const get = <T,>(path: string): Promise<T> => api<T>('GET', path);
export const post = <T,>(path: string, body: unknown = {}): Promise<T> => api<T>('POST', path, body);
