export type { ChannelInput, ChannelView, ChannelType, ListingView, ChannelsErrorCode } from './channels.service.js';
/** Creates a sales channel. */
export { createChannel } from './channels.service.js';
/** Gets a channel (throws channel_not_found). */
export { getChannel } from './channels.service.js';
/** Lists channels. */
export { listChannels } from './channels.service.js';
/** The channel's webhook secret (never exposed over the API). */
export { channelSecret } from './channels.service.js';
/** Maps a channel SKU to one of ours. */
export { createListing } from './channels.service.js';
/** Lists a channel's listings. */
export { listListings } from './channels.service.js';
/** The default channel of orders posted to the API. */
export { ensureApiChannel } from './channels.service.js';
/** The default channel of orders posted to the API, if it exists yet (a read: no transaction needed). */
export { findApiChannel } from './channels.service.js';
/** Resolves channel SKUs to our SKU ids. */
export { resolveListings } from './channels.service.js';
