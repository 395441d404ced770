import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { normalizeShopifyOrder } from '../channels/connectors/shopify/index.js';
import { normalizeWooOrder } from '../channels/connectors/woocommerce/index.js';
import { normalizeAmazonOrder } from '../channels/connectors/amazon/index.js';
import { normalizeFlipkartOrder } from '../channels/connectors/flipkart/index.js';
import { captureOrder } from '../workflows/capture-order.js';
import { intakeOrder } from '../workflows/channel-intake.js';
import { importOrders } from '../workflows/import-orders.js';
import { receiveStock } from '../workflows/stock-commands.js';

const DEMO = { id: 'demo', warehouseIds: null };

/** Stock for the demo SKUs: Bengaluru carries everything, Delhi most, Mumbai some — so orders route, split and backorder. */
export async function seedDemoStock(db: Db, skus: string[], log: (m: string) => void): Promise<number> {
  const has = await sql<{ n: number }>`select count(*)::int as n from stock_levels`.execute(db);
  if (has.rows[0]!.n > 0) return 0;
  const plain = skus.filter((s) => !s.startsWith('KIT-'));
  const plan: [string, string, (i: number) => number][] = [
    ['BLR', 'A-01-01-1', (i) => 20 + (i % 5) * 10],
    ['DEL', 'A-01-02-1', (i) => (i % 3 === 0 ? 0 : 15)],
    ['BOM', 'B-01-01-1', (i) => (i % 2 === 0 ? 8 : 0)],
  ];
  let units = 0;
  for (const [wh, bin, qty] of plan) {
    const lines = plain.map((sku, i) => ({ sku, qty: qty(i), bin })).filter((l) => l.qty > 0);
    await receiveStock(db, DEMO, { warehouse_id: wh, lines, reference: 'DEMO-OPENING-STOCK' });
    units += lines.reduce((s, l) => s + l.qty, 0);
  }
  log(`stock: ${units} units received into 3 warehouses`);
  return units;
}

const addr = {
  blr: { name: 'Asha Rao', line1: '12 MG Road', city: 'Bengaluru', state: 'KA', postal_code: '560001', country: 'IN', phone: '+91 98450 11111' },
  del: { name: 'Vikram Mehta', line1: 'B-42 Defence Colony', city: 'New Delhi', state: 'DL', postal_code: '110024', country: 'IN', phone: '+91 98110 22222' },
  bom: { name: 'Sara Dsouza', line1: '7 Hill Road, Bandra', city: 'Mumbai', state: 'MH', postal_code: '400050', country: 'IN', phone: '+91 98200 33333' },
};

