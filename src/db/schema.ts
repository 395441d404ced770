import type { PlatformTables } from './tables/platform.js';
import type { MasterDataTables } from './tables/master-data.js';
import type { InventoryTables } from './tables/inventory.js';
import type { OrdersTables } from './tables/orders.js';
import type { ChannelPollTables } from './tables/channel-polls.js';
import type { RoutingTables } from './tables/routing.js';
import type { WavesTables } from './tables/waves.js';
import type { ChannelSyncTables } from './tables/channel-sync.js';
import type { ReturnsTables } from './tables/returns.js';
import type { CartonsInboundTables } from './tables/cartons-inbound.js';
import type { PackingTables } from './tables/packing.js';
import type { EdiTables } from './tables/edi.js';
import type { ShippingTables } from './tables/shipping.js';
import type { EventTables } from './tables/events.js';
import type { UsersTables } from './tables/users.js';
import type { SecurityTables } from './tables/security.js';
import type { WritebackAutomationTables } from './tables/writeback-automation.js';
import type { LimitsTables } from './tables/limits.js';

/**
 * The database as Kysely sees it, kept in step with `migrations/`. Each module's tables are declared
 * in `tables/<area>.ts`; add the interface here when a migration adds tables.
 */
export interface DB extends PlatformTables, MasterDataTables, InventoryTables, OrdersTables, ChannelPollTables, RoutingTables, CartonsInboundTables, PackingTables, ReturnsTables, ShippingTables, ChannelSyncTables, WavesTables, EventTables, UsersTables, EdiTables, SecurityTables, WritebackAutomationTables, LimitsTables {}
