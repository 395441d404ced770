import type { ChannelType } from '../../../modules/channels/index.js';
import { amazonAdapter } from './amazon.js';
import { flipkartAdapter } from './flipkart.js';
import { shopifyAdapter } from './shopify.js';
import { woocommerceAdapter } from './woocommerce.js';
import type { StockAdapter } from './types.js';

export type { AdapterContext, ItemResult, PushItem, StockAdapter } from './types.js';
export { listingsFeed } from './amazon.js';

const ADAPTERS: Partial<Record<ChannelType, StockAdapter>> = {
  shopify: shopifyAdapter,
  woocommerce: woocommerceAdapter,
  amazon: amazonAdapter,
  flipkart: flipkartAdapter,
};

/** The stock adapter of a channel type; api and csv channels have none (nothing to push to). */
export function adapterFor(type: ChannelType): StockAdapter | undefined {
  return ADAPTERS[type];
}
