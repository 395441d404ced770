import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Latencies } from './stats.js';

/**
 * Load generators. Open loop: request i is due at t0 + i/rate whatever happened to earlier ones, and its latency
 * is measured from that due time, so a server that falls behind shows it as latency (queueing is not hidden —
 * no coordinated omission). Closed loop: N clients, each sends its next request when the previous one answers;
 * it measures capacity (the most the system completes), not latency under a given arrival rate.
 */

export interface Outcome {
  ok: boolean;
  /** Error kind for a failed request (timeout, http_500, refused …). */
  kind?: string;
}

export interface LoadResult {
  mode: 'open' | 'closed';
  offeredRate: number;
  sent: number;
  ok: number;
  errors: Record<string, number>;
  /** Open loop: requests not sent because maxInFlight were already waiting (the system could not keep up). */
  dropped: number;
  /** Seconds from the start to the last completion. */
  elapsed: number;
  /** Successful requests per second over `elapsed`. */
  throughput: number;
  latency: Latencies;
  /** p99 event-loop delay of this load generator, ms: high values mean the generator itself was short of CPU. */
  genLagP99: number;
}

const addError = (errors: Record<string, number>, kind: string): void => {
  errors[kind] = (errors[kind] ?? 0) + 1;
};

export async function openLoop(o: { rate: number; seconds: number; maxInFlight: number; drainMs: number; fire: (i: number) => Promise<Outcome> }): Promise<LoadResult> {
  const total = Math.max(1, Math.round(o.rate * o.seconds));
  const latency = new Latencies();
  const errors: Record<string, number> = {};
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  let inFlight = 0;
  let ok = 0;
  let dropped = 0;
  let last = 0;
  const t0 = performance.now();
  let drained: (() => void) | undefined;
  const launch = (i: number, due: number): void => {
    if (inFlight >= o.maxInFlight) {
      dropped++;
      return;
    }
    inFlight++;
    o.fire(i).then(
      (out) => {
        const done = performance.now();
        last = Math.max(last, done);
        if (out.ok) {
          ok++;
          latency.add(done - due);
        } else addError(errors, out.kind ?? 'error');
      },
      (err: unknown) => addError(errors, (err as Error).message || 'exception'),
    ).finally(() => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
  };
  let i = 0;
  while (i < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - t0) * o.rate) / 1000) + 1);
    for (; i < due; i++) launch(i, t0 + (i * 1000) / o.rate);
    await new Promise((r) => setTimeout(r, 1));
  }
  if (inFlight > 0) {
    await new Promise<void>((resolve) => {
      drained = resolve;
      setTimeout(resolve, o.drainMs).unref();
    });
  }
  if (inFlight > 0) addError(errors, `still running after the ${o.drainMs} ms drain`);
  lag.disable();
  const elapsed = (Math.max(last, t0 + o.seconds * 1000) - t0) / 1000;
  return { mode: 'open', offeredRate: o.rate, sent: total - dropped, ok, errors, dropped, elapsed, throughput: ok / elapsed, latency, genLagP99: lag.percentile(99) / 1e6 };
}

export async function closedLoop(o: { clients: number; seconds: number; fire: (i: number) => Promise<Outcome> }): Promise<LoadResult> {
  const latency = new Latencies();
  const errors: Record<string, number> = {};
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  let n = 0;
  let ok = 0;
  const t0 = performance.now();
  const end = t0 + o.seconds * 1000;
  await Promise.all(
    Array.from({ length: o.clients }, async () => {
      while (performance.now() < end) {
        const start = performance.now();
        try {
          const out = await o.fire(n++);
          if (out.ok) {
            ok++;
            latency.add(performance.now() - start);
          } else addError(errors, out.kind ?? 'error');
        } catch (err) {
          addError(errors, (err as Error).message || 'exception');
        }
      }
    }),
  );
  lag.disable();
  const elapsed = (performance.now() - t0) / 1000;
  return { mode: 'closed', offeredRate: Number.NaN, sent: n, ok, errors, dropped: 0, elapsed, throughput: ok / elapsed, latency, genLagP99: lag.percentile(99) / 1e6 };
}

export const errorSummary = (r: LoadResult): string => {
  const parts = Object.entries(r.errors).map(([k, v]) => `${v} ${k}`);
  if (r.dropped > 0) parts.unshift(`${r.dropped} not sent (max in flight reached)`);
  return parts.length > 0 ? parts.join(', ') : '0';
};
