import { sql } from 'kysely';
import type { Db } from './db/database.js';
import { purgeExpiredIdempotencyKeys } from './http/idempotency.js';
import { reallocateWaiting } from './workflows/allocate-order.js';
import { pollMarketplaces } from './channels/pollers/index.js';

export interface Job {
  name: string;
  everyMs: number;
  run(db: Db): Promise<unknown>;
}

/** Background jobs of `tandem work`; later modules add theirs (outbox dispatch, channel sync, …). */
export const JOBS: Job[] = [
  { name: 'purge-idempotency-keys', everyMs: 10 * 60_000, run: purgeExpiredIdempotencyKeys },
  { name: 'reallocate-backorders', everyMs: 30_000, run: (db) => reallocateWaiting(db) },
  { name: 'poll-marketplaces', everyMs: 60_000, run: (db) => pollMarketplaces(db) },
];

function lockKey(name: string): number {
  let h = 0;
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

/**
 * Runs each job on its interval. Any number of processes may run workers: an advisory lock makes sure
 * one job runs in one place at a time, with no coordinator beyond PostgreSQL.
 */
export function startWorkers(db: Db, log: { info: (o: object, m: string) => void; error: (o: object, m: string) => void }, jobs: Job[] = JOBS): { stop(): Promise<void> } {
  let stopping = false;
  const running = new Set<Promise<unknown>>();
  const timers = jobs.map((job) => {
    const tick = async (): Promise<void> => {
      if (stopping) return;
      try {
        // A session lock held on one pooled connection while the job runs with the pool (its own transactions).
        await db.connection().execute(async (conn) => {
          const got = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${lockKey(job.name)}) as ok`.execute(conn);
          if (!got.rows[0]?.ok) return;
          try {
            const result = await job.run(db);
            log.info({ job: job.name, result }, 'job ran');
          } finally {
            await sql`select pg_advisory_unlock(${lockKey(job.name)})`.execute(conn);
          }
        });
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
      await Promise.all(running);
    },
  };
}
