import type { PlatformTables } from './tables/platform.js';
import type { MasterDataTables } from './tables/master-data.js';
import type { InventoryTables } from './tables/inventory.js';
import type { OrdersTables } from './tables/orders.js';
import type { ChannelPollTables } from './tables/channel-polls.js';
import type { RoutingTables } from './tables/routing.js';

/**
 * The database as Kysely sees it, kept in step with `migrations/`. Each module's tables are declared
 * in `tables/<area>.ts`; add the interface here when a migration adds tables.
 */
export interface DB extends PlatformTables, MasterDataTables, InventoryTables, OrdersTables, ChannelPollTables, RoutingTables {}
