import { connect, nanos, type JetStreamClient, type NatsConnection } from 'nats';
import type { Db } from '../db/database.js';
import { advanceCursor, positionOf, readCursor, readEventsAfter } from './cursor.js';
import { envelope } from './envelope.js';

export const STREAM = 'TANDEM';
export const SUBJECT_PREFIX = 'tandem';

/** The subject an event is published on: `tandem.<event type>` (e.g. `tandem.order.placed`). */
export const subjectOf = (type: string, prefix = SUBJECT_PREFIX): string => `${prefix}.${type}`;

export interface NatsPublisherOptions {
  url: string;
  /** Stream and subject prefix; `TANDEM` and `tandem` unless a test isolates itself. */
  stream?: string;
  subjectPrefix?: string;
  /** JetStream drops a second message with the same `Nats-Msg-Id` inside this window (stream setting, applied when Tandem creates the stream). */
  duplicateWindowMs?: number;
  batch?: number;
}

/**
 * Publishes every outbox event to the JetStream stream `TANDEM`, in outbox order, with `Nats-Msg-Id` = event id.
 * The `nats` cursor moves only after JetStream acknowledged the whole batch, so a crash republishes (at least
 * once) and the stream's de-duplication window turns the repeat into a no-op. One publisher runs at a time
 * (the worker's advisory lock); the guarded cursor update backs that up.
 */
export class NatsPublisher {
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private connecting: Promise<JetStreamClient> | undefined;

  constructor(private readonly opts: NatsPublisherOptions) {}

  private async client(): Promise<JetStreamClient> {
    if (this.js && this.nc && !this.nc.isClosed()) return this.js;
    this.connecting ??= (async () => {
      try {
        const nc = await connect({ servers: this.opts.url, name: 'tandem-outbox', maxReconnectAttempts: -1 });
        await ensureStream(nc, { stream: this.opts.stream, subjectPrefix: this.opts.subjectPrefix, duplicateWindowMs: this.opts.duplicateWindowMs });
        this.nc = nc;
        this.js = nc.jetstream();
        return this.js;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  /** Publishes the next batch of events; returns how many were published (0 when caught up). */
  async publishPending(db: Db): Promise<number> {
    const from = await readCursor(db, 'nats');
    if (!from) return 0;
    const events = await readEventsAfter(db, from, this.opts.batch ?? 500);
    if (events.length === 0) return 0;
    const js = await this.client();
    // Pipelined: all publishes are in flight together; JetStream keeps their order on one connection.
    await Promise.all(events.map((e) => js.publish(subjectOf(e.type, this.opts.subjectPrefix), JSON.stringify(envelope(e)), { msgID: e.id })));
    await advanceCursor(db, 'nats', from, positionOf(events.at(-1)!));
    return events.length;
  }

  async close(): Promise<void> {
    const nc = this.nc;
    this.nc = undefined;
    this.js = undefined;
    if (nc && !nc.isClosed()) await nc.drain();
  }
}

/** Creates the stream `TANDEM` on `tandem.>` when it does not exist; an existing stream is left as configured. */
export async function ensureStream(nc: NatsConnection, opts: { stream?: string | undefined; subjectPrefix?: string | undefined; duplicateWindowMs?: number | undefined } = {}): Promise<void> {
  const name = opts.stream ?? STREAM;
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.streams.info(name);
  } catch (err) {
    if (!/not found/i.test((err as Error).message)) throw err;
    await jsm.streams.add({ name, subjects: [`${opts.subjectPrefix ?? SUBJECT_PREFIX}.>`], duplicate_window: nanos(opts.duplicateWindowMs ?? 10 * 60_000) });
  }
}
