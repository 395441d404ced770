import { sql } from 'kysely';
import { withTx, type Db } from '../db/database.js';
import { newId } from '../shared/ids.js';
import { positionOf, readCursor, readEventsAfter, advanceCursor } from './cursor.js';
import { matchesEventType } from './envelope.js';

const INSERT_CHUNK = 1_000;

/**
 * Turns the next batch of outbox events into webhook deliveries — one row per event × matching active
 * subscription — and moves the `webhooks` cursor past them, in one transaction: the fan-out happens exactly
 * once however many workers run it (the cursor row is locked; a second worker skips the round), and a crash
 * leaves either all of it or none. Returns the number of events handled.
 */
export async function fanOutWebhooks(db: Db, opts: { batch?: number } = {}): Promise<number> {
  return withTx(db, async (tx) => {
    const from = await readCursor(tx, 'webhooks', true);
    if (!from) return 0;
    const events = await readEventsAfter(tx, from, opts.batch ?? 500);
    if (events.length === 0) return 0;
    const subs = await tx.selectFrom('webhook_subscriptions').select(['id', 'events', 'created_at']).where('status', '=', 'active').execute();
    const rows = [];
    for (const e of events) {
      for (const s of subs) {
        // A subscription receives what happened after it was created; older events can be replayed on request.
        if (new Date(e.occurred_at) >= s.created_at && matchesEventType(s.events, e.type)) {
          rows.push({ id: newId('dlv'), subscription_id: s.id, event_id: e.id, event_type: e.type });
        }
      }
    }
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await tx
        .insertInto('webhook_deliveries')
        .values(rows.slice(i, i + INSERT_CHUNK))
        // The arbiter is the partial index `webhook_deliveries_once … WHERE NOT replayed`. Its predicate is written
        // as SQL, not as a bound `false`: under a generic plan (a prepared statement reused) PostgreSQL cannot see
        // that a parameter implies the index's predicate, finds no arbiter and fails the insert.
        .onConflict((oc) => oc.columns(['subscription_id', 'event_id']).where(sql<boolean>`not replayed`).doNothing())
        .execute();
    }
    await advanceCursor(tx, 'webhooks', from, positionOf(events.at(-1)!));
    return events.length;
  });
}
