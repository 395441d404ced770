export type { Principal, Role, ApiKeyView, UserView } from './auth.types.js';
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
export { ensureBootstrapAdmin, BOOTSTRAP_KEY_ID } from './auth.service.js';
/** Warehouse-scope checks for object access. */
export { canAccessWarehouse, assertWarehouseScope } from './auth.service.js';
/** Dashboard users: create, list, change (a change of role, scope or password ends their sessions). */
export { createUser, listUsers, updateUser, normalizeEmail, MIN_PASSWORD_LENGTH } from './users.js';
export type { CreateUserInput, UpdateUserInput } from './users.js';
/** Password hashing (scrypt, memory-hard) and its parameters. */
export { hashPassword, verifyPassword, SCRYPT_PARAMS } from './passwords.js';
/** Sessions: check credentials (throttled, constant-time), open, resolve, end, purge; CSRF tokens. */
export { checkCredentials, openSession, resolveSession, endSession, purgeSessions, csrfTokenFor, csrfMatches, SESSION_IDLE_MS, SESSION_MAX_MS, THROTTLE } from './sessions.js';
export type { CredentialCheck, OpenedSession, SessionPrincipal } from './sessions.js';
