import type { ColumnType, Generated } from 'kysely';

export interface ChannelPollStateTable {
  channel_id: string;
  /** The lower bound of the channel's next request (ISO 8601), or null before the first poll that took anything in. */
  cursor: string | null;
  last_polled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_error: string | null;
  updated_at: Generated<Date>;
}

export interface ChannelPollTables {
  channel_poll_state: ChannelPollStateTable;
}
