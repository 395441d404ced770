import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the order-fulfillment APIs of Shopify (Admin REST 2024-10 FulfillmentOrders and
 * fulfillments), WooCommerce (REST v3 order notes and order update), Amazon SP-API (Orders v0
 * confirmShipment) and Flipkart (v3 self-ship dispatch). It checks each request against the documented
 * shape and auth (a request that breaks it gets a 400 and is recorded in `violations`), keeps state (what is
 * still fulfillable, which fulfillments exist) and answers in the documented format. Tests script failures:
 * the next answers of a path prefix (429/5xx, or 4xx refusals).
 */

export const WB_CREDENTIALS = {
  shopify: { access_token: 'shpat_wb_token' },
  woocommerce: { consumer_key: 'ck_wb', consumer_secret: 'cs_wb' },
  amazon: { access_token: 'Atza|wb-token' },
  flipkart: { access_token: 'fk-wb-token' },
};

export interface ShopifyFulfillment { id: number; order_id: string; tracking_info: { number: string; company: string; url?: string }; line_items_by_fulfillment_order: { fulfillment_order_id: number; fulfillment_order_line_items: { id: number; quantity: number }[] }[]; notify_customer: boolean }

export interface FakeWriteback {
  url: string;
  /** Registers a Shopify order: one fulfillment order per location with the given line items (line_item_id → qty). */
  shopifyOrder(orderId: string, locations: Record<string, number>[]): void;
  shopify: { fulfillments: ShopifyFulfillment[]; fulfillable: Map<string, number> };
  woo: { notes: Map<string, { id: number; note: string; customer_note: boolean }[]>; status: Map<string, string> };
  amazon: { confirmations: { orderId: string; body: any }[] };
  flipkart: { dispatches: any[] };
  requests: { method: string; path: string }[];
  violations: string[];
  /** The next `count` requests whose "METHOD path" starts with `prefix` get `status` (with a channel-style error body). */
  failNext(prefix: string, status: number, count?: number): void;
  /** Makes the next matching request hang past the client's timeout, and the channel still performs it (a lost answer). */
  loseAnswer(prefix: string): void;
  close(): Promise<void>;
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString('utf8')));
    req.on('end', () => resolve(s));
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isoTime = (v: unknown): boolean => typeof v === 'string' && !Number.isNaN(Date.parse(v)) && /T/.test(v);

