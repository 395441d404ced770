/** The audit log of administrative changes: append an entry, query entries, take a before-image of an object. */
export { recordAudit, recordPendingAudit, completeAudit, listAudit, snapshotObject, withoutSecrets } from './audit.service.js';
export type { AuditEntryInput, AuditEntryView, AuditQuery, ActorType } from './audit.service.js';
