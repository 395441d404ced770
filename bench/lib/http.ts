import http from 'node:http';

/**
 * A small HTTP/1.1 client over node:http with a keep-alive agent (undici is not a dependency; global fetch's
 * pool cannot be sized). Every request has a deadline; a request past it is aborted and reported as a timeout.
 */

export interface HttpResult {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export type HttpFailure = 'timeout' | 'refused' | 'reset' | 'other';

export class HttpError extends Error {
  constructor(
    readonly kind: HttpFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  port: number;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export class HttpClient {
  readonly agent: http.Agent;

  constructor(maxSockets: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' });
  }

  request(o: RequestOptions): Promise<HttpResult> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...(o.headers ?? {}) };
      if (o.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        headers['content-length'] = Buffer.byteLength(o.body);
      }
      let settled = false;
      const fail = (err: HttpError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      };
      const req = http.request({ host: '127.0.0.1', port: o.port, method: o.method, path: o.path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers });
        });
        res.on('error', (e) => fail(new HttpError('reset', e.message)));
      });
      const timer = setTimeout(() => {
        fail(new HttpError('timeout', `no response within ${o.timeoutMs} ms`));
        req.destroy();
      }, o.timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) => {
        const kind: HttpFailure = e.code === 'ECONNREFUSED' ? 'refused' : e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.message === 'socket hang up' ? 'reset' : 'other';
        fail(new HttpError(kind, `${e.code ?? ''} ${e.message}`.trim()));
      });
      if (o.body !== undefined) req.write(o.body);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** One GET without keep-alive (health probes must not reuse a socket of a killed process). */
export function probe(port: number, path: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}
