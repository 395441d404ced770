import { sql } from 'kysely';
import type { Db } from './db/database.js';
import { purgeExpiredIdempotencyKeys } from './http/idempotency.js';

export interface Job {
  name: string;
  everyMs: number;
  run(db: Db): Promise<unknown>;
}

/** Background jobs of `tandem work`; later modules add theirs (outbox dispatch, channel sync, …). */
export const JOBS: Job[] = [{ name: 'purge-idempotency-keys', everyMs: 10 * 60_000, run: purgeExpiredIdempotencyKeys }];

function lockKey(name: string): number {
  let h = 0;
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

/**
 * Runs each job on its interval. Any number of processes may run workers: a transaction-scoped
 * advisory lock makes sure one job runs in one place at a time, with no coordinator beyond PostgreSQL.
 */
export function startWorkers(db: Db, log: { info: (o: object, m: string) => void; error: (o: object, m: string) => void }, jobs: Job[] = JOBS): { stop(): Promise<void> } {
  let stopping = false;
  const running = new Set<Promise<unknown>>();
  const timers = jobs.map((job) => {
    const tick = async (): Promise<void> => {
      if (stopping) return;
      try {
        await db.transaction().execute(async (tx) => {
          const got = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${lockKey(job.name)}) as ok`.execute(tx);
          if (!got.rows[0]?.ok) return;
          const result = await job.run(tx as unknown as Db);
          log.info({ job: job.name, result }, 'job ran');
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
