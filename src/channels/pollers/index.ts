/** Marketplace pollers: pull new and changed orders from Amazon SP-API and Flipkart into Tandem, exactly once. */
import type { Db } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { getChannel, listChannels } from '../../modules/channels/index.js';
import { pollAmazon } from './amazon.js';
import { pollFlipkart } from './flipkart.js';
import type { PollOptions } from './http.js';
import type { PollSummary } from './poll-run.js';

export { pollAmazon } from './amazon.js';
export { pollFlipkart } from './flipkart.js';
export type { PollOptions } from './http.js';
export type { PollError, PollSummary } from './poll-run.js';

const POLLERS = { amazon: pollAmazon, flipkart: pollFlipkart } as const;

/** Polls one channel with the poller for its type; other types are refused (invalid / poll_not_supported). */
export async function pollChannel(db: Db, channelId: string, opts: PollOptions = {}): Promise<PollSummary> {
  const channel = await getChannel(db, channelId);
  const poll = channel.type === 'amazon' || channel.type === 'flipkart' ? POLLERS[channel.type] : undefined;
  if (!poll) throw new AppError('invalid', 'poll_not_supported', `Channel ${channelId} is a ${channel.type} channel; only amazon and flipkart channels are polled`, { channel_id: channelId, type: channel.type });
  return poll(db, channelId, opts);
}

export type MarketplacePollResult = { channel_id: string; summary: PollSummary } | { channel_id: string; error: string };

/**
 * The background job: polls every active amazon and flipkart channel whose settings name an endpoint, one
 * after another. One channel's failure (recorded in its poll state) does not stop the others.
 */
export async function pollMarketplaces(db: Db, opts: PollOptions = {}): Promise<MarketplacePollResult[]> {
  const channels = (await listChannels(db)).filter((c) => c.active && (c.type === 'amazon' || c.type === 'flipkart') && typeof c.settings.endpoint === 'string');
  const results: MarketplacePollResult[] = [];
  for (const c of channels) {
    try {
      results.push({ channel_id: c.id, summary: await pollChannel(db, c.id, opts) });
    } catch (err) {
      results.push({ channel_id: c.id, error: `${err instanceof AppError ? `${err.code}: ` : ''}${(err as Error).message}` });
    }
  }
  return results;
}
