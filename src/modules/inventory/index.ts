export type {
  AdjustInput, AdjustReason, BinStockView, CommitInput, CountView, Drift, InventoryErrorCode, LedgerEntryView, LedgerType, LevelChange,
  MoveInput, Pick, ReceiveInput, ReleaseInput, ReservationView, ReserveInput, ReserveMode, ReserveResult, ShortLine, StockLevelView,
  StockState, TransferView, VarianceLine,
} from './inventory.types.js';
export type { NetworkTotal } from './inventory.queries.js';
/** Reasons an adjustment may give, and the states stock can be in. */
export { ADJUST_REASONS, STOCK_STATES } from './inventory.types.js';

/** Receives units into bins (or unplaced), with optional lot and expiry; emits stock.received and stock.changed. */
export { receiveStock } from './inventory.service.js';
/** Adjusts stock at a bin by a signed delta with a reason code; never below what is reserved. */
export { adjustStock } from './inventory.service.js';
/** Moves units bin → bin, optionally changing their state (available, damaged, quarantine). */
export { moveStock } from './inventory.service.js';

/** Reserves many lines at once, all-or-nothing or partial, with one guarded update per SKU × warehouse. */
export { reserveStock } from './inventory.reserve.js';
/** Releases reservations by id or by ref (and ref_line), or part of one. */
export { releaseReservations } from './inventory.reserve.js';
/** Commit on ship: on_hand and reserved go down, the picked bins (given or FEFO) lose the units. */
export { commitReservation } from './inventory.reserve.js';
/** The order workflows' names for reserveStock and releaseReservations. */
export { reserveStock as reserve, releaseReservations as release } from './inventory.reserve.js';
/** A reservation by id (throws reservation_not_found). */
export { getReservation } from './inventory.reserve.js';
/** Reservations by ref, SKU, warehouse or status. */
export { listReservations } from './inventory.reserve.js';

/** Creates a transfer between warehouses and reserves its units at the source. */
export { createTransfer } from './inventory.transfers.js';
/** Ships a transfer: units leave the source and are in transit to the destination. */
export { shipTransfer } from './inventory.transfers.js';
/** Receives a transfer, in parts; closing records what did not arrive as a discrepancy. */
export { receiveTransfer } from './inventory.transfers.js';
/** Cancels a transfer that has not shipped. */
export { cancelTransfer } from './inventory.transfers.js';
/** A transfer with its lines (throws transfer_not_found). */
export { getTransfer } from './inventory.transfers.js';
/** Transfers touching the warehouses in scope. */
export { listTransfers } from './inventory.transfers.js';

/** Opens a cycle count for bins; they are blocked for picking until it is posted or cancelled. */
export { openCount } from './inventory.counts.js';
/** Records the counted content of one bin of a count. */
export { recordCount } from './inventory.counts.js';
/** The variance report of a count. */
export { countVariance } from './inventory.counts.js';
/** Posts a count: variances become adjustments with reason `count`. */
export { postCount } from './inventory.counts.js';
/** Cancels an open count. */
export { cancelCount } from './inventory.counts.js';
/** A count with its bins (throws count_not_found). */
export { getCount, listCounts } from './inventory.counts.js';
export type { CountSummary } from './inventory.counts.js';

/** Stock per SKU × warehouse with available. */
export { listStock } from './inventory.queries.js';
/** Sellable units per SKU × warehouse for some SKUs. */
export { availabilityFor } from './inventory.queries.js';
/** Open reserved units per warehouse × SKU held by given refs. */
export { reservedForRefs } from './inventory.queries.js';
/** Totals per SKU over the network of warehouses. */
export { networkTotals } from './inventory.queries.js';
/** Stock by bin and lot in FEFO order. */
export { listBinStock } from './inventory.queries.js';
/** The inventory ledger, filtered and paged. */
export { listLedger } from './inventory.queries.js';
/** SKU × warehouse rows at or below a threshold of available units. */
export { lowStock } from './inventory.queries.js';
/** Dashboard: SKU × warehouse at zero available that had demand. */
export { stockOuts } from './inventory.queries.js';
export type { StockOutRow } from './inventory.queries.js';
/** Recomputes every counter from its source of truth and reports each drift. */
export { verifyInventory } from './inventory.verify.js';
