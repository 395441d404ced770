import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the stock APIs of Shopify (Admin REST 2024-10 inventory_levels/set), WooCommerce
 * (REST v3 products batch), Amazon SP-API (Feeds 2021-06-30 with a JSON_LISTINGS_FEED) and Flipkart (listings v3
 * update inventory). It checks each request against the documented shape (a request that breaks it gets a 400
 * and is recorded in `violations`), keeps the quantity each channel was told, and answers in the documented
 * format. Tests script failures: the next answers of a path (429, 5xx), or identifiers the channel refuses.
 */

export const CREDENTIALS = {
  shopify: { access_token: 'shpat_test_token' },
  woocommerce: { consumer_key: 'ck_test', consumer_secret: 'cs_test' },
  amazon: { access_token: 'Atza|stock-test' },
  flipkart: { access_token: 'fk-stock-token' },
};

type Kind = keyof typeof CREDENTIALS;

export interface FakeChannels {
  url: string;
  /** Quantity per channel kind and channel-side key (Shopify inventory item, Woo product, Amazon/Flipkart SKU). */
  stock: Record<Kind, Map<string, number>>;
  /** Updates applied per key (one per listing value the channel accepted). */
  updates: Record<Kind, Map<string, number>>;
  requests: { kind: Kind; method: string; path: string }[];
  violations: string[];
  /** The next `count` requests whose path starts with `prefix` get `status` (with Retry-After for 429). */
  failNext(prefix: string, status: number, count?: number): void;
  /** Keys the channel refuses (Shopify 422, Woo per-item error, Flipkart FAILURE). */
  refuse: Set<string>;
  close(): Promise<void>;
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (c: Buffer) => (s += c.toString('utf8')));
    req.on('end', () => resolve(s));
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const keysAre = (o: unknown, keys: string[]): boolean => typeof o === 'object' && o !== null && !Array.isArray(o) && Object.keys(o).sort().join() === [...keys].sort().join();