export async function startFakeWriteback(): Promise<FakeWriteback> {
  const requests: FakeWriteback['requests'] = [];
  const violations: string[] = [];
  const failures: { prefix: string; status: number; left: number }[] = [];
  const lost: string[] = [];
  const fos = new Map<string, { id: number; status: string; line_items: { id: number; line_item_id: number; fulfillable_quantity: number; quantity: number }[] }[]>();
  const fulfillable = new Map<string, number>();
  const fulfillments: ShopifyFulfillment[] = [];
  const notes = new Map<string, { id: number; note: string; customer_note: boolean }[]>();
  const status = new Map<string, string>();
  const confirmations: { orderId: string; body: any }[] = [];
  const dispatches: any[] = [];
  let seq = 1000;

  const bad = (res: ServerResponse, why: string, body: unknown): void => {
    violations.push(why);
    send(res, 400, body);
  };

  const shopify = (req: IncomingMessage, res: ServerResponse, path: string, body: any): void => {
    if (req.headers['x-shopify-access-token'] !== WB_CREDENTIALS.shopify.access_token) return send(res, 401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
    let m = /^\/admin\/api\/2024-10\/orders\/(\d+)\/fulfillment_orders\.json$/.exec(path);
    if (m && req.method === 'GET') {
      const list = fos.get(m[1]!);
      if (!list) return send(res, 404, { errors: 'Not Found' });
      return send(res, 200, { fulfillment_orders: list.map((fo) => ({ id: fo.id, order_id: Number(m![1]), status: fo.status, assigned_location_id: 1, line_items: fo.line_items.map((l) => ({ ...l, fulfillment_order_id: fo.id })) })) });
    }
    m = /^\/admin\/api\/2024-10\/orders\/(\d+)\/fulfillments\.json$/.exec(path);
    if (m && req.method === 'GET') {
      return send(res, 200, { fulfillments: fulfillments.filter((f) => f.order_id === m![1]).map((f) => ({ id: f.id, order_id: Number(f.order_id), status: 'success', tracking_company: f.tracking_info.company, tracking_number: f.tracking_info.number, tracking_numbers: [f.tracking_info.number] })) });
    }
    if (path === '/admin/api/2024-10/fulfillments.json' && req.method === 'POST') {
      const f = body?.fulfillment;
      const groups = f?.line_items_by_fulfillment_order;
      if (!f || !Array.isArray(groups) || groups.length === 0 || typeof f.tracking_info?.number !== 'string' || typeof f.tracking_info?.company !== 'string') {
        return bad(res, `shopify fulfillment shape: ${JSON.stringify(body)}`, { errors: { fulfillment: ['is invalid'] } });
      }
      let orderId: string | undefined;
      for (const g of groups) {
        const owner = [...fos.entries()].find(([, list]) => list.some((fo) => fo.id === g.fulfillment_order_id));
        if (!owner || !isInt(g.fulfillment_order_id) || !Array.isArray(g.fulfillment_order_line_items)) return send(res, 422, { errors: ['Fulfillment order does not exist.'] });
        orderId = owner[0];
        const fo = owner[1].find((x) => x.id === g.fulfillment_order_id)!;
        for (const li of g.fulfillment_order_line_items) {
          const line = fo.line_items.find((l) => l.id === li.id);
          if (!line || !isInt(li.quantity) || li.quantity < 1 || li.quantity > line.fulfillable_quantity) return send(res, 422, { errors: [`Invalid fulfillment order line item quantity requested.`] });
        }
      }
      for (const g of groups) {
        const fo = fos.get(orderId!)!.find((x) => x.id === g.fulfillment_order_id)!;
        for (const li of g.fulfillment_order_line_items) {
          const line = fo.line_items.find((l) => l.id === li.id)!;
          line.fulfillable_quantity -= li.quantity;
          fulfillable.set(String(line.line_item_id), line.fulfillable_quantity);
        }
        fo.status = fo.line_items.every((l) => l.fulfillable_quantity === 0) ? 'closed' : 'in_progress';
      }
      const created: ShopifyFulfillment = { id: ++seq, order_id: orderId!, tracking_info: f.tracking_info, line_items_by_fulfillment_order: groups, notify_customer: f.notify_customer };
      fulfillments.push(created);
      return send(res, 201, { fulfillment: { id: created.id, order_id: Number(orderId), status: 'success', tracking_company: f.tracking_info.company, tracking_number: f.tracking_info.number, tracking_numbers: [f.tracking_info.number], tracking_url: f.tracking_info.url ?? null } });
    }
    send(res, 404, { errors: 'Not Found' });
  };

  const woo = (req: IncomingMessage, res: ServerResponse, path: string, body: any): void => {
    const auth = `Basic ${Buffer.from(`${WB_CREDENTIALS.woocommerce.consumer_key}:${WB_CREDENTIALS.woocommerce.consumer_secret}`).toString('base64')}`;
    if (req.headers.authorization !== auth) return send(res, 401, { code: 'woocommerce_rest_cannot_view', message: 'Sorry, you cannot list resources.', data: { status: 401 } });
    let m = /^\/wp-json\/wc\/v3\/orders\/(\d+)\/notes$/.exec(path);
    if (m && req.method === 'GET') return send(res, 200, notes.get(m[1]!) ?? []);
    if (m && req.method === 'POST') {
      if (typeof body?.note !== 'string' || body.note === '') return bad(res, `woo note shape: ${JSON.stringify(body)}`, { code: 'rest_missing_callback_param', message: 'Missing parameter(s): note', data: { status: 400 } });
      const n = { id: ++seq, note: body.note, customer_note: body.customer_note === true, date_created_gmt: new Date().toISOString().slice(0, 19) };
      notes.set(m[1]!, [...(notes.get(m[1]!) ?? []), n]);
      return send(res, 201, n);
    }
    m = /^\/wp-json\/wc\/v3\/orders\/(\d+)$/.exec(path);
    if (m && req.method === 'PUT') {
      if (typeof body?.status !== 'string') return bad(res, `woo order update shape: ${JSON.stringify(body)}`, { code: 'rest_invalid_param', message: 'Invalid parameter(s): status', data: { status: 400 } });
      status.set(m[1]!, body.status);
      return send(res, 200, { id: Number(m[1]), status: body.status });
    }
    send(res, 404, { code: 'rest_no_route', message: 'No route was found matching the URL and request method.', data: { status: 404 } });
  };

  const amazon = (req: IncomingMessage, res: ServerResponse, path: string, body: any): void => {
    if (req.headers['x-amz-access-token'] !== WB_CREDENTIALS.amazon.access_token) return send(res, 403, { errors: [{ code: 'Unauthorized', message: 'Access to requested resource is denied.' }] });
    const m = /^\/orders\/v0\/orders\/([0-9-]+)\/shipmentConfirmation$/.exec(path);
    if (!m || req.method !== 'POST') return send(res, 404, { errors: [{ code: 'NotFound', message: 'Resource not found' }] });
    const p = body?.packageDetail;
    const okItems = Array.isArray(p?.orderItems) && p.orderItems.length > 0 && p.orderItems.every((i: any) => typeof i.orderItemId === 'string' && isInt(i.quantity) && i.quantity > 0);
    if (typeof body?.marketplaceId !== 'string' || !p || !/^[1-9]\d*$/.test(String(p.packageReferenceId)) || typeof p.carrierCode !== 'string' || typeof p.trackingNumber !== 'string' || !isoTime(p.shipDate) || !okItems
      || (p.carrierCode === 'Other' && typeof p.carrierName !== 'string')) {
      return bad(res, `amazon confirmShipment shape: ${JSON.stringify(body)}`, { errors: [{ code: 'InvalidInput', message: 'Request has missing or invalid parameters and cannot be parsed.' }] });
    }
    if (confirmations.some((c) => c.orderId === m[1] && c.body.packageDetail.packageReferenceId === p.packageReferenceId)) {
      return send(res, 400, { errors: [{ code: 'InvalidInput', message: 'packageReferenceId already confirmed for this order' }] });
    }
    confirmations.push({ orderId: m[1]!, body });
    res.writeHead(204);
    res.end();
  };

  const flipkart = (req: IncomingMessage, res: ServerResponse, path: string, body: any): void => {
    if (req.headers.authorization !== `Bearer ${WB_CREDENTIALS.flipkart.access_token}`) return send(res, 401, { error: 'invalid_token' });
    if (path !== '/sellers/v3/shipments/selfShip/dispatch' || req.method !== 'POST') return send(res, 404, { error: 'not found' });
    const list = body?.shipments;
    const valid = Array.isArray(list) && list.length > 0 && list.length <= 100 && list.every((s: any) => typeof s.shipmentId === 'string' && isoTime(s.dispatchDate) && isoTime(s.tentativeDeliveryDate)
      && typeof s.deliveryPartnerCode === 'string' && isoTime(s.invoice?.invoiceDate) && Array.isArray(s.invoice?.items) && s.invoice.items.every((i: any) => typeof i.orderItemId === 'string' && isInt(i.quantity)));
    if (!valid) return bad(res, `flipkart dispatch shape: ${JSON.stringify(body)}`, { errors: [{ code: 'INVALID_REQUEST', description: 'invalid request' }] });
    dispatches.push(...list);
    send(res, 200, { shipments: list.map((s: any) => ({ shipmentId: s.shipmentId, processingStatus: 'SUCCESS' })) });
  };

  const server: Server = createServer(async (req, res) => {
    const text = await read(req);
    const path = (req.url ?? '').split('?')[0]!;
    requests.push({ method: req.method!, path });
    const key = `${req.method} ${path}`;
    const f = failures.find((x) => x.left > 0 && key.startsWith(x.prefix));
    if (f) {
      f.left -= 1;
      return send(res, f.status, f.status >= 500 ? { errors: 'Service temporarily unavailable' } : { errors: [{ code: 'InvalidInput', message: `refused (HTTP ${f.status})` }], message: `refused (HTTP ${f.status})` });
    }
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return bad(res, `not JSON: ${text.slice(0, 80)}`, { errors: 'malformed JSON' });
    }
    const lose = lost.findIndex((p) => key.startsWith(p));
    if (lose >= 0) {
      lost.splice(lose, 1);
      // Perform the request, but answer only after the client gave up.
      const sink = { writeHead: () => sink, end: () => undefined } as unknown as ServerResponse;
      handle(req, sink, path, body);
      setTimeout(() => send(res, 504, { errors: 'late' }), 1500);
      return;
    }
    handle(req, res, path, body);
  });
  const handle = (req: IncomingMessage, res: ServerResponse, path: string, body: any): void => {
    if (path.startsWith('/admin/api/')) return shopify(req, res, path, body);
    if (path.startsWith('/wp-json/')) return woo(req, res, path, body);
    if (path.startsWith('/orders/v0/')) return amazon(req, res, path, body);
    if (path.startsWith('/sellers/')) return flipkart(req, res, path, body);
    send(res, 404, { error: 'unknown path' });
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    shopifyOrder(orderId, locations) {
      fos.set(orderId, locations.map((lines) => ({ id: ++seq, status: 'open', line_items: Object.entries(lines).map(([lineItemId, qty]) => {
        fulfillable.set(lineItemId, qty);
        return { id: ++seq, line_item_id: Number(lineItemId), quantity: qty, fulfillable_quantity: qty };
      }) })));
    },
    shopify: { fulfillments, fulfillable },
    woo: { notes, status },
    amazon: { confirmations },
    flipkart: { dispatches },
    requests,
    violations,
    failNext(prefix, status, count = 1) {
      failures.push({ prefix, status, left: count });
    },
    loseAnswer(prefix) {
      lost.push(prefix);
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
