export type { FulfillmentOrderView, FulfillmentStatus, NewFulfillmentOrder } from './fulfillment.service.js';
/** Adds allocated lines to the order's pending fulfillment order at a warehouse (creating it when needed). */
export { addFulfillmentWork } from './fulfillment.service.js';
/** The order's fulfillment orders with lines. */
export { listFulfillmentOrders } from './fulfillment.service.js';
/** Cancels unpicked units of order lines; returns what was cancelled per warehouse and SKU. */
export { cancelUnpickedWork } from './fulfillment.service.js';
/** True when any of the order's work is picking or beyond. */
export { hasStartedWork } from './fulfillment.service.js';
export type { CancelledWork, FulfillmentOrderDetail } from './fulfillment.service.js';
export type {
  FulfillmentErrorCode, PickExceptionView, PickLineView, PickTaskSummary, PickTaskView, UnreleasedLine, WaveCriteria, WaveStrategy, WaveView,
} from './fulfillment.types.js';
export type { LineRow as PickLineRow, TaskRow as PickTaskRow, ShortRecord } from './picking.js';
export type { Allocation, FreeStock } from './allocation.js';
export type { Layout, PathModel, PathPoint, PlannedPath } from './pick-path.js';
/** A fulfillment order with lines and picked units (throws fulfillment_order_not_found). */
export { getFulfillmentOrder } from './fulfillment.service.js';
/** Fulfillment orders in scope by warehouse, status, wave or order; paged by id. */
export { searchFulfillmentOrders } from './fulfillment.service.js';
/** Releases a wave: selects and allocates fulfillment orders, cuts pick tasks in path order. */
export { releaseWave, nextCutoff } from './waves.js';
/** A wave with tasks and progress (throws wave_not_found); waves in scope, newest first. */
export { getWave, listWaves } from './waves.js';
/** Pure pick-path planning: S-shape order over aisles/positions (else walk sequence) and route length in metres. */
export { planPath, routeLength, layoutFor } from './pick-path.js';
/** Serialises bin allocation in a warehouse; free pickable stock per SKU; all-or-nothing take from it; the over-allocation guard. */
export { lockAllocation, loadFreeStock, take, assertNotOverAllocated } from './allocation.js';
/** Claims the picker's next task (SKIP LOCKED), or the one they hold. */
export { claimTask } from './picking.js';
/** A task row (throws pick_task_not_found); may the actor work it (409 otherwise). */
export { getTaskRow, assertMayWork } from './picking.js';
/** The task's open lines a scan (bin + item) confirms; 422 wrong_bin / wrong_item otherwise. */
export { linesForScan, openLines, taskLine, lockLines } from './picking.js';
/** The item a scanned code names: SKU code, id or GTIN. */
export { resolveScannedItem } from './picking.js';
/** Guarded bookkeeping of picked and short units on a task line. */
export { recordPicked, recordShort } from './picking.js';
/** Lowers a fulfillment order line by units re-routed elsewhere; appends re-allocated picks to a task. */
export { reduceWork, addTaskLines } from './picking.js';
/** Records a short pick for the supervisor (emits pick.short); lists them. */
export { recordPickException, listPickExceptions } from './picking.js';
/** Moves fulfillment orders, tasks and waves forward after picks, shorts or cancellations. */
export { settle as settlePickProgress } from './picking.js';
/** A task with its lines, open ones first in path order; lines of tasks for documents. */
export { getTaskView, pickLines } from './picking.js';
/** Orders with pending (unreleased) work at a warehouse. */
export { ordersWithPendingWork } from './withdraw.js';
/** Cancels an order's pending work at a warehouse and returns its open quantities, for re-routing. */
export { withdrawPendingWork } from './withdraw.js';
export type { CartonView, CartonInput, CartonErrorCode } from './cartons.js';
export type { CartonizeItem, CartonizeResult, CartonizedPackage, Placement } from './cartonize.js';
/** Adds a carton (inner dimensions, max weight, tare) to a warehouse's catalog. */
export { createCarton } from './cartons.js';
/** A warehouse's active cartons, smallest first (optionally the inactive ones too). */
export { listCartons } from './cartons.js';
/** A carton by id or code in a warehouse (throws carton_not_found). */
export { getCarton } from './cartons.js';
/** Takes a carton out of use, or back into it. */
export { setCartonActive } from './cartons.js';
/** Pure: the smallest carton(s) holding the items (3-D first-fit-decreasing with rotations), and what fits none. */
export { cartonize } from './cartonize.js';
export type { PackageItem, PackageStatus, PackageView } from './packages.js';
export type { PackLine, PackState, PackingFo, PlannedPackage } from './packing.js';
/** A package with its items (throws package_not_found). */
export { getPackage } from './packages.js';
/** Packages of a fulfillment order or an order, in packing order. */
export { listPackages } from './packages.js';
/** Marks a packed package shipped, and its fulfillment order when it was the last one (409 invalid_transition otherwise). */
export { markPackageShipped } from './packages.js';
/** Lots a fulfillment order's picks put in staging not yet shipped; records a package's shipped lots; an order's shipped lots. */
export { pickedLots, recordShippedLots, shippedLots } from './packages.js';
export type { LotUnits } from './packages.js';
/** Units shipped per order line (whole kits for a kit line), from shipped packages. */
export { shippedUnits } from './packages.js';
/** Locks a packed package (fulfillment order first) for shipping or cancelling; 409 when it is not packed. */
export { lockPackedPackage } from './packages.js';
/** Cancels a packed package for a repack: its units must be scanned again, the fulfillment order goes back to packing. */
export { cancelPackage } from './packages.js';
/** The fulfillment order as packing sees it (with its order number); lockPackingFo takes its row lock. */
export { findPackingFo, lockPackingFo } from './packing.js';
/** Scanned vs expected per SKU of a fulfillment order, with its open session and live packages. */
export { getPackState } from './packing.js';
/** Records one pack scan (422 wrong_item / over_scan, nothing recorded). */
export { recordPackScan } from './packing.js';
/** The pack line a barcode (SKU code or GTIN) denotes. */
export { matchPackLine } from './packing.js';
/** Throws unless every expected unit of the pack session is scanned. */
export { assertPackComplete } from './packing.js';
/** Seals planned packages, closes the session, marks the fulfillment order packed. */
export { closePacking } from './packing.js';
export type { ExternalWork } from './external.js';
/** Pending work at a warehouse; the locked, still-pending work with its lines; pending → released when handed to a 3PL. */
export { pendingWorkAt, lockPendingWork, releaseToPartner } from './external.js';
/** A package a 3PL reports shipped (945): items and weight, no dimensions; the fulfillment order is packed once covered. */
export { recordExternalPackage } from './external.js';
export type { PickerRate } from './kpis.js';
/** Dashboard: confirmations, units and units per active hour per picker over a window, from the pick events. */
export { pickRates } from './kpis.js';
