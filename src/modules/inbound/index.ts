export type {
  AsnInput, AsnLineInput, AsnLineView, AsnReceiptView, AsnStatus, AsnView, InboundErrorCode, PutawayReason, PutawaySuggestion,
  ReplenishmentRuleView, ReplenishmentTaskView,
} from './inbound.types.js';
/** Over-receipt allowed when an ASN does not set its own tolerance, in percent of a line's expected quantity. */
export { DEFAULT_OVER_TOLERANCE_PCT } from './inbound.types.js';

/** Creates an ASN with its lines (reference unique per warehouse). */
export { createAsn } from './asn.service.js';
/** An ASN with lines and totals (throws asn_not_found). */
export { getAsn } from './asn.service.js';
/** Locks an ASN for a receipt or for closing, and returns it. */
export { lockAsn } from './asn.service.js';
/** ASNs in scope, newest first, paged. */
export { listAsns } from './asn.service.js';
/** The ASN line a scanned SKU (and lot) is received against. */
export { matchAsnLine } from './asn.service.js';
/** Records a receipt on an ASN line, refusing more than expected plus the tolerance. */
export { recordAsnReceipt } from './asn.service.js';
/** The most a line may receive in all: expected plus the tolerance. */
export { receivableLimit } from './asn.service.js';
/** The receipts recorded against an ASN. */
export { listAsnReceipts } from './asn.service.js';
/** Closes an ASN, recording each line's shortfall. */
export { closeAsn } from './asn.service.js';
/** Cancels an ASN nothing was received against. */
export { cancelAsn } from './asn.service.js';
/** The SKU a scan denotes (id, code or GTIN). */
export { skuForScan } from './scan.js';

/** Putaway suggestions: bins holding the SKU with room, then the preferred zone's empty bins, then empty pickable bins. */
export { suggestPutaway } from './putaway.service.js';
/** Units a bin can still take (null = no capacity set). */
export { binRoom } from './putaway.service.js';
/** Received units not yet in a bin, per SKU, lot and state. */
export { unplacedStock } from './putaway.service.js';
/** Sets or clears a SKU's preferred putaway zone in a warehouse. */
export { setPreferredZone } from './putaway.service.js';
/** Preferred putaway zones of a warehouse. */
export { listPreferredZones } from './putaway.service.js';

/** Creates or changes a pick face's min/max for a SKU. */
export { setReplenishmentRule } from './replenishment.service.js';
/** Replenishment rules of a warehouse. */
export { listReplenishmentRules } from './replenishment.service.js';
/** Warehouses that have active replenishment rules. */
export { warehousesWithRules } from './replenishment.service.js';
/** Creates replenishment tasks for pick faces below min (never a second open task per face × SKU). */
export { planReplenishment } from './replenishment.service.js';
/** A replenishment task with its lines (throws replenishment_task_not_found). */
export { getReplenishmentTask } from './replenishment.service.js';
/** Replenishment tasks of a warehouse. */
export { listReplenishmentTasks } from './replenishment.service.js';
/** Closes an open task as done (with what moved) or cancelled. */
export { closeReplenishmentTask } from './replenishment.service.js';
/** Units open pick tasks will still take from a bin × lot. */
export { promisedUnits } from './replenishment.service.js';
