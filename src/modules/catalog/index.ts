export type { SkuInput, SkuView, SkuRef, CatalogErrorCode } from './catalog.types.js';
/** Creates a SKU or kit, validating its GTIN check digit and components. */
export { createSku } from './catalog.service.js';
/** Gets a SKU by code or id (throws sku_not_found). */
export { getSku } from './catalog.service.js';
/** Finds a SKU by code or id. */
export { findSku } from './catalog.service.js';
/** Pages SKUs. */
export { listSkus } from './catalog.service.js';
/** Updates a SKU's descriptive fields. */
export { updateSku } from './catalog.service.js';
/** Resolves SKU codes or ids to references. */
export { resolveSkus } from './catalog.service.js';
/** Resolves SKU codes, ids or GTINs (any length) as scanned or sent by partners. */
export { resolveBarcodes } from './catalog.service.js';
/** Components of kits. */
export { kitComponents } from './catalog.service.js';
/** Per-field problems of a SKU input (for importers). */
export { skuInputProblems } from './catalog.service.js';
/** GTIN and GS1 check digits. */
export { gtinProblem, isValidGtin, gs1CheckDigit } from './gtin.js';
