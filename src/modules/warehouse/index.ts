export type { WarehouseInput, WarehousePatch, WarehouseView, BinInput, BinView, WarehouseErrorCode } from './warehouse.types.js';
/** Creates a warehouse (validated time zone and coordinates). */
export { createWarehouse } from './warehouse.service.js';
/** Changes name, cut-off, routing priority or active; returns before and after. */
export { updateWarehouse } from './warehouse.service.js';
/** Gets a warehouse by id or code (throws warehouse_not_found). */
export { getWarehouse } from './warehouse.service.js';
/** Finds a warehouse by id or code. */
export { findWarehouse } from './warehouse.service.js';
/** Lists warehouses within a scope. */
export { listWarehouses } from './warehouse.service.js';
/** Creates bins (and their zones) all-or-nothing. */
export { createBins } from './warehouse.service.js';
/** Lists a warehouse's bins in walk order. */
export { listBins } from './warehouse.service.js';
/** Gets a bin by id or code (throws bin_not_found). */
export { getBin } from './warehouse.service.js';
/** Bin counts per warehouse. */
export { countBins } from './warehouse.service.js';
/** Validates an IANA time zone name. */
export { isValidTimezone } from './warehouse.service.js';
