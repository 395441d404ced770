import type { Migration } from 'kysely';
import * as foundation from './2026_11_30_0900_foundation.js';
import * as masterData from './2026_11_30_0910_master_data.js';
import * as inventory from './2026_11_30_1000_inventory.js';
import * as orders from './2026_11_30_1100_orders.js';
import * as channelIntake from './2026_11_30_1110_channel_intake.js';
import * as channelPolls from './2026_11_30_1120_channel_polls.js';
import * as routingRules from './2026_11_30_1200_routing_rules.js';
import * as waves from './2026_12_01_0100_waves.js';
import * as returns from './2026_12_01_0700_returns.js';
import * as routingPriority from './2026_12_01_0800_routing_priority.js';
import * as edi from './2026_12_01_1000_edi.js';
import * as orderBackorders from './2026_12_01_1010_order_backorders.js';
import * as packing from './2026_12_01_0200_packing.js';
import * as cartonsInbound from './2026_12_01_0300_cartons_inbound.js';
import * as shipping from './2026_12_01_0600_shipping.js';
import * as channelStockSync from './2026_12_01_0500_channel_stock_sync.js';
import * as eventDelivery from './2026_12_01_0400_event_delivery.js';
import * as usersSessions from './2026_12_01_0900_users_sessions.js';
import * as security from './2026_12_01_1200_security.js';
import * as writebackAutomation from './2026_12_01_1100_writeback_automation.js';
import * as secretsAtRest from './2026_12_02_0100_secrets_at_rest.js';
import * as purchaseLimits from './2026_12_02_0200_purchase_limits.js';
import * as securityGaps from './2026_12_02_0300_security_gaps.js';
import * as kpis from './2026_12_02_0500_kpis.js';
import * as review from './2026_12_02_0700_review.js';
import * as webhookSecretRotation from './2026_12_02_0800_webhook_secret_rotation.js';
import * as ledgerReserveIndex from './2026_12_02_0900_ledger_reserve_index.js';

/**
 * Every migration. Forward-only: a migration, once released, is never edited; a change is a new one.
 * Kysely applies them in name order (names start with their UTC time), whatever the order here.
 */
export const migrations: Record<string, Migration> = {
  '2026_11_30_0900_foundation': foundation,
  '2026_11_30_0910_master_data': masterData,
  '2026_11_30_1000_inventory': inventory,
  '2026_11_30_1100_orders': orders,
  '2026_11_30_1110_channel_intake': channelIntake,
  '2026_11_30_1120_channel_polls': channelPolls,
  '2026_11_30_1200_routing_rules': routingRules,
  '2026_12_01_0100_waves': waves,
  '2026_12_01_0700_returns': returns,
  '2026_12_01_0800_routing_priority': routingPriority,
  '2026_12_01_1000_edi': edi,
  '2026_12_01_1010_order_backorders': orderBackorders,
  '2026_12_01_0200_packing': packing,
  '2026_12_01_0300_cartons_inbound': cartonsInbound,
  '2026_12_01_0600_shipping': shipping,
  '2026_12_01_0500_channel_stock_sync': channelStockSync,
  '2026_12_01_0400_event_delivery': eventDelivery,
  '2026_12_01_0900_users_sessions': usersSessions,
  '2026_12_01_1200_security': security,
  '2026_12_01_1100_writeback_automation': writebackAutomation,
  '2026_12_02_0100_secrets_at_rest': secretsAtRest,
  '2026_12_02_0200_purchase_limits': purchaseLimits,
  '2026_12_02_0300_security_gaps': securityGaps,
  '2026_12_02_0500_kpis': kpis,
  '2026_12_02_0700_review': review,
  '2026_12_02_0800_webhook_secret_rotation': webhookSecretRotation,
  '2026_12_02_0900_ledger_reserve_index': ledgerReserveIndex,
};
