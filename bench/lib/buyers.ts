import { HttpError, type HttpClient } from './http.js';
import { orderBody } from './seed.js';

/**
 * A buyer's order as the client sees it: one Idempotency-Key and one body for its whole life, however many times it
 * is sent. Acknowledged = the server answered 201 (or 200 for an already captured order) with the order.
 */
export interface ClientOrder {
  n: number;
  ext: string;
  body: string;
  lines: { sku: string; sku_id: string; qty: number }[];
  sends: number;
  failures: Record<string, number>;
  /** performance.now() of the first send. */
  firstSent?: number;
  ack?: { http: number; id: string; status: string; reserved: number; replayed: boolean; at: number; ms: number };
  /** A response that can never succeed (4xx other than 409): a bug, reported as a violation. */
  rejected?: string;
}

export function newClientOrder(prefix: string, n: number, lines: { sku: string; sku_id: string; qty: number }[]): ClientOrder {
  const ext = `${prefix}-${n}`;
  return { n, ext, body: JSON.stringify(orderBody(ext, n, lines)), lines, sends: 0, failures: {} };
}

interface OrderResponse {
  id: string;
  status: string;
  allocations: { warehouse_id: string; lines: { qty: number }[] }[];
}

/**
 * Sends the order once. Returns undefined when acknowledged (o.ack is set), else the failure kind — timeout,
 * refused, reset, http_5xx, http_409 (the same key is still in progress) — after which the caller retries with the
 * same key. A 4xx other than 409 is final (o.rejected).
 */
export async function sendOrder(client: HttpClient, port: number, auth: string, o: ClientOrder, timeoutMs: number): Promise<string | undefined> {
  const start = performance.now();
  o.firstSent ??= start;
  o.sends++;
  let kind: string;
  try {
    const r = await client.request({ port, method: 'POST', path: '/api/v1/orders', headers: { authorization: auth, 'idempotency-key': o.ext }, body: o.body, timeoutMs });
    if (r.status === 201 || r.status === 200) {
      const b = JSON.parse(r.body) as OrderResponse;
      const now = performance.now();
      o.ack = {
        http: r.status,
        id: b.id,
        status: b.status,
        reserved: b.allocations.reduce((s, a) => s + a.lines.reduce((t, l) => t + l.qty, 0), 0),
        replayed: r.headers['idempotent-replayed'] === 'true',
        at: now,
        ms: now - o.firstSent,
      };
      return undefined;
    }
    kind = `http_${r.status}`;
    if (r.status >= 400 && r.status < 500 && r.status !== 409 && r.status !== 429) o.rejected = `${kind}: ${r.body.slice(0, 300)}`;
  } catch (err) {
    kind = err instanceof HttpError ? err.kind : `exception: ${(err as Error).message}`;
  }
  o.failures[kind] = (o.failures[kind] ?? 0) + 1;
  return kind;
}

/** Sums failure kinds over orders. */
export function failureTotals(orders: ClientOrder[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of orders) for (const [k, v] of Object.entries(o.failures)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Hot-SKU order lines: one SKU; quantity 1–3; with probability `twoLines`, a second line of the same SKU. */
export function flashLines(random: () => number, skus: { sku: string; id: string }[], twoLines: number): { sku: string; sku_id: string; qty: number }[] {
  const s = skus[Math.floor(random() * skus.length)]!;
  const line = () => ({ sku: s.sku, sku_id: s.id, qty: 1 + Math.floor(random() * 3) });
  return random() < twoLines ? [line(), line()] : [line()];
}
