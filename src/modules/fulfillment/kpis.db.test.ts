import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../../../test/helpers/db.js';
import { pickRates } from './kpis.js';

/** Pick rate on real PostgreSQL, from `pick.confirmed` rows written straight into the outbox at known times. */
let db: TestDb;

beforeAll(async () => {
  db = await createTestDb(4);
  const confirm = (n: number, at: string, qty: number) => sql`
    INSERT INTO outbox (id, type, aggregate_type, aggregate_id, payload, actor, occurred_at)
    VALUES (${`evt_kpi_${n}`}, 'pick.confirmed', 'pick_task', 'pt_1', ${JSON.stringify({ warehouse_id: 'wh_a', qty })}::jsonb, 'usr_p1', ${at}::timestamptz)`.execute(db.db);
  // 10:10 and 10:50 UTC: one UTC clock hour, but two in a half-hour-offset zone (15:40 and 16:20 in Asia/Kolkata).
  await confirm(1, '2026-11-30T10:10:00Z', 2);
  await confirm(2, '2026-11-30T10:50:00Z', 4);
});
afterAll(async () => db?.close());

describe('pick rate', () => {
  it('counts UTC clock hours whatever the session time zone of the connection', async () => {
    const window = { since: new Date('2026-11-30T08:00:00Z'), now: new Date('2026-11-30T12:00:00Z') };
    for (const tz of ['UTC', 'Asia/Kolkata']) {
      const r = await db.db.transaction().execute(async (tx) => {
        await sql`SELECT set_config('TimeZone', ${tz}, true)`.execute(tx);
        return pickRates(tx, window);
      });
      expect(r.pickers, tz).toEqual([expect.objectContaining({ picker: 'usr_p1', confirms: 2, units: 6, active_hours: 1, units_per_hour: 6 })]);
      expect(r.by_hour, tz).toEqual([{ hour: new Date('2026-11-30T10:00:00Z'), picker: 'usr_p1', units: 6 }]);
    }
  });
});