/** Orders from every channel type, each in its channel's own format and through its real capture path. Safe to rerun (fixed external ids). */
export async function seedDemoOrders(db: Db, channels: Record<string, string>, skus: string[], log: (m: string) => void): Promise<number> {
  const s = (i: number) => skus[i % skus.length]!;
  let n = 0;
  const count = () => void n++;

  // The brand's own app, through the API path.
  const people = [addr.blr, addr.del, addr.bom];
  for (let i = 0; i < 8; i++) {
    const a = people[i % 3]!;
    await captureOrder(db, channels.api!, {
      external_id: `DEMO-APP-${1000 + i}`, number: `APP-${1000 + i}`, currency: 'INR', placed_at: new Date(Date.now() - i * 3_600_000).toISOString(),
      customer: { name: a.name, email: `app${i}@example.in`, phone: `+91 90000 0${String(1000 + i)}` }, shipping_address: a,
      payment: { method: i % 4 === 0 ? 'cod' : 'prepaid' }, taxes_included: true, shipping_method: i % 3 === 0 ? 'Express' : 'Standard',
      lines: [{ sku: s(i * 7), qty: 1 + (i % 2), unit_price_amount: 79900 }, ...(i % 2 ? [{ sku: s(i * 7 + 3), qty: 1, unit_price_amount: 49900, discount_amount: 5000 }] : [])],
    }, 'demo');
    count();
  }

  // Shopify: the Admin REST order resource, as orders/create delivers it.
  for (let i = 0; i < 4; i++) {
    const id = 5830199000100 + i;
    const input = normalizeShopifyOrder({
      id, admin_graphql_api_id: `gid://shopify/Order/${id}`, name: `#${2001 + i}`, email: `shop${i}@example.in`, created_at: new Date().toISOString(),
      currency: 'INR', presentment_currency: 'INR', financial_status: i === 3 ? 'pending' : 'paid', taxes_included: true,
      total_price: i === 3 ? '1048.00' : '1048.00', subtotal_price: '999.00', total_discounts: '0.00', total_tax: '152.39',
      payment_gateway_names: i === 3 ? ['Cash on Delivery (COD)'] : ['razorpay'], tags: i === 0 ? 'vip' : '',
      customer: { first_name: 'Meera', last_name: `Shop${i}`, email: `shop${i}@example.in`, phone: `+9197000000${10 + i}` },
      shipping_address: { name: `Meera Shop${i}`, address1: '3 Residency Road', city: 'Bengaluru', province_code: 'KA', zip: '560025', country_code: 'IN', phone: `+9197000000${10 + i}` },
      shipping_lines: [{ title: i === 1 ? 'Express' : 'Standard', code: i === 1 ? 'express' : 'standard', price: '49.00', discount_allocations: [], tax_lines: [] }],
      line_items: [{ id: id * 10, admin_graphql_api_id: `gid://shopify/LineItem/${id * 10}`, variant_id: 40000 + i, product_id: 7000 + i, sku: s(20 + i * 5), title: 'Item', quantity: 1, price: '999.00', requires_shipping: true, gift_card: false, discount_allocations: [], tax_lines: [{ title: 'IGST', price: '152.39', rate: 0.18 }] }],
    });
    await intakeOrder(db, channels.shopify!, input, 'demo');
    count();
  }

  // WooCommerce: the REST v3 order JSON of an order.created webhook.
  for (let i = 0; i < 3; i++) {
    const input = normalizeWooOrder({
      id: 9100 + i, number: String(9100 + i), status: 'processing', currency: 'INR', prices_include_tax: true, date_created_gmt: new Date().toISOString().slice(0, 19),
      total: '1348.00', total_tax: '205.63', shipping_total: '0.00', discount_total: '0.00', payment_method: i === 2 ? 'cod' : 'razorpay', payment_method_title: i === 2 ? 'Cash on delivery' : 'Razorpay',
      billing: { first_name: 'Kabir', last_name: `Woo${i}`, address_1: '21 Park Street', city: 'Kolkata', state: 'WB', postcode: '700016', country: 'IN', email: `woo${i}@example.in`, phone: `98300000${10 + i}` },
      shipping: { first_name: 'Kabir', last_name: `Woo${i}`, address_1: '21 Park Street', city: 'Kolkata', state: 'WB', postcode: '700016', country: 'IN' },
      line_items: [{ id: 91000 + i, name: 'Item', product_id: 300 + i, variation_id: 0, quantity: 2, subtotal: '1142.37', subtotal_tax: '205.63', total: '1142.37', total_tax: '205.63', taxes: [], sku: s(40 + i * 9), price: 674 }],
      shipping_lines: [], fee_lines: [], coupon_lines: [],
    });
    await intakeOrder(db, channels.woocommerce!, input, 'demo');
    count();
  }

  // Amazon SP-API Orders v0: getOrders + getOrderItems; the last one is fulfilled by Amazon (no warehouse work).
  for (let i = 0; i < 3; i++) {
    const orderId = `403-DEMO${String(i).padStart(3, '0')}-0000001`;
    const afn = i === 2;
    const input = normalizeAmazonOrder(
      {
        AmazonOrderId: orderId, PurchaseDate: new Date().toISOString(), LastUpdateDate: new Date().toISOString(), OrderStatus: 'Unshipped',
        FulfillmentChannel: afn ? 'AFN' : 'MFN', SalesChannel: 'Amazon.in', OrderTotal: { CurrencyCode: 'INR', Amount: '1299.00' },
        PaymentMethod: i === 1 ? 'COD' : 'Other', MarketplaceId: 'A21TJRUUN4KGV', ShipmentServiceLevelCategory: i === 0 ? 'Expedited' : 'Standard',
        LatestShipDate: new Date(Date.now() + 20 * 3_600_000).toISOString(),
        ShippingAddress: { Name: `Amazon Buyer ${i}`, AddressLine1: '55 Anna Salai', City: 'Chennai', StateOrRegion: 'TAMIL NADU', PostalCode: '600002', CountryCode: 'IN', Phone: `+91 94440 0000${i}` },
        BuyerInfo: { BuyerEmail: `amz${i}@marketplace.amazon.in` },
      },
      [{ ASIN: `B0DEMO000${i}`, SellerSKU: s(60 + i * 11), OrderItemId: `6100000000000${i}`, Title: 'Item', QuantityOrdered: 1, ItemPrice: { CurrencyCode: 'INR', Amount: '1299.00' }, ItemTax: { CurrencyCode: 'INR', Amount: '198.15' }, PromotionDiscount: { CurrencyCode: 'INR', Amount: '0.00' } }],
    );
    await intakeOrder(db, channels.amazon!, input, 'demo');
    count();
  }

  // Flipkart Marketplace v3: a shipment with its order items, and the shipment details for the address.
  for (let i = 0; i < 2; i++) {
    const shipmentId = `demo-shipment-${i}`;
    const input = normalizeFlipkartOrder(
      {
        shipmentId, dispatchByDate: new Date(Date.now() + 30 * 3_600_000).toISOString(), updatedAt: new Date().toISOString(), hold: false, shipmentType: i === 1 ? 'EXPRESS' : 'NORMAL',
        orderItems: [{ orderItemId: `1245000000000${i}`, orderId: `ODDEMO00000000${i}`, orderDate: new Date().toISOString(), paymentType: i === 0 ? 'COD' : 'PREPAID', status: 'APPROVED', quantity: 1, fsn: `FSNDEMO${i}`, sku: s(80 + i * 13), title: 'Item', priceComponents: { sellingPrice: 899.0, totalPrice: 899.0, shippingCharge: 0.0, customerPrice: 899.0, flipkartDiscount: 0.0 }, serviceProfile: 'NON_FBF' }],
      },
      { orderId: `ODDEMO00000000${i}`, shipmentId, deliveryAddress: { firstName: 'Rohan', lastName: `Flip${i}`, addressLine1: '9 FC Road', city: 'Pune', state: 'Maharashtra', pinCode: '411004', contactNumber: `98220000${10 + i}` } },
    );
    await intakeOrder(db, channels.flipkart!, input, 'demo');
    count();
  }

  // A CSV export from a marketplace without an API.
  const csv = [
    'order_id,order_number,currency,customer_name,customer_phone,ship_line1,ship_city,ship_postal_code,ship_country,payment_method,sku,qty,unit_price',
    `DEMO-CSV-1,CSV-1,INR,Neha Kapoor,9811100001,4 Sector 17,Chandigarh,160017,IN,prepaid,${s(100)},1,599.00`,
    `DEMO-CSV-1,CSV-1,INR,Neha Kapoor,9811100001,4 Sector 17,Chandigarh,160017,IN,prepaid,${s(101)},2,299.00`,
    `DEMO-CSV-2,CSV-2,INR,Arjun Nair,9811100002,1 Marine Drive,Kochi,682031,IN,cod,${s(102)},1,899.00`,
  ].join('\n');
  const r = await importOrders(db, csv, { channelId: channels.csv, actor: 'demo' });
  n += r.orders;
  log(`orders: ${n} placed from API, Shopify, WooCommerce, Amazon, Flipkart and CSV`);
  return n;
}
