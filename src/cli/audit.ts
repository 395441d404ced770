import os from 'node:os';
import type { Db, Executor } from '../db/database.js';
import { runEnlisted } from '../db/tx-enlistment.js';
import { completeAudit, recordAudit, recordPendingAudit } from '../modules/audit/index.js';
import { VERSION } from '../version.js';

/** Who runs this command: the OS user and host (`alice@ops-1`); the uid when the user has no passwd entry. */
export function cliActor(): string {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    user = process.env.USER || process.env.LOGNAME || `uid:${process.getuid?.() ?? 'unknown'}`;
  }
  return `${user}@${os.hostname()}`;
}

/**
 * Records an administrative change made from the command line (`tandem users create`, …) in the audit log, inside
 * the change's own transaction: actor type `cli`, the OS user as actor, the command as action.
 */
export async function recordCliChange(tx: Executor, c: { command: string; objectType: string; objectId: string; before?: unknown; after?: unknown }): Promise<void> {
  await recordAudit(tx, { ...cliEntry(c.command, c.objectType, c.objectId), status: 0, before: c.before, after: c.after });
}

const cliEntry = (command: string, objectType: string, objectId: string | null) => ({
  actorId: cliActor(), actorType: 'cli' as const, actorRole: null, action: `tandem ${command}`, objectType, objectId,
  ip: null, userAgent: `tandem-cli/${VERSION} (pid ${process.pid})`, requestId: null,
});

/**
 * Runs a command whose change spans many transactions (a CSV import commits in chunks) as one audited change, the
 * way the API audits a request: the first of its transactions that writes something also writes the pending entry,
 * so no row of the change commits without it; at the end the entry is completed with the command's summary and
 * exit status (0 done, 1 refused or failed). A run that changed nothing leaves no entry.
 */
export async function auditedCliRun<T>(db: Db, c: { command: string; objectType: string; objectId: string | null }, fn: () => Promise<T>, summary: (result: T) => { status: 0 | 1; after: unknown }): Promise<T> {
  const state: { entryId?: string | undefined; pendingId?: string | undefined } = {};
  const enlistment = {
    beforeCommit: async (tx: Parameters<typeof recordPendingAudit>[0]) => {
      if (state.entryId || state.pendingId) return;
      state.pendingId = await recordPendingAudit(tx, cliEntry(c.command, c.objectType, c.objectId));
    },
    committed: () => {
      if (state.pendingId) state.entryId = state.pendingId;
      state.pendingId = undefined;
    },
    rolledBack: () => {
      state.pendingId = undefined;
    },
  };
  let result: T;
  try {
    result = await runEnlisted(enlistment, fn);
  } catch (err) {
    // Chunks committed before the failure stay, and so does their entry: completed as failed, with the error.
    if (state.entryId) await completeAudit(db, state.entryId, { status: 1, after: { error: err instanceof Error ? err.message : String(err) } });
    throw err;
  }
  if (state.entryId) await completeAudit(db, state.entryId, summary(result));
  return result;
}
