export type { Principal, Role, ApiKeyView } from './auth.types.js';
export { ROLES } from './auth.types.js';
/** Resolves a bearer token to its principal, or undefined when it is unknown or revoked. */
export { authenticate } from './auth.service.js';
/** Creates an API key; the token is returned once. */
export { createApiKey } from './auth.service.js';
/** Lists API keys (never their secrets). */
export { listApiKeys } from './auth.service.js';
/** Revokes an API key. */
export { revokeApiKey } from './auth.service.js';
/** Sets or generates the bootstrap admin key. */
export { ensureBootstrapAdmin } from './auth.service.js';
/** Warehouse-scope checks for object access. */
export { canAccessWarehouse, assertWarehouseScope } from './auth.service.js';
