import { sql } from 'kysely';
import type { Db } from './db/database.js';
import { purgeExpiredIdempotencyKeys } from './http/idempotency.js';
import { purgeSessions } from './modules/auth/index.js';
import { reallocateWaiting } from './workflows/allocate-order.js';
import { pollMarketplaces } from './channels/pollers/index.js';
import { receiveEdiFiles, sendShippingOrders } from './workflows/edi.js';
import { runReplenishment } from './workflows/replenish.js';
import { eventJobs } from './events/jobs.js';
import { reconcileStock, runSyncCycle } from './channels/sync/index.js';
import { runWritebackCycle } from './channels/writeback/index.js';
import { runDueAutomation } from './workflows/automation.js';
import { releaseMappedHolds } from './workflows/release-mapped-holds.js';

export interface Job {
  name: string;
  /** The interval; for a continuous job, the pause after a run that found nothing to do. */
  everyMs: number;
  run(db: Db): Promise<unknown>;
  /** Runs again at once while `run` returns a positive number (work was done): sub-second latency under load. */
  continuous?: boolean;
  /** One runner at a time over all processes (advisory lock, the default); false when the job shares work out itself (SKIP LOCKED). */
  exclusive?: boolean;
  /** Releases what the job holds (connections) at shutdown. */
  stop?(): Promise<void>;
}

/** Background jobs of `tandem work`; later modules add theirs (outbox dispatch, channel sync, …). */
export const JOBS: Job[] = [
  { name: 'purge-idempotency-keys', everyMs: 10 * 60_000, run: purgeExpiredIdempotencyKeys },
  { name: 'purge-sessions', everyMs: 60 * 60_000, run: (db) => purgeSessions(db) },
  { name: 'reallocate-backorders', everyMs: 30_000, run: (db) => reallocateWaiting(db) },
  // Orders held for an unknown SKU continue once the SKU or the channel listing exists (also run at once by the API).
  { name: 'release-mapped-holds', everyMs: 60_000, run: (db) => releaseMappedHolds(db) },
  { name: 'poll-marketplaces', everyMs: 60_000, run: (db) => pollMarketplaces(db) },
  // X12 with external warehouses: 940s out for new fulfillment orders, 945/846 files in.
  { name: 'edi-outbound', everyMs: 10_000, run: (db) => sendShippingOrders(db) },
  { name: 'edi-inbound', everyMs: 10_000, run: (db) => receiveEdiFiles(db) },
  { name: 'replenish', everyMs: 60_000, run: (db) => runReplenishment(db) },
  ...eventJobs(),
  // Channel stock sync: every worker of every process takes its share (SKIP LOCKED and leases); 200 ms idle pause.
  { name: 'channel-stock-sync', everyMs: 200, continuous: true, exclusive: false, run: async (db) => { const r = await runSyncCycle(db); return r.changes + r.claimed; } },
  { name: 'channel-stock-reconcile', everyMs: 5 * 60_000, run: (db) => reconcileStock(db) },
  // Shipments told to their channels: the outbox cursor is taken by one worker a round, deliveries shared out (SKIP LOCKED).
  { name: 'channel-writeback', everyMs: 500, continuous: true, exclusive: false, run: (db) => runWritebackCycle(db) },
  // Fulfillment automation rules: each due rule is claimed by one runner (SKIP LOCKED + lease), so every worker may run it.
  { name: 'automation', everyMs: 15_000, exclusive: false, run: async (db) => (await runDueAutomation(db)).length },
];

function lockKey(name: string): number {
  let h = 0;
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

/**
 * Runs each job on its interval, or as a continuous loop. Any number of processes may run workers: an advisory
 * lock makes sure an exclusive job runs in one place at a time, with no coordinator beyond PostgreSQL.
 */
export function startWorkers(
  db: Db,
  log: { info: (o: object, m: string) => void; error: (o: object, m: string) => void; debug?: (o: object, m: string) => void },
  jobs: Job[] = JOBS,
): { stop(): Promise<void> } {
  let stopping = false;
  const running = new Set<Promise<unknown>>();
  const wakers = new Set<() => void>();

  /** One run of a job; undefined when another process holds its lock. */
  const runOnce = async (job: Job): Promise<unknown> => {
    if (job.exclusive === false) return job.run(db);
    // A session lock held on one pooled connection while the job runs with the pool (its own transactions).
    return db.connection().execute(async (conn) => {
      const got = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${lockKey(job.name)}) as ok`.execute(conn);
      if (!got.rows[0]?.ok) return undefined;
      try {
        return await job.run(db);
      } finally {
        await sql`select pg_advisory_unlock(${lockKey(job.name)})`.execute(conn);
      }
    });
  };

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      wakers.add(wake);
    });

  const loop = async (job: Job): Promise<void> => {
    let failures = 0;
    while (!stopping) {
      let busy = false;
      try {
        const result = await runOnce(job);
        busy = typeof result === 'number' && result > 0;
        if (busy) log.debug?.({ job: job.name, result }, 'job ran');
        failures = 0;
      } catch (err) {
        failures += 1;
        log.error({ job: job.name, err }, 'job failed');
      }
      // Backs off while failing (a database or broker outage) instead of logging five errors a second.
      if (!busy && !stopping) await pause(failures > 0 ? Math.min(30_000, job.everyMs * 2 ** failures) : job.everyMs);
    }
  };

  const loops = jobs.filter((j) => j.continuous).map(loop);
  const timers = jobs
    .filter((j) => !j.continuous)
    .map((job) => {
      const tick = async (): Promise<void> => {
        if (stopping) return;
        try {
          const result = await runOnce(job);
          if (result !== undefined) log.info({ job: job.name, result }, 'job ran');
        } catch (err) {
          log.error({ job: job.name, err }, 'job failed');
        }
      };
      return setInterval(() => {
        const p = tick();
        running.add(p);
        void p.finally(() => running.delete(p));
      }, job.everyMs);
    });
  return {
    stop: async () => {
      stopping = true;
      timers.forEach(clearInterval);
      wakers.forEach((wake) => wake());
      await Promise.all([...running, ...loops]);
      await Promise.all(jobs.map((j) => j.stop?.().catch((err: unknown) => log.error({ job: j.name, err }, 'job stop failed'))));
    },
  };
}
