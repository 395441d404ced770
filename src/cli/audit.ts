import os from 'node:os';
import type { Executor } from '../db/database.js';
import { recordAudit } from '../modules/audit/index.js';
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
  await recordAudit(tx, {
    actorId: cliActor(), actorType: 'cli', actorRole: null, action: `tandem ${c.command}`, objectType: c.objectType, objectId: c.objectId,
    status: 0, ip: null, userAgent: `tandem-cli/${VERSION} (pid ${process.pid})`, requestId: null, before: c.before, after: c.after,
  });
}