export async function startFakeChannels(): Promise<FakeChannels> {
  const stock = { shopify: new Map<string, number>(), woocommerce: new Map<string, number>(), amazon: new Map<string, number>(), flipkart: new Map<string, number>() };
  const updates = { shopify: new Map<string, number>(), woocommerce: new Map<string, number>(), amazon: new Map<string, number>(), flipkart: new Map<string, number>() };
  const requests: FakeChannels['requests'] = [];
  const violations: string[] = [];
  const failures: { prefix: string; status: number; left: number }[] = [];
  const refuse = new Set<string>();
  const documents = new Map<string, string | null>();
  let seq = 0;
  let url = '';
  const apply = (kind: Kind, key: string, qty: number): void => {
    stock[kind].set(key, qty);
    updates[kind].set(key, (updates[kind].get(key) ?? 0) + 1);
  };
  const bad = (res: ServerResponse, why: string): void => {
    violations.push(why);
    send(res, 400, { errors: why });
  };

  const shopify = (req: IncomingMessage, body: any, res: ServerResponse): void => {
    if (req.headers['x-shopify-access-token'] !== CREDENTIALS.shopify.access_token) return send(res, 401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
    if (!keysAre(body, ['location_id', 'inventory_item_id', 'available']) || !isInt(body.location_id) || !isInt(body.inventory_item_id) || !isInt(body.available)) return bad(res, `shopify: bad body ${JSON.stringify(body)}`);
    const key = String(body.inventory_item_id);
    if (refuse.has(key)) return send(res, 422, { errors: ['Inventory item does not have inventory tracking enabled'] });
    apply('shopify', key, body.available);
    send(res, 200, { inventory_level: { inventory_item_id: body.inventory_item_id, location_id: body.location_id, available: body.available, updated_at: new Date().toISOString(), admin_graphql_api_id: `gid://shopify/InventoryLevel/${body.location_id}?inventory_item_id=${body.inventory_item_id}` } });
  };

  const woo = (req: IncomingMessage, body: any, res: ServerResponse): void => {
    const auth = `Basic ${Buffer.from(`${CREDENTIALS.woocommerce.consumer_key}:${CREDENTIALS.woocommerce.consumer_secret}`).toString('base64')}`;
    if (req.headers.authorization !== auth) return send(res, 401, { code: 'woocommerce_rest_cannot_view', message: 'Sorry, you cannot list resources.', data: { status: 401 } });
    if (!keysAre(body, ['update']) || !Array.isArray(body.update) || body.update.length === 0 || body.update.length > 100) return bad(res, 'woocommerce: batch needs update: [1..100]');
    const out = body.update.map((u: any) => {
      if (!keysAre(u, ['id', 'stock_quantity', 'manage_stock']) || !isInt(u.id) || !isInt(u.stock_quantity) || u.manage_stock !== true) {
        violations.push(`woocommerce: bad update ${JSON.stringify(u)}`);
        return { id: u?.id ?? 0, error: { code: 'rest_invalid_param', message: 'Invalid parameter(s)', data: { status: 400 } } };
      }
      if (refuse.has(String(u.id))) return { id: u.id, error: { code: 'woocommerce_rest_product_invalid_id', message: 'Invalid ID.', data: { status: 400 } } };
      apply('woocommerce', String(u.id), u.stock_quantity);
      return { id: u.id, type: 'simple', manage_stock: true, stock_quantity: u.stock_quantity, stock_status: u.stock_quantity > 0 ? 'instock' : 'outofstock' };
    });
    send(res, 200, { update: out });
  };

  const amazon = (req: IncomingMessage, path: string, raw: string, body: any, res: ServerResponse): void => {
    if (req.method === 'PUT' && path.startsWith('/upload/')) {
      const id = path.slice('/upload/'.length);
      if (!documents.has(id)) return send(res, 404, undefined);
      if (req.headers['content-type'] !== 'application/json; charset=UTF-8') return bad(res, 'amazon: upload content type');
      documents.set(id, raw);
      return send(res, 200, undefined);
    }
    if (req.headers['x-amz-access-token'] !== CREDENTIALS.amazon.access_token) return send(res, 403, { errors: [{ code: 'Unauthorized', message: 'Access to requested resource is denied.' }] });
    if (path === '/feeds/2021-06-30/documents') {
      if (!keysAre(body, ['contentType']) || body.contentType !== 'application/json; charset=UTF-8') return bad(res, 'amazon: createFeedDocument body');
      const id = `amzn1.tortuga.4.eu.doc${++seq}`;
      documents.set(id, null);
      return send(res, 201, { feedDocumentId: id, url: `${url}/upload/${id}` });
    }
    if (path === '/feeds/2021-06-30/feeds') {
      if (!keysAre(body, ['feedType', 'marketplaceIds', 'inputFeedDocumentId']) || body.feedType !== 'JSON_LISTINGS_FEED' || !Array.isArray(body.marketplaceIds)) return bad(res, 'amazon: createFeed body');
      const doc = documents.get(body.inputFeedDocumentId);
      if (!doc) return send(res, 400, { errors: [{ code: 'InvalidInput', message: 'Feed document not uploaded' }] });
      const feed = JSON.parse(doc);
      if (!feed.header?.sellerId || feed.header.version !== '2.0' || !Array.isArray(feed.messages)) return bad(res, 'amazon: feed header');
      for (const m of feed.messages) {
        const p = m.patches?.[0];
        const v = p?.value?.[0];
        if (!isInt(m.messageId) || typeof m.sku !== 'string' || m.operationType !== 'PATCH' || typeof m.productType !== 'string' || p?.op !== 'replace'
          || p.path !== '/attributes/fulfillment_availability' || v?.fulfillment_channel_code !== 'DEFAULT' || !isInt(v.quantity)) return bad(res, `amazon: bad message ${JSON.stringify(m)}`);
      }
      for (const m of feed.messages) apply('amazon', m.sku, m.patches[0].value[0].quantity);
      return send(res, 202, { feedId: String(50000 + seq) });
    }
    send(res, 404, { errors: [{ code: 'NotFound', message: 'Resource not found' }] });
  };

  const flipkart = (req: IncomingMessage, body: any, res: ServerResponse): void => {
    if (req.headers.authorization !== `Bearer ${CREDENTIALS.flipkart.access_token}`) return send(res, 401, { error: 'invalid_token', error_description: 'Invalid access token' });
    const skus = typeof body === 'object' && body ? Object.keys(body) : [];
    if (skus.length === 0 || skus.length > 10) return bad(res, 'flipkart: 1 to 10 SKUs per request');
    const out: Record<string, unknown> = {};
    for (const sku of skus) {
      const l = body[sku];
      const loc = l?.locations?.[0];
      if (!keysAre(l, ['product_id', 'locations']) || typeof l.product_id !== 'string' || l.locations.length !== 1 || !keysAre(loc, ['id', 'inventory']) || typeof loc.id !== 'string' || !isInt(loc.inventory)) return bad(res, `flipkart: bad listing ${sku}`);
      if (refuse.has(sku)) out[sku] = { status: 'FAILURE', errors: [{ severity: 'ERROR', code: 1005, description: 'Listing not found' }], attribute_errors: [] };
      else {
        apply('flipkart', sku, loc.inventory);
        out[sku] = { status: 'SUCCESS', errors: [], attribute_errors: [] };
      }
    }
    send(res, 200, out);
  };

  const server: Server = createServer(async (req, res) => {
    const raw = await read(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const kind: Kind = path.startsWith('/admin/') ? 'shopify' : path.startsWith('/wp-json/') ? 'woocommerce' : path.startsWith('/sellers/') ? 'flipkart' : 'amazon';
    requests.push({ kind, method: req.method ?? '', path });
    const f = failures.find((x) => x.left > 0 && path.startsWith(x.prefix));
    if (f) {
      f.left--;
      return send(res, f.status, f.status === 429 ? { errors: 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.' } : { errors: 'Service unavailable' }, f.status === 429 ? { 'retry-after': '0.05' } : {});
    }
    let body: any;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      if (!(req.method === 'PUT' && path.startsWith('/upload/'))) return bad(res, `${kind}: body is not JSON`);
    }
    if (kind === 'shopify' && req.method === 'POST' && path === '/admin/api/2024-10/inventory_levels/set.json') return shopify(req, body, res);
    if (kind === 'woocommerce' && req.method === 'POST' && path === '/wp-json/wc/v3/products/batch') return woo(req, body, res);
    if (kind === 'flipkart' && req.method === 'POST' && path === '/sellers/listings/v3/update/inventory') return flipkart(req, body, res);
    if (kind === 'amazon') return amazon(req, path, raw, body, res);
    send(res, 404, { errors: 'Not Found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, stock, updates, requests, violations, refuse,
    failNext: (prefix, status, count = 1) => void failures.push({ prefix, status, left: count }),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
